// Waiting for the host to go quiet between scenarios: the kernel finishes
// tearing down namespaces, veths and cgroups in workqueues long after the
// calls that asked for it returned, and that work would otherwise be
// charged to whichever scenario comes next (most visibly the API one, whose
// calls take only tens of microseconds).
#ifndef WARREN_TOOLS_BENCH_HOST_QUIET_H_
#define WARREN_TOOLS_BENCH_HOST_QUIET_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warren::bench {

// The "cpu " line of /proc/stat: busy and total jiffies over all CPUs.
struct CpuTimes {
  uint64_t busy = 0;  // everything but idle and iowait
  uint64_t total = 0;
};

// Parses the first line of /proc/stat; false if it is not one.
bool ParseCpuTimes(absl::string_view stat, CpuTimes* out);
// The busy share (0..1) of the time between two readings.
double BusyShare(const CpuTimes& before, const CpuTimes& after);

// What a wait for quiet found: how long it took and how busy the host was
// in the last interval looked at.
struct QuietResult {
  absl::Duration waited;
  double busy = 0;
  bool quiet = false;  // false: gave up at the limit
  std::string Describe() const;
};

// Waits until the host was less than `threshold` busy over one `interval`
// (every CPU counted), for at most `limit`.
QuietResult WaitForQuietHost(double threshold = 0.05,
                             absl::Duration interval = absl::Milliseconds(200),
                             absl::Duration limit = absl::Seconds(20));

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_HOST_QUIET_H_
