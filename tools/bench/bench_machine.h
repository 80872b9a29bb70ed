// What machine a benchmark ran on (kernel, CPU, memory, cgroup layout) and
// the versions of the peers it compared with, for the report's header.
#ifndef WARREN_TOOLS_BENCH_BENCH_MACHINE_H_
#define WARREN_TOOLS_BENCH_BENCH_MACHINE_H_

#include "tools/bench/bench_report.pb.h"

namespace warren::bench {

// Reads /proc and runs each peer's --version (missing tools are left out).
Machine DescribeMachine();

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_BENCH_MACHINE_H_
