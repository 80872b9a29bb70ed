// Command-line parsing for the `warren` client: a small docker-style flag
// parser plus one function per command that turns its arguments into the
// request it will send. Nothing here talks to the network, so every rule
// about what the user may type is unit-testable.
#ifndef WARREN_TOOLS_CLI_CLI_ARGS_H_
#define WARREN_TOOLS_CLI_CLI_ARGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/warren/v1/service.grpc.pb.h"

namespace warren::cli {

// Used when no --socket, --host, $WARREN_SOCKET or $WARREN_HOST names the
// daemon.
inline constexpr char kDefaultSocket[] = "/run/warren/warren.sock";
// Used when `create`/`run` get no --rootfs.
inline constexpr char kDefaultRootfs[] = "/var/lib/warren/images/busybox";

// One flag a command accepts. Every command also accepts -h/--help.
struct FlagSpec {
  std::string name;     // long name without "--", e.g. "env"
  char short_name = 0;  // e.g. 'e'; 0 for none
  bool takes_value = false;
};

// The result of ParseFlags: flag values by long name, in command-line order
// (boolean flags store "true"/"false"), and the positional arguments.
struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> flags;
  std::vector<std::string> positional;

  // Last value of a boolean flag; false if absent.
  bool Bool(const std::string& name) const;
  // Last value of a flag, or `def` if absent.
  std::string Last(const std::string& name, const std::string& def = "") const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> All(const std::string& name) const;
};

// Parses `args` against `specs`. Accepts --name=value, --name value,
// -n value, -nvalue, grouped boolean short flags (-af) and "--" to end the
// flags. With `interspersed` false, the first positional argument ends the
// flags (needed for `run ... CMD ARGS`, whose ARGS may look like flags).
// Errors are InvalidArgument with a one-line message for the user.
absl::StatusOr<ParsedArgs> ParseFlags(const std::vector<FlagSpec>& specs,
                                      const std::vector<std::string>& args,
                                      bool interspersed);

// The global flags (socket, host, TLS, tenant, --json) are parsed by
// ParseGlobalArgs in cli_connection.h.

// `create` and the create part of `run`.
struct CreateOptions {
  bool help = false;
  std::string id;  // empty: the caller generates one
  warren::v1::ContainerSpec spec;
};

// `run`: create options plus what happens around start. -i/-t are
// recognised only to explain that the init cannot have a terminal or stdin
// yet (Unimplemented, with the message to print).
struct RunOptions {
  CreateOptions create;
  bool rm = false;      // delete the container after it exits
  bool detach = false;  // print the id after start and return
};

// Parses `create [flags] CMD [ARGS...]`.
absl::StatusOr<CreateOptions> ParseCreateArgs(
    const std::vector<std::string>& args);
// Parses `run [--rm] [-d] [create flags] CMD [ARGS...]`.
absl::StatusOr<RunOptions> ParseRunArgs(const std::vector<std::string>& args);

// Splits "K=V" for --env/--label (`flag` names it in errors);
// `need_value` rejects a bare "K". Shared by create/run and exec so both
// say the same about bad input.
absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(
    const std::string& flag, const std::string& value, bool need_value);

// Parses "UID[:GID]" (numeric, as the rootfs lives with the daemon) into
// the process's uid and gid; gid defaults to 0 like docker for unknown uids.
absl::Status ParseUser(const std::string& value, warren::v1::ProcessSpec* out);

// `kill [--signal SIG] [--all] ID`.
struct KillOptions {
  bool help = false;
  warren::v1::KillRequest request;
};
absl::StatusOr<KillOptions> ParseKillArgs(const std::vector<std::string>& args);

// `rm [-f] ID...`.
struct RmOptions {
  bool help = false;
  bool force = false;
  std::vector<std::string> ids;
};
absl::StatusOr<RmOptions> ParseRmArgs(const std::vector<std::string>& args);

// `ps [-a] [-q] [--no-trunc] [--filter label=K=V|state=S]...`.
struct PsOptions {
  bool help = false;
  // True with -a or a state filter (like docker, asking for a state shows
  // containers in it even when they are stopped).
  bool all = false;
  bool quiet = false;
  bool no_trunc = false;
  warren::v1::ListRequest request;
};
absl::StatusOr<PsOptions> ParsePsArgs(const std::vector<std::string>& args);

// `logs`, `exec` and `attach` are parsed in cli_exec_args.h.

// Commands that take exactly one container id and no flags (start, wait,
// inspect).
struct IdOptions {
  bool help = false;
  std::string id;
};
absl::StatusOr<IdOptions> ParseIdArgs(const std::vector<std::string>& args);

// Parses a state name as `ps --filter state=` accepts it ("running",
// "exited" ...), case-insensitively.
absl::StatusOr<warren::v1::ContainerState> ParseState(const std::string& name);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_ARGS_H_
