// The last steps of every exec process, after its namespaces, identity and
// hardening are in place: wait for the monitor to release it (it is in the
// container's cgroups then) and execve. Shared by the two ways an exec
// starts (exec_process.h forks it from the monitor, exec_template.h clones
// it from a prepared template), so both end alike.
#ifndef WARREN_RUNTIME_MONITOR_EXEC_CHILD_H_
#define WARREN_RUNTIME_MONITOR_EXEC_CHILD_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace warren::runtime {

// What getppid() returns in a child of the monitor `monitor` that is in
// the container's PID namespace: 0 when that is not the monitor's
// (`ns_flags` from DifferentNamespaces has CLONE_NEWPID), `monitor`
// otherwise.
pid_t MonitorAsSeenByChild(int ns_flags, pid_t monitor);

// An exec ends with its monitor, whichever way it started: nothing else
// owns its stdio or records its exit. Sets the parent-death signal
// (SIGKILL), which fork and a uid change clear, and exits 127 if the
// parent is no longer `monitor_as_seen_here` (the monitor died already).
// Call it after the last uid change and before the seccomp filter (a
// custom one may refuse prctl). The kernel clears it again when the exec
// runs a setuid or file-capability program or changes its uid itself, and
// the exec's own children never have it.
void DieWithMonitor(pid_t monitor_as_seen_here);

// Writes `what` to the error pipe `err_fd` (the monitor reports it as the
// exec's error) and exits 127.
[[noreturn]] void ExecChildFail(int err_fd, const std::string& what);

// Blocks until the monitor writes one byte to `go_fd` (an exit without it:
// the monitor gave up), then replaces the environment with `env` and execs
// `argv` (searching PATH). Only failures return, through ExecChildFail.
[[noreturn]] void ReleaseAndExec(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, int go_fd,
                                 int err_fd);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_EXEC_CHILD_H_
