// Following a log while LogWriter appends to it (a writer on the test's
// thread, the follower on its own): appended records arrive in order,
// rotations lose and repeat nothing, `finished` ends the follow only after
// the last records were read, and cancellation returns within a second
// leaving no descriptor or thread behind.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/log_reader.h"
#include "runtime/log_writer.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;

// Entries of a /proc/self directory ("fd", "task"); for "fd" including
// opendir's own, which only matters for comparisons with each other.
int CountEntries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(("/proc/self/" + dir).c_str());
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// "rec0000": every record has the same size.
std::string Rec(int i) {
  char text[16];
  snprintf(text, sizeof(text), "rec%04d", i);
  return text;
}

std::vector<std::string> Lines(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(Rec(i));
  return out;
}

// FollowLogRecords on its own thread, collecting what it emits.
class Follower {
 public:
  explicit Follower(const std::string& path, size_t tail = 0,
                    absl::Time since = absl::InfinitePast(),
                    std::function<bool()> finished = nullptr,
                    std::function<void(const LogRecord&)> on_record = nullptr)
      : finished_(std::move(finished)), on_record_(std::move(on_record)) {
    if (!finished_) finished_ = [this] { return finish_.load(); };
    thread_ = std::thread([this, path, tail, since] {
      absl::Status s = FollowLogRecords(
          path, tail, since,
          [this](const LogRecord& r) {
            if (on_record_) on_record_(r);
            absl::MutexLock lock(&mu_);
            got_.push_back(r.content);
            return true;
          },
          [this] { return cancel_.load(); }, finished_, Options());
      absl::MutexLock lock(&mu_);
      status_ = s;
      returned_ = true;
    });
  }
  ~Follower() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
  }

  bool WaitForCount(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (got_.size() >= n) return true;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  }
  // Waits until the follow returned by itself; its status.
  absl::Status Join(absl::Duration timeout = absl::Seconds(10)) {
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithTimeout(absl::Condition(&returned_), timeout)) {
        return absl::DeadlineExceededError("follow did not end");
      }
    }
    thread_.join();
    return status_;
  }
  std::vector<std::string> got() {
    absl::MutexLock lock(&mu_);
    return got_;
  }
  void Finish() { finish_ = true; }
  void Cancel() { cancel_ = true; }

 private:
  // Reported losses show up among the records as "<lost N>".
  FollowOptions Options() {
    FollowOptions options;
    options.lost = [this](uint64_t n) {
      absl::MutexLock lock(&mu_);
      got_.push_back("<lost " + std::to_string(n) + ">");
      return true;
    };
    return options;
  }

  std::function<bool()> finished_;
  std::function<void(const LogRecord&)> on_record_;
  std::atomic<bool> finish_{false};
  std::atomic<bool> cancel_{false};
  absl::Mutex mu_;
  std::vector<std::string> got_ ABSL_GUARDED_BY(mu_);
  absl::Status status_;
  bool returned_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class LogFollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
    path_ = dir_ + "/container.log";
  }
  void Write(LogWriter& w, int i) {
    w.Write("stdout", Rec(i) + "\n", absl::Now());
  }
  // Records 0-4 in a log of 10 records a file, a follower blocked (in
  // emit) at record 2 while records 5 to `until`-1 are written, then let
  // go: what it delivered once it had `count` items and was finished, and
  // the writer's last generation.
  std::vector<std::string> FollowBehind(int until, size_t count,
                                        uint64_t* generation) {
    LogWriter w(path_, LogFileHeader(1).size() + 10 * RecordSize());
    EXPECT_TRUE(w.Open().ok());
    for (int i = 0; i < 5; ++i) Write(w, i);
    absl::Notification blocked, release;
    Follower f(path_, 0, absl::InfinitePast(), nullptr,
               [&](const LogRecord& r) {
                 if (r.content != Rec(2)) return;
                 blocked.Notify();
                 release.WaitForNotification();
               });
    blocked.WaitForNotification();
    for (int i = 5; i < until; ++i) Write(w, i);
    *generation = w.generation();
    release.Notify();
    EXPECT_TRUE(f.WaitForCount(count));
    f.Finish();
    EXPECT_TRUE(f.Join().ok());
    return f.got();
  }
  // A record's size in the file, for choosing rotation sizes.
  static size_t RecordSize() {
    return FormatLogRecord({absl::Now(), "stdout", true, Rec(0)}).size();
  }

  std::string dir_;
  std::string path_;
};

