#include "runtime/monitor_protocol.h"

#include <sys/socket.h>

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

absl::StatusOr<UnixSocket> NewSeqpacketSocket(const std::string& path) {
  UnixSocket s;
  s.addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(s.addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path too long: ", path));
  }
  memcpy(s.addr.sun_path, path.c_str(), path.size() + 1);
  s.fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s.fd < 0) return absl::ErrnoToStatus(errno, "socket");
  return s;
}

std::string MonitorSocketPath(const std::string& run_dir) {
  return absl::StrCat(run_dir, "/monitor.sock");
}

}  // namespace warren::runtime
