// Plumbing the `warren` commands share: the one-line description of a failed
// call (spotting an unreachable daemon), container id generation and the
// forwarding of Ctrl-C to a container that `run` waits for.
#ifndef WARREN_TOOLS_CLI_CLI_SUPPORT_H_
#define WARREN_TOOLS_CLI_CLI_SUPPORT_H_

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "proto/warren/v1/service.grpc.pb.h"

namespace warren::cli {

// One line describing a failed call: "cannot reach warrend at unix://PATH:
// is warrend running? (reason)" when nothing accepts connections on the
// socket, a permission hint when connecting is denied, else "CODE: message".
std::string DescribeRpcError(const grpc::Status& status,
                             const std::string& socket);

// The channel to warrend at `target` ("unix:///run/warren/warren.sock"):
// no limit on received messages (a sync Exec answer alone may carry 16 MiB
// per stream), and a short reconnect backoff so `logs -f` resumes soon
// after warrend restarts (gRPC's default backs off up to two minutes).
std::shared_ptr<grpc::Channel> NewDaemonChannel(const std::string& target);

// A fresh container id: 12 hex digits from /dev/urandom.
std::string GenerateId();

// While alive, forwards SIGINT/SIGTERM/SIGHUP (blocked with
// BlockStreamSignals, cli_signal_watcher.h) to container `id` with Kill, so
// Ctrl-C during `run` stops the container (and --rm still cleans up) instead of
// leaving it behind. Errors go to `err` as "warren: run: forwarding SIG: ...".
class SignalForwarder {
 public:
  SignalForwarder(warren::v1::ContainerService::StubInterface* stub,
                  std::string id, std::string socket, FILE* err);
  ~SignalForwarder();

  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

 private:
  void Loop();

  warren::v1::ContainerService::StubInterface* stub_;
  std::string id_;
  std::string socket_;
  FILE* err_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_SUPPORT_H_
