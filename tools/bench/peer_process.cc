#include "tools/bench/peer_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace warren::bench {
namespace {

constexpr char kStandardPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr int kStillRunning = -1;
constexpr int kNotOurs = -2;

using Clock = std::chrono::steady_clock;

// The inherited environment with the standard PATH and `extra` on top.
std::vector<std::string> BuildEnv(const std::vector<std::string>& extra) {
  auto name_of = [](absl::string_view entry) {
    return entry.substr(0, entry.find('=') + 1);
  };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view name = name_of(*e);
    bool replaced = name == "PATH=";
    for (const std::string& x : extra) replaced |= name_of(x) == name;
    if (!replaced) env.push_back(*e);
  }
  env.push_back(kStandardPath);
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawn with stdio redirected, no other descriptors inherited, a
// default signal mask and dispositions (the benchmark may block signals
// for a watcher thread) and a new process group (for the deadline kill).
absl::StatusOr<pid_t> SpawnLogged(const PeerCommand& cmd,
                                  const std::string& out_path,
                                  const std::string& err_path) {
  if (cmd.argv.empty()) return absl::InvalidArgumentError("empty command");
  std::vector<std::string> env = BuildEnv(cmd.env);
  std::vector<char*> argv = CStrings(cmd.argv);
  std::vector<char*> envp = CStrings(env);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string in_path =
      cmd.stdin_path.empty() ? "/dev/null" : cmd.stdin_path;
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  pid_t pid = -1;
  int rc =
      posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::ErrnoToStatus(rc, absl::StrCat("spawn ", argv[0]));
  return pid;
}

// Reaps `pid` if it is our child and has exited: its status, kStillRunning
// or kNotOurs.
int TryReap(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return status;
  if (r == 0) return kStillRunning;
  return kNotOurs;
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// Sleeps until `pid` exits or the deadline passes (a pidfd when the kernel
// has them, else short polls).
void WaitExit(pid_t pid, Clock::time_point deadline) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - Clock::now())
                    .count();
    if (pidfd >= 0) {
      pollfd p = {pidfd, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 1)));
      if (n > 0) break;
      if (n < 0 && errno != EINTR) break;
    } else {
      if (!Alive(pid)) break;
      int status = TryReap(pid);
      if (status >= 0 || status == kNotOurs) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (pidfd >= 0) close(pidfd);
}

std::string ReadHead(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::string data(max, '\0');
  in.read(data.data(), static_cast<std::streamsize>(max));
  data.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return data;
}

}  // namespace

PeerRunner::PeerRunner(std::string log_dir) : log_dir_(std::move(log_dir)) {}

absl::StatusOr<pid_t> PeerRunner::Start(const std::string& tag,
                                        const PeerCommand& cmd) const {
  // Without a log dir (cleanup of a removed work dir) output is dropped.
  if (access(log_dir_.c_str(), W_OK) != 0) {
    return SpawnLogged(cmd, "/dev/null", "/dev/null");
  }
  return SpawnLogged(cmd, absl::StrCat(log_dir_, "/", tag, ".out"),
                     absl::StrCat(log_dir_, "/", tag, ".err"));
}

PeerResult PeerRunner::Run(const std::string& tag,
                           const PeerCommand& cmd) const {
  PeerResult result;
  const Clock::time_point start = Clock::now();
  absl::StatusOr<pid_t> pid = Start(tag, cmd);
  if (!pid.ok()) {
    result.error = absl::StrCat(tag, ": ", pid.status().message());
    return result;
  }
  int status = WaitChild(*pid, cmd.timeout_s);
  if (status == kStillRunning) {
    result.timed_out = true;
    kill(-*pid, SIGKILL);
    kill(*pid, SIGKILL);
    status = WaitChild(*pid, 30);
  }
  result.ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  result.status = status;
  if (result.timed_out) {
    result.error =
        absl::StrCat(tag, ": timed out after ", cmd.timeout_s, " s (killed)");
  } else if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.error = absl::StrCat(tag, ": ", DescribeStatus(status));
  }
  if (!result.ok()) {
    std::string line = FirstStderrLine(tag);
    if (!line.empty()) absl::StrAppend(&result.error, ": ", line);
  }
  return result;
}

std::string PeerRunner::Stdout(const std::string& tag) const {
  return ReadHead(absl::StrCat(log_dir_, "/", tag, ".out"), 1 << 20);
}

