// Which cgroup hierarchies this host has and which controller lives where:
// pure v1, pure v2, or hybrid (v1 controllers plus a v2 mount that holds
// whatever controllers v1 does not). Detected once at start from
// /proc/self/mountinfo; everything else works from this description.
#ifndef WARREN_RUNTIME_CGROUP_SYSTEM_H_
#define WARREN_RUNTIME_CGROUP_SYSTEM_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

struct CgroupHierarchy {
  bool v2 = false;
  std::string mount_point;
  // v1: the controllers mounted here ("cpu", "cpuacct", "name=systemd"...).
  // v2: the controllers enabled at the root (cgroup.controllers).
  std::vector<std::string> controllers;
};

class CgroupSystem {
 public:
  CgroupSystem() = default;
  explicit CgroupSystem(std::vector<CgroupHierarchy> hierarchies)
      : hierarchies_(std::move(hierarchies)) {}

  // Parses mountinfo text; `read_file` reads a v2 mount's cgroup.controllers.
  static absl::StatusOr<CgroupSystem> FromMountInfo(
      absl::string_view mountinfo,
      const std::function<std::string(const std::string&)>& read_file);
  // The running host's.
  static absl::StatusOr<CgroupSystem> Detect();

  const std::vector<CgroupHierarchy>& hierarchies() const {
    return hierarchies_;
  }
  // The hierarchy serving `controller` (v1 first, then v2), or nullptr.
  const CgroupHierarchy* For(absl::string_view controller) const;
  // The v2 hierarchy, or nullptr.
  const CgroupHierarchy* Unified() const;
  // Human-readable: "v1", "v2" or "hybrid".
  std::string Mode() const;

 private:
  std::vector<CgroupHierarchy> hierarchies_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CGROUP_SYSTEM_H_
