// The init-side application of the plan's user mounts, sysctls, masked and
// read-only paths and read-only root: everything that is resolved inside
// the container's root (see in_root.h) before pivot_root.
#ifndef WARREN_RUNTIME_MONITOR_CONTAINER_MOUNTS_H_
#define WARREN_RUNTIME_MONITOR_CONTAINER_MOUNTS_H_

#include "absl/status/status.h"
#include "runtime/init_plan.h"

namespace warren::runtime {

// Runs after the standard mounts (proc, sys, dev) and before pivot_root.
absl::Status ApplyContainerMounts(const InitPlan& plan);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_CONTAINER_MOUNTS_H_