std::string PeerRunner::FirstStderrLine(const std::string& tag) const {
  std::string err =
      ReadHead(absl::StrCat(log_dir_, "/", tag, ".err"), 64 << 10);
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::string out(line.substr(0, 300));
    return out;
  }
  return "";
}

int WaitChild(pid_t pid, double timeout_s) {
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(timeout_s));
  for (;;) {
    int status = TryReap(pid);
    if (status != kStillRunning) return status;
    if (Clock::now() >= deadline) return kStillRunning;
    WaitExit(pid, deadline);
  }
}

void StopChild(pid_t pid, double grace_s) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  const auto grace = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(grace_s));
  WaitExit(pid, Clock::now() + grace);
  if (TryReap(pid) >= 0) return;
  if (Alive(pid)) {
    kill(pid, SIGKILL);
    WaitExit(pid, Clock::now() + std::chrono::seconds(10));
  }
  TryReap(pid);
}

std::string DescribeStatus(int status) {
  if (status < 0) return "not started";
  if (WIFEXITED(status)) return absl::StrCat("exit ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  return absl::StrCat("wait status ", status);
}

std::string FindProgram(const std::string& name) {
  for (const char* dir : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                          "/usr/bin", "/sbin", "/bin"}) {
    std::string path = absl::StrCat(dir, "/", name);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

ProcMemory ReadProcMemory(pid_t pid) {
  ProcMemory m;
  std::ifstream in(absl::StrCat("/proc/", pid, "/smaps_rollup"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    int64_t* field = nullptr;
    if (absl::ConsumePrefix(&rest, "Pss:")) field = &m.pss_kb;
    if (absl::ConsumePrefix(&rest, "Rss:")) field = &m.rss_kb;
    if (field == nullptr) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, "kB");
    int64_t kb = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kb)) *field = kb;
  }
  return m;
}

std::vector<pid_t> FindProcesses(const std::string& comm_prefix,
                                 const std::string& needle, bool in_environ) {
  std::vector<pid_t> pids;
  DIR* d = opendir("/proc");
  if (d == nullptr) return pids;
  while (dirent* e = readdir(d)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid) || pid <= 0) continue;
    std::string comm = ReadHead(absl::StrCat("/proc/", pid, "/comm"), 64);
    if (!absl::StartsWith(comm, comm_prefix)) continue;
    std::string cmdline =
        ReadHead(absl::StrCat("/proc/", pid, "/cmdline"), 64 << 10);
    if (cmdline.empty()) continue;  // a zombie (or a kernel thread)
    if (in_environ) {
      cmdline += ReadHead(absl::StrCat("/proc/", pid, "/environ"), 64 << 10);
    }
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (absl::StrContains(cmdline, needle)) pids.push_back(pid);
  }
  closedir(d);
  std::sort(pids.begin(), pids.end());
  return pids;
}

bool HybridCgroups() {
  struct statfs top, unified;
  return statfs("/sys/fs/cgroup", &top) == 0 && top.f_type == TMPFS_MAGIC &&
         statfs("/sys/fs/cgroup/unified", &unified) == 0 &&
         unified.f_type == CGROUP2_SUPER_MAGIC;
}

absl::Status RunWithCgroup2Hidden(const std::function<void()>& fn) {
  absl::Status status;
  // unshare(CLONE_NEWNS) is per thread (it also unshares the thread's
  // fs_struct); posix_spawn from this thread starts children in the new
  // namespace. The namespace dies with the thread.
  std::thread worker([&] {
    if (unshare(CLONE_NEWNS) != 0) {
      status = absl::ErrnoToStatus(errno, "unshare(CLONE_NEWNS)");
      return;
    }
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      status = absl::ErrnoToStatus(errno, "make / private");
      return;
    }
    if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0) {
      status = absl::ErrnoToStatus(errno, "umount /sys/fs/cgroup/unified");
      return;
    }
    fn();
  });
  worker.join();
  return status;
}

absl::Status CreateNetnsAt(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("create ", path));
  close(fd);
  absl::Status status;
  std::thread worker([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      status = absl::ErrnoToStatus(errno, "unshare(CLONE_NEWNET)");
      return;
    }
    const std::string self =
        absl::StrCat("/proc/self/task/", gettid(), "/ns/net");
    if (mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
      status = absl::ErrnoToStatus(errno, absl::StrCat("bind netns at ", path));
    }
  });
  worker.join();
  if (!status.ok()) unlink(path.c_str());
  return status;
}

void RemoveNetnsAt(const std::string& path) {
  umount2(path.c_str(), MNT_DETACH);
  unlink(path.c_str());
}

}  // namespace warren::bench
