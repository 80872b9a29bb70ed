#include "runtime/monitor_protocol.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

namespace {

// Every packet starts with this byte: a message with all fields at their
// defaults serializes to nothing, and an empty SOCK_SEQPACKET packet cannot
// be told apart from the peer closing the connection.
constexpr char kPacketMarker = 'W';

}  // namespace

absl::Status SendPacket(int fd, const google::protobuf::MessageLite& message) {
  std::string data(1, kPacketMarker);
  if (!message.AppendToString(&data) || data.size() > kMaxMonitorPacket) {
    return absl::InternalError("monitor message too large to send");
  }
  while (true) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return absl::OkStatus();
    if (errno != EINTR) return absl::ErrnoToStatus(errno, "send to monitor");
  }
}

absl::Status ReceivePacket(int fd, google::protobuf::MessageLite* message) {
  std::string buf(kMaxMonitorPacket, '\0');
  ssize_t n;
  do {
    n = recv(fd, buf.data(), buf.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::ErrnoToStatus(errno, "receive from monitor");
  if (n == 0) return absl::UnavailableError("monitor closed the connection");
  if (buf[0] != kPacketMarker ||
      !message->ParseFromArray(buf.data() + 1, static_cast<int>(n - 1))) {
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
