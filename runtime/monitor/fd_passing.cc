#include "runtime/monitor/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

constexpr int kMaxFds = 16;

absl::Status SendWithFds(int socket, absl::string_view data,
                         const std::vector<int>& fds) {
  if (fds.size() > kMaxFds) {
    return absl::InvalidArgumentError("too many descriptors for one message");
  }
  iovec iov{const_cast<char*>(data.data()), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* h = CMSG_FIRSTHDR(&msg);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(h), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::ErrnoToStatus(errno, "sendmsg");
  if (static_cast<size_t>(n) != data.size()) {
    return absl::InternalError("sendmsg sent part of a message");
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> RecvWithFds(int socket, char* buf, size_t size,
                                   int max_fds, std::vector<int>* fds) {
  fds->clear();
  if (max_fds > kMaxFds) max_fds = kMaxFds;
  iovec iov{buf, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * max_fds);
  ssize_t n;
  do {
    n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::ErrnoToStatus(errno, "recvmsg");
  for (cmsghdr* h = CMSG_FIRSTHDR(&msg); h != nullptr;
       h = CMSG_NXTHDR(&msg, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char* data = CMSG_DATA(h);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, data + i * sizeof(int), sizeof(int));
      fds->push_back(fd);
    }
  }
  // (The control buffer's padding can hold one descriptor more.)
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      fds->size() > static_cast<size_t>(max_fds)) {
    for (int fd : *fds) close(fd);
    fds->clear();
    return absl::DataLossError(absl::StrCat("recvmsg: a message over ", size,
                                            " bytes or with more than ",
                                            max_fds, " descriptors"));
  }
  return static_cast<size_t>(n);
}

absl::Status SendByteAndFd(int socket, char byte, int fd) {
  std::vector<int> fds;
  if (fd >= 0) fds.push_back(fd);
  absl::Status s = SendWithFds(socket, absl::string_view(&byte, 1), fds);
  if (!s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("send to container init: ", s.message()));
  }
  return s;
}

absl::StatusOr<ByteAndFd> RecvByteAndFd(int socket) {
  ByteAndFd out;
  std::vector<int> fds;
  absl::StatusOr<size_t> n = RecvWithFds(socket, &out.byte, 1, 1, &fds);
  if (!n.ok()) {
    return absl::Status(
        n.status().code(),
        absl::StrCat("receive from monitor: ", n.status().message()));
  }
  if (*n == 0) return absl::UnavailableError("monitor went away");
  if (!fds.empty()) out.fd = fds[0];
  return out;
}

}  // namespace warren::runtime
