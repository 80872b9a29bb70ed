// What the benchmark measures and with what: plain data shared by the
// scenario runners (warren_scenarios, peer_scenarios) and the report. A
// runner appends one Series per subject it measured; the report turns them
// into medians, percentiles, ratios and target verdicts.
#ifndef WARREN_TOOLS_BENCH_BENCH_TYPES_H_
#define WARREN_TOOLS_BENCH_BENCH_TYPES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace warren::bench {

// Scenario names (Series::scenario).
inline constexpr char kRunToExit[] = "run_to_exit";
inline constexpr char kExec[] = "exec";
inline constexpr char kNetwork[] = "network";
inline constexpr char kChurn[] = "churn";
inline constexpr char kDensityMemory[] = "density_memory";  // KB/container
inline constexpr char kDensityStart[] = "density_start";    // s for all K
inline constexpr char kDaemonRss[] = "daemon_rss";          // MB at K
inline constexpr char kStream[] = "stream";                 // MiB/s
inline constexpr char kInspectUnix[] = "api_inspect_unix";  // us
inline constexpr char kListUnix[] = "api_list_unix";        // us
// grpc.health.v1.Health/Check on the same socket: gRPC's own unary round
// trip with no warren code in it, the floor under Inspect.
inline constexpr char kHealthUnix[] = "api_health_unix";  // us
inline constexpr char kInspectTls[] = "api_inspect_tls";  // us
inline constexpr char kListTls[] = "api_list_tls";        // us
inline constexpr char kRecovery[] = "recovery";           // ms

// One measured series: a scenario as one subject did it.
struct Series {
  std::string scenario;  // one of the names above
  // "warren" (gRPC client in-process), "warren-cli", "runc", "crun",
  // "ctr", "podman", "cni-bridge", "pipe", "containerd-shim", "conmon".
  std::string subject;
  std::string unit;  // "ms", "us", "s", "MiB/s", "containers/s", "KB", "MB"
  // One value per run (latencies), or a single value (rates, memory).
  std::vector<double> values;
  int errors = 0;    // failed runs (not in values)
  std::string note;  // how it was driven, caveats ("v2 mount hidden ...")
};

// Sizes and places for one benchmark run.
struct BenchContext {
  int runs = 30;         // samples per latency series
  std::string work_dir;  // private scratch directory (removed at end)
  // A tmpfs the benchmark mounts at <work_dir>/run: every subject's runtime
  // state (warrend's run_dir, runc's and crun's --root, containerd's state,
  // podman's runroot), where their defaults put it (/run).
  std::string run_dir;
  std::string image;              // busybox root filesystem directory
  std::string warrend;            // warrend binary
  std::string monitor;            // warren-monitor binary
  std::string warren_cli;         // warren CLI binary
  std::string grpc_floor_server;  // tools/bench/grpc_floor_server (optional)
  int churn_clients = 4;          // concurrent clients in churn
  double churn_seconds = 5;       // how long churn runs
  int fleet = 1000;               // containers for density, API, recovery
  int peer_density = 20;          // containers per peer for shim/conmon memory
  int64_t stream_bytes = int64_t{1} << 30;
};

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_BENCH_TYPES_H_