TEST_F(LogFollowTest, SeesAppendedRecordsInOrder) {
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 3; ++i) Write(w, i);
  Follower f(path_);
  ASSERT_TRUE(f.WaitForCount(3));
  for (int i = 3; i < 60; ++i) {
    Write(w, i);
    if (i % 10 == 0) absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(f.WaitForCount(60));
  f.Finish();
  EXPECT_TRUE(f.Join().ok());
  EXPECT_EQ(f.got(), Lines(0, 60));
}

TEST_F(LogFollowTest, TailAndSinceThenNewRecords) {
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 10; ++i) Write(w, i);
  {
    Follower f(path_, /*tail=*/2);
    ASSERT_TRUE(f.WaitForCount(2));
    Write(w, 10);
    ASSERT_TRUE(f.WaitForCount(3));
    f.Finish();
    EXPECT_TRUE(f.Join().ok());
    EXPECT_THAT(f.got(), ElementsAre(Rec(8), Rec(9), Rec(10)));
  }
  std::vector<absl::Time> times;
  ASSERT_TRUE(
      ForEachLogRecord(path_, 0, absl::InfinitePast(), [&](const LogRecord& r) {
        times.push_back(r.time);
        return true;
      }).ok());
  // Resuming after the last record seen: nothing repeated.
  Follower f(path_, 0, times[9] + absl::Nanoseconds(1));
  ASSERT_TRUE(f.WaitForCount(1));
  Write(w, 11);
  ASSERT_TRUE(f.WaitForCount(2));
  f.Finish();
  EXPECT_TRUE(f.Join().ok());
  EXPECT_THAT(f.got(), ElementsAre(Rec(10), Rec(11)));
}

// The writer waits for the follower after every batch, so the follower is
// at most one rotation behind: it must see every record exactly once.
TEST_F(LogFollowTest, RotationLosesAndRepeatsNothing) {
  LogWriter w(path_, 10 * RecordSize());
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 4; ++i) Write(w, i);
  Follower f(path_);
  int written = 4;
  for (int batch = 0; batch < 40; ++batch) {
    ASSERT_TRUE(f.WaitForCount(written)) << "batch " << batch;
    for (int i = 0; i < 7; ++i) Write(w, written++);
  }
  ASSERT_TRUE(f.WaitForCount(written));
  f.Finish();
  EXPECT_TRUE(f.Join().ok());
  EXPECT_EQ(f.got(), Lines(0, written));
  struct stat st;
  EXPECT_EQ(stat((path_ + ".1").c_str(), &st), 0) << "never rotated";
}

// Two rotations while the follower is busy (blocked in emit): the file it
// was reading is gone from the directory, the one in between is .1 now.
TEST_F(LogFollowTest, TwoRotationsWhileBehind) {
  uint64_t generation = 0;
  // Files: 0-9 (being read), 10-19 (.1), 20-24.
  EXPECT_EQ(FollowBehind(25, 25, &generation), Lines(0, 25));
  EXPECT_EQ(generation, 3u);
}

// Three rotations while the follower is busy: the file after the one it
// was reading was rotated away unread, and the follower says so (once, in
// its place) instead of going on as if nothing were missing.
TEST_F(LogFollowTest, ThreeRotationsWhileBehindReportTheLostFile) {
  uint64_t generation = 0;
  // Files: 0-9 (being read), 10-19 (gone), 20-29 (.1), 30-34.
  std::vector<std::string> got = FollowBehind(35, 26, &generation);
  EXPECT_EQ(generation, 4u);
  std::vector<std::string> want = Lines(0, 10);
  want.push_back("<lost 1>");
  for (const std::string& r : Lines(20, 35)) want.push_back(r);
  EXPECT_EQ(got, want);
}

