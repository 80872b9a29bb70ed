#include "tools/bench/private_containerd.h"

#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/file_util.h"
#include "tools/bench/peer_env.h"

namespace warren::bench {
namespace {

// Plugins the benchmark does not need: CRI (slow to start, wants its own
// config), snapshotters (--rootfs uses none), /opt/containerd, tracing.
constexpr const char* kDisabledPlugins[] = {
    "io.containerd.grpc.v1.cri",
    "io.containerd.snapshotter.v1.aufs",
    "io.containerd.snapshotter.v1.btrfs",
    "io.containerd.snapshotter.v1.devmapper",
    "io.containerd.snapshotter.v1.zfs",
    "io.containerd.internal.v1.opt",
    "io.containerd.tracing.processor.v1.otlp",
};

std::string ConfigPath(const std::string& dir) { return dir + "/config.toml"; }
std::string PidPath(const std::string& dir) { return dir + "/containerd.pid"; }

std::string IdsPath(const std::string& dir) { return dir + "/containers.txt"; }

// Where containerd 1.6's runc v2 shim of container `id` listens.
std::string ShimSocket(const std::string& address, const std::string& id) {
  const std::string key =
      absl::StrCat(address, "/", kPeerCtrNamespace, "/", id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &size, EVP_sha256(),
                 nullptr) != 1) {
    return "";
  }
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    absl::StrAppend(&hex, absl::Hex(digest[i], absl::kZeroPad2));
  }
  return "/run/containerd/s/" + hex;
}

std::string Quoted(const std::string& s) { return absl::StrCat("\"", s, "\""); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view l : absl::StrSplit(text, '\n')) {
    l = absl::StripAsciiWhitespace(l);
    if (!l.empty()) out.emplace_back(l);
  }
  return out;
}

}  // namespace

PrivateContainerd::PrivateContainerd(std::string dir, std::string run_dir,
                                     const PeerRunner* runner)
    : dir_(std::move(dir)), run_dir_(std::move(run_dir)), runner_(runner) {}

PrivateContainerd::~PrivateContainerd() { Stop(); }

