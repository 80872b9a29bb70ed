// ContainerStartup over the recording fake: the order of the steps on
// success, and for a failure at each step exactly that error back and
// exactly the undo of the steps that happened, so a failed Create leaves no
// cgroup, switched namespace or init behind. No root, no processes.
#include "runtime/monitor/container_startup.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/runtime/monitor/fake_startup_steps.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::warren::runtime::testing::FakeStartupSteps;

// The steps in the order ContainerStartup runs them (undo calls aside).
const std::vector<std::string>& StepOrder() {
  static const auto* order = new std::vector<std::string>{
      "CreateCgroup", "PrepareNamespaces", "CloneInit", "JoinCgroup",
      "ReleaseInit",  "AwaitInit",         "Listen"};
  return *order;
}

int Count(const std::vector<std::string>& calls, const std::string& call) {
  return static_cast<int>(std::count(calls.begin(), calls.end(), call));
}

TEST(ContainerStartupTest, RunsEveryStepInOrder) {
  FakeStartupSteps steps;
  absl::StatusOr<StartedContainer> started = ContainerStartup(&steps).Run();
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->init_pid, FakeStartupSteps::kDefaultInitPid);
  EXPECT_EQ(started->listen_fd, FakeStartupSteps::kListenFd);
  EXPECT_THAT(steps.calls(),
              ElementsAre("CreateCgroup", "PrepareNamespaces", "CloneInit",
                          "RestoreNamespaces", "JoinCgroup 4242",
                          "ReleaseInit 4242", "AwaitInit", "Listen"));
  EXPECT_THAT(steps.violations(), IsEmpty());
  // What the MonitorLoop takes over.
  EXPECT_TRUE(steps.cgroup_exists());
  EXPECT_TRUE(steps.init_alive());
  EXPECT_TRUE(steps.listening());
  EXPECT_FALSE(steps.namespaces_switched());
}

struct FailureCase {
  const char* step;
  absl::Status error;
  std::vector<std::string> calls;  // everything recorded, undo included
};

void PrintTo(const FailureCase& c, std::ostream* os) { *os << c.step; }

// A distinct code and message per step, and a payload, so "unchanged"
// means the whole status.
absl::Status Injected(absl::StatusCode code, const char* step,
                      const char* message) {
  absl::Status s(code, message);
  s.SetPayload("warren.test/step", absl::Cord(step));
  return s;
}

class FailingStepTest : public ::testing::TestWithParam<FailureCase> {};

TEST_P(FailingStepTest, ReturnsThatErrorAndUndoesExactlyWhatWasDone) {
  const FailureCase& c = GetParam();
  FakeStartupSteps steps;
  steps.Fail(c.step, c.error);
  absl::StatusOr<StartedContainer> started = ContainerStartup(&steps).Run();
  EXPECT_EQ(started.status(), c.error);
  EXPECT_THAT(steps.calls(), ElementsAreArray(c.calls));
  EXPECT_THAT(steps.violations(), IsEmpty());
  EXPECT_FALSE(steps.cgroup_exists()) << "cgroup left behind";
  EXPECT_FALSE(steps.namespaces_switched()) << "namespaces not restored";
  EXPECT_FALSE(steps.init_alive()) << "init left running";
  EXPECT_FALSE(steps.listening()) << "Listen succeeded on a failed startup";
}

// The same property derived from the step order rather than spelled out:
// each undo runs once iff its step succeeded, and nothing after the failing
// step runs.
TEST_P(FailingStepTest, NeverUndoesAStepThatDidNotHappen) {
  const FailureCase& c = GetParam();
  FakeStartupSteps steps;
  steps.Fail(c.step, c.error);
  (void)ContainerStartup(&steps).Run();
  const std::vector<std::string>& order = StepOrder();
  const int failed = static_cast<int>(
      std::find(order.begin(), order.end(), c.step) - order.begin());
  ASSERT_LT(failed, static_cast<int>(order.size()));
  auto succeeded = [&](const std::string& step) {
    int i = static_cast<int>(std::find(order.begin(), order.end(), step) -
                             order.begin());
    return i < failed;
  };
  const std::vector<std::string>& calls = steps.calls();
  EXPECT_EQ(Count(calls, "RemoveCgroup"), succeeded("CreateCgroup") ? 1 : 0);
  EXPECT_EQ(Count(calls, "RestoreNamespaces"),
            succeeded("PrepareNamespaces") ? 1 : 0);
  EXPECT_EQ(Count(calls, "KillInit 4242"), succeeded("CloneInit") ? 1 : 0);
  for (int i = failed + 1; i < static_cast<int>(order.size()); ++i) {
    for (const std::string& call : calls) {
      EXPECT_NE(call.substr(0, call.find(' ')), order[i])
          << order[i] << " ran after " << c.step << " failed";
    }
  }
}

