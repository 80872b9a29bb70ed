// The container init's setup as plain data: which namespaces to create,
// which mounts, device nodes and links to make, and what to exec. Built
// from a spec without touching the system (so it is unit-tested without
// root) and applied in one place, the init side of the monitor.
#ifndef WARREN_RUNTIME_INIT_PLAN_H_
#define WARREN_RUNTIME_INIT_PLAN_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/mount_options.h"
#include "runtime/security_plan.h"

namespace warren::runtime {

// One mount(2) call. `target` is an absolute host path under the merged
// root, made (as a directory) before mounting.
struct MountStep {
  std::string source;
  std::string target;
  std::string fstype;
  unsigned long flags = 0;
  std::string data;
};

// One mknod(2) of a character device inside the container's /dev.
// In a user namespace mknod is refused, so the host's node (`host_path`) is
// bind-mounted onto an empty file instead, as runc does.
struct DeviceNode {
  std::string path;
  unsigned int major = 0;
  unsigned int minor = 0;
  unsigned int mode = 0666;
  std::string host_path;  // set: bind-mount this instead of mknod
};

// One symlink(2): `link` is a host path under the merged root.
struct Symlink {
  std::string target;
  std::string link;
};

// A mount the caller asked for (spec.mounts).
struct UserMount {
  std::string source;  // host path for binds
  std::string target;  // path inside the container
  std::string fstype;  // "bind", "tmpfs", ...
  ParsedMountOptions options;
};

// Where a container's files live on the host.
struct ContainerPaths {
  std::string upper_dir;   // writable overlay layer (state dir)
  std::string work_dir;    // overlayfs work dir (state dir)
  std::string merged_dir;  // mount point of the root (run dir)
  // Read-only layer over the image with the container's own /etc/hosts,
  // hostname and resolv.conf (run dir; see HasEtcLayer). "" for none.
  std::string etc_layer_dir;
};

// Whether the container gets its own /etc files (ContainerPaths::
// etc_layer_dir): all but host networking, which keeps the image's, as
// with Docker.
bool HasEtcLayer(const v1::ContainerSpec& spec);

// A namespace the container joins instead of getting its own (MODE_JOIN).
struct JoinNamespace {
  int type = 0;       // CLONE_NEW* constant
  std::string path;   // e.g. /proc/123/ns/net
  std::string field;  // spec field, for error messages
};

// Descriptors the init of a user-namespaced container opens on its run and
// bundle directories while it still has host root's file ownership. Paths
// until pivot_root go through "/proc/self/fd/<fd>/...", so the parents of
// state_dir and run_dir never need to be traversable by the mapped root.
inline constexpr int kAnchorRunDirFd = 512;
inline constexpr int kAnchorBundleDirFd = 513;

// A new user namespace (runc's model with idmapped mounts): the init is
// cloned into it, the monitor writes its id maps, makes the writable layer
// the container root's and hands the init an idmapped mount of the image,
// so the shared read-only image shows as owned by the container's root
// without being copied or chowned.
struct UserNamespacePlan {
  std::string uid_map;  // /proc/<pid>/uid_map text, a line per mapping
  std::string gid_map;
  // Host ids of the container's uid and gid 0 (new namespace; a joined
  // one's are read from the init's maps by the monitor).
  uid_t root_host_uid = 0;
  gid_t root_host_gid = 0;
  std::string run_dir;     // host path, opened as kAnchorRunDirFd
  std::string bundle_dir;  // host path, opened as kAnchorBundleDirFd
  std::string image_dir;   // host path where the init attaches the image
  // Host path of the /etc layer the monitor gives to the container's root
  // with the writable layer; "" when the container has none (HasEtcLayer).
  std::string etc_layer_dir;
};

struct InitPlan {
  // CLONE_NEW* flags for clone(2).
  unsigned long clone_flags = 0;
  // A new user namespace (CLONE_NEWUSER in clone_flags), or one joined by
  // path (then the monitor clones the init from a helper that setns'd into
  // it, so the init's other new namespaces belong to it too). Either way
  // user_ns says how the init reaches its files.
  bool new_user_ns = false;
  bool joined_user_ns = false;
  bool in_user_ns() const { return new_user_ns || joined_user_ns; }
  UserNamespacePlan user_ns;
  // Joined namespaces: the PID one by the monitor before clone (it applies
  // to children), the others by the init right after it is in its cgroup.
  std::vector<JoinNamespace> join_namespaces;
  // A new time namespace: the monitor unshares it and sets the offsets
  // before clone, so the init is born in it (time namespaces apply to
  // children only).
  bool new_time_ns = false;
  int64_t monotonic_offset_ns = 0;
  int64_t boottime_offset_ns = 0;
  std::string hostname;      // empty: leave as is (host UTS namespace)
  bool loopback_up = false;  // bring up `lo` (new network namespace)
  // unshare(CLONE_NEWCGROUP) once the monitor has moved the init into the
  // container's cgroup, so the container sees that cgroup as its root.
  bool new_cgroup_ns = false;
  std::string domainname;
  std::string merged_dir;  // becomes "/" by pivot_root
  std::vector<MountStep> mounts;
  std::vector<DeviceNode> devices;
  std::vector<Symlink> symlinks;

  // Mounts. Targets are paths inside the container, resolved within
  // merged_dir when applied, so symlinks in the image cannot redirect them.
  // Order of application: sysctls, user mounts, masked paths, read-only
  // paths, read-only root.
  std::vector<std::pair<std::string, std::string>> sysctls;  // path, value
  std::vector<UserMount> user_mounts;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  bool readonly_rootfs = false;

  std::vector<std::string> argv;
  std::vector<std::string> env;
  // A terminal from the container's devpts (the master goes to the monitor)
  // instead of pipes; stdin kept open for Stream clients instead of
  // /dev/null.
  bool tty = false;
  bool open_stdin = false;
  std::string cwd;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::vector<std::pair<int, rlimit>> rlimits;

  // Security: capabilities, no_new_privs and seccomp, applied right before
  // execve; `security.privileged` also means no masked paths.
  SecurityPlan security;
};

// Builds the plan for container `id`. The spec must have passed
// ValidateSpec.
absl::StatusOr<InitPlan> BuildInitPlan(const std::string& id,
                                       const v1::ContainerSpec& spec,
                                       const ContainerPaths& paths);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_INIT_PLAN_H_
