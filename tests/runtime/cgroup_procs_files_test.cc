// CgroupProcsFiles over plain files standing in for cgroup.procs: a pid
// goes to every file, an unopenable path is NOT_FOUND naming it, and a
// moved set keeps its descriptors. No root (the real joins are checked by
// tests/integration/exec_test).
#include "runtime/cgroup_procs_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
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

TEST_F(CgroupProcsFilesTest, MissingFileIsNotFoundNamingIt) {
  paths_.insert(paths_.begin() + 1, dir_ + "/gone/cgroup.procs");
  absl::StatusOr<CgroupProcsFiles> files = CgroupProcsFiles::Open(paths_);
  ASSERT_EQ(files.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(files.status().message().find(dir_ + "/gone/cgroup.procs"),
            std::string::npos)
      << files.status();
}

TEST_F(CgroupProcsFilesTest, MovedSetKeepsItsDescriptors) {
  absl::StatusOr<CgroupProcsFiles> files = CgroupProcsFiles::Open(paths_);
  ASSERT_TRUE(files.ok()) << files.status();
  CgroupProcsFiles moved = *std::move(files);
  ASSERT_TRUE(moved.Add(7).ok());
  absl::StatusOr<std::string> text = ReadFile(paths_[0]);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "7");
}

}  // namespace
}  // namespace warren::runtime
