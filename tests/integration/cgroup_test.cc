// cgroup limits, accounting and the freezer on the real host (v1, v2 or
// hybrid, whatever this machine has): OOM kills are reported, the pids
// limit stops fork, Stats reads the cgroup, Pause/Resume freeze and thaw,
// Update changes limits live, and Delete removes the cgroup.
#include <sys/stat.h>

#include <csignal>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_favor_dynmods.h"
#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"
#include "runtime/file_util.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

class CgroupTest : public WarrendTest {
 protected:
  void SetUp() override {
    WarrendTest::SetUp();
    absl::StatusOr<runtime::CgroupSystem> sys = runtime::CgroupSystem::Detect();
    ASSERT_TRUE(sys.ok()) << sys.status();
    system_ = *sys;
  }

  // The container's cgroup file `file` of `controller`'s hierarchy.
  std::string CgroupFile(const std::string& id, const std::string& controller,
                         const std::string& file) {
    const runtime::CgroupHierarchy* h = system_.For(controller);
    if (h == nullptr) return "";
    return absl::StrCat(h->mount_point, "/", warrend_->cgroup_parent(),
                        "/default/", id, "/", file);
  }

  std::string Read(const std::string& path) {
    absl::StatusOr<std::string> data = runtime::ReadFile(path);
    return data.ok() ? std::string(absl::StripAsciiWhitespace(*data)) : "";
  }

  v1::ExitStatus RunToExit(const std::string& id,
                           const v1::ContainerSpec& spec) {
    CreateOrDie(id, spec);
    StartOrDie(id);
    v1::WaitResponse waited;
    grpc::Status s = WaitFor(id, &waited, 60);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return waited.status();
  }

  runtime::CgroupSystem system_;
};

TEST_F(CgroupTest, MemoryLimitOomKillIsReported) {
  v1::ContainerSpec spec = Spec({"tail", "/dev/zero"});
  spec.mutable_resources()->set_memory_limit_bytes(16 << 20);
  spec.mutable_resources()->set_memory_swap_limit_bytes(16 << 20);
  v1::ExitStatus exit = RunToExit("oom", spec);
  EXPECT_TRUE(exit.oom_killed());
  EXPECT_EQ(exit.signal(), "SIGKILL");
  v1::InspectRequest inspect;
  inspect.set_id("oom");
  v1::InspectResponse info;
  ASSERT_TRUE(stub_->Inspect(Ctx().get(), inspect, &info).ok());
  EXPECT_TRUE(info.container().oom_killed());
}

TEST_F(CgroupTest, PidsLimitStopsFork) {
  v1::ContainerSpec spec =
      Spec({"sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait"});
  spec.mutable_resources()->set_pids_limit(4);
  RunToExit("pids", spec);
  auto [out, err] = Logs("pids");
  EXPECT_THAT(err, HasSubstr("fork"));
}

