// User namespaces, both sides. The monitor (host root) prepares the
// writable and /etc layers, writes the init's id maps and makes an idmapped
// mount of the image for it; the init anchors its directories, attaches the
// image and becomes root of its namespace before any other setup, as runc's
// nsexec does. See UserNamespacePlan in runtime/init_plan.h.
#ifndef WARREN_RUNTIME_MONITOR_USER_NAMESPACE_H_
#define WARREN_RUNTIME_MONITOR_USER_NAMESPACE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/init_plan.h"

namespace warren::runtime {

// Host ids of the container's root.
struct RootIds {
  uid_t uid = 0;
  gid_t gid = 0;
};

// The host ids uid/gid 0 of `init_pid`'s user namespace map to (from its
// uid_map and gid_map). FAILED_PRECONDITION if root is unmapped there.
absl::StatusOr<RootIds> ContainerRootIds(pid_t init_pid);

// Monitor, before releasing the init: makes the image's mount point and
// gives the container's layers (the upper tree, the work dir and the /etc
// layer warrend wrote, if `plan` names one) to the container's root, so the
// container can write its own "/", overlayfs its work dir, and its /etc
// files are root's.
absl::Status PrepareUserNamespaceLayers(const UserNamespacePlan& plan,
                                        const ContainerPaths& paths,
                                        RootIds root);

// Monitor: clones the container init with `flags` (CLONE_NEW*). With
// `join_userns_fd` >= 0, from a short-lived helper that first setns'd into
// that user namespace, so the init's new namespaces belong to it (runc's
// nsexec does the same); the init, reparented to this subreaper, gets the
// pid returned here. Returns 0 in the init, like fork.
absl::StatusOr<pid_t> CloneInit(unsigned long flags, int join_userns_fd);

// Monitor, after clone and before releasing the init: writes uid_map and
// gid_map of `init_pid`.
absl::Status WriteIdMaps(pid_t init_pid, const UserNamespacePlan& plan);

// Monitor: a detached mount of `rootfs` whose files show through the id
// mapping of `init_pid`'s user namespace (host root as container root).
// Only a privileged process of the host can make it; the init attaches it.
absl::StatusOr<int> MakeIdmappedImage(pid_t init_pid,
                                      const std::string& rootfs);

// Init, first thing after the monitor released it: opens the anchor
// descriptors while still owning host-root files, attaches `image_fd` at
// the image mount point and becomes uid/gid 0 of the namespace (overlayfs
// and the later mounts need the mapped identity).
absl::Status BecomeUserNamespaceRoot(const UserNamespacePlan& plan,
                                     int image_fd);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_USER_NAMESPACE_H_
