// warren: the command-line client of warrend. Parses the global flags,
// connects to the daemon's unix socket and hands the command to
// RunCommand (tools/cli/cli_commands.h), whose return value is the exit
// status.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "grpcpp/grpcpp.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_args.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_signal_watcher.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/cli_usage.h"

namespace warren::cli {
namespace {

// gRPC target for --socket: "unix:..." is used as given, a relative path is
// made absolute (gRPC would resolve it differently than the shell does).
std::string TargetOf(const std::string& socket) {
  if (absl::StartsWith(socket, "unix:")) return socket;
  if (!socket.empty() && socket[0] == '/') return "unix://" + socket;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return "unix:" + socket;
  return std::string("unix://") + cwd + "/" + socket;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* env_socket = getenv("WARREN_SOCKET");
  absl::StatusOr<GlobalOptions> global =
      ParseGlobalArgs(args, env_socket == nullptr ? "" : env_socket);
  if (!global.ok()) {
    fprintf(stderr, "warren: %s (see 'warren help')\n",
            std::string(global.status().message()).c_str());
    return kExitUsage;
  }
  if (global->version && global->command.empty()) {
    global->command = "version";
  }
  if (global->command.empty()) {
    fputs(MainUsage().c_str(), global->help ? stdout : stderr);
    return global->help ? kExitOk : kExitUsage;
  }
  // Before the channel starts threads, so they inherit the mask and the
  // forwarder (run) or watcher (exec, attach) thread is the only one that
  // sees these signals.
  bool handle_signals = CommandBlocksSignals(global->command);
  if (handle_signals) BlockStreamSignals();

  std::string target = TargetOf(global->socket);
  std::shared_ptr<grpc::Channel> channel = NewDaemonChannel(target);
  std::unique_ptr<warren::v1::ContainerService::Stub> stub =
      warren::v1::ContainerService::NewStub(channel);

  CommandEnv env;
  env.stub = stub.get();
  env.socket = target;
  env.json = global->json;
  env.forward_signals = handle_signals;
  return RunCommand(env, global->command, global->args);
}

}  // namespace
}  // namespace warren::cli

int main(int argc, char** argv) { return warren::cli::Main(argc, argv); }
