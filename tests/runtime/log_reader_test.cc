// Log history: tails read from the end and full reads streamed in chunks
// give the same records a whole-file read would, across chunk boundaries;
// a rotated log is read as one sequence (container.log.1, then
// container.log) with tail and since counted across both files.
#include "runtime/log_reader.h"

#include <unistd.h>

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
    WriteFile(path_, 0, n, final_newline);
  }
  // Writes records `from`..`to`-1 to `path`.
  // With `generation` > 0, after that generation's header line.
  void WriteFile(const std::string& path, int from, int to,
                 bool final_newline = true, uint64_t generation = 0) {
    std::ofstream out(path, std::ios::trunc);
    if (generation > 0) out << LogFileHeader(generation);
    for (int i = from; i < to; ++i) {
      std::string content = "line" + std::to_string(i);
      if (i % 7 == 0) content += std::string(20000, 'x');
      std::string rec = FormatLogRecord(
          {kT0 + absl::Seconds(i), i % 2 ? "stderr" : "stdout", true, content});
      if (!final_newline && i == to - 1) rec.pop_back();
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

// Rotated: records 0-9 in .1, 10-19 in the current file.
TEST_F(LogReaderTest, RotatedLogIsOneSequence) {
  WriteFile(path_ + ".1", 0, 10);
  WriteFile(path_, 10, 20);
  std::vector<std::string> all = Read(0, absl::InfinitePast());
  ASSERT_EQ(all.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(all[i], "line" + std::to_string(i));
}

TEST_F(LogReaderTest, TailAcrossRotation) {
  WriteFile(path_ + ".1", 0, 10);
  WriteFile(path_, 10, 20);
  // Within the current file: .1 is not read at all.
  EXPECT_THAT(Read(3, absl::InfinitePast()),
              ElementsAre("line17", "line18", "line19"));
  EXPECT_EQ(Read(10, absl::InfinitePast()).front(), "line10");
  // Reaching into .1.
  std::vector<std::string> twelve = Read(12, absl::InfinitePast());
  ASSERT_EQ(twelve.size(), 12u);
  EXPECT_EQ(twelve.front(), "line8");
  EXPECT_EQ(twelve.back(), "line19");
  EXPECT_EQ(Read(100, absl::InfinitePast()).size(), 20u);
}

// Generation headers are no records: not delivered, not counted by tail.
TEST_F(LogReaderTest, TailAcrossRotationWithHeaders) {
  WriteFile(path_ + ".1", 0, 10, true, /*generation=*/1);
  WriteFile(path_, 10, 15, true, /*generation=*/2);
  EXPECT_THAT(Read(5, absl::InfinitePast()),
              ElementsAre("line10", "line11", "line12", "line13", "line14"));
  EXPECT_THAT(Read(7, absl::InfinitePast()),
              ElementsAre("line8", "line9", "line10", "line11", "line12",
                          "line13", "line14"));
  std::vector<std::string> all = Read(100, absl::InfinitePast());
  ASSERT_EQ(all.size(), 15u);
  EXPECT_EQ(all.front(), "line0");
  EXPECT_EQ(Read(0, absl::InfinitePast()), all);
}

// A file with only its header is an empty history.
TEST_F(LogReaderTest, HeaderOnlyFileIsEmpty) {
  WriteFile(path_, 0, 0, true, /*generation=*/4);
  EXPECT_THAT(Read(0, absl::InfinitePast()), ::testing::IsEmpty());
  EXPECT_THAT(Read(3, absl::InfinitePast()), ::testing::IsEmpty());
}

TEST_F(LogReaderTest, SinceAcrossRotation) {
  WriteFile(path_ + ".1", 0, 10);
  WriteFile(path_, 10, 20);
  std::vector<std::string> from5 = Read(0, kT0 + absl::Seconds(5));
  ASSERT_EQ(from5.size(), 15u);
  EXPECT_EQ(from5.front(), "line5");
  EXPECT_THAT(Read(0, kT0 + absl::Seconds(18)),
              ElementsAre("line18", "line19"));
  // since and tail together: the last N of the records at or after since.
  EXPECT_THAT(Read(2, kT0 + absl::Seconds(5)), ElementsAre("line18", "line19"));
  std::vector<std::string> both = Read(12, kT0 + absl::Seconds(9));
  ASSERT_EQ(both.size(), 11u);
  EXPECT_EQ(both.front(), "line9");
  EXPECT_TRUE(Read(0, kT0 + absl::Seconds(30)).empty());
}

// Between LogWriter's rename and its creating the new file, only .1 exists.
TEST_F(LogReaderTest, OnlyRotatedFile) {
  WriteFile(path_ + ".1", 0, 5);
  EXPECT_THAT(Read(2, absl::InfinitePast()), ElementsAre("line3", "line4"));
  EXPECT_EQ(Read(0, absl::InfinitePast()).size(), 5u);
}

// .1 naming the current file itself (a rotation racing the open) is not
// read twice.
TEST_F(LogReaderTest, SameFileAsRotatedIsReadOnce) {
  WriteFile(path_, 0, 5);
  ASSERT_EQ(link(path_.c_str(), (path_ + ".1").c_str()), 0);
  EXPECT_EQ(Read(0, absl::InfinitePast()).size(), 5u);
  EXPECT_EQ(Read(8, absl::InfinitePast()).size(), 5u);
}

}  // namespace
}  // namespace warren::runtime
