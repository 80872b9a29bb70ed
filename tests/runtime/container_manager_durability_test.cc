// Where the manager keeps what: the record (state_dir, fsync'd) changes at
// Create, Pause/Resume/Update and when a container stops, not at Start;
// the start mark, the spec copy for the monitor, the init's exit and the
// exec records live in the run directory, which a warrend restart keeps
// and a reboot empties. A deleted bundle goes through state_dir/trash; a
// forced Delete leaves the stop to its own journal sync. No root needed.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/container_manager.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"
#include "tests/runtime/container_manager_fixture.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;
using warren::testing::FakeMonitorControl;

class ContainerManagerDurabilityTest : public ContainerManagerFixture {
 protected:
  v1::Container OnDisk(const std::string& id) {
    v1::Container record;
    EXPECT_TRUE(ReadProto(Layout(id).RecordPath(), &record).ok());
    return record;
  }

  // The event types journaled for `id`, read from the file by a journal of
  // its own (as the next warrend would).
  std::vector<std::string> JournaledTypes(const std::string& id) {
    absl::StatusOr<std::unique_ptr<EventJournal>> j =
        EventJournal::Open(options_.state_dir + "/events.journal");
    EXPECT_TRUE(j.ok()) << j.status();
    std::vector<std::string> types;
    if (!j.ok()) return types;
    EventFilter filter;
    filter.container_keys = {id};
    for (const v1::Event& e : (*j)->Read(filter, 0)) types.push_back(e.type());
    return types;
  }

  std::string Trash() { return options_.state_dir + "/trash"; }
};

TEST_F(ContainerManagerDurabilityTest, DeleteMovesTheBundleToTheTrash) {
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  ASSERT_TRUE(WriteFileAtomic(Layout("c").LogPath(), "output\n").ok());
  ASSERT_TRUE(manager_->Delete("c", false).ok());
  EXPECT_FALSE(Exists(Layout("c").bundle_dir()));
  EXPECT_FALSE(Exists(Layout("c").run_dir()));
  // The id is free at once, while the old bundle may still be in the trash.
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  EXPECT_FALSE(Exists(Layout("c").LogPath()));
  ASSERT_TRUE(manager_->Delete("c", false).ok());
  manager_.reset();  // finishes the removals
  EXPECT_TRUE(ListDir(Trash()).empty());
}

TEST_F(ContainerManagerDurabilityTest, TrashLeftByACrashIsEmptiedAtStart) {
  manager_.reset();
  ASSERT_TRUE(MakeDirs(Trash() + "/1-0/upper/etc").ok());
  ASSERT_TRUE(WriteFileAtomic(Trash() + "/1-0/container.log", "x").ok());
  NewManager();
  manager_.reset();
  EXPECT_TRUE(ListDir(Trash()).empty());
  NewManager();
  // The trash is no container.
  EXPECT_TRUE(manager_->List({}).empty());
}

TEST_F(ContainerManagerDurabilityTest, ForcedDeleteJournalsExitThenDeleted) {
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  ASSERT_TRUE(manager_->Start("c").ok());
  ASSERT_TRUE(manager_->Delete("c", true).ok());
  EXPECT_THAT(JournaledTypes("c"),
              ElementsAre("created", "started", "exited", "deleted"));
}

