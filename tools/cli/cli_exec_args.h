// Command-line parsing for the `warren` commands that stream a process's
// output: exec, attach and logs. Like cli_args.h, nothing here talks to the
// network, so every rule about what the user may type is unit-testable.
#ifndef WARREN_TOOLS_CLI_CLI_EXEC_ARGS_H_
#define WARREN_TOOLS_CLI_CLI_EXEC_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/warren/v1/service.grpc.pb.h"

namespace warren::cli {

// `exec [-i] [-t] [-e K=V]... [-w DIR] [-u UID[:GID]] [-d] ID CMD [ARGS...]`.
// The request is complete except for the exec id (the daemon generates
// one); -i is process.open_stdin, -t is process.tty.
struct ExecOptions {
  bool help = false;
  bool detach = false;  // -d: print the exec id and return
  warren::v1::ExecRequest request;
};
absl::StatusOr<ExecOptions> ParseExecArgs(const std::vector<std::string>& args);

// `attach [--sig-proxy=false] ID`. With the signal proxy (the default, as
// docker's), Ctrl-C is sent to the container's init; without it, Ctrl-C
// only detaches the CLI.
struct AttachOptions {
  bool help = false;
  bool sig_proxy = true;
  std::string id;
};
absl::StatusOr<AttachOptions> ParseAttachArgs(
    const std::vector<std::string>& args);

// `logs [-f] [--tail N] [--since TIME] ID`.
struct LogsOptions {
  bool help = false;
  // `--tail 0` without -f: print nothing (the API reads tail 0 as "all
  // lines"). With -f it means "only new output" and becomes since = now.
  bool no_lines = false;
  warren::v1::LogsRequest request;
};
// `now` resolves relative --since values ("10m" ago) and `--tail 0 -f`.
absl::StatusOr<LogsOptions> ParseLogsArgs(const std::vector<std::string>& args,
                                          absl::Time now = absl::Now());

// Parses a --since value as docker does: an RFC 3339 time
// ("2024-01-02T15:04:05Z", fractions and offsets allowed), Unix seconds
// ("1704207845" or "1704207845.5") or a duration before `now` ("10m",
// "1h30m", "90s").
absl::StatusOr<absl::Time> ParseSince(const std::string& value, absl::Time now);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_EXEC_ARGS_H_
