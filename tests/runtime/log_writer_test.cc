// The monitor's log writer: records get strictly increasing times even
// when the clock does not move, and rotation at max_bytes keeps the newest
// output (container.log, then container.log.1) and drops the oldest.
#include "runtime/log_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/log_reader.h"

namespace warren::runtime {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() +
            ".log";
  }
  std::vector<LogRecord> ReadAll(const std::string& path) {
    std::vector<LogRecord> got;
    absl::Status s = ForEachLogRecord(path, 0, absl::InfinitePast(),
                                      [&](const LogRecord& r) {
                                        got.push_back(r);
                                        return true;
                                      });
    EXPECT_TRUE(s.ok()) << s;
    return got;
  }
  // The contents of the records of one file.
  static std::vector<std::string> FileContents(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    LogRecord r;
    while (std::getline(in, line)) {
      if (ParseLogRecord(line, &r)) out.push_back(r.content);
    }
    return out;
  }
  std::string path_;
};

TEST_F(LogWriterTest, TimesStrictlyIncreaseAcrossStreams) {
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  w.Write("stdout", "a\nb\n", kT0);
  w.Write("stderr", "c\n", kT0);
  w.Write("stdout", "d", kT0 - absl::Seconds(1));  // the clock went back
  w.Flush(kT0);
  std::vector<LogRecord> got = ReadAll(path_);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].time, kT0);
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].time, got[i - 1].time + absl::Nanoseconds(1));
  }
  EXPECT_EQ(got[2].stream, "stderr");
  EXPECT_EQ(got[3].content, "d");
  EXPECT_FALSE(got[3].line_end);
}

TEST_F(LogWriterTest, RotationKeepsTheNewest) {
  size_t record = FormatLogRecord({kT0, "stdout", true, "line00"}).size();
  LogWriter w(path_, LogFileHeader(1).size() + 5 * record);
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 23; ++i) {
    w.Write("stdout",
            "line" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\n",
            kT0 + absl::Seconds(i));
  }
  // Files of 5 records: 20-22 current, 15-19 in .1, older ones dropped.
  EXPECT_THAT(FileContents(path_),
              ::testing::ElementsAre("line20", "line21", "line22"));
  std::vector<std::string> old = FileContents(path_ + ".1");
  ASSERT_EQ(old.size(), 5u);
  EXPECT_EQ(old.front(), "line15");
  // The whole log: .1, then the current file.
  std::vector<LogRecord> all = ReadAll(path_);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all.front().content, "line15");
  EXPECT_EQ(all.back().content, "line22");
}

// Output larger than max_bytes at once still goes into the new file: the
// newest output is never the part that is dropped.
TEST_F(LogWriterTest, OversizedWriteIsKept) {
  LogWriter w(path_, 100);
  ASSERT_TRUE(w.Open().ok());
  w.Write("stdout", "first\n", kT0);
  w.Write("stdout", std::string(300, 'y') + "\n", kT0 + absl::Seconds(1));
  std::vector<std::string> current = FileContents(path_);
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0], std::string(300, 'y'));
  EXPECT_THAT(FileContents(path_ + ".1"), ::testing::ElementsAre("first"));
}

// A megabyte read at once (the monitor reads whole pipes) is written with
// writev as records of at most kMaxPartial, all readable, in order, with
// increasing times, and rotation still splits between whole records.
TEST_F(LogWriterTest, LargeWritesBecomeReadableRecords) {
  constexpr size_t kMax = LogLineSplitter::kMaxPartial;
  LogWriter w(path_, 40 * kMax);
  ASSERT_TRUE(w.Open().ok());
  std::string data;
  for (int i = 0; i < 64; ++i) data += std::string(kMax, 'a' + i % 26);
  w.Write("stdout", data, kT0);
  w.Write("stdout", data + "end\n", kT0);
  std::vector<LogRecord> got = ReadAll(path_);
  // 128 full records plus "end", per_file to a file: the last file and
  // the one before it are left.
  size_t per_file =
      40 * kMax /
      FormatLogRecord({kT0, "stdout", false, data.substr(0, kMax)}).size();
  ASSERT_NE(129 % per_file, 0u);
  ASSERT_EQ(got.size(), per_file + 129 % per_file);
  EXPECT_EQ(got.back().content, "end");
  EXPECT_TRUE(got.back().line_end);
  for (size_t i = 0; i + 1 < got.size(); ++i) {
    EXPECT_EQ(got[i].content.size(), kMax) << i;
    EXPECT_FALSE(got[i].line_end);
    EXPECT_LT(got[i].time, got[i + 1].time);
  }
  // The last full record before "end" is the 64th of the second write.
  EXPECT_EQ(got[got.size() - 2].content, std::string(kMax, 'a' + 63 % 26));
}

// The first line of a file.
std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Each file starts with its generation, one more per rotation; a writer
// reopening a log keeps its generation, and a new log after a rotated one
// continues from it.
TEST_F(LogWriterTest, FilesCarryIncreasingGenerations) {
  size_t record = FormatLogRecord({kT0, "stdout", true, "line00"}).size();
  {
    LogWriter w(path_, LogFileHeader(1).size() + 2 * record);
    ASSERT_TRUE(w.Open().ok());
    EXPECT_EQ(w.generation(), 1u);
    EXPECT_EQ(FirstLine(path_), "#warren-log generation=1");
    for (int i = 0; i < 5; ++i)
      w.Write("stdout", "line0" + std::to_string(i) + "\n", kT0);
    EXPECT_EQ(w.generation(), 3u);
  }
  EXPECT_EQ(FirstLine(path_), "#warren-log generation=3");
  EXPECT_EQ(FirstLine(path_ + ".1"), "#warren-log generation=2");
  struct stat st;
  EXPECT_NE(stat((path_ + ".next").c_str(), &st), 0);  // nothing left over
  LogWriter again(path_, 0);
  ASSERT_TRUE(again.Open().ok());
  EXPECT_EQ(again.generation(), 3u);
  ASSERT_EQ(unlink(path_.c_str()), 0);
  LogWriter fresh(path_, 0);
  ASSERT_TRUE(fresh.Open().ok());
  EXPECT_EQ(fresh.generation(), 3u);  // .1 is generation 2
  EXPECT_THAT(FileContents(path_), ::testing::IsEmpty());
  EXPECT_THAT(FileContents(path_ + ".1"),
              ::testing::ElementsAre("line02", "line03"));
}

// A log of an older writer (no header) is appended to without one and its
// next file starts at generation 1.
TEST_F(LogWriterTest, FileWithoutHeaderKeepsWorking) {
  std::string old = FormatLogRecord({kT0, "stdout", true, "old"});
  {
    std::ofstream out(path_);
    out << old;
  }
  LogWriter w(path_, old.size() + 1);
  ASSERT_TRUE(w.Open().ok());
  EXPECT_EQ(w.generation(), 0u);
  w.Write("stdout", "new\n", kT0 + absl::Seconds(1));
  EXPECT_EQ(w.generation(), 1u);
  EXPECT_THAT(FileContents(path_ + ".1"), ::testing::ElementsAre("old"));
  std::vector<LogRecord> all = ReadAll(path_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].content, "new");
}

}  // namespace
}  // namespace warren::runtime
