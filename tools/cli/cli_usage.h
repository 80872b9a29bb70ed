// Help texts of the `warren` client, kept apart from the command logic so
// `warren help`, `warren CMD --help` and usage errors all show the same words.
#ifndef WARREN_TOOLS_CLI_CLI_USAGE_H_
#define WARREN_TOOLS_CLI_CLI_USAGE_H_

#include <string>

namespace warren::cli {

// Shown by `warren --version` and `warren version`.
inline constexpr char kVersion[] = "0.1.0";

// The overview: global flags and the list of commands.
std::string MainUsage();

// Usage of one command, or empty if `command` is not a command.
std::string CommandUsage(const std::string& command);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_USAGE_H_
