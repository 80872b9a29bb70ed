// Messages with file descriptors attached over a unix socket (SCM_RIGHTS):
// how the monitor hands the init objects it can only make on the host
// side, such as an idmapped mount of the image, and an exec template the
// stdio of each exec; and warrend and the monitor the messages too big
// for one packet, in a memfd.
#ifndef WARREN_RUNTIME_MONITOR_FD_PASSING_H_
#define WARREN_RUNTIME_MONITOR_FD_PASSING_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

// Sends `data` as one message (a datagram on SOCK_SEQPACKET), with `fds`
// attached unless empty.
absl::Status SendWithFds(int socket, absl::string_view data,
                         const std::vector<int>& fds);

// Blocks for one message of up to `size` bytes into `buf`, and up to
// `max_fds` descriptors (received close-on-exec) into `fds`. Returns its
// length; 0 at EOF (the peer went away). DATA_LOSS, and no descriptors,
// for a message that did not fit.
absl::StatusOr<size_t> RecvWithFds(int socket, char* buf, size_t size,
                                   int max_fds, std::vector<int>* fds);

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
