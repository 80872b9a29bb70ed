// Steps every process warren starts inside a container takes right before
// execve, whether it is the container's init or an exec: a clean signal
// state, rlimits, the final uid/gid/groups and working directory, and no
// descriptor of the monitor's left open. Shared so both paths stay alike.
#ifndef WARREN_RUNTIME_MONITOR_PROCESS_SETUP_H_
#define WARREN_RUNTIME_MONITOR_PROCESS_SETUP_H_

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace warren::runtime {

// Default dispositions and an empty signal mask: the monitor blocks SIGCHLD
// and ignores SIGPIPE, and neither may leak into the user's program.
void ResetSignals();

// The identity a process runs with.
struct ProcessIdentity {
  std::vector<std::pair<int, rlimit>> rlimits;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string cwd;  // inside the container
};

// setrlimit, setgroups, setresgid, setresuid, chdir (checked after the root
// is final, so the directory is the container's).
absl::Status ApplyIdentity(const ProcessIdentity& id);

// Opens a terminal from the container's own devpts (its /dev/ptmx; the
// mount namespace and root must be the container's), sends the master to
// the monitor over `socket` (SCM_RIGHTS) and makes the slave this process's
// controlling terminal on fds 0-2, as runc's console socket does.
absl::Status AttachNewTerminal(int socket);

// Closes every descriptor but 0-2 and `keep` (e.g. a close-on-exec error
// pipe), so none of the monitor's reach the container.
void CloseOtherFds(int keep);
// The same keeping two (an error pipe and the pipe the child waits on), in
// either order; a kept number below 3 keeps nothing more.
void CloseOtherFds(int keep, int also_keep);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_PROCESS_SETUP_H_
