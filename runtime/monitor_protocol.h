// Sending and receiving monitor messages: one protobuf per packet on a
// SOCK_SEQPACKET socket. Shared by warrend and the monitor.
#ifndef WARREN_RUNTIME_MONITOR_PROTOCOL_H_
#define WARREN_RUNTIME_MONITOR_PROTOCOL_H_

#include <sys/un.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"
#include "runtime/monitor/monitor.pb.h"

namespace warren::runtime {

// Largest message either side sends (one exec's arguments and environment
// are at most 2 MiB, the kernel's usual ARG_MAX). Those over 64 KiB travel
// in a memfd.
inline constexpr size_t kMaxMonitorPacket = 4 << 20;

// RESOURCE_EXHAUSTED for a message over kMaxMonitorPacket.
absl::Status SendPacket(int fd, const google::protobuf::MessageLite& message);
// NOT_FOUND-free: UNAVAILABLE when the peer closed the connection.
absl::Status ReceivePacket(int fd, google::protobuf::MessageLite* message);

// Status carried in a reply or ready message, and back.
absl::Status StatusFromReply(int code, const std::string& message);
MonitorReply ReplyFromStatus(const absl::Status& status);

// A SOCK_SEQPACKET unix socket connected to `path`, or listening there
// (mode 0600, any old socket file replaced). Paths longer than sun_path
// (tenant and id both in a run directory can be) go through
// /proc/self/fd/<dir>/<name>. Errors carry connect's or bind's errno.
absl::StatusOr<int> ConnectSeqpacket(const std::string& path);
absl::StatusOr<int> ListenSeqpacket(const std::string& path, int backlog);

// Path of the control socket inside a container's run directory.
std::string MonitorSocketPath(const std::string& run_dir);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_PROTOCOL_H_
