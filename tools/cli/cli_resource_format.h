// Output formatting for the resource commands of the `warren` client: the
// `stats` table and `events` lines. Pure functions so the exact output is
// unit-testable.
#ifndef WARREN_TOOLS_CLI_CLI_RESOURCE_FORMAT_H_
#define WARREN_TOOLS_CLI_CLI_RESOURCE_FORMAT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "proto/warren/v1/event.pb.h"
#include "proto/warren/v1/service.pb.h"

namespace warren::cli {

// Binary units with up to 4 significant digits, like docker: "512B",
// "1KiB", "12.3MiB", "1.5GiB".
std::string HumanBytes(uint64_t bytes);

// The `stats` table (ID, CPU, MEM USAGE / LIMIT, MEM PEAK, PIDS), one line
// per (id, stats) plus the header, each ending in '\n', columns padded to the
// widest cell and separated by three spaces. CPU is seconds with two
// decimals ("1.50s"); a limit of 0 (or UINT64_MAX) is unlimited and shown as
// "-", as is a peak of 0 (not reported by the kernel).
std::string FormatStatsTable(
    const std::vector<std::pair<std::string, warren::v1::StatsResponse>>& rows);

// One `events` line without newline: "<RFC3339 UTC time, "Z" suffix> <seq>
// <type> <container_id>", then " exec_id=X" for exec events and, for events
// with an exit, " exit_code=N", " signal=SIG" and " oom" as they apply.
std::string FormatEvent(const warren::v1::Event& e);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_RESOURCE_FORMAT_H_
