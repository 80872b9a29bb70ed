// Tests of the exact `stats` table and `events` line output.
#include "tools/cli/cli_resource_format.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace warren::cli {
namespace {

TEST(HumanBytesTest, BinaryUnits) {
  EXPECT_EQ(HumanBytes(0), "0B");
  EXPECT_EQ(HumanBytes(512), "512B");
  EXPECT_EQ(HumanBytes(1023), "1023B");
  EXPECT_EQ(HumanBytes(1024), "1KiB");
  EXPECT_EQ(HumanBytes(1536), "1.5KiB");
  EXPECT_EQ(HumanBytes(64 << 20), "64MiB");
  EXPECT_EQ(HumanBytes(12897484), "12.3MiB");
  EXPECT_EQ(HumanBytes(1610612736), "1.5GiB");
  EXPECT_EQ(HumanBytes(1234567), "1.177MiB");
}

TEST(FormatStatsTableTest, ExactText) {
  v1::StatsResponse a;
  a.set_cpu_usage_ns(1504000000);
  a.set_memory_usage_bytes(12897484);
  a.set_memory_limit_bytes(64 << 20);
  a.set_memory_peak_bytes(20 << 20);
  a.set_pids_current(3);
  a.set_pids_limit(100);
  v1::StatsResponse b;  // unlimited, no peak reported
  b.set_cpu_usage_ns(5000000);
  b.set_memory_usage_bytes(512);
  b.set_memory_limit_bytes(std::numeric_limits<uint64_t>::max());
  b.set_pids_current(1);
  std::vector<std::pair<std::string, v1::StatsResponse>> rows = {
      {"web", a}, {"batch-job", b}};
  EXPECT_EQ(FormatStatsTable(rows),
            "ID          CPU     MEM USAGE / LIMIT   MEM PEAK   PIDS\n"
            "web         1.50s   12.3MiB / 64MiB     20MiB      3 / 100\n"
            "batch-job   0.01s   512B / -            -          1 / -\n");
  EXPECT_EQ(FormatStatsTable({}),
            "ID   CPU   MEM USAGE / LIMIT   MEM PEAK   PIDS\n");
}

v1::Event MakeEvent(uint64_t seq, const std::string& type) {
  v1::Event e;
  e.set_sequence(seq);
  e.mutable_time()->set_seconds(1700000000);
  e.set_container_id("c1");
  e.set_type(type);
  return e;
}

TEST(FormatEventTest, Lines) {
  EXPECT_EQ(FormatEvent(MakeEvent(7, "started")),
            "2023-11-14T22:13:20Z 7 started c1");
  v1::Event e = MakeEvent(8, "exited");
  e.mutable_time()->set_nanos(250000000);
  e.mutable_exit()->set_exit_code(137);
  e.mutable_exit()->set_signal("SIGKILL");
  e.mutable_exit()->set_oom_killed(true);
  EXPECT_EQ(FormatEvent(e),
            "2023-11-14T22:13:20.25Z 8 exited c1 exit_code=137 signal=SIGKILL "
            "oom");
  v1::Event x = MakeEvent(9, "exec_exited");
  x.set_exec_id("e1");
  x.mutable_exit()->set_exit_code(0);
  EXPECT_EQ(FormatEvent(x),
            "2023-11-14T22:13:20Z 9 exec_exited c1 exec_id=e1 exit_code=0");
}

}  // namespace
}  // namespace warren::cli