const std::vector<std::string> kUpToClone = {
    "CreateCgroup", "PrepareNamespaces", "CloneInit", "RestoreNamespaces"};

std::vector<std::string> AfterClone(std::vector<std::string> tail) {
  std::vector<std::string> calls = kUpToClone;
  calls.insert(calls.end(), tail.begin(), tail.end());
  return calls;
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, FailingStepTest,
    ::testing::Values(
        FailureCase{"CreateCgroup",
                    Injected(absl::StatusCode::kInvalidArgument, "cgroup",
                             "spec.resources: write \"63\" to cpuset.cpus: "
                             "Invalid argument"),
                    {"CreateCgroup"}},
        FailureCase{"PrepareNamespaces",
                    Injected(absl::StatusCode::kPermissionDenied, "ns",
                             "join PID namespace: Operation not permitted"),
                    {"CreateCgroup", "PrepareNamespaces", "RemoveCgroup"}},
        FailureCase{"CloneInit",
                    Injected(absl::StatusCode::kUnavailable, "clone",
                             "clone container init: Resource temporarily "
                             "unavailable"),
                    AfterClone({"RemoveCgroup"})},
        FailureCase{
            "JoinCgroup",
            Injected(absl::StatusCode::kNotFound, "join",
                     "write cgroup.procs: No such process"),
            AfterClone({"JoinCgroup 4242", "KillInit 4242", "RemoveCgroup"})},
        FailureCase{"ReleaseInit",
                    Injected(absl::StatusCode::kInternal, "release",
                             "make idmapped image: Invalid argument"),
                    AfterClone({"JoinCgroup 4242", "ReleaseInit 4242",
                                "KillInit 4242", "RemoveCgroup"})},
        FailureCase{"AwaitInit",
                    Injected(absl::StatusCode::kFailedPrecondition, "await",
                             "container setup failed: mount proc on "
                             "/run/warren/containers/x/rootfs/proc: "
                             "Permission denied"),
                    AfterClone({"JoinCgroup 4242", "ReleaseInit 4242",
                                "AwaitInit", "KillInit 4242", "RemoveCgroup"})},
        FailureCase{
            "Listen",
            Injected(absl::StatusCode::kResourceExhausted, "listen",
                     "listen on /run/warren/containers/x/monitor.sock:"
                     " Too many open files"),
            AfterClone({"JoinCgroup 4242", "ReleaseInit 4242", "AwaitInit",
                        "Listen", "KillInit 4242", "RemoveCgroup"})}),
    [](const ::testing::TestParamInfo<FailureCase>& info) {
      return std::string(info.param.step);
    });

TEST(ContainerStartupTest, KillsThePidCloneReturned) {
  FakeStartupSteps steps;
  steps.SetClonedPid(31337);
  steps.Fail("AwaitInit", absl::FailedPreconditionError("setup"));
  (void)ContainerStartup(&steps).Run();
  EXPECT_THAT(
      steps.calls(),
      ElementsAre("CreateCgroup", "PrepareNamespaces", "CloneInit",
                  "RestoreNamespaces", "JoinCgroup 31337", "ReleaseInit 31337",
                  "AwaitInit", "KillInit 31337", "RemoveCgroup"));
  EXPECT_THAT(steps.violations(), IsEmpty());
}

// kill(0) or kill(-1) would hit the monitor's group or every process: a
// clone that reports no pid is an error with nothing to kill.
TEST(ContainerStartupTest, CloneWithoutAPidKillsNothing) {
  for (pid_t pid : {0, -1}) {
    SCOPED_TRACE(::testing::Message() << "pid " << pid);
    FakeStartupSteps steps;
    steps.SetClonedPid(pid);
    absl::StatusOr<StartedContainer> started = ContainerStartup(&steps).Run();
    EXPECT_EQ(started.status().code(), absl::StatusCode::kInternal);
    EXPECT_THAT(steps.calls(),
                ElementsAre("CreateCgroup", "PrepareNamespaces", "CloneInit",
                            "RestoreNamespaces", "RemoveCgroup"));
    EXPECT_THAT(steps.violations(), IsEmpty());
    EXPECT_FALSE(steps.cgroup_exists());
  }
}

TEST(ContainerStartupTest, StopsAtTheFirstFailure) {
  FakeStartupSteps steps;
  steps.Fail("JoinCgroup", absl::NotFoundError("first"));
  steps.Fail("Listen", absl::InternalError("second"));
  absl::StatusOr<StartedContainer> started = ContainerStartup(&steps).Run();
  EXPECT_EQ(started.status(), absl::NotFoundError("first"));
  EXPECT_EQ(Count(steps.calls(), "Listen"), 0);
  EXPECT_EQ(Count(steps.calls(), "KillInit 4242"), 1);
  EXPECT_EQ(Count(steps.calls(), "RemoveCgroup"), 1);
}

}  // namespace
}  // namespace warren::runtime
