// The container manager's exec orchestration against a fake monitor: the
// exec's record is written while the monitor starts the process, and an
// exec whose record cannot be written is killed and leaves nothing. No root
// needed.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/container_manager.h"
#include "runtime/file_util.h"
#include "tests/runtime/container_manager_fixture.h"

namespace warren::runtime {
namespace {

using ::testing::Contains;

class ContainerManagerExecTest : public ContainerManagerFixture {
 protected:
  void SetUp() override {
    ContainerManagerFixture::SetUp();
    v1::ContainerSpec spec = Spec();
    spec.mutable_process()->set_args(0, "sleep");
    ASSERT_TRUE(manager_->Create("c1", spec).ok());
    ASSERT_TRUE(manager_->Start("c1").ok());
    layout_ = Layout("c1");
  }

  static ExecOptions Sync(const std::string& exec_id) {
    ExecOptions options;
    options.exec_id = exec_id;
    options.process.add_args("true");
    options.sync = true;
    return options;
  }

  StoreLayout layout_{"", ""};
};

TEST_F(ContainerManagerExecTest, RecordIsThereWhenTheExecAnswers) {
  absl::StatusOr<ExecResult> r = manager_->Exec("c1", Sync("e1"), nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<v1::ProcessSpec> spec = manager_->ProcessSpecOf("c1", "e1");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->args(0), "true");
  EXPECT_EQ(manager_->Exec("c1", Sync("e1"), nullptr).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(ContainerManagerExecTest, UnwritableRecordKillsTheExecAndCleansUp) {
  // A directory where the record's temporary file would go.
  std::string tmp = layout_.ExecSpecPath("e1") + ".tmp";
  ASSERT_TRUE(MakeDirs(tmp).ok());
  absl::StatusOr<ExecResult> r = manager_->Exec("c1", Sync("e1"), nullptr);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(".pb.tmp"), std::string::npos)
      << r.status();
  {
    absl::MutexLock lock(&fake_.mu);
    EXPECT_THAT(fake_.calls, Contains("kill_exec e1 9"));
  }
  EXPECT_FALSE(Exists(layout_.ExecSpecPath("e1")));
  EXPECT_FALSE(Exists(layout_.ExecExitPath("e1")));
  EXPECT_FALSE(Exists(layout_.ExecLogPath("e1")));
  EXPECT_EQ(manager_->ProcessSpecOf("c1", "e1").status().code(),
            absl::StatusCode::kNotFound);
  // The id is free again once the obstacle is gone.
  ASSERT_TRUE(RemoveTree(tmp).ok());
  EXPECT_TRUE(manager_->Exec("c1", Sync("e1"), nullptr).ok());
}

TEST_F(ContainerManagerExecTest, KeepsOnlyTheNewestFinishedExecs) {
  const int n = 2 * static_cast<int>(ContainerManager::kKeptFinishedExecs) + 20;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(
        manager_->Exec("c1", Sync("e" + std::to_string(i)), nullptr).ok());
  }
  size_t kept = 0;
  for (const std::string& f : ListDir(layout_.ExecDir())) {
    kept += absl::EndsWith(f, ".journaled");
  }
  EXPECT_GE(kept, ContainerManager::kKeptFinishedExecs);
  EXPECT_LT(kept, 2 * ContainerManager::kKeptFinishedExecs);
  // The oldest went with their logs; the newest are all there.
  EXPECT_EQ(manager_->ProcessSpecOf("c1", "e0").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(Exists(layout_.ExecLogPath("e0")));
  EXPECT_FALSE(Exists(layout_.ExecExitPath("e0")));
  for (int i = n - static_cast<int>(ContainerManager::kKeptFinishedExecs);
       i < n; ++i) {
    EXPECT_TRUE(manager_->ProcessSpecOf("c1", "e" + std::to_string(i)).ok())
        << i;
  }
}

}  // namespace
}  // namespace warren::runtime
