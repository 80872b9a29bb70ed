// Capability names, the default set and cap_add/cap_drop arithmetic, the
// security part of the init plan, spec validation of spec.security and the
// device cgroup rules: all plain data, no root.
#include "runtime/capabilities.h"

#include <linux/capability.h>

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_system.h"
#include "runtime/device_cgroup.h"
#include "runtime/init_plan.h"
#include "runtime/security_plan.h"
#include "runtime/spec_validation.h"

namespace warren::runtime {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// containerd's default set as /proc/<pid>/status prints it.
constexpr uint64_t kDefaultMask = 0x00000000a80425fb;

v1::SecuritySpec Security(std::vector<std::string> add,
                          std::vector<std::string> drop) {
  v1::SecuritySpec s;
  for (const auto& a : add) s.add_cap_add(a);
  for (const auto& d : drop) s.add_cap_drop(d);
  return s;
}

CapabilityList Granted(const v1::SecuritySpec& s, uid_t uid = 0) {
  absl::StatusOr<CapabilityPlan> plan = BuildCapabilityPlan(s, uid);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? plan->granted : CapabilityList{};
}

TEST(CapabilitiesTest, ParsesNamesInAnyCaseWithOrWithoutPrefix) {
  EXPECT_EQ(*ParseCapabilityName("CHOWN"), CAP_CHOWN);
  EXPECT_EQ(*ParseCapabilityName("cap_net_admin"), CAP_NET_ADMIN);
  EXPECT_EQ(*ParseCapabilityName("Sys_Admin"), CAP_SYS_ADMIN);
  EXPECT_EQ(*ParseCapabilityName("CAP_CHECKPOINT_RESTORE"),
            CAP_CHECKPOINT_RESTORE);
  for (const char* bad : {"", "FOO", "CAP_", "12", "ALL", "sys admin"}) {
    absl::StatusOr<int> cap = ParseCapabilityName(bad);
    EXPECT_EQ(cap.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CapabilityName(CAP_NET_RAW), "CAP_NET_RAW");
}

TEST(CapabilitiesTest, DefaultSetIsContainerds) {
  EXPECT_EQ(DefaultCapabilities().size(), 14u);
  EXPECT_EQ(CapabilityMask(DefaultCapabilities()), kDefaultMask);
  EXPECT_EQ(CapabilityMask(Granted({})), kDefaultMask);
  EXPECT_EQ(AllCapabilities().size(), static_cast<size_t>(CAP_LAST_CAP + 1));
}

TEST(CapabilitiesTest, AddAndDrop) {
  CapabilityList caps = Granted(Security({"NET_ADMIN"}, {"cap_chown", "KILL"}));
  EXPECT_EQ(CapabilityMask(caps), (kDefaultMask | (1ULL << CAP_NET_ADMIN)) &
                                      ~(1ULL << CAP_CHOWN) &
                                      ~(1ULL << CAP_KILL));
  // Sorted, no duplicates.
  EXPECT_TRUE(std::is_sorted(caps.begin(), caps.end()));
  EXPECT_EQ(CapabilityMask(Granted(Security({"CHOWN", "chown"}, {}))),
            kDefaultMask);
}

TEST(CapabilitiesTest, DropAllKeepsOnlyTheAdded) {
  EXPECT_THAT(Granted(Security({}, {"ALL"})), IsEmpty());
  EXPECT_THAT(Granted(Security({"NET_BIND_SERVICE"}, {"all"})),
              ElementsAre(CAP_NET_BIND_SERVICE));
}

TEST(CapabilitiesTest, AddAllMeansEverythingButTheDropped) {
  CapabilityList caps = Granted(Security({"ALL"}, {"SYS_ADMIN"}));
  EXPECT_EQ(caps.size(), AllCapabilities().size() - 1);
  EXPECT_THAT(caps, Not(Contains(CAP_SYS_ADMIN)));
}

TEST(CapabilitiesTest, PrivilegedGetsEverything) {
  v1::SecuritySpec s = Security({}, {"ALL"});
  s.set_privileged(true);
  EXPECT_EQ(Granted(s), AllCapabilities());
}

TEST(CapabilitiesTest, AmbientOnlyForNonRootAndOnlyTheAdded) {
  v1::SecuritySpec s = Security({"NET_ADMIN", "CHOWN"}, {"CHOWN"});
  absl::StatusOr<CapabilityPlan> root = BuildCapabilityPlan(s, 0);
  ASSERT_TRUE(root.ok());
  EXPECT_THAT(root->ambient, IsEmpty());
  absl::StatusOr<CapabilityPlan> user = BuildCapabilityPlan(s, 1000);
  ASSERT_TRUE(user.ok());
  // Docker semantics: an added capability wins over a dropped one.
  EXPECT_THAT(user->ambient, ElementsAre(CAP_CHOWN, CAP_NET_ADMIN));
}

TEST(CapabilitiesTest, UnknownNameNamesTheField) {
  absl::Status s = BuildCapabilityPlan(Security({"FOO"}, {}), 0).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "spec.security.cap_add[0]: unknown capability \"FOO\"");
  s = BuildCapabilityPlan(Security({}, {"KILL", "bogus"}), 0).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("spec.security.cap_drop[1]: unknown capability"));
}

