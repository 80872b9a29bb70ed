// A container's seccomp filter as plain data: a default action and a list of
// per-syscall rules (with optional argument conditions), built from the
// spec and the container's final capability set. The init turns it into a
// libseccomp filter (runtime/monitor/apply_security.cc); keeping the rules
// as data lets the profile be unit-tested without loading anything.
#ifndef WARREN_RUNTIME_SECCOMP_PROFILE_H_
#define WARREN_RUNTIME_SECCOMP_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/capabilities.h"

namespace warren::runtime {

enum class SeccompAction { kAllow, kErrno, kKill, kLog, kTrap };

// One condition on a syscall argument, as libseccomp's scmp_arg_cmp.
struct SeccompArg {
  enum Op { kEqual, kNotEqual, kMaskedEqual };
  unsigned int index = 0;
  Op op = kEqual;
  uint64_t value = 0;
  uint64_t mask = 0;  // kMaskedEqual: (arg & mask) == value
};

// `action` for `syscall` when all `args` hold (always when empty).
struct SeccompRule {
  std::string syscall;
  SeccompAction action = SeccompAction::kAllow;
  int errno_value = 0;  // kErrno only
  std::vector<SeccompArg> args;
};

struct SeccompPlan {
  bool enabled = false;  // false: no filter at all ("unconfined")
  SeccompAction default_action = SeccompAction::kErrno;
  int default_errno = 0;  // kErrno only
  std::vector<SeccompRule> rules;
};

// The default profile: everything not listed fails with EPERM; the
// namespace, mount, module, clock and tracing syscalls are only allowed
// when `caps` holds the capability that guards them (as Docker's profile
// does). The allow-list itself is in seccomp_default_table.cc.
SeccompPlan DefaultSeccompProfile(const CapabilityList& caps);

// A caller's profile (seccomp_profile "custom"). Errors are
// INVALID_ARGUMENT naming the field, e.g.
// `spec.security.seccomp_custom.rules[1].names[0]: unknown syscall "foo"`.
absl::StatusOr<SeccompPlan> CustomSeccompProfile(
    const v1::SeccompProfile& profile);

// The filter for `security` given the final capabilities: "" or "default",
// "unconfined", or "custom". Privileged containers get none.
absl::StatusOr<SeccompPlan> BuildSeccompPlan(const v1::SecuritySpec& security,
                                             const CapabilityList& caps);

// "allow", "errno" (EPERM), "kill", "log" or "trap".
absl::StatusOr<SeccompAction> ParseSeccompAction(absl::string_view name);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SECCOMP_PROFILE_H_
