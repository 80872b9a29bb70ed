#include "tools/bench/host_quiet.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "runtime/file_util.h"

namespace warren::bench {

bool ParseCpuTimes(absl::string_view stat, CpuTimes* out) {
  absl::string_view line = stat.substr(0, stat.find('\n'));
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  // cpu user nice system idle iowait irq softirq steal ...
  if (fields.size() < 5 || fields[0] != "cpu") return false;
  CpuTimes t;
  for (size_t i = 1; i < fields.size() && i <= 8; ++i) {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(fields[i], &v)) return false;
    t.total += v;
    if (i != 4 && i != 5) t.busy += v;
  }
  *out = t;
  return true;
}

double BusyShare(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.busy < before.busy) return 0;
  return static_cast<double>(after.busy - before.busy) /
         static_cast<double>(after.total - before.total);
}

std::string QuietResult::Describe() const {
  return absl::StrFormat("host %s after %.1f s (%.0f%% busy)",
                         quiet ? "quiet" : "still busy",
                         absl::ToDoubleSeconds(waited), busy * 100);
}

QuietResult WaitForQuietHost(double threshold, absl::Duration interval,
                             absl::Duration limit) {
  QuietResult result;
  const absl::Time start = absl::Now();
  auto read = [](CpuTimes* t) {
    absl::StatusOr<std::string> stat = runtime::ReadFile("/proc/stat");
    return stat.ok() && ParseCpuTimes(*stat, t);
  };
  CpuTimes before;
  if (!read(&before)) return result;
  while (true) {
    absl::SleepFor(interval);
    CpuTimes after;
    if (!read(&after)) break;
    result.busy = BusyShare(before, after);
    result.waited = absl::Now() - start;
    if (result.busy < threshold) {
      result.quiet = true;
      break;
    }
    if (result.waited >= limit) break;
    before = after;
  }
  return result;
}

}  // namespace warren::bench
