// `warren logs`: a container's output, once or (-f) following it, and
// across a warrend restart: a follow that loses the daemon reconnects and
// resumes just after the last record it printed. `run` shares the printing.
#ifndef WARREN_TOOLS_CLI_CLI_LOGS_COMMANDS_H_
#define WARREN_TOOLS_CLI_CLI_LOGS_COMMANDS_H_

#include <string>
#include <vector>

#include "grpcpp/support/status.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_commands.h"

namespace warren::cli {

// Runs `logs ARGS...`; same contract as RunCommand.
int RunLogsCommand(const CommandEnv& env, const std::vector<std::string>& args);

// One Logs call, printed: stdout records to env.out, stderr ones to
// env.err (or JSON lines with env.json), no reconnecting. `command` names
// the command in error lines. `run` prints the finished container's output
// with it.
grpc::Status PrintLogs(const CommandEnv& env, const std::string& command,
                       const warren::v1::LogsRequest& request);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_LOGS_COMMANDS_H_
