// The favordynmods remount as data: which mount, which options survive,
// which per-mount flags are kept, and the cases with nothing to do.
#include "runtime/cgroup_favor_dynmods.h"

#include <sys/mount.h>

#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

constexpr char kHybrid[] =
    "25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro\n"
    "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime "
    "shared:5 - cgroup2 cgroup2 rw,nsdelegate\n"
    "27 25 0:24 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime "
    "shared:6 - cgroup cgroup rw,memory\n";

TEST(CgroupFavorDynmodsTest, KeepsSuperOptionsAndMountFlags) {
  absl::StatusOr<std::optional<CgroupRemount>> plan = PlanFavorDynmods(kHybrid);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(plan->has_value());
  EXPECT_EQ((*plan)->target, "/sys/fs/cgroup/unified");
  EXPECT_EQ((*plan)->options, "nsdelegate,favordynmods");
  EXPECT_EQ((*plan)->flags,
            MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
}

TEST(CgroupFavorDynmodsTest, AlreadyOnIsNothingToDo) {
  absl::StatusOr<std::optional<CgroupRemount>> plan = PlanFavorDynmods(
      "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
      "rw,nsdelegate,favordynmods,memory_recursiveprot\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->has_value());
}

TEST(CgroupFavorDynmodsTest, OffKeepsTheOtherOptions) {
  absl::StatusOr<std::optional<CgroupRemount>> plan = PlanFavorDynmods(
      "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
      "rw,nsdelegate,favordynmods,memory_recursiveprot\n",
      /*on=*/false);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(plan->has_value());
  EXPECT_EQ((*plan)->options, "nsdelegate,memory_recursiveprot");
  EXPECT_EQ((*plan)->flags, MS_REMOUNT | MS_NOSUID);
  EXPECT_FALSE(PlanFavorDynmods(kHybrid, /*on=*/false)->has_value());
}

TEST(CgroupFavorDynmodsTest, PureV1HasNoCgroup2MountToChange) {
  absl::StatusOr<std::optional<CgroupRemount>> plan = PlanFavorDynmods(
      "27 25 0:24 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
      "rw,memory\n");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kNotFound);
}

TEST(CgroupFavorDynmodsTest, ReadOnlyMountStaysReadOnly) {
  absl::StatusOr<std::optional<CgroupRemount>> plan =
      PlanFavorDynmods("30 1 0:26 / /sys/fs/cgroup ro - cgroup2 cgroup2 ro\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(plan->has_value());
  EXPECT_EQ((*plan)->options, "favordynmods");
  EXPECT_EQ((*plan)->flags, MS_REMOUNT | MS_RDONLY);
}

}  // namespace
}  // namespace warren::runtime
