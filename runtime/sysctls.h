// Which sysctls a container may set: only those the kernel namespaces (net.*
// with the container's own network namespace; IPC ones with its own IPC
// namespace; UTS ones with its own UTS namespace). Anything else would
// change the host, so it is refused.
#ifndef WARREN_RUNTIME_SYSCTLS_H_
#define WARREN_RUNTIME_SYSCTLS_H_

#include <string>

#include "absl/status/status.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

// INVALID_ARGUMENT naming "spec.sysctls[key]" for a sysctl that is not
// namespaced, or whose namespace the container shares with the host.
absl::Status ValidateSysctls(const v1::ContainerSpec& spec);

// "/proc/sys/net/ipv4/ip_forward" for "net.ipv4.ip_forward" (or with '/').
std::string SysctlPath(const std::string& key);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SYSCTLS_H_
