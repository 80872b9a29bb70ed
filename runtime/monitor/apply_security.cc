#include "runtime/monitor/apply_security.h"

#include <seccomp.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

uint32_t ScmpAction(SeccompAction action, int errno_value) {
  switch (action) {
    case SeccompAction::kAllow:
      return SCMP_ACT_ALLOW;
    case SeccompAction::kErrno:
      return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_value));
    case SeccompAction::kKill:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kLog:
      return SCMP_ACT_LOG;
    case SeccompAction::kTrap:
      return SCMP_ACT_TRAP;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_arg_cmp ScmpArg(const SeccompArg& arg) {
  switch (arg.op) {
    case SeccompArg::kNotEqual:
      return {arg.index, SCMP_CMP_NE, arg.value, 0};
    case SeccompArg::kMaskedEqual:
      return {arg.index, SCMP_CMP_MASKED_EQ, arg.mask, arg.value};
    case SeccompArg::kEqual:
      break;
  }
  return {arg.index, SCMP_CMP_EQ, arg.value, 0};
}

bool Contains(const CapabilityList& caps, int cap) {
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

}  // namespace

InitSecurity::~InitSecurity() {
  if (filter_ != nullptr) seccomp_release(filter_);
}

absl::Status InitSecurity::BuildFilter() {
  const SeccompPlan& plan = plan_.seccomp;
  uint32_t default_action = ScmpAction(plan.default_action, plan.default_errno);
  filter_ = seccomp_init(default_action);
  if (filter_ == nullptr) return absl::InternalError("seccomp_init failed");
  // 32-bit programs on x86-64 reach the kernel through their own syscall
  // table; without these, the filter kills them outright.
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
      int rc = seccomp_arch_add(filter_, arch);
      if (rc != 0 && rc != -EEXIST) {
        return absl::ErrnoToStatus(-rc, "seccomp_arch_add");
      }
    }
  }
  // no_new_privs is the plan's decision, set by AfterIdentity.
  if (int rc = seccomp_attr_set(filter_, SCMP_FLTATR_CTL_NNP, 0); rc != 0) {
    return absl::ErrnoToStatus(-rc, "seccomp_attr_set");
  }
  for (const SeccompRule& rule : plan.rules) {
    int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
    // Newer than this libseccomp: the default action applies.
    if (nr == __NR_SCMP_ERROR) continue;
    uint32_t action = ScmpAction(rule.action, rule.errno_value);
    // libseccomp refuses rules that repeat the default action.
    if (action == default_action) continue;
    std::vector<scmp_arg_cmp> args;
    for (const SeccompArg& arg : rule.args) args.push_back(ScmpArg(arg));
    int rc = seccomp_rule_add_array(filter_, action, nr, args.size(),
                                    args.empty() ? nullptr : args.data());
    if (rc != 0) {
      return absl::ErrnoToStatus(
          -rc, absl::StrCat("seccomp rule for ", rule.syscall));
    }
  }
  return absl::OkStatus();
}

absl::Status InitSecurity::DropBoundingSet() {
  // cap_max_bits: what the running kernel has, which may be more or fewer
  // capabilities than the headers of this build know.
  for (cap_value_t cap = 0; cap < cap_max_bits(); ++cap) {
    if (Contains(plan_.capabilities, cap) || cap_get_bound(cap) != 1) continue;
    if (cap_drop_bound(cap) != 0) {
      return absl::ErrnoToStatus(
          errno,
          absl::StrCat("drop ", CapabilityName(cap), " from the bounding set"));
    }
  }
  return absl::OkStatus();
}

absl::Status InitSecurity::SetCapabilities() {
  // Keep only what the monitor itself holds: a privileged container gets
  // "all" capabilities, which is all of the host's, not more.
  cap_t current = cap_get_proc();
  if (current == nullptr) return absl::ErrnoToStatus(errno, "cap_get_proc");
  std::vector<cap_value_t> granted, inheritable;
  for (int cap : plan_.capabilities) {
    cap_flag_value_t have = CAP_CLEAR;
    if (cap_get_flag(current, cap, CAP_PERMITTED, &have) != 0 ||
        have != CAP_SET) {
      continue;
    }
    granted.push_back(cap);
    if (Contains(plan_.ambient_capabilities, cap)) inheritable.push_back(cap);
  }
  cap_free(current);

  cap_t caps = cap_init();
  if (caps == nullptr) return absl::ErrnoToStatus(errno, "cap_init");
  int rc = 0;
  if (!granted.empty()) {
    rc |= cap_set_flag(caps, CAP_PERMITTED, granted.size(), granted.data(),
                       CAP_SET);
    rc |= cap_set_flag(caps, CAP_EFFECTIVE, granted.size(), granted.data(),
                       CAP_SET);
  }
  if (!inheritable.empty()) {
    rc |= cap_set_flag(caps, CAP_INHERITABLE, inheritable.size(),
                       inheritable.data(), CAP_SET);
  }
  if (rc != 0 || cap_set_proc(caps) != 0) {
    int err = errno;
    cap_free(caps);
    return absl::ErrnoToStatus(err, "set capabilities");
  }
  cap_free(caps);

  // Ambient capabilities carry the inheritable ones across execve for a
  // non-root user (root gets its permitted set from the bounding set).
  if (cap_reset_ambient() != 0 && errno != EINVAL) {
    return absl::ErrnoToStatus(errno, "clear ambient capabilities");
  }
  for (cap_value_t cap : inheritable) {
    if (cap_set_ambient(cap, CAP_SET) != 0) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("raise ambient ", CapabilityName(cap)));
    }
  }
  return absl::OkStatus();
}

absl::Status InitSecurity::BeforeIdentity() {
  if (plan_.seccomp.enabled) {
    if (absl::Status s = BuildFilter(); !s.ok()) return s;
  }
  if (absl::Status s = DropBoundingSet(); !s.ok()) return s;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_KEEPCAPS)");
  }
  if (!plan_.no_new_privs) return LoadSeccomp();
  return absl::OkStatus();
}

absl::Status InitSecurity::AfterIdentity() {
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_KEEPCAPS)");
  }
  if (absl::Status s = SetCapabilities(); !s.ok()) return s;
  if (plan_.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  }
  return absl::OkStatus();
}

absl::Status InitSecurity::LoadSeccomp() {
  if (filter_ == nullptr || loaded_) return absl::OkStatus();
  if (int rc = seccomp_load(filter_); rc != 0) {
    return absl::ErrnoToStatus(-rc, "load seccomp filter");
  }
  loaded_ = true;
  return absl::OkStatus();
}

}  // namespace warren::runtime
