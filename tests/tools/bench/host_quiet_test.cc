// The pure part of waiting for a quiet host: /proc/stat's cpu line and the
// busy share between two readings (idle and iowait are not busy).
#include "tools/bench/host_quiet.h"

#include "gtest/gtest.h"

namespace warren::bench {
namespace {

TEST(HostQuietTest, ParsesTheCpuLine) {
  CpuTimes t;
  ASSERT_TRUE(ParseCpuTimes(
      "cpu  100 5 50 800 40 3 2 10 0 0\ncpu0 50 2 25 400 20 1 1 5 0 0\n", &t));
  // user+nice+system+irq+softirq+steal; idle and iowait only in the total.
  EXPECT_EQ(t.busy, 100u + 5 + 50 + 3 + 2 + 10);
  EXPECT_EQ(t.total, 100u + 5 + 50 + 800 + 40 + 3 + 2 + 10);
}

TEST(HostQuietTest, RejectsOtherLines) {
  CpuTimes t;
  EXPECT_FALSE(ParseCpuTimes("cpu0 1 2 3 4 5\n", &t));
  EXPECT_FALSE(ParseCpuTimes("cpu 1 2 x 4 5\n", &t));
  EXPECT_FALSE(ParseCpuTimes("cpu 1 2\n", &t));
  EXPECT_FALSE(ParseCpuTimes("", &t));
}

TEST(HostQuietTest, BusyShareBetweenReadings) {
  CpuTimes before{100, 1000};
  CpuTimes after{150, 1200};
  EXPECT_DOUBLE_EQ(BusyShare(before, after), 0.25);
  // No time passed, or counters that went back: nothing to say.
  EXPECT_DOUBLE_EQ(BusyShare(after, after), 0);
  EXPECT_DOUBLE_EQ(BusyShare(after, before), 0);
}

}  // namespace
}  // namespace warren::bench
