// The seam between the container manager and the host's cgroups, so the
// manager's Stats/Pause/Resume/Update/Delete logic is unit-tested with a
// fake. Only main wires in the real one (SystemCgroupControl).
#ifndef WARREN_RUNTIME_CGROUP_CONTROL_H_
#define WARREN_RUNTIME_CGROUP_CONTROL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/container_cgroup.h"

namespace warren::runtime {

class CgroupControl {
 public:
  virtual ~CgroupControl() = default;

  virtual absl::StatusOr<CgroupStats> Stats(const std::string& id) = 0;
  virtual absl::Status SetFrozen(const std::string& id, bool frozen) = 0;
  // Writes the limits set in `resources` (others are left as they are).
  virtual absl::Status Update(const std::string& id,
                              const v1::ResourcesSpec& resources) = 0;
  // Removes the container's cgroup everywhere; missing is OK.
  virtual absl::Status Remove(const std::string& id) = 0;
};

// The real one, over the host's hierarchies.
class SystemCgroupControl : public CgroupControl {
 public:
  // `parent`: the cgroup below which this warrend's containers live
  // (ValidateCgroupParent), the same one its monitors are given.
  SystemCgroupControl(CgroupSystem system, std::string parent)
      : system_(std::move(system)), parent_(std::move(parent)) {}

  absl::StatusOr<CgroupStats> Stats(const std::string& id) override {
    return Cgroup(id).ReadStats();
  }
  absl::Status SetFrozen(const std::string& id, bool frozen) override {
    return Cgroup(id).SetFrozen(frozen);
  }
  absl::Status Update(const std::string& id,
                      const v1::ResourcesSpec& resources) override {
    return Cgroup(id).Apply(resources);
  }
  absl::Status Remove(const std::string& id) override {
    return Cgroup(id).Remove();
  }

 private:
  ContainerCgroup Cgroup(const std::string& id) const {
    return ContainerCgroup(system_, ContainerCgroup::PathFor(parent_, id));
  }
  CgroupSystem system_;
  std::string parent_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CGROUP_CONTROL_H_
