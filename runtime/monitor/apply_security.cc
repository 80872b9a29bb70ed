#include "runtime/monitor/apply_security.h"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/seccomp_bpf.h"

namespace warren::runtime {
namespace {

bool Contains(const CapabilityList& caps, int cap) {
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

}  // namespace

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
  if (plan_.seccomp.enabled && plan_.seccomp_program.empty()) {
    return absl::InternalError("the seccomp filter was not compiled");
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
  if (!plan_.seccomp.enabled || loaded_) return absl::OkStatus();
  if (absl::Status s = LoadSeccompBpf(plan_.seccomp_program); !s.ok()) {
    return s;
  }
  loaded_ = true;
  return absl::OkStatus();
}

}  // namespace warren::runtime
