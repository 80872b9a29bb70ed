// The init plan (what a container's init will mount, create and exec) and
// the lifecycle rules, checked as plain data without root.
#include <sched.h>
#include <sys/mount.h>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/init_plan.h"
#include "runtime/state_machine.h"

namespace warren::runtime {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

const ContainerPaths kPaths{"/state/c/upper", "/state/c/work", "/run/c/rootfs",
                            ""};

v1::ContainerSpec Spec() {
  v1::ContainerSpec spec;
  spec.set_rootfs("/images/busybox");
  spec.mutable_process()->add_args("sh");
  return spec;
}

const MountStep* FindMount(const InitPlan& plan, const std::string& target) {
  for (const MountStep& m : plan.mounts) {
    if (m.target == target) return &m;
  }
  return nullptr;
}

TEST(InitPlanTest, DefaultNamespacesAndHostname) {
  absl::StatusOr<InitPlan> plan = BuildInitPlan("web", Spec(), kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->clone_flags, static_cast<unsigned long>(
                                   CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                   CLONE_NEWPID | CLONE_NEWNET));
  // The cgroup namespace is unshared by the init once it is in its cgroup.
  EXPECT_TRUE(plan->new_cgroup_ns);
  EXPECT_EQ(plan->hostname, "web");
  EXPECT_TRUE(plan->loopback_up);
  EXPECT_EQ(plan->merged_dir, "/run/c/rootfs");
}

TEST(InitPlanTest, HostNamespacesAreNotCloned) {
  v1::ContainerSpec spec = Spec();
  spec.mutable_namespaces()->mutable_pid()->set_mode(
      v1::NamespaceSpec::MODE_HOST);
  spec.mutable_namespaces()->mutable_uts()->set_mode(
      v1::NamespaceSpec::MODE_HOST);
  spec.mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  absl::StatusOr<InitPlan> plan = BuildInitPlan("web", spec, kPaths);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->clone_flags & (CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNET),
            0u);
  EXPECT_EQ(plan->hostname, "");
  EXPECT_FALSE(plan->loopback_up);
}

TEST(InitPlanTest, JoinedAndTimeNamespaces) {
  v1::ContainerSpec spec = Spec();
  spec.mutable_namespaces()->mutable_network()->set_mode(
      v1::NamespaceSpec::MODE_JOIN);
  spec.mutable_namespaces()->mutable_network()->set_path("/run/netns/a");
  spec.mutable_namespaces()->mutable_time()->set_mode(
      v1::NamespaceSpec::MODE_NEW);
  spec.mutable_time_offsets()->mutable_boottime()->set_seconds(-2);
  spec.mutable_time_offsets()->mutable_boottime()->set_nanos(-500);
  absl::StatusOr<InitPlan> plan = BuildInitPlan("web", spec, kPaths);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->clone_flags & CLONE_NEWNET, 0u);
  EXPECT_FALSE(plan->loopback_up);  // someone else's network namespace
  ASSERT_EQ(plan->join_namespaces.size(), 1u);
  EXPECT_EQ(plan->join_namespaces[0].type, CLONE_NEWNET);
  EXPECT_EQ(plan->join_namespaces[0].path, "/run/netns/a");
  EXPECT_TRUE(plan->new_time_ns);
  EXPECT_EQ(plan->boottime_offset_ns, -2000000500);
  EXPECT_EQ(plan->monotonic_offset_ns, 0);
}