TEST_F(ContainerManagerDurabilityTest, JournaledDeleteIsFinishedAtStart) {
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  ASSERT_TRUE(manager_->Start("c").ok());
  manager_.reset();
  // A crash right after Delete journaled "deleted" (its commit point): the
  // files, or a rename of the bundle the disk lost, are still there.
  {
    absl::StatusOr<std::unique_ptr<EventJournal>> j =
        EventJournal::Open(options_.state_dir + "/events.journal");
    ASSERT_TRUE(j.ok()) << j.status();
    v1::ExitStatus exit;
    exit.set_exit_code(143);
    std::vector<v1::Event> events = ExitEvents("c", exit);
    events.push_back(ContainerEvent("c", kEventDeleted));
    ASSERT_TRUE((*j)->Append(events).ok());
  }
  NewManager();
  EXPECT_EQ(manager_->Inspect("c").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(Exists(Layout("c").bundle_dir()));
  EXPECT_FALSE(Exists(Layout("c").run_dir()));
  EXPECT_THAT(JournaledTypes("c"),
              ElementsAre("created", "started", "exited", "deleted"));
  // The id can be used again, and that container survives restarts.
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  NewManager();
  EXPECT_TRUE(manager_->Inspect("c").ok());
}

TEST_F(ContainerManagerDurabilityTest, ExecExitAfterTheStopDoesNotHideIt) {
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  ASSERT_TRUE(manager_->Start("c").ok());
  manager_.reset();
  FakeMonitorControl::Exit(&fake_, Layout("c"), 143);
  // A crash in a forced Delete after the stop was journaled (unsynced)
  // and an exec's exit after it: the record still says RUNNING.
  {
    absl::StatusOr<std::unique_ptr<EventJournal>> j =
        EventJournal::Open(options_.state_dir + "/events.journal");
    ASSERT_TRUE(j.ok()) << j.status();
    v1::ExitStatus exit;
    exit.set_exit_code(143);
    ASSERT_TRUE((*j)->Append(ExitEvents("c", exit)).ok());
    ASSERT_TRUE((*j)->Append({ExecEvent("c", "e1", kEventExecExited)}).ok());
  }
  NewManager();
  EXPECT_EQ(manager_->Inspect("c")->exit_code(), 143);
  EXPECT_THAT(JournaledTypes("c"),
              ElementsAre("created", "started", "exited", "exec_exited"));
}

TEST_F(ContainerManagerDurabilityTest, FailedDeleteStillRecordsTheStop) {
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  ASSERT_TRUE(manager_->Start("c").ok());
  cgroups_.remove_status = absl::FailedPreconditionError("cgroup busy");
  EXPECT_EQ(manager_->Delete("c", true).code(),
            absl::StatusCode::kFailedPrecondition);
  // The stop the Delete caused is durable although the Delete gave up.
  v1::Container record = OnDisk("c");
  EXPECT_EQ(record.state(), v1::STOPPED);
  EXPECT_EQ(record.exit_code(), 128 + 15);  // the fake dies of SIGTERM
  EXPECT_THAT(JournaledTypes("c"), ElementsAre("created", "started", "exited"));
  // A restart neither repeats the exit nor loses the container.
  NewManager();
  EXPECT_EQ(manager_->Inspect("c")->exit_code(), 128 + 15);
  EXPECT_THAT(JournaledTypes("c"), ElementsAre("created", "started", "exited"));
  cgroups_.remove_status = absl::OkStatus();
  ASSERT_TRUE(manager_->Delete("c", false).ok());
  EXPECT_THAT(JournaledTypes("c"),
              ElementsAre("created", "started", "exited", "deleted"));
}

TEST_F(ContainerManagerDurabilityTest, StartMarksTheRunDirNotTheRecord) {
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  // The monitor's copy of the spec is in the run directory only.
  EXPECT_THAT(Layout("c").SpecPath(), StartsWith(Layout("c").run_dir()));
  EXPECT_TRUE(Exists(Layout("c").SpecPath()));
  EXPECT_FALSE(Exists(Layout("c").bundle_dir() + "/spec.pb"));
  absl::StatusOr<v1::Container> started = manager_->Start("c");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->state(), v1::RUNNING);
  EXPECT_EQ(OnDisk("c").state(), v1::CREATED);
  google::protobuf::Timestamp mark;
  ASSERT_TRUE(ReadProto(Layout("c").StartedPath(), &mark).ok());
  EXPECT_EQ(mark.SerializeAsString(),
            started->started_at().SerializeAsString());
  EXPECT_THAT(Layout("c").StartedPath(), StartsWith(Layout("c").run_dir()));
}

