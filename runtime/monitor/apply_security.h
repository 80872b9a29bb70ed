// Applies a container's SecurityPlan in its init: the only place that
// calls libcap and loads a seccomp program (compiled beforehand by the
// monitor, runtime/seccomp_bpf.h). Split in three steps around the init's
// setuid, because capabilities must survive setuid and the seccomp filter
// must be the very last thing before execve (so it constrains the user's
// program, not warren's setup):
//
//   BeforeIdentity();  // after pivot_root, still full root
//   setgroups/setresgid/setresuid
//   AfterIdentity();
//   ... wait for Start, close fds ...
//   LoadSeccomp(); execve
#ifndef WARREN_RUNTIME_MONITOR_APPLY_SECURITY_H_
#define WARREN_RUNTIME_MONITOR_APPLY_SECURITY_H_

#include "absl/status/status.h"
#include "runtime/security_plan.h"

namespace warren::runtime {

class InitSecurity {
 public:
  explicit InitSecurity(const SecurityPlan& plan) : plan_(plan) {}
  InitSecurity(const InitSecurity&) = delete;
  InitSecurity& operator=(const InitSecurity&) = delete;

  // Checks the seccomp program is there, drops the capability bounding set to
  // the plan's and keeps the permitted set across setuid. Without no_new_privs
  // the filter is loaded here: the kernel then requires CAP_SYS_ADMIN, which is
  // about to be dropped (as runc does).
  absl::Status BeforeIdentity();
  // Sets the permitted, effective, inheritable and ambient sets and
  // no_new_privs, now that the uid is final.
  absl::Status AfterIdentity();
  // Loads the seccomp filter, if not loaded yet. Call right before execve.
  absl::Status LoadSeccomp();

 private:
  absl::Status DropBoundingSet();
  absl::Status SetCapabilities();

  const SecurityPlan& plan_;
  bool loaded_ = false;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_APPLY_SECURITY_H_
