// warren: the command-line client of warrend. Parses the global flags,
// connects to the daemon (its unix socket, or TLS over TCP with --host
// tcp://...) and hands the command to RunCommand
// (tools/cli/cli_commands.h), whose return value is the exit status.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_args.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_connection.h"
#include "tools/cli/cli_signal_watcher.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/cli_usage.h"

namespace warren::cli {
namespace {

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<GlobalOptions> global =
      ParseGlobalArgs(args, ConnectionEnvFromProcess());
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

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      NewDaemonChannel(global->connection);
  if (!channel.ok()) {
    fprintf(stderr, "warren: %s\n",
            std::string(channel.status().message()).c_str());
    return kExitError;
  }
  std::unique_ptr<warren::v1::ContainerService::Stub> stub =
      warren::v1::ContainerService::NewStub(*channel);

  CommandEnv env;
  env.stub = stub.get();
  env.target = DaemonName(global->connection);
  env.tenant = global->connection.tenant;
  env.json = global->json;
  env.forward_signals = handle_signals;
  return RunCommand(env, global->command, global->args);
}

}  // namespace
}  // namespace warren::cli

int main(int argc, char** argv) { return warren::cli::Main(argc, argv); }
