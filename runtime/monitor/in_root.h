// Opens a path inside the container's root without ever leaving it:
// symlinks and ".." are resolved as if the root were "/" (openat2 with
// RESOLVE_IN_ROOT), so a hostile image cannot point a mount destination at
// the host. Missing components can be created on the way.
#ifndef WARREN_RUNTIME_MONITOR_IN_ROOT_H_
#define WARREN_RUNTIME_MONITOR_IN_ROOT_H_

#include <string>

#include "absl/status/statusor.h"

namespace warren::runtime {

enum class CreateMissing { kNo, kDirectory, kFile };

// An O_PATH descriptor for `path` (absolute, as seen inside the container)
// under `root_fd`. With kDirectory/kFile, missing parents are made as
// directories and a missing last component as the given kind. NOT_FOUND if
// it does not exist and kNo.
absl::StatusOr<int> OpenInRoot(int root_fd, const std::string& path,
                               CreateMissing create);

// "/proc/self/fd/<fd>": a name mount(2) accepts for the object behind `fd`.
std::string FdPath(int fd);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_IN_ROOT_H_
