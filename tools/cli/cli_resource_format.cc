#include "tools/cli/cli_resource_format.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "tools/cli/cli_format.h"

namespace warren::cli {
namespace {

bool Unlimited(uint64_t limit) {
  return limit == 0 || limit == std::numeric_limits<uint64_t>::max();
}

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B",   "KiB", "MiB", "GiB",
                                       "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    v /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.4g%s", v, kUnits[unit]);
}

std::string FormatStatsTable(
    const std::vector<std::pair<std::string, warren::v1::StatsResponse>>&
        stats) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "CPU", "MEM USAGE / LIMIT", "MEM PEAK", "PIDS"}};
  for (const auto& [id, s] : stats) {
    rows.push_back(
        {id, absl::StrFormat("%.2fs", s.cpu_usage_ns() / 1e9),
         absl::StrCat(HumanBytes(s.memory_usage_bytes()), " / ",
                      Unlimited(s.memory_limit_bytes())
                          ? "-"
                          : HumanBytes(s.memory_limit_bytes())),
         s.memory_peak_bytes() == 0 ? "-" : HumanBytes(s.memory_peak_bytes()),
         absl::StrCat(
             s.pids_current(), " / ",
             Unlimited(s.pids_limit()) ? "-" : absl::StrCat(s.pids_limit()))});
  }
  return FormatTable(rows);
}

std::string FormatEvent(const warren::v1::Event& e) {
  std::string out = absl::StrCat(
      absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", FromTimestamp(e.time()),
                       absl::UTCTimeZone()),
      " ", e.sequence(), " ", e.type(), " ", e.container_id());
  if (!e.exec_id().empty()) absl::StrAppend(&out, " exec_id=", e.exec_id());
  if (e.has_exit()) {
    absl::StrAppend(&out, " exit_code=", e.exit().exit_code());
    if (!e.exit().signal().empty()) {
      absl::StrAppend(&out, " signal=", e.exit().signal());
    }
    if (e.exit().oom_killed()) absl::StrAppend(&out, " oom");
  }
  return out;
}

}  // namespace warren::cli