v1::ContainerSpec Spec() {
  v1::ContainerSpec spec;
  spec.set_rootfs("/images/busybox");
  spec.mutable_process()->add_args("sh");
  return spec;
}

const ContainerPaths kPaths{"/s/upper", "/s/work", "/r/rootfs", ""};

TEST(SecurityPlanTest, InitPlanDefaults) {
  absl::StatusOr<InitPlan> plan = BuildInitPlan("c", Spec(), kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const SecurityPlan& s = plan->security;
  EXPECT_FALSE(s.privileged);
  EXPECT_TRUE(s.no_new_privs);
  EXPECT_EQ(CapabilityMask(s.capabilities), kDefaultMask);
  EXPECT_THAT(s.ambient_capabilities, IsEmpty());
  EXPECT_TRUE(s.seccomp.enabled);
  EXPECT_EQ(s.seccomp.default_action, SeccompAction::kErrno);
}

TEST(SecurityPlanTest, InitPlanFromSpec) {
  v1::ContainerSpec spec = Spec();
  spec.mutable_process()->set_uid(1000);
  v1::SecuritySpec* sec = spec.mutable_security();
  sec->set_allow_new_privileges(true);
  sec->set_seccomp_profile("unconfined");
  sec->add_cap_add("NET_ADMIN");
  absl::StatusOr<InitPlan> plan = BuildInitPlan("c", spec, kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->security.no_new_privs);
  EXPECT_FALSE(plan->security.seccomp.enabled);
  EXPECT_THAT(plan->security.ambient_capabilities, ElementsAre(CAP_NET_ADMIN));

  spec.mutable_security()->set_privileged(true);
  spec.mutable_security()->clear_seccomp_profile();
  plan = BuildInitPlan("c", spec, kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->security.privileged);
  EXPECT_FALSE(plan->security.seccomp.enabled);
  EXPECT_EQ(plan->security.capabilities, AllCapabilities());
}

TEST(SecurityPlanTest, ValidateSpecChecksSecurity) {
  v1::ContainerSpec spec = Spec();
  spec.mutable_security()->add_cap_add("NET_ADMIN");
  spec.mutable_security()->set_seccomp_profile("default");
  EXPECT_TRUE(ValidateSpec(spec).ok());

  spec.mutable_security()->add_cap_drop("NOPE");
  absl::Status s = ValidateSpec(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("spec.security.cap_drop[0]: unknown capability"));

  spec.mutable_security()->clear_cap_drop();
  spec.mutable_security()->set_seccomp_profile("strict");
  s = ValidateSpec(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("spec.security.seccomp_profile"));
}

TEST(DeviceCgroupTest, DenyAllThenTheStandardDevicesOnV1) {
  CgroupSystem v1({{false, "/sys/fs/cgroup/devices", {"devices"}},
                   {true, "/sys/fs/cgroup/unified", {}}});
  std::vector<CgroupWrite> writes = PlanDeviceWrites(v1, "warren/c");
  ASSERT_EQ(writes.size(), 1 + DefaultDeviceRules().size());
  EXPECT_EQ(writes[0].path, "/sys/fs/cgroup/devices/warren/c/devices.deny");
  EXPECT_EQ(writes[0].value, "a");
  std::vector<std::string> allowed;
  for (size_t i = 1; i < writes.size(); ++i) {
    EXPECT_EQ(writes[i].path, "/sys/fs/cgroup/devices/warren/c/devices.allow");
    allowed.push_back(writes[i].value);
  }
  EXPECT_THAT(allowed, Contains("c 1:3 rwm"));    // null
  EXPECT_THAT(allowed, Contains("c 136:* rwm"));  // pts
  EXPECT_THAT(allowed, Contains("b *:* m"));      // mknod, not open
  for (const std::string& rule : allowed) {
    EXPECT_FALSE(rule[0] == 'b' && rule != "b *:* m") << rule;
  }
}

TEST(DeviceCgroupTest, NothingWithoutAV1DevicesController) {
  CgroupSystem v2({{true, "/sys/fs/cgroup", {"memory", "pids"}}});
  EXPECT_THAT(PlanDeviceWrites(v2, "warren/c"), IsEmpty());
}

}  // namespace
}  // namespace warren::runtime
