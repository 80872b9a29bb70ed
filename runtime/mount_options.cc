#include "runtime/mount_options.h"

#include <sys/mount.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace warren::runtime {
namespace {

struct FlagOption {
  const char* name;
  bool clear;  // the option turns the flag off ("rw", "suid"...)
  unsigned long flag;
};

constexpr FlagOption kFlags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
};

constexpr std::pair<const char*, unsigned long> kPropagation[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

absl::StatusOr<ParsedMountOptions> ParseMountOptions(
    const std::vector<std::string>& options, const std::string& field) {
  ParsedMountOptions out;
  std::vector<std::string> data;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& opt = options[i];
    if (opt.empty() || opt.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "]: options are single words such as \"ro\""));
    }
    if (opt == "bind" || opt == "rbind") {
      out.bind = true;
      out.recursive |= opt == "rbind";
      continue;
    }
    bool known = false;
    for (const FlagOption& f : kFlags) {
      if (opt == f.name) {
        out.flags = f.clear ? (out.flags & ~f.flag) : (out.flags | f.flag);
        known = true;
      }
    }
    for (const auto& [name, flag] : kPropagation) {
      if (opt == name) {
        out.propagation = flag;
        known = true;
      }
    }
    if (!known) data.push_back(opt);
  }
  out.data = absl::StrJoin(data, ",");
  return out;
}

absl::Status ValidateMount(const v1::Mount& m, int index) {
  std::string field = absl::StrCat("spec.mounts[", index, "]");
  if (m.destination().empty() || m.destination()[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".destination: must be an absolute path"));
  }
  if (m.destination() == "/") {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".destination: cannot mount over the root (use rootfs)"));
  }
  if (m.type().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".type: is required"));
  }
  absl::StatusOr<ParsedMountOptions> parsed = ParseMountOptions(
      {m.options().begin(), m.options().end()}, field + ".options");
  if (!parsed.ok()) return parsed.status();
  if ((m.type() == "bind" || parsed->bind) &&
      (m.source().empty() || m.source()[0] != '/')) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".source: a bind mount needs an absolute host path"));
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
