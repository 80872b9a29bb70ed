// cgroup detection from mountinfo (v1, v2 and hybrid hosts) and the file
// writes a ResourcesSpec turns into on each.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"
#include "runtime/container_cgroup.h"

namespace warren::runtime {

void PrintTo(const CgroupWrite& w, std::ostream* os) {
  *os << w.path << " <- " << w.value;
}

namespace {

using ::testing::ElementsAre;

constexpr char kHybrid[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup "
    "rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup "
    "rw,freezer\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

constexpr char kV2[] =
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - "
    "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

CgroupSystem Parse(const char* mountinfo, const std::string& v2_controllers) {
  absl::StatusOr<CgroupSystem> s = CgroupSystem::FromMountInfo(
      mountinfo, [&](const std::string&) { return v2_controllers; });
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : CgroupSystem();
}

TEST(CgroupSystemTest, DetectsHybrid) {
  CgroupSystem sys = Parse(kHybrid, "hugetlb\n");
  EXPECT_EQ(sys.Mode(), "hybrid");
  ASSERT_NE(sys.For("memory"), nullptr);
  EXPECT_EQ(sys.For("memory")->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_FALSE(sys.For("memory")->v2);
  ASSERT_NE(sys.For("hugetlb"), nullptr);
  EXPECT_TRUE(sys.For("hugetlb")->v2);
  EXPECT_EQ(sys.For("io"), nullptr);
  EXPECT_THAT(
      CgroupDirs(sys, "warren/c"),
      ElementsAre(
          "/sys/fs/cgroup/cpu/warren/c", "/sys/fs/cgroup/cpuacct/warren/c",
          "/sys/fs/cgroup/cpuset/warren/c", "/sys/fs/cgroup/memory/warren/c",
          "/sys/fs/cgroup/freezer/warren/c", "/sys/fs/cgroup/pids/warren/c",
          "/sys/fs/cgroup/unified/warren/c"));
}

TEST(CgroupSystemTest, DetectsPureV2) {
  CgroupSystem sys = Parse(kV2, "cpuset cpu io memory pids\n");
  EXPECT_EQ(sys.Mode(), "v2");
  ASSERT_NE(sys.For("memory"), nullptr);
  EXPECT_TRUE(sys.For("memory")->v2);
  EXPECT_EQ(sys.For("freezer"), nullptr);  // v2 freezes with cgroup.freeze
  EXPECT_THAT(CgroupDirs(sys, "warren/c"),
              ElementsAre("/sys/fs/cgroup/warren/c"));
}

TEST(CgroupSystemTest, NoCgroupsIsAnError) {
  EXPECT_EQ(CgroupSystem::FromMountInfo(
                "", [](const std::string&) { return std::string(); })
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

v1::ResourcesSpec AllLimits() {
  v1::ResourcesSpec r;
  r.set_memory_limit_bytes(64 << 20);
  r.set_memory_swap_limit_bytes(96 << 20);
  r.set_cpu_quota_us(50000);
  r.set_cpu_weight(100);
  r.set_cpuset_cpus("0");
  r.set_pids_limit(32);
  return r;
}

TEST(CgroupPlanTest, V1Writes) {
  CgroupSystem sys = Parse(kHybrid, "hugetlb\n");
  absl::StatusOr<std::vector<CgroupWrite>> w =
      PlanResourceWrites(sys, "warren/c", AllLimits());
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_THAT(
      *w,
      ElementsAre(
          CgroupWrite{"/sys/fs/cgroup/memory/warren/c/memory.limit_in_bytes",
                      "67108864"},
          CgroupWrite{
              "/sys/fs/cgroup/memory/warren/c/memory.memsw.limit_in_bytes",
              "100663296"},
          CgroupWrite{"/sys/fs/cgroup/cpu/warren/c/cpu.cfs_period_us",
                      "100000"},
          CgroupWrite{"/sys/fs/cgroup/cpu/warren/c/cpu.cfs_quota_us", "50000"},
          CgroupWrite{"/sys/fs/cgroup/cpu/warren/c/cpu.shares", "2597"},
          CgroupWrite{"/sys/fs/cgroup/cpuset/warren/c/cpuset.cpus", "0"},
          CgroupWrite{"/sys/fs/cgroup/pids/warren/c/pids.max", "32"}));
}

TEST(CgroupPlanTest, V2Writes) {
  CgroupSystem sys = Parse(kV2, "cpuset cpu io memory pids\n");
  absl::StatusOr<std::vector<CgroupWrite>> w =
      PlanResourceWrites(sys, "warren/c", AllLimits());
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_THAT(
      *w,
      ElementsAre(
          CgroupWrite{"/sys/fs/cgroup/warren/c/memory.max", "67108864"},
          // v2 limits swap alone: 96 MiB total - 64 MiB memory.
          CgroupWrite{"/sys/fs/cgroup/warren/c/memory.swap.max", "33554432"},
          CgroupWrite{"/sys/fs/cgroup/warren/c/cpu.max", "50000 100000"},
          CgroupWrite{"/sys/fs/cgroup/warren/c/cpu.weight", "100"},
          CgroupWrite{"/sys/fs/cgroup/warren/c/cpuset.cpus", "0"},
          CgroupWrite{"/sys/fs/cgroup/warren/c/pids.max", "32"}));
}

TEST(CgroupPlanTest, MissingControllerIsFailedPrecondition) {
  CgroupSystem sys = Parse(kV2, "memory\n");
  v1::ResourcesSpec r;
  r.set_pids_limit(10);
  EXPECT_EQ(PlanResourceWrites(sys, "warren/c", r).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CgroupParentTest, PathIsParentTenantId) {
  EXPECT_EQ(ContainerCgroup::PathFor("warren", "web"), "warren/default/web");
  EXPECT_EQ(ContainerCgroup::PathFor("warren-t1", "team-a/web"),
            "warren-t1/team-a/web");
  EXPECT_EQ(ContainerCgroup::PathFor("a/b", "web"), "a/b/default/web");
}

TEST(CgroupParentTest, ValidParents) {
  for (const char* parent :
       {"warren", "warren-tA1b2c3", "machine.slice/w", "a/b/c/d/e/f/g/h"}) {
    EXPECT_TRUE(ValidateCgroupParent(parent).ok()) << parent;
  }
}

TEST(CgroupParentTest, InvalidParentsNameTheField) {
  for (const char* parent :
       {"", "/warren", "warren/", "a//b", ".", "..", "a/../b", "a/.hidden",
        "sp ace", "a/b/c/d/e/f/g/h/i", "x\n"}) {
    absl::Status s = ValidateCgroupParent(parent, "--cgroup_parent");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << parent;
    EXPECT_THAT(std::string(s.message()),
                ::testing::HasSubstr("--cgroup_parent"))
        << parent;
  }
  EXPECT_EQ(ValidateCgroupParent(std::string(64, 'a')).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CgroupPlanTest, WeightToShares) {
  EXPECT_EQ(CpuWeightToShares(1), 2u);
  EXPECT_EQ(CpuWeightToShares(10000), 262144u);
}

}  // namespace
}  // namespace warren::runtime
