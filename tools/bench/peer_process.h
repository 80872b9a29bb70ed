// Running the peers' command-line tools the way their users do: a fresh
// process per command (posix_spawn, so no fork handlers run in the threaded
// benchmark), stdout and stderr captured into files under the work dir, a
// deadline after which the command's process group is killed, and a
// monotonic clock around spawn-to-reap. Also the /proc readings (PSS, RSS)
// and the private mount namespace crun needs on hybrid cgroups.
#ifndef WARREN_TOOLS_BENCH_PEER_PROCESS_H_
#define WARREN_TOOLS_BENCH_PEER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace warren::bench {

// One command to run.
struct PeerCommand {
  PeerCommand() = default;
  // Implicit: most commands are just their argv.
  PeerCommand(std::vector<std::string> args)  // NOLINT
      : argv(std::move(args)) {}

  std::vector<std::string> argv;  // argv[0]: an absolute path
  // NAME=VALUE added to (or replacing in) the inherited environment, whose
  // PATH is always the standard one (containerd and podman find their
  // shims, runc and conmon through it).
  std::vector<std::string> env;
  std::string stdin_path;  // empty: /dev/null
  double timeout_s = 30;   // then SIGKILL to the process group
};

// How a command ended.
struct PeerResult {
  int status = -1;         // wait status; -1: not started
  bool timed_out = false;  // killed at the deadline
  double ms = 0;           // spawn to reap, steady clock
  // Empty on success (exit 0); else what went wrong and the first line of
  // stderr, for Series notes.
  std::string error;
  bool ok() const { return error.empty(); }
};

// Runs commands with their output in <log_dir>/<tag>.out and .err (each
// run of a tag overwrites them, so the files show the last attempt).
class PeerRunner {
 public:
  explicit PeerRunner(std::string log_dir);

  // Runs `cmd` to its end or deadline. Failure, timeout or a missing
  // program all come back as a result with `error` set.
  PeerResult Run(const std::string& tag, const PeerCommand& cmd) const;
  // Starts `cmd` without waiting (daemons): its pid, in its own process
  // group.
  absl::StatusOr<pid_t> Start(const std::string& tag,
                              const PeerCommand& cmd) const;
  // The captured stdout / first non-empty stderr line of the last run of
  // `tag`.
  std::string Stdout(const std::string& tag) const;
  std::string FirstStderrLine(const std::string& tag) const;

  const std::string& log_dir() const { return log_dir_; }

 private:
  std::string log_dir_;
};

// Waits up to `timeout_s` for `pid` (a child) to exit; its wait status, or
// -1 if it is still running.
int WaitChild(pid_t pid, double timeout_s);
// SIGTERM, then SIGKILL after `grace_s`, and reap. For daemons we started.
void StopChild(pid_t pid, double grace_s);

// "exit 1", "killed by signal 9", ...
std::string DescribeStatus(int status);

// The program's absolute path in the standard PATH directories; empty if
// it is not installed.
std::string FindProgram(const std::string& name);

// Memory of one process from /proc/PID/smaps_rollup, in kB (-1 unreadable).
struct ProcMemory {
  int64_t pss_kb = -1;
  int64_t rss_kb = -1;
};
ProcMemory ReadProcMemory(pid_t pid);

// Pids whose /proc/PID/comm starts with `comm_prefix` and whose command line
// (arguments joined by spaces; with `in_environ` also the environment)
// contains `needle`: the processes of one private peer instance, not the
// machine's. Zombies (no command line) are left out.
std::vector<pid_t> FindProcesses(const std::string& comm_prefix,
                                 const std::string& needle,
                                 bool in_environ = false);

// True when cgroup v1 controllers sit next to a cgroup2 mount at
// /sys/fs/cgroup/unified (hybrid mode, which crun refuses).
bool HybridCgroups();

// Runs `fn` on a new thread whose mount namespace is private and has no
// /sys/fs/cgroup/unified, so programs that thread spawns see a pure cgroup
// v1 host. The benchmark's own threads are untouched. An error if the
// namespace could not be made (fn then does not run).
absl::Status RunWithCgroup2Hidden(const std::function<void()>& fn);

// A new network namespace kept alive by a bind mount of its nsfs file at
// `path` (made here), as `ip netns add` and CNI runtimes make them: a
// thread unshares CLONE_NEWNET, so the benchmark's own namespace is
// untouched.
absl::Status CreateNetnsAt(const std::string& path);
// Unmounts and unlinks such a file; the namespace (and any veth end in it)
// goes away with its last user. Missing is fine.
void RemoveNetnsAt(const std::string& path);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_PEER_PROCESS_H_
