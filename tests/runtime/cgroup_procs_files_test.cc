// CgroupProcsFiles over plain files standing in for cgroup.procs: a pid
// goes to every file, an unopenable path is NOT_FOUND naming it, and a
// moved set keeps its descriptors. No root (the real joins are checked by
// tests/integration/exec_test).
#include "runtime/cgroup_procs_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

class CgroupProcsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cgroup_procs_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* name : {"memory", "pids", "cpu"}) {
      paths_.push_back(dir_ + "/" + name + ".procs");
      ASSERT_TRUE(WriteFileAtomic(paths_.back(), "", 0600).ok());
    }
  }
  void TearDown() override { (void)system(("rm -rf " + dir_).c_str()); }

  std::string dir_;
  std::vector<std::string> paths_;
};

TEST_F(CgroupProcsFilesTest, WritesThePidToEveryFile) {
  absl::StatusOr<CgroupProcsFiles> files = CgroupProcsFiles::Open(paths_);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_TRUE(files->Add(4242).ok());
  for (const std::string& path : paths_) {
    absl::StatusOr<std::string> text = ReadFile(path);
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_EQ(*text, "4242") << path;
  }
}

// Descriptors open in this process, and whether all are close-on-exec.
std::pair<int, bool> OpenDescriptors() {
  int count = 0;
  bool cloexec = true;
  for (int fd = 0; fd < 1024; ++fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) continue;
    ++count;
    if (fd > 2 && !(flags & FD_CLOEXEC)) cloexec = false;
  }
  return {count, cloexec};
}

TEST_F(CgroupProcsFilesTest, DescriptorsAreCloseOnExecAndClosedAfter) {
  const int before = OpenDescriptors().first;
  {
    absl::StatusOr<CgroupProcsFiles> files = CgroupProcsFiles::Open(paths_);
    ASSERT_TRUE(files.ok()) << files.status();
    auto [count, cloexec] = OpenDescriptors();
    EXPECT_EQ(count, before + 3);
    EXPECT_TRUE(cloexec);
  }
  EXPECT_EQ(OpenDescriptors().first, before);
}

TEST_F(CgroupProcsFilesTest, MissingFileIsNotFoundNamingIt) {
  const int before = OpenDescriptors().first;
  paths_.insert(paths_.begin() + 1, dir_ + "/gone/cgroup.procs");
  absl::StatusOr<CgroupProcsFiles> files = CgroupProcsFiles::Open(paths_);
  ASSERT_EQ(files.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(files.status().message().find(dir_ + "/gone/cgroup.procs"),
            std::string::npos)
      << files.status();
  EXPECT_EQ(OpenDescriptors().first, before);  // the first one was closed
}

TEST_F(CgroupProcsFilesTest, MovedSetKeepsItsDescriptors) {
  std::optional<CgroupProcsFiles> moved;
  {
    absl::StatusOr<CgroupProcsFiles> files = CgroupProcsFiles::Open(paths_);
    ASSERT_TRUE(files.ok()) << files.status();
    moved.emplace(*std::move(files));
  }  // the moved-from set is gone: it must not have closed them
  ASSERT_TRUE(moved->Add(7).ok());
  absl::StatusOr<std::string> text = ReadFile(paths_[0]);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "7");
}

}  // namespace
}  // namespace warren::runtime
