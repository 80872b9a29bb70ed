// warren-bench: runs the benchmark scenarios against a private warrend and
// the peers (runc, crun, ctr, podman, the CNI bridge plugin) in one run and
// writes the report (table.txt, bench.json, bench.png) to --out_dir. Use it
// through tools/bench/bench.sh, which builds it, installs the peers and
// cleans up after an interrupted run (--cleanup_only).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "runtime/file_util.h"
#include "tools/bench/bench_machine.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/bench_types.h"
#include "tools/bench/bench_warrend.h"
#include "tools/bench/host_quiet.h"
#include "tools/bench/host_tuning.h"
#include "tools/bench/peer_scenarios.h"
#include "tools/bench/run_tmpfs.h"
#include "tools/bench/warren_scenarios.h"

ABSL_FLAG(std::string, scenarios,
          "run,exec,network,churn,density,stream,api,recovery",
          "comma-separated scenarios to run");
ABSL_FLAG(int, runs, 30, "samples per latency series");
ABSL_FLAG(bool, quick, false,
          "small sizes (5 runs, 50 containers, 2 s churn, 256 MiB stream): "
          "under a minute");
ABSL_FLAG(int, fleet, 1000, "containers for density, api and recovery");
ABSL_FLAG(int, peer_density, 20, "containers per peer for shim memory");
ABSL_FLAG(int, churn_clients, 4, "concurrent clients in churn");
ABSL_FLAG(double, churn_seconds, 5, "how long churn runs");
ABSL_FLAG(int, stream_mib, 1024, "MiB written in the stream scenario");
ABSL_FLAG(bool, skip_peers, false, "measure warren only");
ABSL_FLAG(bool, favordynmods, true,
          "turn the host-wide cgroup2 option favordynmods on for the run "
          "(every subject gains; put back at the end)");
ABSL_FLAG(std::string, work_dir, "", "private scratch directory (required)");
ABSL_FLAG(std::string, out_dir, "", "where the report goes (required)");
ABSL_FLAG(std::string, warrend, "", "warrend binary");
ABSL_FLAG(std::string, monitor, "", "warren-monitor binary");
ABSL_FLAG(std::string, warren_cli, "", "warren CLI binary");
ABSL_FLAG(std::string, grpc_floor_server, "",
          "grpc_floor_server binary (empty: no bare-grpc row under Inspect)");
ABSL_FLAG(std::string, image_script, "",
          "tools/image/build_busybox_rootfs.sh (builds the shared rootfs)");
ABSL_FLAG(std::string, make_certs, "",
          "tools/make_test_certs.sh (certificates of the TLS listener)");
ABSL_FLAG(bool, cleanup_only, false,
          "remove what an interrupted run left in --work_dir and on the host");

