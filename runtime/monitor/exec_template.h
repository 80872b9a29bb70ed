// An exec template: a process the monitor parks in a container's
// namespaces with an exec's identity, capabilities and seccomp filter
// already applied, which starts the execs that share that hardening by
// clone(CLONE_PARENT). Loading the default seccomp program (about 1,200
// instructions, converted and JIT-compiled by the kernel) costs each exec
// started from the monitor 0.2-0.5 ms on its critical path; a clone
// inherits the loaded filter for nothing. The monitor stays the parent of
// every exec (CLONE_PARENT), so reaping and exit records are unchanged.
//
// The template is in the container's namespaces but not in its PID
// namespace (it joins that one for its children only) nor in its cgroups:
// the container's `ps` and cgroup.procs do not show it. It holds the
// container's namespaces, so the monitor kills it when the init exits, and
// after warrend's --exec_template_idle unused (it costs ~120 KB of private
// memory).
// After the filter is loaded it needs recvmsg, sendmsg, clone, dup2,
// chdir, close_range, read and execve: the default profile allows them,
// which is why only execs under the default profile use a template.
#ifndef WARREN_RUNTIME_MONITOR_EXEC_TEMPLATE_H_
#define WARREN_RUNTIME_MONITOR_EXEC_TEMPLATE_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/monitor/process_setup.h"
#include "runtime/security_plan.h"

namespace warren::runtime {

// What a template is prepared with: everything of an exec but its program,
// environment and working directory.
struct ExecTemplatePlan {
  int ns_flags = 0;  // DifferentNamespaces of the init; pidfd is the init's
  // Its cwd and rlimits are ignored: each exec has its own (TemplateExec),
  // and the long-lived template keeps the monitor's limits.
  ProcessIdentity identity;
  SecurityPlan security;  // seccomp_program compiled
};

// The part of an exec the template's clone gets per request.
struct TemplateExec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd;
  // Set in the clone; each hard limit at or below the template's (the
  // caller's): the clone has dropped the capability to raise one.
  std::vector<std::pair<int, rlimit>> rlimits;
  // The child's stdin, stdout and stderr, the pipe it waits on to be
  // released, and its error pipe (close-on-exec: EOF once it execs).
  int stdio[3] = {-1, -1, -1};
  int go_fd = -1;
  int err_fd = -1;
};

class ExecTemplate {
 public:
  // Forks the template from the (single-threaded) monitor and waits until
  // it is ready. `pidfd` is the init's. An error (what its setup reported)
  // leaves no process behind. `answer_timeout` bounds every wait for it,
  // so a stopped template cannot stall the monitor.
  static absl::StatusOr<std::unique_ptr<ExecTemplate>> Start(
      int pidfd, const ExecTemplatePlan& plan,
      absl::Duration answer_timeout = absl::Seconds(5));
  // Kills and reaps the template (unless Reaped said it is gone).
  ~ExecTemplate();
  ExecTemplate(const ExecTemplate&) = delete;
  ExecTemplate& operator=(const ExecTemplate&) = delete;

  // Starts `exec` as a child of the caller and returns its host pid. The
  // child sets its rlimits, chdirs, then waits on go_fd. Errors:
  // - UNAVAILABLE: nothing was started; start the exec another way (the
  //   template is gone, and gone() from then on, or the request is too big
  //   for it);
  // - ABORTED: the template died or did not answer in time after it had
  //   the request; it is killed and gone(), but a clone of it may be
  //   waiting on go_fd: close the exec's descriptors (the clone then exits
  //   at EOF) before starting it another way;
  // - its clone's errno.
  absl::StatusOr<pid_t> Spawn(const TemplateExec& exec);

  pid_t pid() const { return pid_; }
  bool gone() const { return gone_; }
  // The caller's waitpid(-1) reaped the template: its pid is not ours
  // any more, so the destructor must not signal it.
  void Reaped() { reaped_ = gone_ = true; }

 private:
  ExecTemplate(pid_t pid, int socket) : pid_(pid), socket_(socket) {}
  // Kills it (not reaped: the caller's waitpid or the destructor does).
  absl::Status Abandon(absl::string_view why);

  pid_t pid_;
  int socket_;  // SOCK_SEQPACKET to the template
  bool reaped_ = false;
  bool gone_ = false;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_EXEC_TEMPLATE_H_