absl::Status PrivateContainerd::Start(double timeout_s) {
  if (running() || Adopt()) return absl::OkStatus();
  const std::string containerd = FindProgram("containerd");
  const std::string ctr = FindProgram("ctr");
  if (containerd.empty() || ctr.empty()) {
    return absl::NotFoundError("containerd or ctr is not installed");
  }
  // TOML basic strings: paths with quotes or backslashes would need escapes.
  if (absl::StrContains(dir_ + run_dir_, "\"") ||
      absl::StrContains(dir_ + run_dir_, "\\")) {
    return absl::InvalidArgumentError("containerd dir with quote/backslash");
  }
  if (address().size() + 6 >= 108) {  // sun_path, and the ".ttrpc" socket
    return absl::InvalidArgumentError(
        absl::StrCat("containerd socket path too long: ", address()));
  }
  for (const std::string& sub : {dir_, dir_ + "/root", run_dir_ + "/state",
                                 run_dir_ + "/runc", fifo_dir()}) {
    absl::Status s = runtime::MakeDirs(sub, 0711);
    if (!s.ok()) return s;
  }
  std::string config = absl::StrCat(
      "# Private containerd of the warren benchmark (tools/bench).\n",
      "version = 2\n", "root = ", Quoted(dir_ + "/root"), "\n",
      "state = ", Quoted(run_dir_ + "/state"), "\n", "disabled_plugins = [");
  bool first = true;
  for (const char* p : kDisabledPlugins) {
    absl::StrAppend(&config, first ? "" : ", ", Quoted(p));
    first = false;
  }
  absl::StrAppend(
      &config, "]\n\n[grpc]\n  address = ", Quoted(address()),
      "\n\n[ttrpc]\n  address = \"\"\n\n[debug]\n  address = \"\"\n",
      "\n[metrics]\n  address = \"\"\n");
  absl::Status s = runtime::WriteFileAtomic(ConfigPath(dir_), config, 0600);
  if (!s.ok()) return s;

  std::vector<std::string> argv;
  const std::string setpriv = FindProgram("setpriv");
  // If the benchmark dies, so does containerd (its shims stay; the Ctrl-C
  // cleanup restarts it to remove them).
  if (!setpriv.empty()) argv = {setpriv, "--pdeathsig", "TERM", "--"};
  argv.insert(argv.end(), {containerd, "--config", ConfigPath(dir_)});
  absl::StatusOr<pid_t> pid = runner_->Start("containerd", {argv});
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  child_ = true;
  (void)runtime::WriteFileAtomic(PidPath(dir_), absl::StrCat(pid_, "\n"));

  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  PeerResult version;
  while (std::chrono::steady_clock::now() < deadline) {
    if (WaitChild(pid_, 0) >= 0) {
      pid_ = -1;
      unlink(PidPath(dir_).c_str());
      return absl::InternalError(
          absl::StrCat("containerd exited at start: ", LogTail()));
    }
    PeerCommand cmd{{ctr, "--address", address(), "version"}};
    cmd.timeout_s = 5;
    version = runner_->Run("ctr-version", cmd);
    if (version.ok()) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string why = absl::StrCat("containerd did not answer `ctr version` in ",
                                 timeout_s, " s: ", version.error);
  Stop();
  return absl::DeadlineExceededError(why);
}

bool PrivateContainerd::Adopt() {
  absl::StatusOr<std::string> text = runtime::ReadFile(PidPath(dir_));
  pid_t pid = 0;
  if (!text.ok() ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid) || pid <= 0) {
    return false;
  }
  std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"));
  std::string cmdline((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  if (!absl::StrContains(cmdline, ConfigPath(dir_))) {
    unlink(PidPath(dir_).c_str());  // stale: that containerd is gone
    return false;
  }
  pid_ = pid;
  child_ = false;
  return true;
}

void PrivateContainerd::Stop() {
  if (pid_ <= 0) return;
  // StopChild also waits for a process that is not our child (adopted).
  StopChild(pid_, 10);
  pid_ = -1;
  child_ = false;
  unlink(PidPath(dir_).c_str());
}

std::vector<std::string> PrivateContainerd::Ctr(
    std::vector<std::string> args) const {
  std::vector<std::string> argv = {FindProgram("ctr"), "--address", address(),
                                   "-n", kPeerCtrNamespace};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> PrivateContainerd::RunFlags(
    const std::string& id) const {
  std::ofstream(IdsPath(dir_), std::ios::app) << id << "\n";
  return {"--runc-root", run_dir_ + "/runc", "--fifo-dir", fifo_dir()};
}

void PrivateContainerd::RemoveAll() {
  if (!running()) return;
  PeerResult tasks = runner_->Run("ctr-task-ls", {Ctr({"task", "ls", "-q"})});
  if (tasks.ok()) {
    for (const std::string& id : Lines(runner_->Stdout("ctr-task-ls"))) {
      runner_->Run("ctr-task-rm", {Ctr({"task", "delete", "--force", id})});
    }
  }
  PeerResult containers =
      runner_->Run("ctr-container-ls", {Ctr({"container", "ls", "-q"})});
  if (containers.ok()) {
    for (const std::string& id : Lines(runner_->Stdout("ctr-container-ls"))) {
      runner_->Run("ctr-container-rm", {Ctr({"container", "delete", id})});
    }
  }
}

std::string PrivateContainerd::LogTail() const {
  std::ifstream in(runner_->log_dir() + "/containerd.err");
  std::string line, last_error, last;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (absl::StrContains(line, "level=error") ||
        absl::StrContains(line, "level=fatal")) {
      last_error = line;
    }
  }
  std::string out = last_error.empty() ? last : last_error;
  return out.substr(0, 300);
}

void PrivateContainerd::Cleanup(const std::string& dir,
                                const std::string& run_dir,
                                const PeerRunner* runner) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return;
  {
    PrivateContainerd daemon(dir, run_dir, runner);
    // Tasks a dead containerd left: its shims still run them.
    bool tasks_left = false;
    const std::string tasks_dir =
        run_dir + "/state/io.containerd.runtime.v2.task";
    for (const std::string& ns : runtime::ListDir(tasks_dir)) {
      tasks_left |= !runtime::ListDir(tasks_dir + "/" + ns).empty();
    }
    if (daemon.Adopt() || (tasks_left && daemon.Start().ok())) {
      daemon.RemoveAll();
    }
    daemon.Stop();
  }
  // Shims that outlived everything: their containers die with them or with
  // the cgroup cleanup.
  const std::string address = dir + "/containerd.sock";
  for (pid_t pid : FindProcesses("containerd-shim", address)) {
    kill(pid, SIGKILL);
  }
  // Sockets of shims that did not exit cleanly.
  absl::StatusOr<std::string> ids = runtime::ReadFile(IdsPath(dir));
  if (ids.ok()) {
    for (const std::string& id : Lines(*ids)) {
      const std::string socket = ShimSocket(address, id);
      if (!socket.empty()) unlink(socket.c_str());
    }
  }
  (void)runtime::RemoveTree(dir);
  (void)runtime::RemoveTree(run_dir);
}

}  // namespace warren::bench
