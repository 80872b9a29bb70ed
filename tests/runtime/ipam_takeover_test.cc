// TakeOverLegacyIpam on temporary directories: a file moves, one that both
// directories have is merged, an address with two holders is refused and
// nothing is removed, and state_dir == run_dir touches nothing. No root.
#include "runtime/ipam_takeover.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;

constexpr char kHeader[] = "# warren IPAM: addresses of network \"warren\"\n";

class IpamTakeoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ipam_takeover_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    legacy_ = root_ + "/state/ipam";
    dir_ = root_ + "/run/ipam";
    ASSERT_TRUE(MakeDirs(legacy_).ok());
    ASSERT_TRUE(MakeDirs(dir_).ok());
  }
  void TearDown() override { (void)system(("rm -rf " + root_).c_str()); }

  static void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(path, text, 0600).ok());
  }
  static std::string Read(const std::string& path) {
    absl::StatusOr<std::string> text = ReadFile(path);
    return text.ok() ? *text : "<" + text.status().ToString() + ">";
  }
  static bool Exists(const std::string& path) {
    return access(path.c_str(), F_OK) == 0;
  }

  std::string root_, legacy_, dir_;
};

TEST_F(IpamTakeoverTest, MovesFilesAndRemovesTheOldDirectory) {
  Write(legacy_ + "/warren.ips", std::string(kHeader) + "10.88.0.2 a\n");
  ASSERT_TRUE(TakeOverLegacyIpam(legacy_, dir_).ok());
  EXPECT_EQ(Read(dir_ + "/warren.ips"), std::string(kHeader) + "10.88.0.2 a\n");
  EXPECT_FALSE(Exists(legacy_));
}

TEST_F(IpamTakeoverTest, MergesWithAFileTheRunDirectoryHas) {
  Write(legacy_ + "/warren.ips", std::string(kHeader) + "10.88.0.2 a\n");
  Write(dir_ + "/warren.ips",
        std::string(kHeader) + "10.88.0.3 b\n10.88.0.2 a\n");
  ASSERT_TRUE(TakeOverLegacyIpam(legacy_, dir_).ok());
  EXPECT_EQ(Read(dir_ + "/warren.ips"),
            std::string(kHeader) + "10.88.0.2 a\n10.88.0.3 b\n");
  EXPECT_FALSE(Exists(legacy_));
}

TEST_F(IpamTakeoverTest, TwoHoldersOfOneAddressAreRefusedAndKept) {
  Write(legacy_ + "/warren.ips", std::string(kHeader) + "10.88.0.2 a\n");
  Write(dir_ + "/warren.ips", std::string(kHeader) + "10.88.0.2 b\n");
  absl::Status s = TakeOverLegacyIpam(legacy_, dir_);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), HasSubstr("10.88.0.2"));
  EXPECT_THAT(s.message(), HasSubstr(legacy_ + "/warren.ips"));
  EXPECT_THAT(s.message(), HasSubstr(dir_ + "/warren.ips"));
  EXPECT_TRUE(Exists(legacy_ + "/warren.ips"));
  EXPECT_EQ(Read(dir_ + "/warren.ips"), std::string(kHeader) + "10.88.0.2 b\n");
}

TEST_F(IpamTakeoverTest, SameDirectoryIsLeftAlone) {
  Write(dir_ + "/warren.ips", std::string(kHeader) + "10.88.0.2 a\n");
  // The same directory under another name, as with state_dir == run_dir.
  ASSERT_EQ(symlink(dir_.c_str(), (root_ + "/alias").c_str()), 0);
  ASSERT_TRUE(TakeOverLegacyIpam(root_ + "/alias", dir_).ok());
  EXPECT_EQ(Read(dir_ + "/warren.ips"), std::string(kHeader) + "10.88.0.2 a\n");
  ASSERT_TRUE(TakeOverLegacyIpam(dir_, dir_).ok());
  EXPECT_TRUE(Exists(dir_ + "/warren.ips"));
}

TEST_F(IpamTakeoverTest, NoLegacyDirectoryIsNothingToDo) {
  ASSERT_EQ(system(("rm -rf " + legacy_).c_str()), 0);
  EXPECT_TRUE(TakeOverLegacyIpam(legacy_, dir_).ok());
}

}  // namespace
}  // namespace warren::runtime
