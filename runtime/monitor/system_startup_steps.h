// The real StartupSteps of warren-monitor: cgroups, setns/unshare, clone,
// pipes to the init. Everything here runs in the single-threaded monitor;
// the cloned child's side (closing the monitor's fds, RunInit) lives in
// CloneInit and never returns.
#ifndef WARREN_RUNTIME_MONITOR_SYSTEM_STARTUP_STEPS_H_
#define WARREN_RUNTIME_MONITOR_SYSTEM_STARTUP_STEPS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/container_cgroup.h"
#include "runtime/init_plan.h"
#include "runtime/monitor/container_startup.h"
#include "runtime/monitor/join_namespaces.h"
#include "runtime/seccomp_bpf.h"
#include "runtime/store_layout.h"

namespace warren::runtime {

// The monitor's ends of the init's pipes and its other descriptors, which
// the MonitorLoop takes over after a successful startup.
struct MonitorSideFds {
  int signal_fd = -1;    // signalfd for SIGCHLD (blocked)
  int stdout_fd = -1;    // read end of the init's stdout, O_NONBLOCK
  int stderr_fd = -1;    // read end of the init's stderr, O_NONBLOCK
  int start_fd = -1;     // write end: one byte releases the init to execve
  int exec_err_fd = -1;  // read end: execve failure text, EOF on success
  int log_fd = -1;       // container.log, O_APPEND
  // With open_stdin: the write end of the init's stdin (O_NONBLOCK), or
  // the pty master. With tty: the pty master, which is also stdout_fd.
  int stdin_fd = -1;
  int pty_fd = -1;
};

class SystemStartupSteps : public StartupSteps {
 public:
  // Does the preparation that leaves nothing outside the monitor to undo:
  // reads the spec and builds the InitPlan, opens the log and the joined
  // namespaces (checking them), detects the cgroup layout, makes the pipes
  // and the SIGCHLD signalfd, and takes the compiled seccomp filter from
  // `seccomp`. `ready_fd` is warrend's report pipe (the init must not hold
  // it); `stdin_fd` becomes the init's fd 0. The cgroup is
  // <cgroup_parent>/<tenant>/<id> (ContainerCgroup::PathFor).
  static absl::StatusOr<std::unique_ptr<SystemStartupSteps>> Open(
      const std::string& id, const std::string& cgroup_parent,
      const StoreLayout& layout, int ready_fd, int stdin_fd,
      SeccompBpfCache* seccomp);

  SystemStartupSteps(const SystemStartupSteps&) = delete;
  SystemStartupSteps& operator=(const SystemStartupSteps&) = delete;

  absl::Status CreateCgroup() override;
  absl::Status PrepareNamespaces() override;
  void RestoreNamespaces() override;
  absl::StatusOr<pid_t> CloneInit() override;
  absl::Status JoinCgroup(pid_t init_pid) override;
  absl::Status ReleaseInit(pid_t init_pid) override;
  absl::Status AwaitInit() override;
  absl::StatusOr<int> Listen() override;
  void KillInit(pid_t init_pid) override;
  void RemoveCgroup() override;

  // For the MonitorLoop (Kill of all processes, OOM detection).
  const ContainerCgroup& cgroup() const { return cgroup_; }
  // Meaningful after a successful ContainerStartup::Run.
  MonitorSideFds monitor_fds() const { return monitor_; }

 private:
  // The init's ends of its pipes (InitPipes without stdin), plus the
  // monitor's ends that only startup uses.
  struct StartupFds {
    int stdout_w = -1;
    int stderr_w = -1;
    int cgroup_init = -1;     // socketpair end the init blocks on
    int cgroup_monitor = -1;  // the monitor sends 'C' (+ image fd) here
    int status_r = -1;        // the init's "R" / "E<why>" report
    int status_w = -1;
    int start_r = -1;
    int exec_err_w = -1;
    int stdin_r = -1;  // the init's stdin pipe, with open_stdin
  };

  SystemStartupSteps(StoreLayout layout, v1::ContainerSpec spec, InitPlan plan,
                     ContainerCgroup cgroup)
      : layout_(std::move(layout)),
        spec_(std::move(spec)),
        plan_(std::move(plan)),
        cgroup_(std::move(cgroup)) {}

  // Makes the pipes, the socketpair and the signalfd.
  absl::Status MakeFds();
  // With a tty: receives the init's terminal master (after its "R").
  absl::Status TakeTerminal();
  // The child side of CloneInit.
  [[noreturn]] void RunChild();

  StoreLayout layout_;
  v1::ContainerSpec spec_;
  InitPlan plan_;
  ContainerCgroup cgroup_;
  int ready_fd_ = -1;
  int stdin_fd_ = -1;
  std::vector<OpenNamespace> ns_files_;
  SavedNamespaces saved_ns_;
  StartupFds startup_;
  MonitorSideFds monitor_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_SYSTEM_STARTUP_STEPS_H_
