// Maps rlimit names from the API ("NOFILE") to RLIMIT_* numbers.
#ifndef WARREN_RUNTIME_RLIMITS_H_
#define WARREN_RUNTIME_RLIMITS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

// Accepts "NOFILE" or "RLIMIT_NOFILE", any case. INVALID_ARGUMENT otherwise.
absl::StatusOr<int> ParseRlimitName(absl::string_view name);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_RLIMITS_H_