TEST_F(CgroupTest, ContainerSeesItsCgroupAsRoot) {
  RunToExit("cgns", Spec({"cat", "/proc/self/cgroup"}));
  auto [out, err] = Logs("cgns");
  EXPECT_THAT(out, HasSubstr(":memory:/\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("warren")));
}

TEST_F(CgroupTest, StatsPauseResumeUpdateAndDelete) {
  v1::ContainerSpec spec = Spec({"sleep", "100"});
  spec.mutable_resources()->set_memory_limit_bytes(32 << 20);
  spec.mutable_resources()->set_pids_limit(50);
  spec.mutable_stop_timeout()->set_seconds(1);
  CreateOrDie("live", spec);
  StartOrDie("live");

  v1::StatsRequest stats_req;
  stats_req.set_id("live");
  v1::StatsResponse stats;
  ASSERT_TRUE(stub_->Stats(Ctx().get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.memory_limit_bytes(), 32u << 20);
  EXPECT_GT(stats.memory_usage_bytes(), 0u);
  EXPECT_EQ(stats.pids_current(), 1u);
  EXPECT_EQ(stats.pids_limit(), 50u);
  EXPECT_GT(stats.cpu_usage_ns(), 0u);

  v1::PauseRequest pause;
  pause.set_id("live");
  v1::PauseResponse paused;
  ASSERT_TRUE(stub_->Pause(Ctx().get(), pause, &paused).ok());
  std::string freezer = CgroupFile("live", "freezer", "freezer.state");
  if (!freezer.empty()) {
    EXPECT_EQ(Read(freezer), "FROZEN");
  }
  v1::InspectRequest inspect;
  inspect.set_id("live");
  v1::InspectResponse info;
  ASSERT_TRUE(stub_->Inspect(Ctx().get(), inspect, &info).ok());
  EXPECT_EQ(info.container().state(), v1::PAUSED);
  EXPECT_EQ(stub_->Pause(Ctx().get(), pause, &paused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::ResumeRequest resume;
  resume.set_id("live");
  v1::ResumeResponse resumed;
  ASSERT_TRUE(stub_->Resume(Ctx().get(), resume, &resumed).ok());
  if (!freezer.empty()) {
    EXPECT_EQ(Read(freezer), "THAWED");
  }

  v1::UpdateRequest update;
  update.set_id("live");
  update.mutable_resources()->set_memory_limit_bytes(48 << 20);
  v1::UpdateResponse updated;
  grpc::Status s = stub_->Update(Ctx().get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.container().spec().resources().memory_limit_bytes(),
            48 << 20);
  ASSERT_TRUE(stub_->Stats(Ctx().get(), stats_req, &stats).ok());
  EXPECT_EQ(stats.memory_limit_bytes(), 48u << 20);
  update.mutable_resources()->set_memory_limit_bytes(-1);
  EXPECT_EQ(stub_->Update(Ctx().get(), update, &updated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::DeleteRequest del;
  del.set_id("live");
  del.set_force(true);
  v1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->Delete(Ctx().get(), del, &deleted).ok());
  for (const std::string& dir : runtime::CgroupDirs(
           system_, warrend_->cgroup_parent() + "/default/live")) {
    struct stat st;
    EXPECT_NE(stat(dir.c_str(), &st), 0) << dir << " left behind";
  }
}

TEST_F(CgroupTest, DeleteOfPausedContainerWithForce) {
  CreateOrDie("frozen", Spec({"sleep", "100"}));
  StartOrDie("frozen");
  v1::PauseRequest pause;
  pause.set_id("frozen");
  v1::PauseResponse paused;
  ASSERT_TRUE(stub_->Pause(Ctx().get(), pause, &paused).ok());
  v1::DeleteRequest del;
  del.set_id("frozen");
  v1::DeleteResponse deleted;
  EXPECT_EQ(stub_->Delete(Ctx().get(), del, &deleted).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  del.set_force(true);
  grpc::Status s = stub_->Delete(Ctx().get(), del, &deleted);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// The cgroup2 mount's superblock options, "" when there is none.
std::string Cgroup2Options() {
  absl::StatusOr<std::string> info = runtime::ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return "";
  for (absl::string_view line : absl::StrSplit(*info, '\n')) {
    size_t at = line.find(" - cgroup2 ");
    if (at == absl::string_view::npos) continue;
    return std::string(line.substr(line.rfind(' ') + 1));
  }
  return "";
}

TEST_F(CgroupTest, FavorDynmodsFlagRemountsCgroup2AndContainersRun) {
  std::string before = Cgroup2Options();
  if (before.empty()) GTEST_SKIP() << "no cgroup2 mount on this host";
  bool was_on = absl::StrContains(before, "favordynmods");
  // Host-wide: put it back as it was, also when the test fails.
  absl::Cleanup restore = [was_on] {
    if (!was_on) (void)runtime::SetCgroupFavorDynmods(false);
  };
  warrend_->Stop(SIGTERM);
  warrend_->set_extra_args({"--cgroup_favordynmods"});
  ASSERT_NO_FATAL_FAILURE(warrend_->Start());
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  std::string after = Cgroup2Options();
  EXPECT_THAT(after, HasSubstr("favordynmods"));
  // Nothing else of the mount changed.
  for (absl::string_view opt : absl::StrSplit(before, ',')) {
    EXPECT_THAT(after, HasSubstr(std::string(opt)));
  }
  CreateOrDie("fast", Spec({"sh", "-c", "exit 4"}));
  StartOrDie("fast");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("fast", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 4);
}

}  // namespace
}  // namespace warren::testing
