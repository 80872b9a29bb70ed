// The last steps of every exec process, after its namespaces, identity and
// hardening are in place: wait for the monitor to release it (it is in the
// container's cgroups then) and execve. Shared by the two ways an exec
// starts (exec_process.h forks it from the monitor, exec_template.h clones
// it from a prepared template), so both end alike.
#ifndef WARREN_RUNTIME_MONITOR_EXEC_CHILD_H_
#define WARREN_RUNTIME_MONITOR_EXEC_CHILD_H_

#include <string>
#include <vector>

namespace warren::runtime {

// Writes `what` to the error pipe `err_fd` (the monitor reports it as the
// exec's error) and exits 127.
[[noreturn]] void ExecChildFail(int err_fd, const std::string& what);

// Blocks until the monitor writes one byte to `go_fd` (an exit without it:
// the monitor gave up), makes the process die with the monitor from then
// on (SIGKILL), then replaces the environment with `env` and execs `argv`
// (searching PATH). Only failures return, through ExecChildFail.
[[noreturn]] void ReleaseAndExec(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, int go_fd,
                                 int err_fd);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_EXEC_CHILD_H_
