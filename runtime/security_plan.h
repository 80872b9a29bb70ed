// What spec.security means for a container's init, as plain data: the
// capabilities it keeps, no_new_privs, the seccomp filter and whether it is
// privileged. Built (and validated) without touching the system; applied by
// the init right before execve (runtime/monitor/apply_security.cc).
#ifndef WARREN_RUNTIME_SECURITY_PLAN_H_
#define WARREN_RUNTIME_SECURITY_PLAN_H_

#include <sys/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/capabilities.h"
#include "runtime/seccomp_profile.h"

namespace warren::runtime {

struct SecurityPlan {
  // All capabilities, no seccomp filter, no masked paths, all devices.
  bool privileged = false;
  // Bounding, permitted and effective set; the rest are dropped.
  CapabilityList capabilities;
  // Inheritable and ambient set (non-root users only).
  CapabilityList ambient_capabilities;
  // prctl(PR_SET_NO_NEW_PRIVS): setuid binaries and file capabilities
  // cannot raise privileges. On unless allow_new_privileges.
  bool no_new_privs = true;
  SeccompPlan seccomp;
  // `seccomp` compiled (runtime/seccomp_bpf.h), filled by the monitor before
  // it clones the process, so the process itself only loads it.
  std::string seccomp_program;
};

// The plan for a process running as `uid`.
absl::StatusOr<SecurityPlan> BuildSecurityPlan(const v1::SecuritySpec& security,
                                               uid_t uid);

// INVALID_ARGUMENT naming the field for unknown capabilities, seccomp
// profiles, actions or syscalls. (Masked and read-only paths are checked
// with the mounts.)
absl::Status ValidateSecurity(const v1::SecuritySpec& security);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SECURITY_PLAN_H_
