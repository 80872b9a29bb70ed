// The resource commands of the `warren` client: stats, pause, resume
// (alias unpause), update and events. RunCommand (cli_commands.h) hands
// them over; they follow the same conventions (exit statuses, one
// "warren: CMD: ..." error line, --json as protobuf JSON).
#ifndef WARREN_TOOLS_CLI_CLI_RESOURCE_COMMANDS_H_
#define WARREN_TOOLS_CLI_CLI_RESOURCE_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/cli/cli_commands.h"

namespace warren::cli {

// True if `command` is one of the commands RunResourceCommand runs.
bool IsResourceCommand(const std::string& command);

// Runs a resource command; same contract as RunCommand.
int RunResourceCommand(const CommandEnv& env, const std::string& command,
                       const std::vector<std::string>& args);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_RESOURCE_COMMANDS_H_
