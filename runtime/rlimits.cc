#include "runtime/rlimits.h"

#include <sys/resource.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace warren::runtime {

absl::StatusOr<int> ParseRlimitName(absl::string_view name) {
  static constexpr std::pair<const char*, int> kLimits[] = {
      {"AS", RLIMIT_AS},
      {"CORE", RLIMIT_CORE},
      {"CPU", RLIMIT_CPU},
      {"DATA", RLIMIT_DATA},
      {"FSIZE", RLIMIT_FSIZE},
      {"LOCKS", RLIMIT_LOCKS},
      {"MEMLOCK", RLIMIT_MEMLOCK},
      {"MSGQUEUE", RLIMIT_MSGQUEUE},
      {"NICE", RLIMIT_NICE},
      {"NOFILE", RLIMIT_NOFILE},
      {"NPROC", RLIMIT_NPROC},
      {"RSS", RLIMIT_RSS},
      {"RTPRIO", RLIMIT_RTPRIO},
      {"RTTIME", RLIMIT_RTTIME},
      {"SIGPENDING", RLIMIT_SIGPENDING},
      {"STACK", RLIMIT_STACK},
  };
  std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "RLIMIT_");
  for (const auto& [n, value] : kLimits) {
    if (bare == n) return value;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown rlimit \"", name, "\""));
}

}  // namespace warren::runtime
