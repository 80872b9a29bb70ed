// Holds (runtime/log_writer.h): a reader that holds a log file it has not
// finished keeps the writer from rotating it away, for at most the hold
// limit, and a holding follower gets every record from a writer that is
// far faster than it is, where one without holds loses whole files.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runtime/log_format.h"
#include "runtime/log_reader.h"
#include "runtime/log_writer.h"

namespace warren::runtime {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::string Rec(int i) {
  char text[16];
  snprintf(text, sizeof(text), "rec%04d", i);
  return text;
}

uint64_t GenerationOf(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[64];
  ssize_t n = pread(fd, buf, sizeof(buf), 0);
  close(fd);
  std::string head(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return ParseLogFileHeader(head.substr(0, head.find('\n')));
}

off_t SizeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

class LogHoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A parameterized test's name holds a '/'.
    std::string name =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    path_ = std::string(getenv("TEST_TMPDIR")) + "/" + name + ".log";
    record_ = FormatLogRecord({kT0, "stdout", true, Rec(0)}).size();
    max_ = LogFileHeader(1).size() + 4 * record_;
  }
  void Write(LogWriter& w, int i, absl::Time now) {
    w.Write("stdout", Rec(i) + "\n", now);
  }
  // A reader's hold on the file at `path`, as LogFile::Open takes it.
  int Hold(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << path;
    EXPECT_EQ(flock(fd, LOCK_SH | LOCK_NB), 0);
    return fd;
  }
  std::string path_;
  size_t record_ = 0;
  uint64_t max_ = 0;
};

// Generation 1 is .1 and held; the rotation that would remove it waits,
// the records read meanwhile go into the current file past its limit, and
// once the reader lets go the next Held rotates.
TEST_F(LogHoldTest, RotationWaitsForAHeldOldFile) {
  LogWriter w(path_, max_);
  w.set_hold_limit(absl::Seconds(10));
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 8; ++i) Write(w, i, kT0);  // generations 1 and 2
  ASSERT_EQ(GenerationOf(path_ + ".1"), 1u);
  int held = Hold(path_ + ".1");
  EXPECT_FALSE(w.Held(kT0));
  Write(w, 8, kT0);  // would start generation 3
  EXPECT_TRUE(w.Held(kT0));
  Write(w, 9, kT0);
  EXPECT_EQ(GenerationOf(path_ + ".1"), 1u) << "the held file was removed";
  EXPECT_EQ(GenerationOf(path_), 2u);
  EXPECT_GT(SizeOf(path_), static_cast<off_t>(max_));
  EXPECT_TRUE(w.Held(kT0 + absl::Seconds(9)));
  close(held);
  EXPECT_FALSE(w.Held(kT0 + absl::Seconds(9)));
  EXPECT_EQ(GenerationOf(path_ + ".1"), 2u);
  EXPECT_EQ(GenerationOf(path_), 3u);
}

// A reader that never lets go delays rotation by the limit, no more.
TEST_F(LogHoldTest, HoldExpiresAfterTheLimit) {
  LogWriter w(path_, max_);
  w.set_hold_limit(absl::Seconds(2));
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 8; ++i) Write(w, i, kT0);
  int held = Hold(path_ + ".1");
  Write(w, 8, kT0);
  EXPECT_TRUE(w.Held(kT0 + absl::Seconds(1)));
  EXPECT_FALSE(w.Held(kT0 + absl::Seconds(2)));
  EXPECT_EQ(GenerationOf(path_ + ".1"), 2u);
  close(held);
}

// Without a hold limit (Logs readers, the default) a lock changes nothing.
TEST_F(LogHoldTest, WriterWithoutLimitIgnoresHolds) {
  LogWriter w(path_, max_);
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 8; ++i) Write(w, i, kT0);
  int held = Hold(path_ + ".1");
  Write(w, 8, kT0);
  EXPECT_FALSE(w.Held(kT0));
  EXPECT_EQ(GenerationOf(path_ + ".1"), 2u);
  EXPECT_EQ(GenerationOf(path_), 3u);
  close(held);
}

// A writer that waits while Held, as the monitor does, and a follower that
// takes a millisecond every 20 records: with holds, all 2,000 records
// arrive in order and no file is lost; without, files are rotated away
// unread (which shows the test can tell the two apart).
class HoldingFollowTest : public LogHoldTest,
                          public ::testing::WithParamInterface<bool> {};

TEST_P(HoldingFollowTest, SlowFollowerGetsEverythingOnlyWithHolds) {
  const bool hold = GetParam();
  constexpr int kRecords = 2000;
  LogWriter w(path_, max_);
  w.set_hold_limit(absl::Seconds(30));
  ASSERT_TRUE(w.Open().ok());
  std::atomic<bool> done{false};
  absl::Mutex mu;
  std::vector<std::string> got;
  uint64_t lost = 0;
  FollowOptions options;
  options.hold = hold;
  options.poll_interval = absl::Milliseconds(5);
  options.lost = [&](uint64_t n) {
    absl::MutexLock lock(&mu);
    lost += n;
    return true;
  };
  absl::Status status;
  std::thread follower([&] {
    status = FollowLogRecords(
        path_, 0, absl::InfinitePast(),
        [&](const LogRecord& r) {
          absl::MutexLock lock(&mu);
          got.push_back(r.content);
          if (got.size() % 20 == 0) absl::SleepFor(absl::Milliseconds(1));
          return true;
        },
        nullptr, [&] { return done.load(); }, options);
  });
  // The follower has the first file open before the writer races ahead.
  Write(w, 0, absl::Now());
  for (bool seen = false; !seen; absl::SleepFor(absl::Milliseconds(1))) {
    absl::MutexLock lock(&mu);
    seen = !got.empty();
  }
  for (int i = 1; i < kRecords; ++i) {
    while (w.Held(absl::Now())) absl::SleepFor(absl::Microseconds(200));
    Write(w, i, absl::Now());
  }
  while (w.Held(absl::Now())) absl::SleepFor(absl::Microseconds(200));
  done = true;
  follower.join();
  ASSERT_TRUE(status.ok()) << status;
  absl::MutexLock lock(&mu);
  if (hold) {
    EXPECT_EQ(lost, 0u);
    ASSERT_EQ(got.size(), static_cast<size_t>(kRecords));
    for (int i = 0; i < kRecords; ++i) ASSERT_EQ(got[i], Rec(i));
  } else {
    EXPECT_GT(lost, 0u);
    EXPECT_LT(got.size(), static_cast<size_t>(kRecords));
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutHolds, HoldingFollowTest,
                         ::testing::Bool());

}  // namespace
}  // namespace warren::runtime
