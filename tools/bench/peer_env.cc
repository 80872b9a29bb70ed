#include "tools/bench/peer_env.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/file_util.h"

namespace warren::bench {
namespace {

// Directories peers make on the host by themselves, children first: shim
// sockets (containerd 1.6 puts them in /run/containerd/s whatever its
// state dir), podman's runc state (/run/runc) and network run dir, crun's
// default state dir (made even with --root).
constexpr const char* kHostDirs[] = {"/run/containerd/s",
                                     "/run/containerd/fifo",
                                     "/run/containerd/runc",
                                     "/run/containerd",
                                     "/run/containers/networks",
                                     "/run/containers",
                                     "/run/runc",
                                     "/run/crun",
                                     "/run/libpod"};
// podman's lock segment (shm_open("/libpod_lock")), shared by every podman
// of the machine whatever its --root: removed only if the peers made it and
// no podman or conmon runs.
constexpr char kPodmanLocks[] = "/dev/shm/libpod_lock";

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::vector<pid_t> CgroupProcs(const std::string& dir) {
  std::vector<pid_t> pids;
  std::ifstream in(dir + "/cgroup.procs");
  std::string line;
  while (std::getline(in, line)) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

// Every directory under `dir` (itself included), deepest first.
void CollectDirs(const std::string& dir, std::vector<std::string>* out) {
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  for (const std::string& name : runtime::ListDir(dir)) {
    CollectDirs(dir + "/" + name, out);
  }
  out->push_back(dir);
}

}  // namespace

PeerPaths::PeerPaths(const BenchContext& ctx)
    : base(ctx.work_dir + "/peers"),
      run_base(ctx.run_dir + "/peers"),
      logs(base + "/logs"),
      rootfs(base + "/rootfs"),
      spec_dir(base + "/spec"),
      bundles(base + "/bundles"),
      runc_root(run_base + "/runc"),
      crun_root(run_base + "/crun"),
      containerd(base + "/containerd"),
      containerd_run(run_base + "/containerd"),
      podman(base + "/podman"),
      podman_run(run_base + "/podman"),
      cni(base + "/cni"),
      host_dirs_file(base + "/host-dirs-before.txt") {}

PeerEnv::PeerEnv(const BenchContext& ctx)
    : ctx_(ctx), paths_(ctx), runner_(paths_.logs) {}

absl::Status PeerEnv::Prepare(bool with_rootfs) {
  for (const std::string& dir :
       {paths_.base, paths_.logs, paths_.spec_dir, paths_.bundles,
        paths_.run_base, paths_.runc_root, paths_.crun_root}) {
    absl::Status s = runtime::MakeDirs(dir, 0711);
    if (!s.ok()) return s;
  }
  if (!Exists(paths_.host_dirs_file)) {
    std::vector<std::string> present;
    for (const char* dir : kHostDirs) {
      if (Exists(dir)) present.push_back(dir);
    }
    if (Exists(kPodmanLocks)) present.push_back(kPodmanLocks);
    absl::Status s = runtime::WriteFileAtomic(
        paths_.host_dirs_file,
        absl::StrCat(absl::StrJoin(present, "\n"), "\n"));
    if (!s.ok()) return s;
  }
  if (with_rootfs && !Exists(paths_.rootfs + "/bin")) {
    if (!Exists(ctx_.image + "/bin")) {
      return absl::FailedPreconditionError(
          absl::StrCat("image ", ctx_.image, " has no /bin"));
    }
    (void)runtime::RemoveTree(paths_.rootfs);
    PeerResult r = runner_.Run("copy-image",
                               {{"/bin/cp", "-a", ctx_.image, paths_.rootfs}});
    if (!r.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("copy of the image failed: ", r.error));
    }
  }
  return absl::OkStatus();
}

std::string PeerEnv::NewId(const std::string& tag) {
  return absl::StrCat(kPeerIdPrefix, tag, "-", getpid(), "-", counter_++);
}

std::string PeerEnv::CgroupPath(const std::string& id) {
  return absl::StrCat("/", kPeerCgroupParent, "/", id);
}

absl::StatusOr<std::string> PeerEnv::DefaultSpec() {
  if (!spec_json_.empty()) return spec_json_;
  const std::string config = paths_.spec_dir + "/config.json";
  unlink(config.c_str());
  // `runc spec` (crun's when runc is missing) refuses to overwrite.
  std::string runc = FindProgram("runc");
  std::string tool = runc.empty() ? FindProgram("crun") : runc;
  if (tool.empty()) {
    return absl::NotFoundError("neither runc nor crun is installed");
  }
  PeerResult r =
      runner_.Run("spec", {{tool, "spec", "--bundle", paths_.spec_dir}});
  if (!r.ok()) return absl::InternalError(r.error);
  absl::StatusOr<std::string> json = runtime::ReadFile(config);
  if (!json.ok()) return json.status();
  spec_json_ = *json;
  return spec_json_;
}

absl::StatusOr<std::string> PeerEnv::WriteBundle(
    const std::string& id, std::vector<std::string> args) {
  absl::StatusOr<std::string> spec = DefaultSpec();
  if (!spec.ok()) return spec.status();
  BundleOptions options;
  options.args = std::move(args);
  options.rootfs = paths_.rootfs;
  options.memory_limit = kPeerMemoryLimit;
  options.cgroups_path = CgroupPath(id);
  absl::StatusOr<std::string> config = MakeBundleConfig(*spec, options);
  if (!config.ok()) return config.status();
  const std::string dir = paths_.bundles + "/" + id;
  absl::Status s = runtime::MakeDirs(dir, 0711);
  if (s.ok()) s = runtime::WriteFileAtomic(dir + "/config.json", *config, 0644);
  if (!s.ok()) return s;
  return dir;
}

void PeerEnv::RemoveBundle(const std::string& id) {
  (void)runtime::RemoveTree(paths_.bundles + "/" + id);
}

std::vector<std::string> PeerEnv::Runc(std::vector<std::string> args) const {
  std::vector<std::string> argv = {FindProgram("runc"), "--root",
                                   paths_.runc_root};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> PeerEnv::Crun(std::vector<std::string> args) const {
  std::vector<std::string> argv = {FindProgram("crun"), "--root",
                                   paths_.crun_root};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> PeerEnv::Podman(std::vector<std::string> args) const {
  const std::string& p = paths_.podman;
  // Storage, run state, libpod's tmpdir and network configs all private;
  // runc because podman's default crun refuses hybrid cgroups; cgroupfs
  // and file events because there is no systemd here.
  std::vector<std::string> argv = {FindProgram("podman"),
                                   "--root",
                                   p + "/root",
                                   "--runroot",
                                   paths_.podman_run,
                                   "--tmpdir",
                                   p + "/tmp",
                                   "--network-config-dir",
                                   p + "/net",
                                   "--cgroup-manager",
                                   "cgroupfs",
                                   "--events-backend",
                                   "file",
                                   "--runtime",
                                   "runc"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

PeerResult PeerEnv::RunCrun(const std::string& tag,
                            std::vector<std::string> args) {
  PeerCommand cmd{Crun(std::move(args))};
  if (!HybridCgroups()) return runner_.Run(tag, cmd);
  PeerResult result;
  absl::Status s =
      RunWithCgroup2Hidden([&] { result = runner_.Run(tag, cmd); });
  if (!s.ok()) result.error = absl::StrCat(tag, ": ", s.message());
  return result;
}

SeriesBuilder::SeriesBuilder(const char* scenario, std::string subject,
                             std::string unit) {
  series_.scenario = scenario;
  series_.subject = std::move(subject);
  series_.unit = std::move(unit);
}

void SeriesBuilder::AddError(const std::string& message) {
  ++series_.errors;
  AddMessage(message);
}

void SeriesBuilder::AddMessage(const std::string& message) {
  if (messages_.size() >= 3) return;
  if (std::find(messages_.begin(), messages_.end(), message) !=
      messages_.end()) {
    return;
  }
  messages_.push_back(message);
}

void SeriesBuilder::FailRuns(int n, const std::string& why) {
  series_.errors += std::max(n, 1);
  AddMessage(why);
}

Series SeriesBuilder::Take() {
  series_.note = note_;
  if (!messages_.empty()) {
    absl::StrAppend(&series_.note, series_.note.empty() ? "" : "; ",
                    series_.errors > 0 ? "errors: " : "",
                    absl::StrJoin(messages_, " | "));
  }
  return series_;
}

void SampleRuns(int runs, SeriesBuilder* series,
                const std::function<absl::StatusOr<double>(int)>& once) {
  int failed_in_row = 0;
  for (int i = 0; i < kPeerWarmups + runs; ++i) {
    const bool warmup = i < kPeerWarmups;
    if (failed_in_row >= 3) {
      series->FailRuns(kPeerWarmups + runs - std::max(i, kPeerWarmups),
                       "gave up after 3 failures in a row");
      return;
    }
    absl::StatusOr<double> ms = once(i);
    if (ms.ok()) {
      failed_in_row = 0;
      if (!warmup) series->AddValue(*ms);
      continue;
    }
    ++failed_in_row;
    if (warmup) {
      series->AddMessage(absl::StrCat("warm-up: ", ms.status().message()));
    } else {
      series->AddError(std::string(ms.status().message()));
    }
  }
}

absl::StatusOr<double> AsSample(const PeerResult& r) {
  if (!r.ok()) return absl::InternalError(r.error);
  return r.ms;
}

bool PeerUsable(const absl::Status& prepared,
                const std::vector<std::string>& programs, int runs,
                SeriesBuilder* series) {
  if (!prepared.ok()) {
    series->FailRuns(runs, std::string(prepared.message()));
    return false;
  }
  for (const std::string& program : programs) {
    if (FindProgram(program).empty()) {
      series->FailRuns(runs, absl::StrCat(program, " is not installed"));
      return false;
    }
  }
  return true;
}

void RemovePeerCgroups() {
  for (const std::string& hierarchy : runtime::ListDir("/sys/fs/cgroup")) {
    const std::string top =
        absl::StrCat("/sys/fs/cgroup/", hierarchy, "/", kPeerCgroupParent);
    std::vector<std::string> dirs;
    CollectDirs(top, &dirs);
    for (const std::string& dir : dirs) {
      // A container whose runtime died keeps running: kill it, wait a bit.
      for (int attempt = 0; attempt < 50; ++attempt) {
        std::vector<pid_t> pids = CgroupProcs(dir);
        if (pids.empty()) break;
        for (pid_t pid : pids) kill(pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      rmdir(dir.c_str());
    }
  }
}

void RemovePeerHostDirs(const PeerPaths& paths) {
  absl::StatusOr<std::string> before = runtime::ReadFile(paths.host_dirs_file);
  if (!before.ok()) return;  // unknown: never remove what may be others'
  std::set<std::string, std::less<>> existed;
  for (absl::string_view line : absl::StrSplit(*before, '\n')) {
    if (!line.empty()) existed.emplace(line);
  }
  for (const char* dir : kHostDirs) {
    if (existed.count(dir) == 0) rmdir(dir);  // only if empty
  }
  if (existed.count(kPodmanLocks) == 0 && FindProcesses("podman", "").empty() &&
      FindProcesses("conmon", "").empty()) {
    unlink(kPodmanLocks);
  }
  unlink(paths.host_dirs_file.c_str());
}

}  // namespace warren::bench
