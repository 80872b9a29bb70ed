#include "tools/cli/cli_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tools/cli/cli_format.h"

namespace warren::cli {
namespace {

// Result of probing the socket with a plain connect(2): 0 if something
// accepts connections there, else the errno.
int ProbeSocket(const std::string& socket) {
  std::string path = socket;
  if (absl::StartsWith(path, "unix://")) {
    path = path.substr(7);
  } else if (absl::StartsWith(path, "unix:")) {
    path = path.substr(5);
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return ENAMETOOLONG;
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int error = rc == 0 ? 0 : errno;
  close(fd);
  return error;
}

// What NewDaemonChannel promises for either transport.
grpc::ChannelArguments DaemonChannelArgs() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return args;
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "SIGHUP";
  }
}

sigset_t ForwardedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void PrepareContext(grpc::ClientContext* ctx, const std::string& tenant) {
  if (!tenant.empty()) ctx->AddMetadata(kTenantMetadataKey, tenant);
}

std::string DescribeRpcError(const grpc::Status& status,
                             const std::string& daemon) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      absl::StartsWith(daemon, "tcp://")) {
    // Nothing to probe locally: gRPC's message says what failed (refused,
    // unreachable, TLS handshake).
    return absl::StrCat("cannot reach warrend at ", daemon, ": ",
                        FormatRpcError(status));
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::string target =
        absl::StartsWith(daemon, "unix:") ? daemon : "unix://" + daemon;
    int error = ProbeSocket(daemon);
    if (error == EACCES || error == EPERM) {
      return absl::StrCat("cannot reach warrend at ", target,
                          ": permission denied (the socket is root-only; "
                          "try sudo)");
    }
    if (error != 0) {
      return absl::StrCat("cannot reach warrend at ", target,
                          ": is warrend running? (", strerror(error), ")");
    }
  }
  return FormatRpcError(status);
}

std::shared_ptr<grpc::Channel> NewDaemonChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   DaemonChannelArgs());
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> NewDaemonChannel(
    const Connection& connection) {
  if (connection.transport == Connection::Transport::kUnix) {
    return NewDaemonChannel(GrpcTarget(connection));
  }
  absl::StatusOr<grpc::SslCredentialsOptions> tls = LoadTlsOptions(connection);
  if (!tls.ok()) return tls.status();
  return grpc::CreateCustomChannel(
      GrpcTarget(connection), grpc::SslCredentials(*tls), DaemonChannelArgs());
}

void WarnOutputGap(FILE* err, const v1::OutputGap& gap) {
  fprintf(err,
          "warren: output lost here: %llu log file(s) were rotated away "
          "before they could be sent (the reader fell behind)\n",
          static_cast<unsigned long long>(gap.lost_generations()));
  fflush(err);
}

std::string GenerateId() {
  unsigned char bytes[6] = {};
  bool ok = false;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ok = read(fd, bytes, sizeof(bytes)) == static_cast<ssize_t>(sizeof(bytes));
    close(fd);
  }
  if (!ok) {
    std::random_device rd;
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xf];
  }
  return id;
}

SignalForwarder::SignalForwarder(
    warren::v1::ContainerService::StubInterface* stub, std::string id,
    std::string target, std::string tenant, FILE* err)
    : stub_(stub),
      id_(std::move(id)),
      target_(std::move(target)),
      tenant_(std::move(tenant)),
      err_(err) {
  thread_ = std::thread([this] { Loop(); });
}

SignalForwarder::~SignalForwarder() {
  done_.store(true);
  thread_.join();
}

void SignalForwarder::Loop() {
  sigset_t set = ForwardedSignals();
  // Polls so the destructor is noticed within a tick: short, since every
  // `warren run` waits for it on the way out.
  timespec tick{0, 5 * 1000 * 1000};
  while (!done_.load()) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig <= 0) continue;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, tenant_);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    warren::v1::KillRequest request;
    request.set_id(id_);
    request.set_signal(SignalName(sig));
    warren::v1::KillResponse response;
    grpc::Status s = stub_->Kill(&ctx, request, &response);
    if (!s.ok()) {
      fprintf(err_, "warren: run: forwarding %s: %s\n", SignalName(sig),
              DescribeRpcError(s, target_).c_str());
    }
  }
}

}  // namespace warren::cli
