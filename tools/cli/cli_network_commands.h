// The `network` command of the `warren` client: create, ls, rm and inspect
// of named bridge networks. RunCommand (cli_commands.h) hands it over; it
// follows the same conventions (exit statuses, one "warren: network SUB:
// ..." error line, --json as protobuf JSON).
#ifndef WARREN_TOOLS_CLI_CLI_NETWORK_COMMANDS_H_
#define WARREN_TOOLS_CLI_CLI_NETWORK_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/cli/cli_commands.h"

namespace warren::cli {

// Runs `network SUB ARGS...` (`args` is everything after "network"); same
// contract as RunCommand.
int RunNetworkCommand(const CommandEnv& env,
                      const std::vector<std::string>& args);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_NETWORK_COMMANDS_H_