// A writer rotating as fast as it can: the follower may fall behind by
// more than a file (the oldest output is dropped then), but what it
// delivers is in order, never doubled, ends with the newest record, and
// every gap is reported.
TEST_F(LogFollowTest, FastRotationsKeepOrderAndNewest) {
  LogWriter w(path_, 8 * RecordSize());
  ASSERT_TRUE(w.Open().ok());
  Follower f(path_);
  for (int i = 0; i < 3000; ++i) Write(w, i);
  f.Finish();
  EXPECT_TRUE(f.Join().ok());
  std::vector<std::string> got = f.got();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), Rec(2999));
  // Records in order; where files were skipped, a loss in between (the
  // history starts wherever the log was when the follower opened it).
  int last = -1;
  bool lost = false;
  for (const std::string& r : got) {
    if (r.rfind("<lost ", 0) == 0) {
      lost = true;
      continue;
    }
    int i = std::stoi(r.substr(3));
    ASSERT_LT(last, i);
    // Records go missing only with a reported loss.
    if (last >= 0 && i != last + 1) {
      ASSERT_TRUE(lost) << "no loss reported before " << r;
    }
    last = i;
    lost = false;
  }
}

// `finished` turns true right after the writer's last records (as the
// exit record follows the monitor's last log write): they are delivered.
TEST_F(LogFollowTest, FinishedEndsAfterDraining) {
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  Write(w, 0);
  int calls = 0;
  Follower f(path_, 0, absl::InfinitePast(), [&] {
    if (++calls < 3) return false;
    for (int i = 1; i < 50; ++i) Write(w, i);
    w.Write("stdout", "partial", absl::Now());
    w.Flush(absl::Now());
    return true;
  });
  EXPECT_TRUE(f.Join().ok());
  std::vector<std::string> want = Lines(0, 50);
  want.push_back("partial");
  EXPECT_EQ(f.got(), want);
}

TEST_F(LogFollowTest, AlreadyFinishedLogIsHistoryOnly) {
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  for (int i = 0; i < 5; ++i) Write(w, i);
  Follower f(path_, 0, absl::InfinitePast(), [] { return true; });
  EXPECT_TRUE(f.Join(absl::Seconds(2)).ok());
  EXPECT_EQ(f.got(), Lines(0, 5));
}

TEST_F(LogFollowTest, LogCreatedLater) {
  Follower f(path_);
  absl::SleepFor(absl::Milliseconds(50));
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  Write(w, 0);
  ASSERT_TRUE(f.WaitForCount(1));
  f.Finish();
  EXPECT_TRUE(f.Join().ok());
  EXPECT_THAT(f.got(), ElementsAre(Rec(0)));
}

TEST_F(LogFollowTest, CancelReturnsPromptlyAndLeavesNothingBehind) {
  LogWriter w(path_, 0);
  ASSERT_TRUE(w.Open().ok());
  Write(w, 0);
  int fds = CountEntries("fd");
  int threads = CountEntries("task");
  {
    Follower f(path_);
    ASSERT_TRUE(f.WaitForCount(1));
    EXPECT_EQ(CountEntries("task"), threads + 1);  // only its own thread
    absl::SleepFor(absl::Milliseconds(300));
    absl::Time cancelled = absl::Now();
    f.Cancel();
    EXPECT_EQ(f.Join().code(), absl::StatusCode::kCancelled);
    EXPECT_LT(absl::Now() - cancelled, absl::Seconds(1));
  }
  EXPECT_EQ(CountEntries("fd"), fds);
  EXPECT_EQ(CountEntries("task"), threads);
}

// No inotify watch possible (the directory does not exist): polling still
// notices cancellation.
TEST_F(LogFollowTest, CancelWithoutInotify) {
  Follower f(dir_ + "/missing/container.log");
  absl::SleepFor(absl::Milliseconds(200));
  absl::Time cancelled = absl::Now();
  f.Cancel();
  EXPECT_EQ(f.Join().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(1));
}

}  // namespace
}  // namespace warren::runtime
