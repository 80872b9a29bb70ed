// Reads a process's namespaces from /proc/<pid>/ns, as Inspect reports them.
#ifndef WARREN_RUNTIME_NAMESPACE_INFO_H_
#define WARREN_RUNTIME_NAMESPACE_INFO_H_

#include <sys/types.h>

#include <vector>

#include "proto/warren/v1/container.pb.h"

namespace warren::runtime {

// One entry per namespace kind the kernel shows for `pid`; empty if the
// process is gone. `shared_with_host` compares with the caller's own.
std::vector<v1::NamespaceInfo> ReadNamespaces(pid_t pid);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_NAMESPACE_INFO_H_
