// The container manager's orchestration against a fake monitor: state
// transitions, exits learned from the watcher, nothing left behind by a
// failed Create, recovery of records by a new manager, and the lifecycle
// events journaled on the way. No root needed.
#include "runtime/container_manager.h"

#include <sys/stat.h>

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/event_journal.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"
#include "tests/runtime/container_manager_fixture.h"

namespace warren::runtime {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using warren::testing::FakeMonitorControl;

class ContainerManagerTest : public ContainerManagerFixture {
 protected:
  // The journaled events of container `id`, read through Events (which
  // then follows for a moment and is cancelled).
  std::vector<v1::Event> Journaled(const std::string& id) {
    EventFilter filter;
    filter.container_keys = {id};
    std::vector<v1::Event> out;
    absl::Time until = absl::Now() + absl::Milliseconds(300);
    absl::Status s = manager_->Events(
        filter, 0,
        [&out](const v1::Event& e) {
          out.push_back(e);
          return true;
        },
        [until] { return absl::Now() > until; });
    EXPECT_EQ(s.code(), absl::StatusCode::kCancelled) << s;
    return out;
  }

  static std::vector<std::string> Types(const std::vector<v1::Event>& events) {
    std::vector<std::string> types;
    for (const v1::Event& e : events) types.push_back(e.type());
    return types;
  }
};

TEST_F(ContainerManagerTest, LifecycleThroughExit) {
  absl::StatusOr<v1::Container> c = manager_->Create("c1", Spec());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->state(), v1::CREATED);
  EXPECT_EQ(c->pid(), 4343);
  EXPECT_TRUE(Exists(Layout("c1").RecordPath()));