TEST(InitPlanTest, OverlayRootAndHardenedProc) {
  absl::StatusOr<InitPlan> plan = BuildInitPlan("web", Spec(), kPaths);
  ASSERT_TRUE(plan.ok());
  ASSERT_FALSE(plan->mounts.empty());
  const MountStep& root = plan->mounts.front();
  EXPECT_EQ(root.fstype, "overlay");
  EXPECT_EQ(root.data,
            "lowerdir=/images/busybox,upperdir=/state/c/upper,"
            "workdir=/state/c/work");
  // The container's own /etc files are a layer over the image, unless it
  // shares the host's network (and keeps the image's files).
  ContainerPaths with_etc = kPaths;
  with_etc.etc_layer_dir = "/run/c/etc-layer";
  absl::StatusOr<InitPlan> layered = BuildInitPlan("web", Spec(), with_etc);
  ASSERT_TRUE(layered.ok());
  EXPECT_EQ(layered->mounts.front().data,
            "lowerdir=/run/c/etc-layer:/images/busybox,"
            "upperdir=/state/c/upper,workdir=/state/c/work");
  v1::ContainerSpec host_net = Spec();
  host_net.mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  EXPECT_FALSE(HasEtcLayer(host_net));
  absl::StatusOr<InitPlan> host = BuildInitPlan("web", host_net, with_etc);
  ASSERT_TRUE(host.ok());
  EXPECT_THAT(host->mounts.front().data,
              ::testing::StartsWith("lowerdir=/images/busybox,"));
  const MountStep* proc = FindMount(*plan, "/run/c/rootfs/proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ(proc->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC),
            static_cast<unsigned long>(MS_NOSUID | MS_NODEV | MS_NOEXEC));
  const MountStep* sys = FindMount(*plan, "/run/c/rootfs/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_NE(sys->flags & MS_RDONLY, 0u);
  const MountStep* pts = FindMount(*plan, "/run/c/rootfs/dev/pts");
  ASSERT_NE(pts, nullptr);
  EXPECT_THAT(pts->data, HasSubstr("newinstance"));
  EXPECT_THAT(pts->data, HasSubstr("ptmxmode=0666"));
  std::vector<std::string> devices;
  for (const DeviceNode& d : plan->devices) devices.push_back(d.path);
  EXPECT_THAT(devices, Contains("/run/c/rootfs/dev/null"));
  EXPECT_THAT(devices, Contains("/run/c/rootfs/dev/urandom"));
}

TEST(InitPlanTest, ProcessEnvironmentDefaults) {
  v1::ContainerSpec spec = Spec();
  spec.mutable_process()->add_env("FOO=bar");
  spec.mutable_process()->set_uid(1000);
  absl::StatusOr<InitPlan> plan = BuildInitPlan("web", spec, kPaths);
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->env, Contains("FOO=bar"));
  EXPECT_THAT(plan->env, Contains(HasSubstr("PATH=/usr/local/sbin")));
  EXPECT_THAT(plan->env, Contains("HOME=/"));
  EXPECT_EQ(plan->cwd, "/");
  EXPECT_EQ(plan->uid, 1000u);
  ASSERT_EQ(plan->rlimits.size(), 1u);
  EXPECT_EQ(plan->rlimits[0].first, RLIMIT_NOFILE);
  EXPECT_EQ(plan->rlimits[0].second.rlim_cur, 1024u);
}

TEST(InitPlanTest, ExplicitRlimitReplacesDefault) {
  v1::ContainerSpec spec = Spec();
  auto* r = spec.mutable_process()->add_rlimits();
  r->set_type("NOFILE");
  r->set_soft(64);
  r->set_hard(128);
  absl::StatusOr<InitPlan> plan = BuildInitPlan("web", spec, kPaths);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->rlimits.size(), 1u);
  EXPECT_EQ(plan->rlimits[0].second.rlim_cur, 64u);
  EXPECT_EQ(plan->rlimits[0].second.rlim_max, 128u);
}

TEST(StateMachineTest, Transitions) {
  EXPECT_TRUE(CanStart("c", v1::CREATED).ok());
  EXPECT_EQ(CanStart("c", v1::RUNNING).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CanStart("c", v1::STOPPED).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CanKill("c", v1::RUNNING).ok());
  EXPECT_TRUE(CanKill("c", v1::CREATED).ok());
  EXPECT_EQ(CanKill("c", v1::STOPPED).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CanDelete("c", v1::STOPPED, false).ok());
  EXPECT_TRUE(CanDelete("c", v1::CREATED, false).ok());
  EXPECT_EQ(CanDelete("c", v1::RUNNING, false).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CanDelete("c", v1::RUNNING, true).ok());
  EXPECT_TRUE(CanPause("c", v1::RUNNING).ok());
  EXPECT_EQ(CanPause("c", v1::PAUSED).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CanResume("c", v1::PAUSED).ok());
  EXPECT_THAT(std::string(CanStart("web", v1::RUNNING).message()),
              HasSubstr("\"web\": it is running"));
}

}  // namespace
}  // namespace warren::runtime
