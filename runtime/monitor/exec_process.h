// Starting an exec process in a running container, on the monitor's side
// (the monitor is single-threaded, so it may fork and do setup in the
// child). The child joins every namespace of the container's init through
// a pidfd (PID and time namespaces through the monitor, as they apply to
// children only), gets the same hardening as the init while the monitor
// puts it in the container's cgroups, and execs only once it is in them;
// the monitor stays its parent, so it and its exit survive warrend.
#ifndef WARREN_RUNTIME_MONITOR_EXEC_PROCESS_H_
#define WARREN_RUNTIME_MONITOR_EXEC_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/cgroup_procs_files.h"
#include "runtime/monitor/exec_template.h"
#include "runtime/monitor/process_setup.h"
#include "runtime/security_plan.h"

namespace warren::runtime {

// What the child does, decided before fork.
struct ExecPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  ProcessIdentity identity;
  SecurityPlan security;
  bool tty = false;
  bool open_stdin = false;
};

// From a complete exec process (runtime/exec_spec.h) and its hardening
// (BuildSecurityPlan for the process's uid, its seccomp program compiled).
absl::StatusOr<ExecPlan> BuildExecPlan(const v1::ProcessSpec& process,
                                       const SecurityPlan& security);

// The monitor's ends of a started exec. With a tty, stdout_fd is the pty
// master (also for stdin and resize) and stderr_fd is -1.
struct ExecChild {
  pid_t pid = -1;
  int stdin_fd = -1;  // -1 without open_stdin
  int stdout_fd = -1;
  int stderr_fd = -1;
  int pty_fd = -1;
};

// The CLONE_NEW* flags of the namespaces the init `init_pid` has that the
// calling process does not share: the ones an exec joins. They stay the
// same for the init's life, so a monitor asks once (16 stats of /proc).
// -1 if the init's namespaces cannot be read (it is exiting).
int DifferentNamespaces(pid_t init_pid);

// Starts `plan` in the container whose init is `init_pid`, joining the
// namespaces `ns_flags` (DifferentNamespaces). `while_child_starts` (may be
// empty) runs once the child may exec, before this waits for the execve:
// the caller's own preparation (files) overlaps the child's; its error
// kills the child. The error of a failed setup or execve
// (FAILED_PRECONDITION, e.g. "exec nope: No such file or directory") comes
// back here, and then no process is left. With `from_template` (prepared
// for this plan's namespaces, identity and hardening; not for a tty) the
// child is cloned from it instead of forked here; when the template cannot
// take it (gone, a request too big for it, dead or stuck mid-request) the
// child is forked here after all.
absl::StatusOr<ExecChild> SpawnExec(
    pid_t init_pid, int ns_flags, const CgroupProcsFiles& cgroup,
    const ExecPlan& plan,
    const std::function<absl::Status()>& while_child_starts = {},
    ExecTemplate* from_template = nullptr);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_EXEC_PROCESS_H_
