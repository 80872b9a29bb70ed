// Which device nodes a container may open: deny everything, then allow the
// standard character devices its /dev has (null, zero, full, random,
// urandom, tty, console, ptmx, pts) and mknod of any node, like runc's
// default. A node a container makes itself (mknod of the host's disk) can
// then be created but not opened.
//
// The rules are plain data, enforced in one of two ways:
// - cgroup v1 (and hybrid hosts with a v1 devices controller): writes to
//   devices.deny / devices.allow (PlanDeviceWrites);
// - cgroup v2 without a v1 devices controller: a BPF_CGROUP_DEVICE program
//   built from the same rules (runtime/device_bpf.h) attached to the
//   container's v2 directory (DeviceProgramDir).
#ifndef WARREN_RUNTIME_DEVICE_CGROUP_H_
#define WARREN_RUNTIME_DEVICE_CGROUP_H_

#include <string>
#include <vector>

#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"

namespace warren::runtime {

// One allow rule, shared by the v1 writes and the BPF program so the two
// enforce the same list.
struct DeviceRule {
  char type = 'a';     // 'c' character, 'b' block, 'a' both
  int major = -1;      // -1: any
  int minor = -1;      // -1: any
  std::string access;  // subset of "rwm": read, write, mknod

  // devices.allow syntax, e.g. "c 1:3 rwm" or "c 136:* rwm". v1 reads a
  // leading 'a' as "every device" whatever follows, so PlanDeviceWrites
  // writes an 'a' rule as its 'c' and 'b' halves instead.
  std::string ToV1() const;
  bool operator==(const DeviceRule& o) const {
    return type == o.type && major == o.major && minor == o.minor &&
           access == o.access;
  }
};

// The allow rules of every non-privileged container, in order.
const std::vector<DeviceRule>& DefaultDeviceRules();

// The writes restricting cgroup `rel`: "a" to devices.deny, then each rule
// to devices.allow. Empty when the host has no v1 devices controller.
std::vector<CgroupWrite> PlanDeviceWrites(
    const CgroupSystem& system, const std::string& rel,
    const std::vector<DeviceRule>& rules = DefaultDeviceRules());

// The directory of cgroup `rel` in the v2 hierarchy, where a device program
// must be attached because no v1 devices controller enforces the rules;
// empty when the v1 writes apply or the host has no v2 hierarchy.
std::string DeviceProgramDir(const CgroupSystem& system,
                             const std::string& rel);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_DEVICE_CGROUP_H_
