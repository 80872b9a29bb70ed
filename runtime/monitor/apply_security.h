// Applies a container's SecurityPlan in its init: the only place that
// calls libcap and libseccomp. Split in three steps around the init's
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
  ~InitSecurity();
  InitSecurity(const InitSecurity&) = delete;
  InitSecurity& operator=(const InitSecurity&) = delete;

  // Builds the seccomp filter (so a bad profile fails setup, not Start),
  // drops the capability bounding set to the plan's and keeps the permitted
  // set across setuid. Without no_new_privs the filter is loaded here: the
  // kernel then requires CAP_SYS_ADMIN, which is about to be dropped (as
  // runc does).
  absl::Status BeforeIdentity();
  // Sets the permitted, effective, inheritable and ambient sets and
  // no_new_privs, now that the uid is final.
  absl::Status AfterIdentity();
  // Loads the seccomp filter, if not loaded yet. Call right before execve.
  absl::Status LoadSeccomp();

 private:
  absl::Status BuildFilter();
  absl::Status DropBoundingSet();
  absl::Status SetCapabilities();

  const SecurityPlan& plan_;
  void* filter_ = nullptr;  // scmp_filter_ctx
  bool loaded_ = false;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_APPLY_SECURITY_H_
