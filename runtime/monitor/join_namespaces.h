// Joined and time namespaces: the parts of namespace setup that are not a
// clone flag. The monitor opens (and checks) the namespace files and sets up
// a new time namespace before clone; the init joins the rest after clone.
#ifndef WARREN_RUNTIME_MONITOR_JOIN_NAMESPACES_H_
#define WARREN_RUNTIME_MONITOR_JOIN_NAMESPACES_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/init_plan.h"

namespace warren::runtime {

struct OpenNamespace {
  int type = 0;  // CLONE_NEW*
  int fd = -1;
};

// Opens every namespace the plan joins and checks it is of the right kind
// (FAILED_PRECONDITION naming the field otherwise). Monitor side.
absl::StatusOr<std::vector<OpenNamespace>> OpenJoinedNamespaces(
    const InitPlan& plan);

// Monitor side, before clone: joins the PID namespace (it takes effect for
// children) and enters a new time namespace with the plan's offsets.
// Returns the monitor's own namespaces it changed for its children, for
// RestoreAfterClone.
struct SavedNamespaces {
  int pid = -1;   // fd of the monitor's PID namespace, or -1
  int time = -1;  // fd of the monitor's time namespace, or -1
};
absl::StatusOr<SavedNamespaces> PrepareForClone(
    const InitPlan& plan, const std::vector<OpenNamespace>& joined);

// Monitor side, after clone: later children of the monitor (including
// helper processes of its runtime) must not land in the container's PID or
// time namespace; a PID namespace's init dying would kill them.
void RestoreAfterClone(const SavedNamespaces& saved);

// Init side: setns into every joined namespace but PID; closes all fds.
absl::Status JoinNamespaces(const std::vector<OpenNamespace>& joined);

void CloseNamespaces(const std::vector<OpenNamespace>& joined);

// The joined user namespace's descriptor, or -1 if none is joined.
int JoinedUserNamespace(const std::vector<OpenNamespace>& joined);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_JOIN_NAMESPACES_H_
