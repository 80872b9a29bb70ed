// Parsing for the networking side of the `warren` client: the network flags
// of `create`/`run` (--network, --ip, -p/--publish, --dns, --dns-search) and
// the `network` subcommands (create, ls, rm, inspect). Like cli_args.h,
// nothing here talks to the network, so every rule about what the user may
// type is unit-testable. The CLI checks only the syntax of values; whether
// a subnet overlaps another or an address is free is the daemon's call.
#ifndef WARREN_TOOLS_CLI_CLI_NETWORK_ARGS_H_
#define WARREN_TOOLS_CLI_CLI_NETWORK_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {

// The default bridge network; `--network bridge` (Docker's name for its
// default network) and a bare -p mean this one.
inline constexpr char kDefaultNetwork[] = "warren";

// --network, --ip, -p/--publish, --dns, --dns-search (all take a value;
// all but --network and --ip are repeatable). Shared by create and run.
std::vector<FlagSpec> ContainerNetworkFlags();

// Fills spec->network from the flags in `p`; leaves it unset if none was
// given (the daemon's default, no network, applies). -p without --network
// selects the default bridge network, as Docker's default bridge does.
// Errors are InvalidArgument naming the flag and its value.
absl::Status ApplyContainerNetworkFlags(const ParsedArgs& p,
                                        warren::v1::ContainerSpec* spec);

// Parses one -p value, Docker's syntax:
// [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]. The protocol is always set
// ("tcp" if not given); host_ip stays empty for all addresses.
absl::StatusOr<warren::v1::PortMapping> ParsePortMapping(
    const std::string& value);

// True if `text` is a dotted-quad IPv4 address.
bool IsIpv4(const std::string& text);

// True if `name` is a network name as the daemon accepts it (1-64
// characters of [A-Za-z0-9_.-], starting with a letter or digit), so a typo
// is a usage error before any call.
bool IsNetworkName(const std::string& name);

// The `network` subcommand and its arguments, split off so the runner can
// dispatch and usage errors can name "network SUB".
struct NetworkCommand {
  // Canonical subcommand: "create", "ls", "rm" or "inspect" ("list" and
  // "remove" are accepted as aliases); empty with no subcommand.
  std::string sub;
  std::vector<std::string> args;
  // `warren network -h|--help`.
  bool help = false;
};
// Splits `network [-h] SUB ARGS...`. An unknown subcommand is an error.
absl::StatusOr<NetworkCommand> SplitNetworkCommand(
    const std::vector<std::string>& args);

// `network create [flags] NAME`.
struct NetworkCreateOptions {
  bool help = false;
  warren::v1::CreateNetworkRequest request;
};
absl::StatusOr<NetworkCreateOptions> ParseNetworkCreateArgs(
    const std::vector<std::string>& args);

// `network ls [-q]`.
struct NetworkLsOptions {
  bool help = false;
  bool quiet = false;  // names only
};
absl::StatusOr<NetworkLsOptions> ParseNetworkLsArgs(
    const std::vector<std::string>& args);

// `network rm NAME...` and `network inspect NAME` (exactly one name).
struct NetworkNamesOptions {
  bool help = false;
  std::vector<std::string> names;
};
absl::StatusOr<NetworkNamesOptions> ParseNetworkRmArgs(
    const std::vector<std::string>& args);
absl::StatusOr<NetworkNamesOptions> ParseNetworkInspectArgs(
    const std::vector<std::string>& args);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_NETWORK_ARGS_H_
