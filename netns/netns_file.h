// Named network namespaces, as CNI, containerd and `ip netns` keep them: a
// namespace pinned by a bind mount on a file, so it outlives any process
// and can be configured before the container's init exists. Also the one
// safe way to talk netlink inside another namespace from a multi-threaded
// daemon: on a dedicated thread, so no other thread of warrend ever changes
// namespace.
#ifndef WARREN_NETNS_NETNS_FILE_H_
#define WARREN_NETNS_NETNS_FILE_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::netns {

// Creates a new network namespace bound to `dir`/`name` (dir is created,
// 0755, if missing) and returns that path. A fresh thread does
// unshare(CLONE_NEWNET) and bind-mounts /proc/thread-self/ns/net onto a new
// empty file, then exits; the calling thread never changes namespace.
// ALREADY_EXISTS if the file exists; on any failure nothing is left behind.
absl::StatusOr<std::string> CreateNetnsFile(absl::string_view dir,
                                            absl::string_view name);

// Unpins and deletes a namespace file: umount2(MNT_DETACH), then unlink.
// The namespace itself goes away once nothing else uses it. OK if the file
// is absent or was never mounted (a half-made one from a crash).
absl::Status RemoveNetnsFile(absl::string_view path);

// Opens a namespace file (O_RDONLY | O_CLOEXEC) for the *InNetns
// operations; the caller closes the fd.
absl::StatusOr<int> OpenNetnsFile(absl::string_view path);

// Runs `fn` on a dedicated thread that first joins the network namespace
// `netns_fd` (setns) and exits afterwards. Sockets `fn` opens there stay
// bound to that namespace and may be used from any thread later.
absl::Status RunInNetns(int netns_fd, absl::FunctionRef<absl::Status()> fn);

}  // namespace warren::netns

#endif  // WARREN_NETNS_NETNS_FILE_H_
