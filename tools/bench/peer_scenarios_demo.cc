// Runs the peer scenarios alone at small sizes and prints each series, to
// try the peer side without the whole benchmark (as root):
//   peer_scenarios_demo BUILD_IMAGE_SH [RUNS] [DENSITY] [WORK_DIR]
//   peer_scenarios_demo --cleanup WORK_DIR   # what Ctrl-C runs
// Without WORK_DIR a fresh /tmp/peer-demo.XXXXXX is used and removed at the
// end. BUILD_IMAGE_SH "-" uses WORK_DIR/image as it is (try a broken one).
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "tools/bench/bench_types.h"
#include "tools/bench/peer_scenarios.h"

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s BUILD_BUSYBOX_ROOTFS_SH [RUNS] [DENSITY]\n",
            argv[0]);
    return 2;
  }
  warren::bench::BenchContext ctx;
  if (std::string(argv[1]) == "--cleanup" && argc == 3) {
    ctx.work_dir = argv[2];
    warren::bench::CleanupPeers(ctx);
    return 0;
  }
  ctx.runs = 5;
  ctx.peer_density = 5;
  if (argc > 2 && !absl::SimpleAtoi(argv[2], &ctx.runs)) return 2;
  if (argc > 3 && !absl::SimpleAtoi(argv[3], &ctx.peer_density)) return 2;
  char work[] = "/tmp/peer-demo.XXXXXX";
  const bool own_dir = argc <= 4;
  if (own_dir && mkdtemp(work) == nullptr) return 1;
  ctx.work_dir = own_dir ? work : argv[4];
  ctx.image = ctx.work_dir + "/image";
  std::string build =
      std::string("/bin/bash '") + argv[1] + "' '" + ctx.image + "' >/dev/null";
  if (std::string(argv[1]) != "-" && system(build.c_str()) != 0) {
    fprintf(stderr, "building the image failed\n");
    return 1;
  }
  std::vector<warren::bench::Series> series;
  warren::bench::RunPeerRunToExit(ctx, &series);
  warren::bench::RunPeerExec(ctx, &series);
  warren::bench::RunPeerNetwork(ctx, &series);
  warren::bench::RunPeerDensity(ctx, &series);
  warren::bench::CleanupPeers(ctx);
  for (const warren::bench::Series& s : series) {
    printf("%-14s %-16s median %9.2f %-3s n=%zu errors=%d [%s]\n  note: %s\n",
           s.scenario.c_str(), s.subject.c_str(), Median(s.values),
           s.unit.c_str(), s.values.size(), s.errors,
           absl::StrJoin(s.values, " ",
                         [](std::string* out, double v) {
                           out->append(std::to_string(v).substr(0, 7));
                         })
               .c_str(),
           s.note.c_str());
  }
  if (!own_dir) return 0;
  std::string rm = std::string("rm -rf '") + work + "'";
  return system(rm.c_str()) == 0 ? 0 : 1;
}
