// Atomic writes in both durabilities: the new content replaces the old,
// no temporary file is left, and a missing directory is NOT_FOUND; the same
// for a PreparedFile, created early and committed later. MakeDirs creates
// what is missing and names what is in the way; SyncDir syncs a directory
// and names a path that is not one.
#include "runtime/file_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/file_util_test.XXXXXX";
  return mkdtemp(tmpl);
}

class WriteFileAtomicTest : public ::testing::TestWithParam<Durability> {};

TEST_P(WriteFileAtomicTest, ReplacesAndLeavesNoTemporary) {
  std::string path = TempDir() + "/f";
  ASSERT_TRUE(WriteFileAtomic(path, "old", 0600, GetParam()).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "new", 0600, GetParam()).ok());
  absl::StatusOr<std::string> read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "new");
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0);
}

TEST_P(WriteFileAtomicTest, MissingDirectoryIsNotFound) {
  absl::Status s = WriteFileAtomic("/tmp/no/such/dir/f", "x", 0600, GetParam());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

INSTANTIATE_TEST_SUITE_P(Durabilities, WriteFileAtomicTest,
                         ::testing::Values(Durability::kDurable,
                                           Durability::kAtomic));

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

TEST(PreparedFileTest, CreatedNowWrittenAndRenamedAtCommit) {
  std::string path = TempDir() + "/exit.pb";
  absl::StatusOr<PreparedFile> file = PreparedFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(Exists(path + ".tmp"));
  EXPECT_FALSE(Exists(path));
  PreparedFile moved = *std::move(file);
  ASSERT_TRUE(moved.Commit("done").ok());
  EXPECT_FALSE(Exists(path + ".tmp"));
  EXPECT_EQ(*ReadFile(path), "done");
  EXPECT_EQ(moved.Commit("again").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadFile(path), "done");
}

TEST(PreparedFileTest, UncommittedLeavesNothing) {
  std::string path = TempDir() + "/exit.pb";
  {
    absl::StatusOr<PreparedFile> file = PreparedFile::Create(path);
    ASSERT_TRUE(file.ok()) << file.status();
  }
  EXPECT_FALSE(Exists(path + ".tmp"));
  EXPECT_FALSE(Exists(path));
  EXPECT_EQ(PreparedFile::Create("/tmp/no/such/dir/f").status().code(),
            absl::StatusCode::kNotFound);
}

bool IsDir(const std::string& path, mode_t* mode = nullptr) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  if (mode != nullptr) *mode = st.st_mode & 07777;
  return true;
}

TEST(MakeDirsTest, CreatesEveryMissingLevelWithTheMode) {
  std::string dir = TempDir();
  ASSERT_TRUE(MakeDirs(dir + "/a/b/c", 0750).ok());
  for (const char* level : {"/a", "/a/b", "/a/b/c"}) {
    mode_t mode = 0;
    ASSERT_TRUE(IsDir(dir + level, &mode)) << level;
    EXPECT_EQ(mode, 0750u) << level;
  }
}

TEST(MakeDirsTest, ExistingDirectoryAndParentAreFine) {
  std::string dir = TempDir();
  ASSERT_TRUE(MakeDirs(dir + "/a").ok());
  EXPECT_TRUE(MakeDirs(dir + "/a").ok());
  EXPECT_TRUE(MakeDirs(dir + "/a/b").ok());
  EXPECT_TRUE(IsDir(dir + "/a/b"));
}

TEST(MakeDirsTest, FileInTheWayNamesThePath) {
  std::string dir = TempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/f", "x").ok());
  absl::Status s = MakeDirs(dir + "/f/sub/deeper");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find(dir + "/f/sub"), std::string::npos) << s;
  EXPECT_EQ(MakeDirs("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(SyncDirTest, SyncsADirectoryAndNamesWhatIsNotOne) {
  std::string dir = TempDir();
  EXPECT_TRUE(SyncDir(dir).ok());
  absl::Status missing = SyncDir(dir + "/missing");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_NE(missing.message().find(dir + "/missing"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir + "/f", "x").ok());
  EXPECT_EQ(SyncDir(dir + "/f").code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace warren::runtime
