#include "runtime/seccomp_profile.h"

#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "absl/strings/str_cat.h"
#include "runtime/seccomp_default_table.h"

namespace warren::runtime {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool Has(const CapabilityList& caps, int cap) {
  return std::binary_search(caps.begin(), caps.end(), cap);
}

}  // namespace

absl::StatusOr<SeccompAction> ParseSeccompAction(absl::string_view name) {
  if (name == "allow") return SeccompAction::kAllow;
  if (name == "errno") return SeccompAction::kErrno;
  if (name == "kill") return SeccompAction::kKill;
  if (name == "log") return SeccompAction::kLog;
  if (name == "trap") return SeccompAction::kTrap;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown action \"", name, "\" (want allow, errno, kill, log or trap)"));
}

SeccompPlan DefaultSeccompProfile(const CapabilityList& caps) {
  SeccompPlan plan;
  plan.enabled = true;
  plan.default_action = SeccompAction::kErrno;
  plan.default_errno = EPERM;
  // A syscall two granted groups allow (bpf: CAP_SYS_ADMIN and CAP_BPF)
  // gets one rule; libseccomp refuses conflicting duplicates.
  std::set<std::string> unconditional;
  for (const DefaultSyscallGroup& group : DefaultSyscallTable()) {
    if (group.if_cap >= 0 && !Has(caps, group.if_cap)) continue;
    if (group.unless_cap >= 0 && Has(caps, group.unless_cap)) continue;
    for (const char* name : group.names) {
      if (group.alternatives.empty()) {
        if (!unconditional.insert(name).second) continue;
        plan.rules.push_back({name, group.action, group.errno_value, {}});
        continue;
      }
      for (const std::vector<SeccompArg>& args : group.alternatives) {
        plan.rules.push_back({name, group.action, group.errno_value, args});
      }
    }
  }
  return plan;
}

absl::StatusOr<SeccompPlan> CustomSeccompProfile(
    const v1::SeccompProfile& profile) {
  constexpr char kField[] = "spec.security.seccomp_custom";
  SeccompPlan plan;
  plan.enabled = true;
  if (profile.default_action().empty()) {
    return Invalid(absl::StrCat(kField, ".default_action"), "is required");
  }
  absl::StatusOr<SeccompAction> default_action =
      ParseSeccompAction(profile.default_action());
  if (!default_action.ok()) {
    return Invalid(absl::StrCat(kField, ".default_action"),
                   default_action.status().message());
  }
  plan.default_action = *default_action;
  plan.default_errno = EPERM;
  for (int i = 0; i < profile.rules_size(); ++i) {
    const v1::SeccompProfile::Rule& rule = profile.rules(i);
    std::string field = absl::StrCat(kField, ".rules[", i, "]");
    absl::StatusOr<SeccompAction> action = ParseSeccompAction(rule.action());
    if (!action.ok()) {
      return Invalid(absl::StrCat(field, ".action"), action.status().message());
    }
    if (rule.names().empty()) {
      return Invalid(absl::StrCat(field, ".names"), "is required");
    }
    for (int j = 0; j < rule.names_size(); ++j) {
      const std::string& name = rule.names(j);
      // libseccomp knows the names of every architecture; unknown here
      // means unknown to the filter the init would build.
      if (seccomp_syscall_resolve_name(name.c_str()) == __NR_SCMP_ERROR) {
        return Invalid(absl::StrCat(field, ".names[", j, "]"),
                       absl::StrCat("unknown syscall \"", name, "\""));
      }
      plan.rules.push_back(
          {name, *action, *action == SeccompAction::kErrno ? EPERM : 0, {}});
    }
  }
  return plan;
}

absl::StatusOr<SeccompPlan> BuildSeccompPlan(const v1::SecuritySpec& security,
                                             const CapabilityList& caps) {
  const std::string& name = security.seccomp_profile();
  if (!name.empty() && name != "default" && name != "unconfined" &&
      name != "custom") {
    return Invalid("spec.security.seccomp_profile",
                   absl::StrCat("unknown profile \"", name,
                                "\" (want default, unconfined or custom)"));
  }
  if (name != "custom" && security.has_seccomp_custom()) {
    return Invalid("spec.security.seccomp_custom",
                   "is only used with seccomp_profile \"custom\"");
  }
  if (name == "custom") return CustomSeccompProfile(security.seccomp_custom());
  if (name == "unconfined") return SeccompPlan{};
  // Privileged containers run unconfined unless given a custom profile.
  if (security.privileged()) return SeccompPlan{};
  return DefaultSeccompProfile(caps);
}

}  // namespace warren::runtime