  absl::StatusOr<v1::Container> started = manager_->Start("c1");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->state(), v1::RUNNING);
  EXPECT_EQ(manager_->Start("c1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(manager_->Delete("c1", false).code(),
            absl::StatusCode::kFailedPrecondition);

  FakeMonitorControl::Exit(&fake_, Layout("c1"), 7);
  absl::StatusOr<v1::ExitStatus> exit = manager_->Wait("c1", nullptr);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code(), 7);
  EXPECT_EQ(manager_->Inspect("c1")->state(), v1::STOPPED);

  ASSERT_TRUE(manager_->Delete("c1", false).ok());
  EXPECT_FALSE(Exists(Layout("c1").bundle_dir()));
  EXPECT_FALSE(Exists(Layout("c1").run_dir()));
  EXPECT_EQ(manager_->Inspect("c1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ContainerManagerTest, FailedLaunchLeavesNothing) {
  fake_.launch_status = absl::FailedPreconditionError("mount proc: EPERM");
  absl::StatusOr<v1::Container> c = manager_->Create("c1", Spec());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(Exists(Layout("c1").bundle_dir()));
  EXPECT_FALSE(Exists(Layout("c1").run_dir()));
  EXPECT_TRUE(manager_->List({}).empty());
  // The id is free again.
  fake_.launch_status = absl::OkStatus();
  EXPECT_TRUE(manager_->Create("c1", Spec()).ok());
}

v1::ContainerSpec Bridged(v1::ContainerSpec spec) {
  spec.mutable_network()->set_network("warren");
  return spec;
}

TEST_F(ContainerManagerTest, BridgedContainerReservesAttachesAndReleases) {
  absl::StatusOr<v1::Container> c = manager_->Create("n1", Bridged(Spec()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(network_.calls,
              ElementsAre("reconcile", "reserve n1", "attach n1 4343"));
  EXPECT_EQ(c->network().ip(), "10.88.0.2/16");
  EXPECT_EQ(c->network().netns_path(), "/proc/4343/ns/net");
  // The address and name reach the container's /etc before its monitor.
  absl::StatusOr<std::string> hosts =
      ReadFile(Layout("n1").Paths().etc_layer_dir + "/etc/hosts");
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  EXPECT_THAT(*hosts, HasSubstr("10.88.0.2\tn1\n"));
  EXPECT_EQ(*ReadFile(Layout("n1").Paths().etc_layer_dir + "/etc/resolv.conf"),
            "nameserver 10.0.0.53\n");
  ASSERT_TRUE(manager_->Delete("n1", true).ok());
  // After the processes are gone: the kernel takes the veth with the
  // namespace, so the address may follow in the background.
  EXPECT_THAT(network_.calls, Contains("release-exited n1 warren"));
  EXPECT_THAT(network_.calls, Not(Contains("release n1 warren")));
  EXPECT_TRUE(network_.held.empty());
}

TEST_F(ContainerManagerTest, FailedNetworkStepsLeaveNothing) {
  network_.fail_reserve = absl::ResourceExhaustedError("subnet full");
  EXPECT_EQ(manager_->Create("n1", Bridged(Spec())).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(fake_.calls.empty());  // no monitor was started
  EXPECT_FALSE(Exists(Layout("n1").bundle_dir()));

  network_.fail_reserve = absl::OkStatus();
  network_.fail_attach = absl::InternalError("veth: EEXIST");
  EXPECT_EQ(manager_->Create("n2", Bridged(Spec())).status().code(),
            absl::StatusCode::kInternal);
  // The monitor was killed, the address released, the files removed.
  EXPECT_THAT(network_.calls, Contains("release n2 warren"));
  EXPECT_TRUE(network_.held.empty());
  EXPECT_FALSE(Exists(Layout("n2").bundle_dir()));
  EXPECT_FALSE(Exists(Layout("n2").run_dir()));
  EXPECT_TRUE(manager_->List({}).empty());
}

TEST_F(ContainerManagerTest, RecoveryReconcilesNetworksWithLiveContainers) {
  v1::ContainerSpec spec = Bridged(Spec());
  v1::PortMapping* port = spec.mutable_network()->add_ports();
  port->set_host_port(8080);
  ASSERT_TRUE(manager_->Create("n1", spec).ok());
  ASSERT_TRUE(manager_->Create("plain", Spec()).ok());
  NewManager();
  ASSERT_EQ(network_.reconciled.size(), 2u);
  EXPECT_EQ(network_.reconciled["n1"].ip(), "10.88.0.2/16");
  EXPECT_EQ(network_.reconciled["plain"].network(), "");
  // The fake's monitors did not survive the first manager: the container
  // is stopped, keeps its address until Delete, but not its host ports.
  EXPECT_EQ(manager_->Inspect("n1")->state(), v1::STOPPED);
  EXPECT_EQ(network_.reconciled["n1"].ports_size(), 0);
}

TEST_F(ContainerManagerTest, OverlayPathsRefuseCommasAndColons) {
  v1::ContainerSpec spec = Spec();
  spec.set_rootfs(rootfs_ + ",upperdir=/etc");
  EXPECT_EQ(manager_->Create("c", spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Exists(Layout("c").bundle_dir()));
  manager_.reset();
  options_.run_dir += ":x";
  ContainerManager bad(
      options_, std::make_unique<FakeMonitorControl>(&fake_),
      std::make_unique<warren::testing::FakeCgroupControl>(&cgroups_),
      std::make_unique<warren::testing::FakeNetworkControl>(&network_));
  EXPECT_EQ(bad.Init().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ContainerManagerTest, DuplicateAndUnknownIds) {
  ASSERT_TRUE(manager_->Create("c1", Spec()).ok());
  EXPECT_EQ(manager_->Create("c1", Spec()).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(manager_->Start("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(manager_->Kill("nope", "", false).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(manager_->Kill("c1", "BOGUS", false).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ContainerManagerTest, ForcedDeleteStopsWithStopSignalFirst) {
  v1::ContainerSpec spec = Spec();
  spec.set_stop_signal("SIGUSR1");
  ASSERT_TRUE(manager_->Create("c1", spec).ok());
  ASSERT_TRUE(manager_->Start("c1").ok());
  ASSERT_TRUE(manager_->Delete("c1", true).ok());
  absl::MutexLock lock(&fake_.mu);
  EXPECT_THAT(fake_.calls, Contains("kill 10"));
  EXPECT_FALSE(Exists(Layout("c1").bundle_dir()));
}

TEST_F(ContainerManagerTest, WaitHonoursCancellation) {
  ASSERT_TRUE(manager_->Create("c1", Spec()).ok());
  absl::StatusOr<v1::ExitStatus> exit =
      manager_->Wait("c1", [] { return true; });
  EXPECT_EQ(exit.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(ContainerManagerTest, RecoveryRereadsRecordsAndExits) {
  ASSERT_TRUE(manager_->Create("alive", Spec()).ok());
  ASSERT_TRUE(manager_->Start("alive").ok());
  ASSERT_TRUE(manager_->Create("gone", Spec()).ok());
  ASSERT_TRUE(manager_->Start("gone").ok());
  // A crash in the middle of a Create: a bundle without a record.
  ASSERT_TRUE(MakeDirs(Layout("half").bundle_dir()).ok());
  ASSERT_TRUE(MakeDirs(Layout("half").run_dir()).ok());
  // "gone" exits while no manager runs; its exit record stays on disk.
  manager_.reset();
  FakeMonitorControl::Exit(&fake_, Layout("gone"), 9);
  NewManager();
  // The fake's watch descriptors were handed to the old manager: the new
  // one finds no live monitor for either container and reads exit.pb.
  absl::StatusOr<v1::Container> gone = manager_->Inspect("gone");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->state(), v1::STOPPED);
  EXPECT_EQ(gone->exit_code(), 9);
  absl::StatusOr<v1::Container> alive = manager_->Inspect("alive");
  ASSERT_TRUE(alive.ok());
  EXPECT_EQ(alive->state(), v1::STOPPED);
  EXPECT_EQ(alive->exit_code(), 255);  // monitor gone, no exit record
  EXPECT_FALSE(Exists(Layout("half").bundle_dir()));
  EXPECT_FALSE(Exists(Layout("half").run_dir()));
}

TEST_F(ContainerManagerTest, PauseResumeUpdateAndCgroupRemoval) {
  ASSERT_TRUE(manager_->Create("c1", Spec()).ok());
  EXPECT_EQ(manager_->Pause("c1").status().code(),
            absl::StatusCode::kFailedPrecondition);  // not running yet
  ASSERT_TRUE(manager_->Start("c1").ok());
  absl::StatusOr<v1::Container> paused = manager_->Pause("c1");
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->state(), v1::PAUSED);
  EXPECT_EQ(manager_->Pause("c1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(manager_->Resume("c1").ok());
  EXPECT_EQ(manager_->Inspect("c1")->state(), v1::RUNNING);

  v1::ResourcesSpec more;
  more.set_memory_limit_bytes(64 << 20);
  absl::StatusOr<v1::Container> updated = manager_->Update("c1", more);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->spec().resources().memory_limit_bytes(), 64 << 20);
  EXPECT_EQ(manager_->Stats("c1")->memory_limit_bytes, 64u << 20);
  v1::ResourcesSpec bad;
  bad.set_memory_swap_limit_bytes(32 << 20);  // below the memory limit
  EXPECT_EQ(manager_->Update("c1", bad).status().code(),
            absl::StatusCode::kInvalidArgument);

  // A cgroup that cannot be removed keeps the container (and says why).
  cgroups_.remove_status = absl::UnavailableError("rmdir: busy");
  EXPECT_EQ(manager_->Delete("c1", true).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(manager_->Inspect("c1").ok());
  cgroups_.remove_status = absl::OkStatus();
  ASSERT_TRUE(manager_->Delete("c1", true).ok());
  absl::MutexLock lock(&cgroups_.mu);
  EXPECT_THAT(cgroups_.calls,
              ::testing::ElementsAre("freeze c1", "thaw c1", "update c1",
                                     "remove c1", "remove c1"));
}

TEST_F(ContainerManagerTest, ListFiltersByLabelAndState) {
  v1::ContainerSpec web = Spec();
  (*web.mutable_labels())["app"] = "web";
  ASSERT_TRUE(manager_->Create("b-web", web).ok());
  ASSERT_TRUE(manager_->Create("a-db", Spec()).ok());
  ASSERT_TRUE(manager_->Start("a-db").ok());
  std::vector<v1::Container> all = manager_->List({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id(), "a-db");  // sorted by id
  ListFilter by_label;
  by_label.labels["app"] = "web";
  ASSERT_EQ(manager_->List(by_label).size(), 1u);
  EXPECT_EQ(manager_->List(by_label)[0].id(), "b-web");
  ListFilter running;
  running.state = v1::RUNNING;
  ASSERT_EQ(manager_->List(running).size(), 1u);
  EXPECT_EQ(manager_->List(running)[0].id(), "a-db");
}

TEST_F(ContainerManagerTest, JournalsEveryLifecycleStep) {
  ASSERT_TRUE(manager_->Create("c1", Spec()).ok());
  ASSERT_FALSE(manager_->Pause("c1").ok());  // failures journal nothing
  ASSERT_TRUE(manager_->Start("c1").ok());
  ASSERT_TRUE(manager_->Pause("c1").ok());
  ASSERT_TRUE(manager_->Resume("c1").ok());
  v1::ResourcesSpec more;
  more.set_memory_limit_bytes(64 << 20);
  ASSERT_TRUE(manager_->Update("c1", more).ok());
  FakeMonitorControl::Exit(&fake_, Layout("c1"), 137, /*oom_killed=*/true);
  ASSERT_TRUE(manager_->Wait("c1", nullptr).ok());
  ASSERT_TRUE(manager_->Delete("c1", false).ok());
  fake_.launch_status = absl::InternalError("no");
  ASSERT_FALSE(manager_->Create("c2", Spec()).ok());

  std::vector<v1::Event> events = Journaled("c1");
  EXPECT_THAT(Types(events),
              ElementsAre("created", "started", "paused", "resumed", "updated",
                          "oom", "exited", "deleted"));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].container_id(), "c1");
    EXPECT_EQ(events[i].sequence(), i + 1);
    EXPECT_GT(events[i].time().seconds(), 0);
  }
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[6].exit().exit_code(), 137);
  EXPECT_TRUE(events[6].exit().oom_killed());
  EXPECT_TRUE(Journaled("c2").empty());
}

TEST_F(ContainerManagerTest, StartedComesBeforeTheExitOfAShortProcess) {
  ASSERT_TRUE(manager_->Create("quick", Spec()).ok());
  fake_.exit_during_start = 3;
  ASSERT_TRUE(manager_->Start("quick").ok());
  absl::StatusOr<v1::ExitStatus> exit = manager_->Wait("quick", nullptr);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code(), 3);
  std::vector<v1::Event> events = Journaled("quick");
  EXPECT_THAT(Types(events), ElementsAre("created", "started", "exited"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].exit().exit_code(), 3);
}

TEST_F(ContainerManagerTest, ExitFoundAtRecoveryIsJournaledOnce) {
  ASSERT_TRUE(manager_->Create("gone", Spec()).ok());
  ASSERT_TRUE(manager_->Start("gone").ok());
  manager_.reset();
  FakeMonitorControl::Exit(&fake_, Layout("gone"), 9);
  NewManager();
  std::vector<v1::Event> events = Journaled("gone");
  EXPECT_THAT(Types(events), ElementsAre("created", "started", "exited"));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].exit().exit_code(), 9);
  // Later restarts find the record STOPPED and journal nothing more.
  NewManager();
  NewManager();
  EXPECT_THAT(Types(Journaled("gone")),
              ElementsAre("created", "started", "exited"));
  // Sequence numbers continue across managers.
  ASSERT_TRUE(manager_->Delete("gone", false).ok());
  std::vector<v1::Event> after = Journaled("gone");
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[3].sequence(), 4u);
}

TEST_F(ContainerManagerTest, ExitJournaledJustBeforeACrashIsNotRepeated) {
  ASSERT_TRUE(manager_->Create("x", Spec()).ok());
  ASSERT_TRUE(manager_->Start("x").ok());
  manager_.reset();
  FakeMonitorControl::Exit(&fake_, Layout("x"), 9);
  // A crash between journaling the exit and persisting STOPPED: the journal
  // has the exit, the record still says RUNNING.
  {
    absl::StatusOr<std::unique_ptr<EventJournal>> j =
        EventJournal::Open(options_.state_dir + "/events.journal");
    ASSERT_TRUE(j.ok()) << j.status();
    v1::ExitStatus exit;
    exit.set_exit_code(9);
    ASSERT_TRUE((*j)->Append(ExitEvents("x", exit)).ok());
  }
  NewManager();
  EXPECT_EQ(manager_->Inspect("x")->state(), v1::STOPPED);
  EXPECT_THAT(Types(Journaled("x")),
              ElementsAre("created", "started", "exited"));
}

}  // namespace
}  // namespace warren::runtime
