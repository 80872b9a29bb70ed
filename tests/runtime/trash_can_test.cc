// TrashCan: a discarded path is gone at once and removed from the trash in
// the background; what a crash left in the trash is removed at the next
// start; a path that cannot be moved is removed in place. No root needed.
#include "runtime/trash_can.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

class TrashCanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::string(getenv("TEST_TMPDIR")) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(MakeDirs(base_).ok());
  }

  // A bundle-like tree: directories, a file with data, a symlink out.
  std::string MakeTree(const std::string& path) {
    EXPECT_TRUE(MakeDirs(path + "/upper/etc").ok());
    EXPECT_TRUE(MakeDirs(path + "/work/work").ok());
    EXPECT_TRUE(WriteFileAtomic(path + "/container.log", "hello\n").ok());
    EXPECT_EQ(symlink(base_.c_str(), (path + "/upper/out").c_str()), 0);
    return path;
  }

  std::string base_;
};

TEST_F(TrashCanTest, DiscardMovesAtOnceAndRemovesInTheBackground) {
  const std::string keep = base_ + "/keep";
  ASSERT_TRUE(WriteFileAtomic(keep, "x").ok());
  TrashCan trash(base_ + "/trash");
  const std::string bundle = MakeTree(base_ + "/bundle");
  ASSERT_TRUE(trash.Discard(bundle).ok());
  EXPECT_FALSE(Exists(bundle));
  // The same name can be used again before the removal is done.
  MakeTree(bundle);
  ASSERT_TRUE(trash.Discard(bundle).ok());
  EXPECT_EQ(trash.moved(), 2u);
  trash.Drain();
  EXPECT_TRUE(ListDir(trash.dir()).empty());
  EXPECT_TRUE(Exists(keep));  // the symlink was not followed
}

TEST_F(TrashCanTest, MissingPathIsOk) {
  TrashCan trash(base_ + "/trash");
  EXPECT_TRUE(trash.Discard(base_ + "/never").ok());
}

TEST_F(TrashCanTest, LeftoversOfACrashAreRemovedAtStart) {
  MakeTree(base_ + "/trash/123-0");
  MakeTree(base_ + "/trash/123-1");
  TrashCan trash(base_ + "/trash");
  trash.Drain();
  EXPECT_TRUE(ListDir(trash.dir()).empty());
}

TEST_F(TrashCanTest, DestructorFinishesTheQueue) {
  std::string dir = base_ + "/trash";
  {
    TrashCan trash(dir);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(
          trash.Discard(MakeTree(base_ + "/b" + std::to_string(i))).ok());
    }
  }
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST_F(TrashCanTest, PathThatCannotBeMovedIsRemovedInPlace) {
  // No trash directory can be made under a regular file: rename fails.
  ASSERT_TRUE(WriteFileAtomic(base_ + "/file", "x").ok());
  TrashCan trash(base_ + "/file/trash");
  const std::string bundle = MakeTree(base_ + "/bundle");
  ASSERT_TRUE(trash.Discard(bundle).ok());
  EXPECT_FALSE(Exists(bundle));
  EXPECT_EQ(trash.moved(), 0u);
  EXPECT_TRUE(Exists(base_ + "/file"));
}

}  // namespace
}  // namespace warren::runtime
