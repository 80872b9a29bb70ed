// Atomic writes in both durabilities: the new content replaces the old,
// no temporary file is left, and a missing directory is NOT_FOUND.
#include "runtime/file_util.h"

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

}  // namespace
}  // namespace warren::runtime
