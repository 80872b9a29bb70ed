// Log history: tails read from the end and full reads streamed in chunks
// give the same records a whole-file read would, across chunk boundaries.
#include "runtime/log_reader.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

class LogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() +
            ".log";
  }
  // Writes `n` records "line<i>" one second apart; every 7th is long enough
  // that reads cross 64 KiB chunk boundaries mid-line.
  void WriteLog(int n, bool final_newline = true) {
    std::ofstream out(path_, std::ios::trunc);
    for (int i = 0; i < n; ++i) {
      std::string content = "line" + std::to_string(i);
      if (i % 7 == 0) content += std::string(20000, 'x');
      std::string rec = FormatLogRecord(
          {kT0 + absl::Seconds(i), i % 2 ? "stderr" : "stdout", true, content});
      if (!final_newline && i == n - 1) rec.pop_back();
      out << rec;
    }
  }
  std::vector<std::string> Read(size_t tail, absl::Time since,
                                size_t stop_after = 0) {
    std::vector<std::string> got;
    absl::Status s =
        ForEachLogRecord(path_, tail, since, [&](const LogRecord& r) {
          got.push_back(r.content.substr(0, r.content.find('x')));
          return stop_after == 0 || got.size() < stop_after;
        });
    EXPECT_TRUE(s.ok()) << s;
    return got;
  }
  std::string path_;
};

TEST_F(LogReaderTest, AllRecordsInOrder) {
  WriteLog(40);
  std::vector<std::string> all = Read(0, absl::InfinitePast());
  ASSERT_EQ(all.size(), 40u);
  EXPECT_EQ(all.front(), "line0");
  EXPECT_EQ(all.back(), "line39");
}

TEST_F(LogReaderTest, TailFromTheEnd) {
  WriteLog(40);
  EXPECT_THAT(Read(3, absl::InfinitePast()),
              ElementsAre("line37", "line38", "line39"));
  EXPECT_EQ(Read(100, absl::InfinitePast()).size(), 40u);
}

TEST_F(LogReaderTest, TailWithoutFinalNewline) {
  WriteLog(10, /*final_newline=*/false);
  EXPECT_THAT(Read(2, absl::InfinitePast()), ElementsAre("line8", "line9"));
}

TEST_F(LogReaderTest, SinceAndEarlyStop) {
  WriteLog(20);
  EXPECT_THAT(Read(0, kT0 + absl::Seconds(17)),
              ElementsAre("line17", "line18", "line19"));
  EXPECT_THAT(Read(0, absl::InfinitePast(), 2), ElementsAre("line0", "line1"));
}

TEST_F(LogReaderTest, MissingLogIsEmpty) {
  EXPECT_TRUE(Read(0, absl::InfinitePast()).empty());
}

}  // namespace
}  // namespace warren::runtime