TEST_F(ContainerManagerDurabilityTest, WarrendRestartKeepsStartedRunning) {
  fake_.monitors_survive_restart = true;
  ASSERT_TRUE(manager_->Create("c", Spec()).ok());
  absl::StatusOr<v1::Container> started = manager_->Start("c");
  ASSERT_TRUE(started.ok()) << started.status();
  NewManager();
  absl::StatusOr<v1::Container> again = manager_->Inspect("c");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state(), v1::RUNNING);
  EXPECT_EQ(again->started_at().SerializeAsString(),
            started->started_at().SerializeAsString());
  // Its exit reaches the durable record, with the start time.
  FakeMonitorControl::Exit(&fake_, Layout("c"), 7);
  absl::StatusOr<v1::ExitStatus> exit = manager_->Wait("c", nullptr);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code(), 7);
  v1::Container record = OnDisk("c");
  EXPECT_EQ(record.state(), v1::STOPPED);
  EXPECT_EQ(record.exit_code(), 7);
  EXPECT_EQ(record.started_at().SerializeAsString(),
            started->started_at().SerializeAsString());
}

TEST_F(ContainerManagerDurabilityTest, HostRestartStopsWhatWasRunning) {
  ASSERT_TRUE(manager_->Create("ran", Spec()).ok());
  ASSERT_TRUE(manager_->Start("ran").ok());
  ASSERT_TRUE(manager_->Create("never", Spec()).ok());
  ASSERT_TRUE(manager_->Create("done", Spec()).ok());
  ASSERT_TRUE(manager_->Start("done").ok());
  FakeMonitorControl::Exit(&fake_, Layout("done"), 3);
  ASSERT_EQ(manager_->Wait("done", nullptr)->exit_code(), 3);
  // A reboot: the monitors are gone (this fake's watches die with the
  // manager) and the run directory is empty.
  manager_.reset();
  ASSERT_TRUE(RemoveTree(options_.run_dir).ok());
  NewManager();
  for (const char* id : {"ran", "never"}) {
    absl::StatusOr<v1::Container> c = manager_->Inspect(id);
    ASSERT_TRUE(c.ok()) << id << ": " << c.status();
    EXPECT_EQ(c->state(), v1::STOPPED) << id;
    EXPECT_EQ(c->exit_code(), 255) << id;  // lost with the host
    EXPECT_EQ(OnDisk(id).state(), v1::STOPPED) << id;
  }
  // What stopped before the crash keeps its real exit.
  EXPECT_EQ(manager_->Inspect("done")->exit_code(), 3);
  for (const char* id : {"ran", "never", "done"}) {
    EXPECT_TRUE(manager_->Delete(id, false).ok()) << id;
    EXPECT_FALSE(Exists(Layout(id).bundle_dir())) << id;
  }
}

TEST_F(ContainerManagerDurabilityTest, ExecRecordsInTheRunDirLogsKept) {
  v1::ContainerSpec spec = Spec();
  spec.mutable_process()->set_args(0, "sleep");
  ASSERT_TRUE(manager_->Create("c", spec).ok());
  ASSERT_TRUE(manager_->Start("c").ok());
  fake_.exec_stdout = "hi\n";
  ExecOptions options;
  options.exec_id = "e1";
  options.process.add_args("echo");
  options.sync = true;
  absl::StatusOr<ExecResult> r = manager_->Exec("c", options, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->out, "hi\n");
  const StoreLayout layout = Layout("c");
  for (const std::string& path :
       {layout.ExecSpecPath("e1"), layout.ExecExitPath("e1")}) {
    EXPECT_THAT(path, StartsWith(layout.run_dir()));
    EXPECT_TRUE(Exists(path)) << path;
  }
  EXPECT_THAT(layout.ExecLogPath("e1"), StartsWith(layout.bundle_dir()));
  EXPECT_TRUE(Exists(layout.ExecLogPath("e1")));
  // After a reboot the exec is gone with its processes; Delete still
  // removes its log.
  manager_.reset();
  ASSERT_TRUE(RemoveTree(options_.run_dir).ok());
  NewManager();
  EXPECT_EQ(manager_->ProcessSpecOf("c", "e1").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(manager_->Delete("c", false).ok());
  EXPECT_FALSE(Exists(layout.ExecLogPath("e1")));
}

}  // namespace
}  // namespace warren::runtime
