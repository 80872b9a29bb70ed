// The warren side of the benchmark: each scenario drives a BenchWarrend
// the way a client would (gRPC in-process over the unix socket unless said)
// and appends one Series per subject to *out. Failures are counted in
// Series::errors, with the first messages in the note; nothing aborts.
// Latency series get ctx.runs samples after 2 warm-ups.
#ifndef WARREN_TOOLS_BENCH_WARREN_SCENARIOS_H_
#define WARREN_TOOLS_BENCH_WARREN_SCENARIOS_H_

#include <vector>

#include "tools/bench/bench_types.h"
#include "tools/bench/bench_warrend.h"

namespace warren::bench {

// kRunToExit "ms": Create+Start+Wait+Delete of /bin/true with new pid, ipc,
// uts, mount and network namespaces (network none) and a 64 MiB memory
// limit: subject "warren" in-process, and "warren-cli" spawning
// `warren --socket S run --rm --network none --memory 64m ... /bin/true`.
void RunWarrenRunToExit(const BenchContext& ctx, BenchWarrend& warrend,
                        std::vector<Series>* out);

// kExec "ms": a sync Exec of /bin/true in a running `sleep 1000`.
void RunWarrenExec(const BenchContext& ctx, BenchWarrend& warrend,
                   std::vector<Series>* out);

// kNetwork "ms": what a bridge network adds to a container (veth on the
// bridge, address, default route, IPAM, and their teardown): per run,
// Create+Delete of a started bridged container minus the same with network
// none, the two interleaved (Start, which does no network work, is left out
// of both sides). warrend has no timing of its own for this.
void RunWarrenNetwork(const BenchContext& ctx, BenchWarrend& warrend,
                      std::vector<Series>* out);

// kChurn "containers/s": ctx.churn_clients clients, each on its own
// connection, looping Create(bridge)+Start+Delete(force) of `sleep 1000`
// for ctx.churn_seconds; one value, completed cycles per second in total.
void RunWarrenChurn(const BenchContext& ctx, BenchWarrend& warrend,
                    std::vector<Series>* out);

// Starts ctx.fleet bridged `sleep 1000` containers (a few parallel
// clients), then measures
//  density:  kDensityStart "s" (all K created and started), kDensityMemory
//            "KB" per container ((sum of warren-monitor PSS + warrend RSS
//            growth) / K), kDaemonRss "MB" (warrend VmRSS at K);
//  api:      kInspectUnix/kListUnix and kInspectTls/kListTls "us" (1000
//            Inspects of random containers, 50 Lists, each way);
//  recovery: kRecovery "ms" (SIGKILL warrend, start it again, until List
//            shows all K RUNNING);
// and deletes the fleet in parallel.
void RunWarrenFleet(const BenchContext& ctx, BenchWarrend& warrend,
                    bool density, bool api, bool recovery,
                    std::vector<Series>* out);

// kStream "MiB/s": subject "warren", a container writing ctx.stream_bytes
// (busybox `dd if=/dev/zero bs=64k`; busybox `head -c` itself tops out near
// 150 MiB/s) read by a Stream client (target, from_start) until the exit
// message; subject "pipe", the same busybox command on the host with stdout
// a pipe read in-process, for the ratio.
void RunWarrenStream(const BenchContext& ctx, BenchWarrend& warrend,
                     std::vector<Series>* out);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_WARREN_SCENARIOS_H_
