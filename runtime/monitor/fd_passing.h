// One byte plus an optional file descriptor over a unix socket
// (SCM_RIGHTS): how the monitor hands the init objects it can only make on
// the host side, such as an idmapped mount of the image.
#ifndef WARREN_RUNTIME_MONITOR_FD_PASSING_H_
#define WARREN_RUNTIME_MONITOR_FD_PASSING_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace warren::runtime {

// Sends `byte`, with `fd` attached unless it is negative.
absl::Status SendByteAndFd(int socket, char byte, int fd);

// What RecvByteAndFd received; fd is -1 when none came with the byte.
struct ByteAndFd {
  char byte = 0;
  int fd = -1;
};

// Blocks for one byte (and an fd, received close-on-exec). UNAVAILABLE on
// EOF: the peer went away.
absl::StatusOr<ByteAndFd> RecvByteAndFd(int socket);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_FD_PASSING_H_
