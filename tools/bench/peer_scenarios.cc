// Run-to-exit and exec, as runc, crun, ctr and podman users do them.
#include "tools/bench/peer_scenarios.h"

#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/bench/peer_env.h"
#include "tools/bench/private_containerd.h"

namespace warren::bench {
namespace {

constexpr char kCrunNote[] =
    "v2 mount hidden in a private mount namespace (hybrid cgroups "
    "unsupported by crun)";

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// runc or crun, which differ only in their root and how they are started.
struct OciRuntime {
  std::string name;  // "runc" / "crun"
  std::string root;
  // Runs one command of this runtime.
  std::function<PeerResult(const std::string&, std::vector<std::string>)> run;
};

OciRuntime Runc(PeerEnv* env) {
  return {"runc", env->paths().runc_root,
          [env](const std::string& tag, std::vector<std::string> args) {
            return env->runner().Run(tag, {env->Runc(std::move(args))});
          }};
}

OciRuntime Crun(PeerEnv* env) {
  return {"crun", env->paths().crun_root,
          [env](const std::string& tag, std::vector<std::string> args) {
            return env->RunCrun(tag, std::move(args));
          }};
}

std::string OciNote(const OciRuntime& rt, const std::string& what) {
  std::string note = absl::StrCat(
      rt.name, " --root <private> ", what,
      "; bundle from `runc spec`: new pid/ipc/uts/mount/network namespaces, "
      "64 MiB memory limit, read-only root");
  if (rt.name == "crun" && HybridCgroups())
    absl::StrAppend(&note, "; ", kCrunNote);
  return note;
}

// Deletes container `id` of `rt` if its state is still there.
void EnsureDeleted(const OciRuntime& rt, const std::string& id) {
  if (Exists(rt.root + "/" + id)) {
    rt.run(absl::StrCat(rt.name, "-delete"), {"delete", "--force", id});
  }
}

Series OciRunToExit(PeerEnv* env, const absl::Status& prepared,
                    const OciRuntime& rt) {
  SeriesBuilder series(kRunToExit, rt.name, "ms");
  series.SetNote(OciNote(rt, "run --bundle B ID (create+start+wait+delete)"));
  if (!PeerUsable(prepared, {rt.name}, env->ctx().runs, &series)) {
    return series.Take();
  }
  SampleRuns(env->ctx().runs, &series, [&](int) -> absl::StatusOr<double> {
    const std::string id = env->NewId(rt.name);
    absl::StatusOr<std::string> bundle = env->WriteBundle(id, {"/bin/true"});
    if (!bundle.ok()) return bundle.status();
    PeerResult r =
        rt.run(absl::StrCat(rt.name, "-run"), {"run", "--bundle", *bundle, id});
    EnsureDeleted(rt, id);  // after a failure or timeout
    env->RemoveBundle(id);
    return AsSample(r);
  });
  return series.Take();
}

Series OciExec(PeerEnv* env, const absl::Status& prepared,
               const OciRuntime& rt) {
  SeriesBuilder series(kExec, rt.name, "ms");
  series.SetNote(
      OciNote(rt, "exec ID /bin/true into a running `sleep 1000` (run -d)"));
  if (!PeerUsable(prepared, {rt.name}, env->ctx().runs, &series)) {
    return series.Take();
  }
  const std::string id = env->NewId(rt.name + "-exec");
  absl::StatusOr<std::string> bundle =
      env->WriteBundle(id, {"/bin/sleep", "1000"});
  PeerResult started;
  if (bundle.ok()) {
    started = rt.run(absl::StrCat(rt.name, "-run-d"),
                     {"run", "--detach", "--bundle", *bundle, id});
  }
  if (!bundle.ok() || !started.ok()) {
    series.FailRuns(
        env->ctx().runs,
        bundle.ok() ? started.error : std::string(bundle.status().message()));
  } else {
    SampleRuns(env->ctx().runs, &series, [&](int) {
      return AsSample(
          rt.run(absl::StrCat(rt.name, "-exec"), {"exec", id, "/bin/true"}));
    });
  }
  EnsureDeleted(rt, id);
  env->RemoveBundle(id);
  return series.Take();
}

// `ctr run` flags shared by run-to-exit and exec: the private shim state,
// the image copy as rootfs, the memory limit and cgroup.
std::vector<std::string> CtrRun(const PrivateContainerd& d, const PeerEnv& env,
                                std::vector<std::string> mode,
                                const std::string& id,
                                const std::vector<std::string>& args) {
  std::vector<std::string> run = Concat({"run"}, mode);
  run = Concat(run, d.RunFlags(id));
  run = Concat(run,
               {"--rootfs", "--memory-limit", absl::StrCat(kPeerMemoryLimit),
                "--cgroup", PeerEnv::CgroupPath(id), env.paths().rootfs, id});
  return d.Ctr(Concat(run, args));
}

void CtrRemove(const PrivateContainerd& d, const PeerEnv& env,
               const std::string& id) {
  env.runner().Run("ctr-task-rm", {d.Ctr({"task", "delete", "--force", id})});
  env.runner().Run("ctr-container-rm", {d.Ctr({"container", "delete", id})});
}

constexpr char kCtrNote[] =
    "against a private containerd (own config, root, state, socket; CRI "
    "disabled), runc v2 shim, ctr namespace warren-bench, --rootfs, "
    "--memory-limit 64 MiB, default new pid/ipc/uts/mount/network "
    "namespaces";

Series CtrRunToExit(PeerEnv* env, const absl::Status& prepared) {
  SeriesBuilder series(kRunToExit, "ctr", "ms");
  series.SetNote(absl::StrCat("ctr run --rm ROOTFS ID /bin/true ", kCtrNote));
  if (!PeerUsable(prepared, {"containerd", "ctr", "runc"}, env->ctx().runs,
                  &series)) {
    return series.Take();
  }
  PrivateContainerd daemon(env->paths().containerd, env->paths().containerd_run,
                           &env->runner());
  if (absl::Status s = daemon.Start(); !s.ok()) {
    series.FailRuns(env->ctx().runs, std::string(s.message()));
  } else {
    SampleRuns(env->ctx().runs, &series, [&](int) {
      const std::string id = env->NewId("ctr");
      PeerResult r = env->runner().Run(
          "ctr-run", {CtrRun(daemon, *env, {"--rm"}, id, {"/bin/true"})});
      if (!r.ok()) CtrRemove(daemon, *env, id);
      return AsSample(r);
    });
    daemon.RemoveAll();
  }
  daemon.Stop();
  PrivateContainerd::Cleanup(env->paths().containerd,
                             env->paths().containerd_run, &env->runner());
  return series.Take();
}

Series CtrExec(PeerEnv* env, const absl::Status& prepared) {
  SeriesBuilder series(kExec, "ctr", "ms");
  series.SetNote(absl::StrCat(
      "ctr task exec --exec-id eN ID /bin/true into `sleep 1000` (ctr run -d) ",
      kCtrNote));
  if (!PeerUsable(prepared, {"containerd", "ctr", "runc"}, env->ctx().runs,
                  &series)) {
    return series.Take();
  }
  PrivateContainerd daemon(env->paths().containerd, env->paths().containerd_run,
                           &env->runner());
  const std::string id = env->NewId("ctr-exec");
  PeerResult started;
  if (absl::Status s = daemon.Start(); !s.ok()) {
    started.error = std::string(s.message());
  } else {
    started = env->runner().Run(
        "ctr-run-d", {CtrRun(daemon, *env, {"--detach", "--null-io"}, id,
                             {"/bin/sleep", "1000"})});
  }
  if (!started.ok()) {
    series.FailRuns(env->ctx().runs, started.error);
  } else {
    const std::string fifo_dir = daemon.fifo_dir();
    SampleRuns(env->ctx().runs, &series, [&](int i) {
      return AsSample(env->runner().Run(
          "ctr-exec",
          {daemon.Ctr({"task", "exec", "--fifo-dir", fifo_dir, "--exec-id",
                       absl::StrCat("e", i), id, "/bin/true"})}));
    });
  }
  if (daemon.running()) {
    CtrRemove(daemon, *env, id);
    daemon.RemoveAll();
  }
  daemon.Stop();
  PrivateContainerd::Cleanup(env->paths().containerd,
                             env->paths().containerd_run, &env->runner());
  return series.Take();
}

Series PodmanRunToExit(PeerEnv* env, const absl::Status& prepared) {
  SeriesBuilder series(kRunToExit, "podman", "ms");
  series.SetNote(
      "podman run --rm --network none --memory 64m --rootfs ROOTFS /bin/true "
      "(--runtime runc, cgroupfs, file events, --cgroup-parent "
      "/warren-bench-peer, --ulimit nofile/nproc: podman's default nofile "
      "1048576 exceeds the host's hard limit; private --root/--runroot/"
      "--tmpdir/--network-config-dir)");
  if (!PeerUsable(prepared, {"podman", "conmon", "runc"}, env->ctx().runs,
                  &series)) {
    return series.Take();
  }
  SampleRuns(env->ctx().runs, &series, [&](int) {
    const std::string id = env->NewId("podman");
    PeerResult r = env->runner().Run(
        "podman-run",
        {env->Podman({"run", "--rm", "--name", id, "--ulimit",
                      "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                      "--network", "none", "--memory", "64m", "--cgroup-parent",
                      absl::StrCat("/", kPeerCgroupParent), "--rootfs",
                      env->paths().rootfs, "/bin/true"})});
    if (!r.ok()) {
      env->runner().Run("podman-rm",
                        {env->Podman({"rm", "-f", "-t", "0", id})});
    }
    return AsSample(r);
  });
  return series.Take();
}

}  // namespace

void RunPeerRunToExit(const BenchContext& ctx, std::vector<Series>* out) {
  PeerEnv env(ctx);
  const absl::Status prepared = env.Prepare();
  out->push_back(OciRunToExit(&env, prepared, Runc(&env)));
  out->push_back(OciRunToExit(&env, prepared, Crun(&env)));
  out->push_back(CtrRunToExit(&env, prepared));
  out->push_back(PodmanRunToExit(&env, prepared));
  CleanupPeers(ctx);
}

void RunPeerExec(const BenchContext& ctx, std::vector<Series>* out) {
  PeerEnv env(ctx);
  const absl::Status prepared = env.Prepare();
  out->push_back(OciExec(&env, prepared, Runc(&env)));
  out->push_back(OciExec(&env, prepared, Crun(&env)));
  out->push_back(CtrExec(&env, prepared));
  CleanupPeers(ctx);
}

}  // namespace warren::bench
