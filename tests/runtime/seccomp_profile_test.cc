// The seccomp profile as data: the default profile's rules and how the
// capability set changes them, custom profiles and their validation.
#include "runtime/seccomp_profile.h"

#include <linux/capability.h>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/capabilities.h"
#include "runtime/seccomp_default_table.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;

// The rules for `name` in `plan`.
std::vector<SeccompRule> RulesFor(const SeccompPlan& plan,
                                  const std::string& name) {
  std::vector<SeccompRule> rules;
  for (const SeccompRule& r : plan.rules) {
    if (r.syscall == name) rules.push_back(r);
  }
  return rules;
}

bool Allows(const SeccompPlan& plan, const std::string& name) {
  for (const SeccompRule& r : RulesFor(plan, name)) {
    if (r.action == SeccompAction::kAllow && r.args.empty()) return true;
  }
  return false;
}

CapabilityList WithSysAdmin() {
  CapabilityList caps = DefaultCapabilities();
  caps.push_back(CAP_SYS_ADMIN);
  std::sort(caps.begin(), caps.end());
  return caps;
}

TEST(SeccompProfileTest, DefaultProfileDeniesWithEperm) {
  SeccompPlan plan = DefaultSeccompProfile(DefaultCapabilities());
  EXPECT_TRUE(plan.enabled);
  EXPECT_EQ(plan.default_action, SeccompAction::kErrno);
  EXPECT_EQ(plan.default_errno, EPERM);
  // 359 always-allowed names, socket (1 rule), personality (5), clone with
  // its flag check (1), clone3 ENOSYS (1) and chroot (CAP_SYS_CHROOT).
  // Update when the table changes.
  EXPECT_EQ(plan.rules.size(), 359u + 1 + 5 + 1 + 1 + 1);
  for (const char* name : {"execve", "read", "write", "exit_group", "openat",
                           "setresuid", "capset", "prctl", "chroot"}) {
    EXPECT_TRUE(Allows(plan, name)) << name;
  }
}

TEST(SeccompProfileTest, NamespacesAndMountsOnlyWithSysAdmin) {
  SeccompPlan plain = DefaultSeccompProfile(DefaultCapabilities());
  SeccompPlan admin = DefaultSeccompProfile(WithSysAdmin());
  for (const char* name : {"unshare", "setns", "mount", "umount2", "pivot_root",
                           "bpf", "perf_event_open"}) {
    EXPECT_TRUE(RulesFor(plain, name).empty()) << name;
  }
  for (const char* name : {"unshare", "setns", "mount", "umount2", "bpf"}) {
    EXPECT_TRUE(Allows(admin, name)) << name;
  }
  // Never, whatever the capabilities.
  for (const char* name : {"keyctl", "add_key", "request_key", "kexec_load",
                           "pivot_root", "userfaultfd"}) {
    EXPECT_TRUE(RulesFor(admin, name).empty()) << name;
  }
}

TEST(SeccompProfileTest, CloneWithoutSysAdminMayNotCreateNamespaces) {
  SeccompPlan plain = DefaultSeccompProfile(DefaultCapabilities());
  std::vector<SeccompRule> clone = RulesFor(plain, "clone");
  ASSERT_EQ(clone.size(), 1u);
  ASSERT_EQ(clone[0].args.size(), 1u);
  EXPECT_EQ(clone[0].args[0].op, SeccompArg::kMaskedEqual);
  EXPECT_EQ(clone[0].args[0].value, 0u);
  EXPECT_EQ(clone[0].args[0].mask, 0x7E020000u);
  std::vector<SeccompRule> clone3 = RulesFor(plain, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0].action, SeccompAction::kErrno);
  EXPECT_EQ(clone3[0].errno_value, ENOSYS);

  SeccompPlan admin = DefaultSeccompProfile(WithSysAdmin());
  EXPECT_TRUE(Allows(admin, "clone"));
  EXPECT_TRUE(Allows(admin, "clone3"));
  EXPECT_EQ(RulesFor(admin, "clone").size(), 1u);
}

TEST(SeccompProfileTest, NoSyscallTwiceUnconditionally) {
  CapabilityList all = AllCapabilities();
  SeccompPlan plan = DefaultSeccompProfile(all);
  std::set<std::string> seen;
  for (const SeccompRule& r : plan.rules) {
    if (r.args.empty()) {
      EXPECT_TRUE(seen.insert(r.syscall).second) << r.syscall;
    }
  }
  EXPECT_TRUE(Allows(plan, "bpf"));  // CAP_SYS_ADMIN and CAP_BPF
}

