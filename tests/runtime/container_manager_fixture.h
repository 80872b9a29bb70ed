// A ContainerManager on fakes (monitor, cgroups, networks) in the test's
// own directories, shared by the manager's tests. No root needed.
#ifndef WARREN_TESTS_RUNTIME_CONTAINER_MANAGER_FIXTURE_H_
#define WARREN_TESTS_RUNTIME_CONTAINER_MANAGER_FIXTURE_H_

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "runtime/container_manager.h"
#include "runtime/file_util.h"
#include "tests/runtime/fake_monitor_control.h"
#include "tests/runtime/fake_network_control.h"

namespace warren::runtime {

inline bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class ContainerManagerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string base =
        std::string(getenv("TEST_TMPDIR")) + "/" +
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options_.state_dir = base + "/state";
    options_.run_dir = base + "/run";
    options_.kill_grace = absl::Seconds(2);
    rootfs_ = base + "/image";
    ASSERT_TRUE(MakeDirs(rootfs_).ok());
    NewManager();
  }

  // A new manager on the same directories and fakes (a warrend restart).
  void NewManager() {
    manager_.reset();
    manager_ = std::make_unique<ContainerManager>(
        options_, std::make_unique<warren::testing::FakeMonitorControl>(&fake_),
        std::make_unique<warren::testing::FakeCgroupControl>(&cgroups_),
        std::make_unique<warren::testing::FakeNetworkControl>(&network_));
    ASSERT_TRUE(manager_->Init().ok());
  }

  v1::ContainerSpec Spec() {
    v1::ContainerSpec spec;
    spec.set_rootfs(rootfs_);
    spec.mutable_process()->add_args("true");
    return spec;
  }

  StoreLayout Layout(const std::string& id) {
    return StoreLayout::For(options_.state_dir, options_.run_dir, id);
  }

  RuntimeOptions options_;
  std::string rootfs_;
  warren::testing::FakeMonitorControl::State fake_;
  warren::testing::FakeNetworkControl::State network_;
  warren::testing::FakeCgroupControl::State cgroups_;
  std::unique_ptr<ContainerManager> manager_;
};

}  // namespace warren::runtime

#endif  // WARREN_TESTS_RUNTIME_CONTAINER_MANAGER_FIXTURE_H_
