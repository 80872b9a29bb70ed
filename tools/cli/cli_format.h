// Output formatting for the `warren` client: the `ps` table, the `inspect`
// text, relative times and error lines. Pure functions of their inputs (the
// current time is a parameter) so the exact output is unit-testable.
#ifndef WARREN_TOOLS_CLI_CLI_FORMAT_H_
#define WARREN_TOOLS_CLI_CLI_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"
#include "proto/warren/v1/container.pb.h"

namespace warren::cli {

// Quotes one argument the way a POSIX shell would need it, so a displayed
// command can be pasted back: `echo hi` -> 'echo hi', it's -> 'it'\''s'.
std::string ShellQuote(const std::string& arg);

// The container's command line for display: shell-quoted args joined by
// spaces.
std::string JoinCommand(
    const google::protobuf::RepeatedPtrField<std::string>& args);

// Converts a protobuf Timestamp; an unset (zero) one becomes InfinitePast.
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

// Docker's wording for a duration: "Less than a second", "1 second",
// "5 seconds", "About a minute", "3 minutes", "About an hour", "5 hours",
// "3 days", "2 weeks", "4 months", "2 years".
std::string HumanDuration(absl::Duration d);

// "<HumanDuration> ago" for `ts` as seen at `now`; "-" if `ts` is unset.
// Timestamps in the future (clock skew) read "Less than a second ago".
std::string RelativeTime(const google::protobuf::Timestamp& ts, absl::Time now);

// Lower-case state name as `ps` shows it: "created", "running", ...
std::string StateName(warren::v1::ContainerState state);

// The EXIT column: "-" unless stopped, else "3", "137 (SIGKILL)",
// "137 (SIGKILL, OOM)".
std::string ExitSummary(const warren::v1::Container& c);

// The `ps` table (ID, STATE, PID, EXIT, CREATED, COMMAND, and PORTS if any
// container has ports published; TENANT after ID if any container's tenant
// is neither empty nor "default"), one line per container plus the header,
// each line ending in '\n'. Columns are padded to the widest cell and
// separated by three spaces; the COMMAND column is cut to 40 characters
// unless `no_trunc`.
std::string FormatPsTable(
    const google::protobuf::RepeatedPtrField<warren::v1::Container>& list,
    absl::Time now, bool no_trunc);

// The human-readable `inspect` output: "Key:  value" lines (the network
// ones from NetworkInspectLines), with lists (env, labels, namespaces)
// indented below their key.
std::string FormatInspect(const warren::v1::Container& c, absl::Time now);

// "CODE_NAME: message" on one line (newlines in the message become "; ").
std::string FormatRpcError(const grpc::Status& status);

// Protobuf JSON (field names as in the .proto files, defaults included so
// e.g. exit_code 0 is visible). `pretty` adds indentation.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message,
                                   bool pretty);

// Left-aligned columns, three spaces apart, sized to the widest cell; the
// first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_FORMAT_H_