namespace warren::bench {
namespace {

const std::set<std::string> kKnown = {
    "run", "exec", "network", "churn", "density", "stream", "api", "recovery"};

BenchContext ContextFromFlags() {
  BenchContext ctx;
  ctx.work_dir = absl::GetFlag(FLAGS_work_dir);
  ctx.image = ctx.work_dir + "/image";
  ctx.run_dir = ctx.work_dir + "/run";
  ctx.warrend = absl::GetFlag(FLAGS_warrend);
  ctx.monitor = absl::GetFlag(FLAGS_monitor);
  ctx.grpc_floor_server = absl::GetFlag(FLAGS_grpc_floor_server);
  ctx.warren_cli = absl::GetFlag(FLAGS_warren_cli);
  ctx.runs = absl::GetFlag(FLAGS_runs);
  ctx.fleet = absl::GetFlag(FLAGS_fleet);
  ctx.peer_density = absl::GetFlag(FLAGS_peer_density);
  ctx.churn_clients = absl::GetFlag(FLAGS_churn_clients);
  ctx.churn_seconds = absl::GetFlag(FLAGS_churn_seconds);
  ctx.stream_bytes = int64_t{absl::GetFlag(FLAGS_stream_mib)} << 20;
  if (absl::GetFlag(FLAGS_quick)) {
    ctx.runs = 5;
    ctx.fleet = 50;
    ctx.peer_density = 5;
    ctx.churn_seconds = 2;
    ctx.stream_bytes = int64_t{256} << 20;
  }
  return ctx;
}

void Progress(const std::string& what) {
  fprintf(stderr, "warren-bench: %s\n", what.c_str());
}

int Run(int argc, char** argv) {
  // As in warrend: Debian's Abseil keeps deadlock detection on, which every
  // gRPC lock of this client would pay for.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "warren-bench --work_dir=DIR --out_dir=DIR [--quick] [--runs=N] "
      "[--scenarios=run,exec,...]; normally run via tools/bench/bench.sh");
  absl::ParseCommandLine(argc, argv);
  BenchContext ctx = ContextFromFlags();
  if (ctx.work_dir.empty()) {
    fprintf(stderr, "warren-bench: --work_dir is required\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_cleanup_only)) {
    BenchWarrend(ctx, "").Cleanup();
    CleanupPeers(ctx);
    RestoreHost(ctx.work_dir);
    UnmountRunTmpfs(ctx.run_dir);
    return 0;
  }
  std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  std::vector<std::string> scenarios =
      absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty());
  for (const std::string& s : scenarios) {
    if (!kKnown.count(s)) {
      fprintf(stderr, "warren-bench: unknown scenario \"%s\" (known: %s)\n",
              s.c_str(), absl::StrJoin(kKnown, ",").c_str());
      return 2;
    }
  }
  if (out_dir.empty() || ctx.warrend.empty() || ctx.monitor.empty() ||
      ctx.warren_cli.empty() || absl::GetFlag(FLAGS_image_script).empty()) {
    fprintf(stderr,
            "warren-bench: --out_dir, --warrend, --monitor, --warren_cli and "
            "--image_script are required (tools/bench/bench.sh sets them)\n");
    return 2;
  }
  if (absl::Status s = runtime::MakeDirs(out_dir); !s.ok()) {
    fprintf(stderr, "warren-bench: %s\n", s.ToString().c_str());
    return 1;
  }
  std::string build = absl::StrCat(absl::GetFlag(FLAGS_image_script), " '",
                                   ctx.image, "' >/dev/null");
  if (std::system(build.c_str()) != 0) {
    fprintf(stderr, "warren-bench: building the busybox image failed\n");
    return 1;
  }
  if (absl::Status s = MountRunTmpfs(ctx.run_dir); !s.ok()) {
    fprintf(stderr, "warren-bench: %s\n", s.ToString().c_str());
    return 1;
  }
  const bool peers = !absl::GetFlag(FLAGS_skip_peers);
  // Also when warrend cannot start: no peer, host setting or mount stays.
  absl::Cleanup undo_host = [&] {
    if (peers) CleanupPeers(ctx);
    RestoreHost(ctx.work_dir);
    UnmountRunTmpfs(ctx.run_dir);
  };
  std::vector<Series> series;
  const std::string tuning = absl::GetFlag(FLAGS_favordynmods)
                                 ? TuneHost(ctx.work_dir)
                                 : "favordynmods as found (--nofavordynmods)";
  {
    BenchWarrend warrend(ctx, absl::GetFlag(FLAGS_make_certs));
    if (absl::Status s = warrend.Start(); !s.ok()) {
      fprintf(stderr, "warren-bench: cannot start warrend: %s\n%s\n",
              s.ToString().c_str(), warrend.LogTail().c_str());
      return 1;
    }
    auto want = [&](const char* name) {
      return std::find(scenarios.begin(), scenarios.end(), name) !=
             scenarios.end();
    };
    // Each subject starts on a quiet host: the kernel's teardown of the
    // previous one's namespaces and veths is not charged to it.
    auto quiet = [] { Progress(WaitForQuietHost().Describe()); };
    if (want("run")) {
      quiet();
      Progress("run-to-exit");
      RunWarrenRunToExit(ctx, warrend, &series);
      if (peers) {
        quiet();
        RunPeerRunToExit(ctx, &series);
      }
    }
    if (want("exec")) {
      quiet();
      Progress("exec");
      RunWarrenExec(ctx, warrend, &series);
      if (peers) {
        quiet();
        RunPeerExec(ctx, &series);
      }
    }
    if (want("network")) {
      quiet();
      Progress("network");
      RunWarrenNetwork(ctx, warrend, &series);
      if (peers) {
        quiet();
        RunPeerNetwork(ctx, &series);
      }
    }
    if (want("churn")) {
      quiet();
      Progress("churn");
      RunWarrenChurn(ctx, warrend, &series);
    }
    if (want("stream")) {
      quiet();
      Progress("stream");
      RunWarrenStream(ctx, warrend, &series);
    }
    if (want("density") || want("api") || want("recovery")) {
      quiet();
      Progress(absl::StrCat("fleet of ", ctx.fleet, " containers"));
      RunWarrenFleet(ctx, warrend, want("density"), want("api"),
                     want("recovery"), &series);
      if (peers && want("density")) {
        quiet();
        RunPeerDensity(ctx, &series);
      }
    }
    Progress("cleaning up");
    warrend.Cleanup();
  }
  std::move(undo_host).Invoke();

  BenchReport report;
  *report.mutable_machine() = DescribeMachine();
  report.mutable_machine()->set_host_tuning(absl::StrCat(
      tuning,
      "; every subject's runtime state on a private tmpfs (their /run), "
      "persistent state in the work directory on the root file system"));
  report.set_runs(ctx.runs);
  report.set_fleet(ctx.fleet);
  for (const std::string& s : scenarios) report.add_scenarios(s);
  std::vector<SeriesResult> results = SummarizeAll(series);
  for (const SeriesResult& r : results) *report.add_series() = r;
  for (const TargetResult& t : EvaluateTargets(results, ctx.fleet)) {
    *report.add_targets() = t;
  }
  const Machine& m = report.machine();
  std::string table = absl::StrCat(
      "warren benchmark, ", m.date(), ": ", m.cpu(), ", ", m.cores(),
      " cores, ", m.memory_kb() >> 20, " GiB, kernel ", m.kernel(), ", ",
      m.cgroups(), " cgroups, ", m.host_tuning(), "; ", ctx.runs,
      " runs, fleet ", ctx.fleet, "\n\n", FormatTable(report));
  for (const SeriesResult& r : report.series()) {
    if (!r.note().empty()) {
      absl::StrAppend(&table, "\nnote ", r.scenario(), "/", r.subject(), ": ",
                      r.note());
    }
  }
  absl::StrAppend(&table, "\n");
  fputs(table.c_str(), stdout);
  absl::Status wrote =
      runtime::WriteFileAtomic(out_dir + "/table.txt", table, 0644);
  if (wrote.ok()) wrote = WriteJson(report, out_dir + "/bench.json");
  if (wrote.ok()) wrote = WriteChart(report, out_dir);
  if (!wrote.ok()) {
    fprintf(stderr, "warren-bench: %s\n", wrote.ToString().c_str());
    return 1;
  }
  Progress(absl::StrCat("report in ", out_dir,
                        " (table.txt, bench.json, bench.png)"));
  return 0;
}

}  // namespace
}  // namespace warren::bench

int main(int argc, char** argv) { return warren::bench::Run(argc, argv); }
