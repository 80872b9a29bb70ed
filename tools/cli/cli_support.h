// Plumbing the `warren` commands share: the channel to the daemon (unix
// socket or TLS over TCP), what every call carries (the tenant), the
// one-line description of a failed call (spotting an unreachable daemon),
// container id generation and the forwarding of Ctrl-C to a container that
// `run` waits for.
#ifndef WARREN_TOOLS_CLI_CLI_SUPPORT_H_
#define WARREN_TOOLS_CLI_CLI_SUPPORT_H_

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_connection.h"

namespace warren::cli {

// The request metadata naming the tenant a call acts in (warrend lets
// admins name any tenant, others only their own).
inline constexpr char kTenantMetadataKey[] = "warren-tenant";

// Sets what every call carries: `tenant` (if not empty) as
// kTenantMetadataKey. Every grpc::ClientContext the CLI creates goes
// through here, so no command can forget the tenant.
void PrepareContext(grpc::ClientContext* ctx, const std::string& tenant);

// One line describing a failed call. `target` is DaemonName(): for a unix
// socket "cannot reach warrend at unix://PATH: is warrend running?
// (reason)" when nothing accepts connections there, a permission hint when
// connecting is denied; for "tcp://HOST:PORT" an unavailable daemon (no
// route, refused, failed TLS handshake) is "cannot reach warrend at
// tcp://HOST:PORT: CODE: message"; anything else is "CODE: message".
std::string DescribeRpcError(const grpc::Status& status,
                             const std::string& target);

// The channel to warrend at `target` ("unix:///run/warren/warren.sock"):
// no limit on received messages (a sync Exec answer alone may carry 16 MiB
// per stream), and a short reconnect backoff so `logs -f` resumes soon
// after warrend restarts (gRPC's default backs off up to two minutes).
std::shared_ptr<grpc::Channel> NewDaemonChannel(const std::string& target);

// The channel to the daemon of `connection` with the options above:
// plaintext on the unix socket (root-only, local), TLS over TCP
// (SslCredentials: warrend verified against tls_ca, tls_cert/tls_key
// presented as the client's identity). Fails, naming the file, when a TLS
// file cannot be read (LoadTlsOptions).
absl::StatusOr<std::shared_ptr<grpc::Channel>> NewDaemonChannel(
    const Connection& connection);

// Warns on `err` that output is missing where an OutputGap arrived (Stream
// or Logs fell so far behind that log files were rotated away unsent), so
// a gap in what was printed is never silent.
void WarnOutputGap(FILE* err, const warren::v1::OutputGap& gap);

// A fresh container id: 12 hex digits from /dev/urandom.
std::string GenerateId();

// While alive, forwards SIGINT/SIGTERM/SIGHUP (blocked with
// BlockStreamSignals, cli_signal_watcher.h) to container `id` with Kill, so
// Ctrl-C during `run` stops the container (and --rm still cleans up) instead of
// leaving it behind. Errors go to `err` as "warren: run: forwarding SIG: ...".
class SignalForwarder {
 public:
  SignalForwarder(warren::v1::ContainerService::StubInterface* stub,
                  std::string id, std::string target, std::string tenant,
                  FILE* err);
  ~SignalForwarder();

  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

 private:
  void Loop();

  warren::v1::ContainerService::StubInterface* stub_;
  std::string id_;
  std::string target_;  // DaemonName(), for error lines
  std::string tenant_;
  FILE* err_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_SUPPORT_H_
