#include "runtime/cgroup_favor_dynmods.h"

#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

// MS_REMOUNT plus the MS_* flags for a mount's per-mount options.
unsigned long RemountFlags(absl::string_view mount_options) {
  unsigned long flags = MS_REMOUNT;
  for (absl::string_view opt : absl::StrSplit(mount_options, ',')) {
    if (opt == "ro") flags |= MS_RDONLY;
    if (opt == "nosuid") flags |= MS_NOSUID;
    if (opt == "nodev") flags |= MS_NODEV;
    if (opt == "noexec") flags |= MS_NOEXEC;
    if (opt == "noatime") flags |= MS_NOATIME;
    if (opt == "nodiratime") flags |= MS_NODIRATIME;
    if (opt == "relatime") flags |= MS_RELATIME;
    if (opt == "strictatime") flags |= MS_STRICTATIME;
  }
  return flags;
}

}  // namespace

absl::StatusOr<std::optional<CgroupRemount>> PlanFavorDynmods(
    absl::string_view mountinfo, bool on) {
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    // id parent dev root mount_point opts [optional...] - fstype source super
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4 ||
        dash[1] != "cgroup2") {
      continue;
    }
    std::vector<std::string> options;
    bool is_on = false;
    for (absl::string_view opt : absl::StrSplit(dash[3], ',')) {
      if (opt == "favordynmods") {
        is_on = true;
        continue;
      }
      // Read-only or not is the mount's flag, not a cgroup2 option.
      if (opt == "rw" || opt == "ro" || opt.empty()) continue;
      options.emplace_back(opt);
    }
    if (is_on == on) return std::nullopt;
    if (on) options.push_back("favordynmods");
    return CgroupRemount{std::string(fields[4]), absl::StrJoin(options, ","),
                         RemountFlags(fields[5])};
  }
  return absl::NotFoundError(
      "no cgroup2 mount: favordynmods can only be set on a cgroup2 hierarchy");
}

absl::StatusOr<std::string> SetCgroupFavorDynmods(bool on) {
  absl::StatusOr<std::string> mountinfo = ReadFile("/proc/self/mountinfo");
  if (!mountinfo.ok()) return mountinfo.status();
  absl::StatusOr<std::optional<CgroupRemount>> plan =
      PlanFavorDynmods(*mountinfo, on);
  if (!plan.ok()) return plan.status();
  if (!plan->has_value()) return std::string();
  const CgroupRemount& remount = **plan;
  if (mount(nullptr, remount.target.c_str(), nullptr, remount.flags,
            remount.options.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("remount ", remount.target,
                                                   " with ", remount.options));
  }
  return remount.target;
}

}  // namespace warren::runtime
