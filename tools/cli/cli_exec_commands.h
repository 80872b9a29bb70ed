// The interactive commands of the `warren` client: exec (run another
// process in a running container, docker-style, with -i/-t) and attach
// (follow the container's init until it exits). RunCommand
// (cli_commands.h) hands them over; they follow the same conventions, and
// end with the process's exit code.
#ifndef WARREN_TOOLS_CLI_CLI_EXEC_COMMANDS_H_
#define WARREN_TOOLS_CLI_CLI_EXEC_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/cli/cli_commands.h"

namespace warren::cli {

// True if `command` is one of the commands RunExecCommand runs.
bool IsExecCommand(const std::string& command);

// `run -it`: streams to the started init of `id` from its first output,
// forwarding stdin (open_stdin) and, with a tty, the raw terminal and its
// size; returns the init's exit code (or 1 with an error line).
int StreamToInit(const CommandEnv& env, const std::string& command,
                 const std::string& id, bool tty, bool open_stdin);

// Runs exec or attach; same contract as RunCommand.
int RunExecCommand(const CommandEnv& env, const std::string& command,
                   const std::vector<std::string>& args);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_EXEC_COMMANDS_H_
