#include "runtime/monitor/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace warren::runtime {

absl::Status SendByteAndFd(int socket, char byte, int fd) {
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return absl::ErrnoToStatus(errno, "send to container init");
  return absl::OkStatus();
}

absl::StatusOr<ByteAndFd> RecvByteAndFd(int socket) {
  ByteAndFd out;
  iovec iov{&out.byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::ErrnoToStatus(errno, "receive from monitor");
  if (n == 0) return absl::UnavailableError("monitor went away");
  for (cmsghdr* h = CMSG_FIRSTHDR(&msg); h != nullptr;
       h = CMSG_NXTHDR(&msg, h)) {
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
      memcpy(&out.fd, CMSG_DATA(h), sizeof(int));
    }
  }
  return out;
}

}  // namespace warren::runtime