TEST(SeccompProfileTest, EveryCommonNameIsKnownToLibseccomp) {
  // The table may list calls newer than libseccomp or other ABIs' calls,
  // but these must resolve, or the default profile breaks every container.
  for (const char* name : {"execve", "clone", "clone3", "socket", "openat",
                           "personality", "mknodat", "close_range"}) {
    EXPECT_NE(seccomp_syscall_resolve_name(name), __NR_SCMP_ERROR) << name;
  }
}

TEST(SeccompProfileTest, ProfileChoice) {
  v1::SecuritySpec s;
  absl::StatusOr<SeccompPlan> plan = BuildSeccompPlan(s, DefaultCapabilities());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->enabled);
  s.set_seccomp_profile("unconfined");
  plan = BuildSeccompPlan(s, DefaultCapabilities());
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->enabled);
  s.set_seccomp_profile("default");
  s.set_privileged(true);
  plan = BuildSeccompPlan(s, AllCapabilities());
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->enabled);
}

TEST(SeccompProfileTest, CustomProfile) {
  v1::SecuritySpec s;
  s.set_seccomp_profile("custom");
  v1::SeccompProfile* p = s.mutable_seccomp_custom();
  p->set_default_action("allow");
  auto* rule = p->add_rules();
  rule->add_names("mkdir");
  rule->add_names("mkdirat");
  rule->set_action("errno");
  absl::StatusOr<SeccompPlan> plan = BuildSeccompPlan(s, DefaultCapabilities());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->enabled);
  EXPECT_EQ(plan->default_action, SeccompAction::kAllow);
  ASSERT_EQ(plan->rules.size(), 2u);
  EXPECT_EQ(plan->rules[1].syscall, "mkdirat");
  EXPECT_EQ(plan->rules[1].action, SeccompAction::kErrno);
  EXPECT_EQ(plan->rules[1].errno_value, EPERM);
}

struct BadProfile {
  const char* name;
  void (*mutate)(v1::SecuritySpec*);
  const char* message;
};

class SeccompBadProfileTest : public ::testing::TestWithParam<BadProfile> {};

TEST_P(SeccompBadProfileTest, NamesTheField) {
  v1::SecuritySpec s;
  s.set_seccomp_profile("custom");
  s.mutable_seccomp_custom()->set_default_action("errno");
  auto* rule = s.mutable_seccomp_custom()->add_rules();
  rule->add_names("read");
  rule->set_action("allow");
  GetParam().mutate(&s);
  absl::Status status = BuildSeccompPlan(s, DefaultCapabilities()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    All, SeccompBadProfileTest,
    ::testing::Values(
        BadProfile{"unknown_profile",
                   [](v1::SecuritySpec* s) { s->set_seccomp_profile("x"); },
                   "spec.security.seccomp_profile: unknown profile \"x\""},
        BadProfile{"custom_without_custom_profile",
                   [](v1::SecuritySpec* s) { s->clear_seccomp_profile(); },
                   "spec.security.seccomp_custom: is only used with"},
        BadProfile{"no_default_action",
                   [](v1::SecuritySpec* s) {
                     s->mutable_seccomp_custom()->clear_default_action();
                   },
                   "spec.security.seccomp_custom.default_action: is required"},
        BadProfile{"bad_default_action",
                   [](v1::SecuritySpec* s) {
                     s->mutable_seccomp_custom()->set_default_action("deny");
                   },
                   "spec.security.seccomp_custom.default_action: unknown "
                   "action \"deny\""},
        BadProfile{"bad_rule_action",
                   [](v1::SecuritySpec* s) {
                     s->mutable_seccomp_custom()->mutable_rules(0)->set_action(
                         "ALLOW");
                   },
                   "spec.security.seccomp_custom.rules[0].action: unknown "
                   "action \"ALLOW\""},
        BadProfile{"unknown_syscall",
                   [](v1::SecuritySpec* s) {
                     s->mutable_seccomp_custom()->mutable_rules(0)->add_names(
                         "frobnicate");
                   },
                   "spec.security.seccomp_custom.rules[0].names[1]: unknown "
                   "syscall \"frobnicate\""},
        BadProfile{
            "rule_without_names",
            [](v1::SecuritySpec* s) {
              s->mutable_seccomp_custom()->mutable_rules(0)->clear_names();
            },
            "spec.security.seccomp_custom.rules[0].names: is "
            "required"}),
    [](const ::testing::TestParamInfo<BadProfile>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace warren::runtime
