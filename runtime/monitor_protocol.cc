#include "runtime/monitor_protocol.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "runtime/monitor/fd_passing.h"

namespace warren::runtime {

namespace {

// Every packet starts with a marker byte: a message with all fields at
// their defaults serializes to nothing, and an empty SOCK_SEQPACKET packet
// cannot be told apart from the peer closing the connection.
constexpr char kPacketMarker = 'W';
// A packet of just this byte carries a sealed memfd holding the message:
// a unix datagram must fit the socket's send buffer (208 KiB by default),
// and an exec's arguments and environment may not.
constexpr char kMemfdMarker = 'M';
// Messages up to this size go inline; the receive buffer is this big.
constexpr size_t kInlinePacket = size_t{64} * 1024;

absl::Status SendInMemfd(int fd, const std::string& data) {
  int memfd =
      memfd_create("warren-monitor-message", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd < 0) return absl::ErrnoToStatus(errno, "memfd_create");
  absl::Cleanup closer = [memfd] { close(memfd); };
  for (size_t done = 0; done < data.size();) {
    ssize_t n = write(memfd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "write the message memfd");
    done += static_cast<size_t>(n);
  }
  if (fcntl(memfd, F_ADD_SEALS,
            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return absl::ErrnoToStatus(errno, "seal the message memfd");
  }
  return SendWithFds(fd, absl::string_view(&kMemfdMarker, 1), {memfd});
}

absl::StatusOr<std::string> ReadMemfd(int memfd) {
  // Only a sealed memfd: nothing can change it under us, and reading it
  // cannot block.
  constexpr int kSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  int seals = fcntl(memfd, F_GET_SEALS);
  if (seals < 0 || (seals & kSeals) != kSeals) {
    return absl::DataLossError("monitor message in an unsealed file");
  }
  struct stat st;
  if (fstat(memfd, &st) != 0) return absl::ErrnoToStatus(errno, "fstat");
  if (st.st_size < 1 || static_cast<size_t>(st.st_size) > kMaxMonitorPacket) {
    return absl::DataLossError(
        absl::StrCat("monitor message of ", st.st_size, " bytes"));
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pread(memfd, data.data() + done, data.size() - done,
                      static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::DataLossError("short monitor message memfd");
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace

absl::Status SendPacket(int fd, const google::protobuf::MessageLite& message) {
  std::string data(1, kPacketMarker);
  if (!message.AppendToString(&data)) {
    return absl::InternalError("monitor message does not serialize");
  }
  if (data.size() > kMaxMonitorPacket) {
    return absl::ResourceExhaustedError(
        absl::StrCat("monitor message of ", data.size(), " bytes; at most ",
                     kMaxMonitorPacket));
  }
  absl::Status s = data.size() <= kInlinePacket ? SendWithFds(fd, data, {})
                                                : SendInMemfd(fd, data);
  if (!s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("send to monitor: ", s.message()));
  }
  return s;
}

absl::Status ReceivePacket(int fd, google::protobuf::MessageLite* message) {
  // Not zeroed: a request fills only the pages it needs.
  std::unique_ptr<char[]> buf(new char[kInlinePacket]);
  std::vector<int> fds;
  absl::StatusOr<size_t> n = RecvWithFds(fd, buf.get(), kInlinePacket, 1, &fds);
  absl::Cleanup close_fds = [&fds] {
    for (int f : fds) close(f);
  };
  if (!n.ok()) {
    return absl::Status(
        n.status().code(),
        absl::StrCat("receive from monitor: ", n.status().message()));
  }
  if (*n == 0) return absl::UnavailableError("monitor closed the connection");
  absl::string_view packet(buf.get(), *n);
  std::string big;
  if (packet == absl::string_view(&kMemfdMarker, 1) && fds.size() == 1) {
    absl::StatusOr<std::string> data = ReadMemfd(fds[0]);
    if (!data.ok()) return data.status();
    big = *std::move(data);
    packet = big;
  }
  if (packet[0] != kPacketMarker ||
      !message->ParseFromArray(packet.data() + 1,
                               static_cast<int>(packet.size() - 1))) {
    return absl::DataLossError("malformed monitor message");
  }
  return absl::OkStatus();
}

absl::Status StatusFromReply(int code, const std::string& message) {
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

MonitorReply ReplyFromStatus(const absl::Status& status) {
  MonitorReply reply;
  reply.set_code(static_cast<int>(status.code()));
  reply.set_message(std::string(status.message()));
  return reply;
}

namespace {

// A socket and an address for `path`; `dir_fd` holds the directory open
// while a long path is used through /proc/self/fd.
struct SocketAddress {
  int fd = -1;
  int dir_fd = -1;
  sockaddr_un addr{};

  ~SocketAddress() {
    if (dir_fd >= 0) close(dir_fd);
  }
};

absl::Status Prepare(const std::string& path, SocketAddress* s) {
  s->addr.sun_family = AF_UNIX;
  std::string usable = path;
  if (usable.size() >= sizeof(s->addr.sun_path)) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    s->dir_fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (s->dir_fd < 0) return absl::ErrnoToStatus(errno, "open " + dir);
    usable =
        absl::StrCat("/proc/self/fd/", s->dir_fd, "/", path.substr(slash + 1));
    if (usable.size() >= sizeof(s->addr.sun_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("socket name too long: ", path));
    }
  }
  memcpy(s->addr.sun_path, usable.c_str(), usable.size() + 1);
  s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s->fd < 0) return absl::ErrnoToStatus(errno, "socket");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> ConnectSeqpacket(const std::string& path) {
  SocketAddress s;
  if (absl::Status st = Prepare(path, &s); !st.ok()) {
    if (s.fd >= 0) close(s.fd);
    return st;
  }
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&s.addr), sizeof(s.addr)) !=
      0) {
    int err = errno;
    close(s.fd);
    return absl::ErrnoToStatus(err, absl::StrCat("connect to ", path));
  }
  return s.fd;
}

absl::StatusOr<int> ListenSeqpacket(const std::string& path, int backlog) {
  SocketAddress s;
  absl::Status st = Prepare(path, &s);
  if (st.ok()) {
    unlink(path.c_str());
    if (bind(s.fd, reinterpret_cast<sockaddr*>(&s.addr), sizeof(s.addr)) != 0 ||
        chmod(path.c_str(), 0600) != 0 || listen(s.fd, backlog) != 0) {
      st = absl::ErrnoToStatus(errno, absl::StrCat("listen on ", path));
    }
  }
  if (!st.ok()) {
    if (s.fd >= 0) close(s.fd);
    return st;
  }
  return s.fd;
}

std::string MonitorSocketPath(const std::string& run_dir) {
  return absl::StrCat(run_dir, "/monitor.sock");
}

}  // namespace warren::runtime
