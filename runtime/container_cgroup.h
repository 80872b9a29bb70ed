// One container's cgroup across every hierarchy of the host (v1, v2 or
// hybrid): created and limited by the monitor before the init runs, read
// for Stats, frozen for Pause, rewritten by Update and removed at Delete.
#ifndef WARREN_RUNTIME_CONTAINER_CGROUP_H_
#define WARREN_RUNTIME_CONTAINER_CGROUP_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/cgroup_system.h"
#include "runtime/container_id.h"

namespace warren::runtime {

// What Stats reports, read from the cgroup files.
struct CgroupStats {
  uint64_t cpu_usage_ns = 0;
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_peak_bytes = 0;
  uint64_t memory_limit_bytes = 0;  // 0: unlimited
  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;  // 0: unlimited
};

// The cgroup parent warrend uses unless told otherwise.
inline constexpr char kDefaultCgroupParent[] = "warren";

// INVALID_ARGUMENT naming `field` unless `parent` is a relative path of
// 1-8 components, each valid as a tenant name ([A-Za-z0-9_.-], no "." or
// ".."): it is joined below every hierarchy's root.
absl::Status ValidateCgroupParent(const std::string& parent,
                                  absl::string_view field = "cgroup_parent");

class ContainerCgroup {
 public:
  // `rel` is the cgroup path below each hierarchy's root, e.g. "warren/web".
  ContainerCgroup(CgroupSystem system, std::string rel)
      : system_(std::move(system)), rel_(std::move(rel)) {}

  // The relative path of the container with key `key` (container_id.h):
  // <parent>/<tenant>/<id>, one subtree per tenant below the warrend's
  // parent (default "warren"; two warrends on one host need two parents,
  // or equal ids would share one cgroup).
  static std::string PathFor(const std::string& parent,
                             const std::string& key) {
    ScopedId scoped = SplitContainerKey(key);
    return parent + "/" + scoped.tenant + "/" + scoped.id;
  }

  // mkdir in every hierarchy; v1 cpuset cgroups get their parent's cpus and
  // mems (they start empty, and no task may join an empty cpuset).
  absl::Status Create();
  absl::Status Apply(const v1::ResourcesSpec& resources);
  // Allows only the standard devices (runtime/device_cgroup.h): v1
  // devices-controller writes, or without a v1 devices controller a BPF
  // device program on the v2 directory (runtime/device_bpf.h). A no-op only
  // on a host with neither. Called while the cgroup is empty.
  absl::Status RestrictDevices();
  absl::Status AddProcess(pid_t pid) const;
  // The cgroup.procs file of every hierarchy, as AddProcess writes them
  // (for CgroupProcsFiles, which keeps them open).
  std::vector<std::string> ProcsFiles() const;
  // Every process in the cgroup (from the first hierarchy that has one).
  std::vector<pid_t> Processes() const;
  absl::Status SetFrozen(bool frozen) const;
  absl::StatusOr<CgroupStats> ReadStats() const;
  // True if the kernel OOM killer killed a process of this cgroup.
  bool OomKilled() const;
  // rmdir everywhere (retrying briefly while the last tasks leave). A cgroup
  // that does not exist is OK.
  absl::Status Remove() const;

 private:
  absl::Status ApplyWrites(const v1::ResourcesSpec& resources);

  CgroupSystem system_;
  std::string rel_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CONTAINER_CGROUP_H_
