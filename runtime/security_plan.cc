#include "runtime/security_plan.h"

namespace warren::runtime {

absl::StatusOr<SecurityPlan> BuildSecurityPlan(const v1::SecuritySpec& security,
                                               uid_t uid) {
  absl::StatusOr<CapabilityPlan> caps = BuildCapabilityPlan(security, uid);
  if (!caps.ok()) return caps.status();
  absl::StatusOr<SeccompPlan> seccomp =
      BuildSeccompPlan(security, caps->granted);
  if (!seccomp.ok()) return seccomp.status();

  SecurityPlan plan;
  plan.privileged = security.privileged();
  plan.capabilities = std::move(caps->granted);
  plan.ambient_capabilities = std::move(caps->ambient);
  plan.no_new_privs = !security.allow_new_privileges();
  plan.seccomp = std::move(*seccomp);
  return plan;
}

absl::Status ValidateSecurity(const v1::SecuritySpec& security) {
  // The uid only decides the ambient set, which cannot fail.
  return BuildSecurityPlan(security, 0).status();
}

}  // namespace warren::runtime
