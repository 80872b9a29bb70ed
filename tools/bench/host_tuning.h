// The one host setting the benchmark changes for its run: the cgroup2 mount
// option favordynmods (runtime/cgroup_favor_dynmods.h), which spares every
// runtime an RCU grace period per cgroup migration. It is host-wide, so all
// subjects (warren and its peers) are measured with it; the report says so,
// and the setting is put back at the end, also by --cleanup_only after an
// interrupted run (a marker file in the work directory remembers it).
#ifndef WARREN_TOOLS_BENCH_HOST_TUNING_H_
#define WARREN_TOOLS_BENCH_HOST_TUNING_H_

#include <string>

namespace warren::bench {

// Turns favordynmods on unless it is; returns what the report says about
// it ("favordynmods on (set by the benchmark)", "... (already on)", or why
// not).
std::string TuneHost(const std::string& work_dir);

// Puts back what TuneHost changed (nothing if it changed nothing).
void RestoreHost(const std::string& work_dir);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_HOST_TUNING_H_
