// Parsing for the resource commands of the `warren` client (stats, pause,
// resume, update, events) and the resource flags that `create`, `run` and
// `update` share. Like cli_args.h, nothing here talks to the network.
#ifndef WARREN_TOOLS_CLI_CLI_RESOURCE_ARGS_H_
#define WARREN_TOOLS_CLI_CLI_RESOURCE_ARGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {

// --memory, --memory-swap, --cpu-quota, --cpu-period, --cpu-weight,
// --cpuset-cpus, --cpuset-mems, --pids-limit (all take a value).
std::vector<FlagSpec> ResourceFlags();

// True if any of ResourceFlags() was given.
bool HasResourceFlags(const ParsedArgs& p);

// Fills `out` from the resource flags in `p`; fields of flags not given are
// left alone. Errors are InvalidArgument naming the flag and its value.
absl::Status ApplyResourceFlags(const ParsedArgs& p,
                                warren::v1::ResourcesSpec* out);

// Parses a byte size for `--flag`: plain bytes ("1048576") or a number with a
// binary suffix k, m, g or t, optionally followed by b, in either case
// ("64m", "1G", "512kb"). Must be positive.
absl::StatusOr<int64_t> ParseSize(const std::string& flag,
                                  const std::string& value);

// Commands that take one or more container ids and no flags (stats, pause,
// resume).
struct IdsOptions {
  bool help = false;
  std::vector<std::string> ids;
};
absl::StatusOr<IdsOptions> ParseIdsArgs(const std::vector<std::string>& args);

// `update [resource flags] ID`.
struct UpdateOptions {
  bool help = false;
  warren::v1::UpdateRequest request;
};
absl::StatusOr<UpdateOptions> ParseUpdateArgs(
    const std::vector<std::string>& args);

// `events [--filter container=ID|type=TYPE]... [--since-seq N]`.
struct EventsOptions {
  bool help = false;
  warren::v1::EventsRequest request;
};
absl::StatusOr<EventsOptions> ParseEventsArgs(
    const std::vector<std::string>& args);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_RESOURCE_ARGS_H_
