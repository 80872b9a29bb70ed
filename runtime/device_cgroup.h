// Which device nodes a container may open, as cgroup v1 devices-controller
// writes: deny everything, then allow the standard character devices its
// /dev has (null, zero, full, random, urandom, tty, console, ptmx, pts) and
// mknod of any node, like runc's default. A node a container makes itself
// (mknod of the host's disk) can then be created but not opened.
//
// On a pure cgroup v2 host the same rules need a BPF_CGROUP_DEVICE program;
// warren does not build one, so there the rules are not enforced (the
// containers still lack CAP_SYS_ADMIN and, by default, the device nodes).
#ifndef WARREN_RUNTIME_DEVICE_CGROUP_H_
#define WARREN_RUNTIME_DEVICE_CGROUP_H_

#include <string>
#include <vector>

#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"

namespace warren::runtime {

// The allow rules in devices.allow syntax ("c 1:3 rwm"), in order.
const std::vector<std::string>& DefaultDeviceRules();

// The writes restricting cgroup `rel`: "a" to devices.deny, then each rule
// to devices.allow. Empty when the host has no v1 devices controller.
std::vector<CgroupWrite> PlanDeviceWrites(const CgroupSystem& system,
                                          const std::string& rel);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_DEVICE_CGROUP_H_
