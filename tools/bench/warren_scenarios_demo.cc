// warren_scenarios_demo: runs the warren side of the benchmark alone, at
// small sizes by default, and prints each series (median, p50, p99, errors,
// note). For trying the scenarios without the peers; run as root from the
// repository root after building warrend, warren-monitor and warren:
//   bazel-bin/tools/bench/warren_scenarios_demo --fleet=1000
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/bench_warrend.h"
#include "tools/bench/warren_bench_util.h"
#include "tools/bench/warren_scenarios.h"

ABSL_FLAG(std::string, work_dir, "/tmp/warren-scenarios-demo",
          "Scratch directory (removed at the end; a leftover of an earlier, "
          "interrupted run is cleaned up first).");
ABSL_FLAG(std::string, warrend, "bazel-bin/server/warrend", "warrend binary");
ABSL_FLAG(std::string, monitor, "bazel-bin/runtime/monitor/warren-monitor",
          "warren-monitor binary");
ABSL_FLAG(std::string, warren_cli, "bazel-bin/tools/cli/warren",
          "warren CLI binary");
ABSL_FLAG(std::string, image_script, "tools/image/build_busybox_rootfs.sh",
          "builds the busybox image");
ABSL_FLAG(std::string, make_certs, "tools/make_test_certs.sh",
          "makes the TLS certificates");
ABSL_FLAG(std::string, scenarios, "run,exec,network,churn,fleet,stream",
          "comma-separated: run, exec, network, churn, fleet, stream");
ABSL_FLAG(int, runs, 5, "samples per latency series");
ABSL_FLAG(int, fleet, 50, "containers for density, API and recovery");
ABSL_FLAG(int, churn_clients, 4, "concurrent churn clients");
ABSL_FLAG(double, churn_seconds, 2, "churn duration");
ABSL_FLAG(int64_t, stream_mib, 256, "MiB streamed");

namespace warren::bench {
namespace {

std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[4096];
  return std::string(getcwd(cwd, sizeof(cwd)) ? cwd : ".") + "/" + path;
}

void Print(const Series& s) {
  printf("%-18s %-11s %10.3f %-12s p50 %10.3f p99 %10.3f n=%zu errors=%d\n",
         s.scenario.c_str(), s.subject.c_str(), Percentile(s.values, 50),
         s.unit.c_str(), Percentile(s.values, 50), Percentile(s.values, 99),
         s.values.size(), s.errors);
  printf("    %s\n", s.note.c_str());
  fflush(stdout);
}

int Main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  BenchContext ctx;
  ctx.work_dir = Absolute(absl::GetFlag(FLAGS_work_dir));
  ctx.warrend = Absolute(absl::GetFlag(FLAGS_warrend));
  ctx.monitor = Absolute(absl::GetFlag(FLAGS_monitor));
  ctx.warren_cli = Absolute(absl::GetFlag(FLAGS_warren_cli));
  ctx.image = ctx.work_dir + "/images/busybox";
  ctx.runs = absl::GetFlag(FLAGS_runs);
  ctx.fleet = absl::GetFlag(FLAGS_fleet);
  ctx.churn_clients = absl::GetFlag(FLAGS_churn_clients);
  ctx.churn_seconds = absl::GetFlag(FLAGS_churn_seconds);
  ctx.stream_bytes = absl::GetFlag(FLAGS_stream_mib) << 20;
  const std::string certs = Absolute(absl::GetFlag(FLAGS_make_certs));

  // Whatever an interrupted earlier run left in this work dir goes first.
  BenchWarrend(ctx, certs).Cleanup();
  if (RunProgram({"/bin/bash", Absolute(absl::GetFlag(FLAGS_image_script)),
                  ctx.image}) != 0) {
    fprintf(stderr, "cannot build the image in %s\n", ctx.image.c_str());
    return 1;
  }
  std::vector<Series> all;
  {
    BenchWarrend warrend(ctx, certs);
    if (absl::Status s = warrend.Start(); !s.ok()) {
      fprintf(stderr, "warrend: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    for (absl::string_view name :
         absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',')) {
      std::vector<Series> out;
      absl::Time t0 = absl::Now();
      if (name == "run") RunWarrenRunToExit(ctx, warrend, &out);
      if (name == "exec") RunWarrenExec(ctx, warrend, &out);
      if (name == "network") RunWarrenNetwork(ctx, warrend, &out);
      if (name == "churn") RunWarrenChurn(ctx, warrend, &out);
      if (name == "fleet") RunWarrenFleet(ctx, warrend, true, true, true, &out);
      if (name == "stream") RunWarrenStream(ctx, warrend, &out);
      printf("== %s (%.1f s)\n", std::string(name).c_str(),
             absl::ToDoubleSeconds(absl::Now() - t0));
      for (const Series& s : out) Print(s);
      all.insert(all.end(), out.begin(), out.end());
    }
    // ~BenchWarrend: deletes what is left, stops warrend, cleans the host.
  }
  RunProgram({"/bin/rm", "-rf", ctx.work_dir});
  return 0;
}

}  // namespace
}  // namespace warren::bench

int main(int argc, char** argv) { return warren::bench::Main(argc, argv); }
