// Density memory: what each container costs in the process that watches it
// (containerd's runc v2 shim, podman's conmon), measured as PSS so shared
// pages are split fairly between the watchers.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/bench/peer_env.h"
#include "tools/bench/peer_scenarios.h"
#include "tools/bench/private_containerd.h"

namespace warren::bench {
namespace {

struct Watchers {
  int processes = 0;
  int64_t pss_kb = 0;
  int64_t rss_kb = 0;
};

Watchers Measure(const std::vector<pid_t>& pids) {
  Watchers w;
  for (pid_t pid : pids) {
    ProcMemory m = ReadProcMemory(pid);
    if (m.pss_kb < 0) continue;  // exited meanwhile
    ++w.processes;
    w.pss_kb += m.pss_kb;
    w.rss_kb += std::max<int64_t>(m.rss_kb, 0);
  }
  return w;
}

// The single value (PSS per container) and the note's numbers.
void Report(const Watchers& w, int containers, const std::string& what,
            SeriesBuilder* series, std::string note) {
  if (containers == 0 || w.processes == 0) {
    series->FailRuns(1, absl::StrCat("no ", what, " processes to measure (",
                                     containers, " containers started)"));
  } else {
    series->AddValue(static_cast<double>(w.pss_kb) / containers);
    absl::StrAppend(
        &note, absl::StrFormat("; %d %s processes for %d containers, RSS "
                               "%.0f KB/container",
                               w.processes, what, containers,
                               static_cast<double>(w.rss_kb) / containers));
  }
  series->SetNote(std::move(note));
}

// Gives freshly started watchers a moment to finish their start-up.
void Settle() { std::this_thread::sleep_for(std::chrono::milliseconds(500)); }

Series ShimDensity(PeerEnv* env, const absl::Status& prepared) {
  SeriesBuilder series(kDensityMemory, "containerd-shim", "KB");
  const int k = env->ctx().peer_density;
  std::string note = absl::StrCat(
      "total PSS of the private containerd's containerd-shim-runc-v2 "
      "processes / ",
      k, " `ctr run -d` sleep containers");
  series.SetNote(note);
  if (!PeerUsable(prepared, {"containerd", "ctr", "runc"}, 1, &series)) {
    return series.Take();
  }
  PrivateContainerd daemon(env->paths().containerd, env->paths().containerd_run,
                           &env->runner());
  if (absl::Status s = daemon.Start(); !s.ok()) {
    series.FailRuns(1, std::string(s.message()));
  } else {
    int started = 0;
    for (int i = 0; i < k; ++i) {
      const std::string id = env->NewId("ctr-density");
      std::vector<std::string> run = {"run", "--detach", "--null-io"};
      for (const std::string& f : daemon.RunFlags(id)) run.push_back(f);
      for (const std::string& a :
           {std::string("--rootfs"), std::string("--memory-limit"),
            absl::StrCat(kPeerMemoryLimit), std::string("--cgroup"),
            PeerEnv::CgroupPath(id), env->paths().rootfs, id,
            std::string("/bin/sleep"), std::string("1000")}) {
        run.push_back(a);
      }
      PeerResult r = env->runner().Run("ctr-run-d", {daemon.Ctr(run)});
      if (r.ok()) {
        ++started;
      } else {
        series.AddError(r.error);
        if (started == 0 && i >= 2) break;  // nothing works: stop trying
      }
    }
    Settle();
    Report(Measure(FindProcesses("containerd-shim", daemon.address())), started,
           "shim", &series, note);
    daemon.RemoveAll();
  }
  daemon.Stop();
  PrivateContainerd::Cleanup(env->paths().containerd,
                             env->paths().containerd_run, &env->runner());
  return series.Take();
}

Series ConmonDensity(PeerEnv* env, const absl::Status& prepared) {
  SeriesBuilder series(kDensityMemory, "conmon", "KB");
  const int k = env->ctx().peer_density;
  std::string note = absl::StrCat(
      "total PSS of conmon processes of the private podman storage / ", k,
      " `podman run -d` sleep containers (runtime runc, network none)");
  series.SetNote(note);
  if (!PeerUsable(prepared, {"podman", "conmon", "runc"}, 1, &series)) {
    return series.Take();
  }
  std::vector<std::string> ids;
  for (int i = 0; i < k; ++i) {
    const std::string id = env->NewId("podman-density");
    PeerResult r = env->runner().Run(
        "podman-run-d",
        {env->Podman({"run", "-d", "--name", id, "--ulimit", "nofile=1024:1024",
                      "--ulimit", "nproc=4096:4096", "--network", "none",
                      "--memory", "64m", "--cgroup-parent",
                      absl::StrCat("/", kPeerCgroupParent), "--rootfs",
                      env->paths().rootfs, "/bin/sleep", "1000"})});
    if (r.ok()) {
      ids.push_back(id);
    } else {
      series.AddError(r.error);
      if (ids.empty() && i >= 2) break;
    }
  }
  Settle();
  Report(Measure(FindProcesses("conmon", env->paths().podman + "/")),
         static_cast<int>(ids.size()), "conmon", &series, note);
  if (!ids.empty()) {
    std::vector<std::string> rm = {"rm", "-f", "-t", "0"};
    rm.insert(rm.end(), ids.begin(), ids.end());
    PeerCommand cmd{env->Podman(rm)};
    cmd.timeout_s = 60;
    env->runner().Run("podman-rm", cmd);
  }
  return series.Take();
}

}  // namespace

void RunPeerDensity(const BenchContext& ctx, std::vector<Series>* out) {
  PeerEnv env(ctx);
  const absl::Status prepared = env.Prepare();
  out->push_back(ShimDensity(&env, prepared));
  out->push_back(ConmonDensity(&env, prepared));
  CleanupPeers(ctx);
}

}  // namespace warren::bench
