// Resource limits as cgroup file writes, for v1 and v2 files alike: plain
// data, so what a spec turns into is unit-tested without touching
// /sys/fs/cgroup.
#ifndef WARREN_RUNTIME_CGROUP_PLAN_H_
#define WARREN_RUNTIME_CGROUP_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/cgroup_system.h"

namespace warren::runtime {

// One write of `value` to the absolute file `path`.
struct CgroupWrite {
  std::string path;
  std::string value;
  bool operator==(const CgroupWrite& o) const {
    return path == o.path && value == o.value;
  }
};

// Directory of the cgroup `rel` (e.g. "warren/web") in each hierarchy warren
// uses: every v1 controller hierarchy (not named ones like name=systemd)
// and the v2 one.
std::vector<std::string> CgroupDirs(const CgroupSystem& system,
                                    const std::string& rel);

// The writes that apply `resources` to cgroup `rel`, in a valid order.
// Fields at zero are left alone. FAILED_PRECONDITION if a limit needs a
// controller the host does not have.
absl::StatusOr<std::vector<CgroupWrite>> PlanResourceWrites(
    const CgroupSystem& system, const std::string& rel,
    const v1::ResourcesSpec& resources);

// INVALID_ARGUMENT naming the field for impossible values.
absl::Status ValidateResources(const v1::ResourcesSpec& resources);

// cgroup v2 cpu.weight (1..10000) as cgroup v1 cpu.shares (2..262144).
uint64_t CpuWeightToShares(uint64_t weight);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CGROUP_PLAN_H_
