// Task migration between cgroups (writing a pid to cgroup.procs, which every
// container start and exec does) takes a global percpu rwsem for writing,
// and by default that waits for an RCU grace period: 5-13 ms per migration
// on a busy 2-core VM, 0.3 ms with the cgroup2 mount option favordynmods
// (kernel 6.0+), which keeps the rwsem in its slow-reader mode instead.
// The option is host-wide (every hierarchy, v1 included, and every other
// runtime on the host gains; forks and exits pay a little more), so warrend
// only sets it when asked (--cgroup_favordynmods).
#ifndef WARREN_RUNTIME_CGROUP_FAVOR_DYNMODS_H_
#define WARREN_RUNTIME_CGROUP_FAVOR_DYNMODS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

// A remount of the cgroup2 mount at `target` with `options`: its current
// superblock options (so nsdelegate, memory_recursiveprot... stay) plus
// favordynmods, and `flags`: MS_REMOUNT and the mount's own flags (a
// remount without MS_NOSUID would drop nosuid from the mount).
struct CgroupRemount {
  std::string target;
  std::string options;
  unsigned long flags = 0;
};

// The remount that turns the option `on` (or off) for this mountinfo text;
// nullopt when it already is. NOT_FOUND when there is no cgroup2 mount
// (pure v1: the kernel refuses option changes on v1 remounts).
absl::StatusOr<std::optional<CgroupRemount>> PlanFavorDynmods(
    absl::string_view mountinfo, bool on = true);

// Applies PlanFavorDynmods to the running host. Returns the mount point
// changed ("" if it already was as asked). Old kernels answer
// INVALID_ARGUMENT ("Unknown parameter").
absl::StatusOr<std::string> SetCgroupFavorDynmods(bool on);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CGROUP_FAVOR_DYNMODS_H_
