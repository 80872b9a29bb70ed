// The child side of container creation: runs in the freshly cloned process
// (inside the new namespaces), applies the InitPlan, blocks until Start and
// execs the user's program. Only the single-threaded monitor calls this.
#ifndef WARREN_RUNTIME_MONITOR_INIT_PROCESS_H_
#define WARREN_RUNTIME_MONITOR_INIT_PROCESS_H_

#include <vector>

#include "runtime/init_plan.h"
#include "runtime/monitor/join_namespaces.h"

namespace warren::runtime {

// File descriptors the init uses to talk to its monitor.
struct InitPipes {
  int stdin_fd = -1;   // becomes fd 0
  int stdout_fd = -1;  // becomes fd 1
  int stderr_fd = -1;  // becomes fd 2
  // A unix socket: init blocks for one byte (it is in its cgroup), with
  // the idmapped image attached for a new user namespace.
  int cgroup_fd = -1;
  int status_fd = -1;    // init writes "R" when set up, or "E<message>"
  int start_fd = -1;     // init blocks reading one byte: the Start signal
  int exec_err_fd = -1;  // close-on-exec; init writes the execve error here
};

// Never returns: execs the user's program or exits non-zero after
// reporting the failure on status_fd (setup) or exec_err_fd (execve).
// `joined` are the namespaces to setns into (opened by the monitor).
[[noreturn]] void RunInit(const InitPlan& plan, const InitPipes& pipes,
                          const std::vector<OpenNamespace>& joined);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_INIT_PROCESS_H_
