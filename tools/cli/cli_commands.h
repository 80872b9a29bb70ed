// The `warren` commands: each turns parsed arguments into ContainerService
// calls and prints the results. They talk to a StubInterface and write to
// FILE*s handed in, so tests can run them against an in-process fake daemon.
#ifndef WARREN_TOOLS_CLI_CLI_COMMANDS_H_
#define WARREN_TOOLS_CLI_CLI_COMMANDS_H_

#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_support.h"

namespace warren::cli {

class Terminal;  // tools/cli/cli_terminal.h

// Process exit statuses besides a container's own exit code.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// What every command needs: the daemon, the output streams and the global
// flags.
struct CommandEnv {
  warren::v1::ContainerService::StubInterface* stub = nullptr;
  // How errors name the daemon (DaemonName(): "unix:///PATH" or
  // "tcp://HOST:PORT"), e.g. in "cannot reach warrend at ...".
  std::string target;
  // The tenant every call names in "warren-tenant" metadata (PrepareContext);
  // empty: none.
  std::string tenant;
  bool json = false;
  FILE* out = stdout;
  FILE* err = stderr;
  // Deadline of unary calls (Wait has none).
  absl::Duration timeout = absl::Seconds(30);
  // Forward SIGINT/SIGTERM/SIGHUP to the container during `run`, `attach`
  // and to the process during `exec`, and follow SIGWINCH for `exec -t`
  // (the caller must have blocked them with BlockStreamSignals first).
  bool forward_signals = false;
  // What `exec -i` forwards as the process's stdin.
  int stdin_fd = 0;
  // The terminal `exec -t` uses for raw mode and window sizes; null: the
  // real one on stdin_fd and standard output.
  Terminal* terminal = nullptr;
  // How long `logs -f` keeps trying to reconnect after losing warrend
  // (UNAVAILABLE mid-stream, e.g. a daemon restart).
  absl::Duration logs_reconnect = absl::Seconds(30);
};

// Runs `command` with its `args` (everything after the command name) and
// returns the process exit status: 0, kExitError after a failed call,
// kExitUsage after bad arguments, or the process's exit code for `wait`,
// `run`, `exec` and `attach`. Errors go to env.err as one "warren: CMD: ..."
// line.
int RunCommand(const CommandEnv& env, const std::string& command,
               const std::vector<std::string>& args);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_COMMANDS_H_
