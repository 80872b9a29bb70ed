// DirWatch wakes on a change in its directory (the test would hang, and hit
// its Bazel timeout, if it only waited for the hour it asks for), and a
// timeout that has already passed does not block.
#include "runtime/dir_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/dir_watch_test.XXXXXX";
  return mkdtemp(tmpl);
}

TEST(DirWatchTest, RenameIntoTheDirectoryWakesTheWaiter) {
  std::string dir = TempDir();
  DirWatch watch(dir);
  ASSERT_TRUE(watch.watching());
  std::thread writer([&] {
    std::string tmp = dir + "/exit.tmp";
    close(open(tmp.c_str(), O_WRONLY | O_CREAT, 0600));
    rename(tmp.c_str(), (dir + "/exit.pb").c_str());
  });
  watch.Wait(absl::Hours(1));
  writer.join();
  EXPECT_EQ(access((dir + "/exit.pb").c_str(), F_OK), 0);
}

TEST(DirWatchTest, ChangeBeforeWaitCounts) {
  std::string dir = TempDir();
  DirWatch watch(dir);
  ASSERT_TRUE(watch.watching());
  close(open((dir + "/f").c_str(), O_WRONLY | O_CREAT, 0600));
  watch.Wait(absl::Hours(1));  // returns at once: the change is queued
  SUCCEED();
}

TEST(DirWatchTest, PastOrInfiniteTimeoutsAreClamped) {
  std::string dir = TempDir();
  DirWatch watch(dir);
  watch.Wait(-absl::Seconds(5));  // would block forever as poll(-1)
  std::thread writer(
      [&] { close(open((dir + "/g").c_str(), O_WRONLY | O_CREAT, 0600)); });
  watch.Wait(absl::InfiniteDuration());
  writer.join();
  SUCCEED();
}

// Instances are pooled: the next DirWatch (most likely on the same inotify
// instance) hears its own directory only, and nothing left from before.
TEST(DirWatchTest, ReusedInstanceHearsOnlyItsOwnDirectory) {
  std::string a = TempDir();
  std::string b = TempDir();
  {
    DirWatch first(a);
    ASSERT_TRUE(first.watching());
    close(open((a + "/unread").c_str(), O_WRONLY | O_CREAT, 0600));
  }  // destroyed with a change still queued
  for (int round = 0; round < 3; ++round) {
    DirWatch second(b);
    ASSERT_TRUE(second.watching());
    std::string name = "/x" + std::to_string(round);
    close(open((a + name).c_str(), O_WRONLY | O_CREAT, 0600));
    EXPECT_FALSE(second.Wait(absl::Milliseconds(50))) << "round " << round;
    close(open((b + name).c_str(), O_WRONLY | O_CREAT, 0600));
    EXPECT_TRUE(second.Wait(absl::Hours(1))) << "round " << round;
  }
}

TEST(DirWatchTest, MissingDirectoryOnlySleeps) {
  DirWatch watch("/proc/no/such/dir");
  EXPECT_FALSE(watch.watching());
  watch.Wait(absl::Milliseconds(1));
}

}  // namespace
}  // namespace warren::runtime
