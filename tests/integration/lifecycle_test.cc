// End to end over gRPC against a real warrend: a busybox container through
// create, start, wait, inspect, list, logs, kill and delete.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

const v1::NamespaceInfo* FindNs(const v1::Container& c,
                                const std::string& type) {
  for (const auto& ns : c.namespaces()) {
    if (ns.type() == type) return &ns;
  }
  return nullptr;
}

TEST_F(WarrendTest, CreateStartWaitInspectListDelete) {
  v1::Container created = CreateOrDie("exit3", Spec({"sh", "-c", "exit 3"}));
  EXPECT_EQ(created.state(), v1::CREATED);
  EXPECT_GT(created.pid(), 0);
  EXPECT_GT(created.monitor_pid(), 0);
  // Default isolation: own mount, UTS, IPC, PID and network namespaces.
  for (const char* type : {"mnt", "uts", "ipc", "pid", "net"}) {
    const v1::NamespaceInfo* ns = FindNs(created, type);
    ASSERT_NE(ns, nullptr) << type;
    EXPECT_FALSE(ns->shared_with_host()) << type;
    EXPECT_GT(ns->inode(), 0u) << type;
    EXPECT_EQ(ns->path(),
              "/proc/" + std::to_string(created.pid()) + "/ns/" + type);
  }

  StartOrDie("exit3");

  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("exit3", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 3);
  EXPECT_EQ(waited.status().signal(), "");

  v1::InspectRequest inspect;
  inspect.set_id("exit3");
  v1::InspectResponse info;
  ASSERT_TRUE(stub_->Inspect(Ctx().get(), inspect, &info).ok());
  EXPECT_EQ(info.container().state(), v1::STOPPED);
  EXPECT_EQ(info.container().exit_code(), 3);
  EXPECT_EQ(info.container().pid(), 0);
  EXPECT_GT(info.container().finished_at().seconds(), 0);
  EXPECT_GT(info.container().started_at().seconds(), 0);

  v1::ListResponse list;
  ASSERT_TRUE(stub_->List(Ctx().get(), {}, &list).ok());
  ASSERT_EQ(list.containers_size(), 1);
  EXPECT_EQ(list.containers(0).id(), "exit3");

  v1::DeleteRequest del;
  del.set_id("exit3");
  v1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->Delete(Ctx().get(), del, &deleted).ok());
  EXPECT_EQ(stub_->Inspect(Ctx().get(), inspect, &info).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(Exists(warrend_->state_dir() + "/containers/default/exit3"));
  EXPECT_FALSE(Exists(warrend_->run_dir() + "/containers/default/exit3"));
}

TEST_F(WarrendTest, ContainerSeesItsOwnHostnamePidAndMounts) {
  v1::ContainerSpec spec =
      Spec({"sh", "-c",
            "hostname; echo pid=$$; cat /proc/self/mounts; echo oops >&2"});
  spec.set_hostname("box1");
  CreateOrDie("isolated", spec);
  StartOrDie("isolated");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("isolated", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 0);

  auto [out, err] = Logs("isolated");
  EXPECT_THAT(out, ::testing::StartsWith("box1\npid=1\n"));
  EXPECT_THAT(out, HasSubstr("overlay / overlay"));
  EXPECT_THAT(out, HasSubstr("proc /proc proc rw,nosuid,nodev,noexec"));
  // Only the container's own mounts: the host's are gone after pivot_root.
  // First the standard ones, then only masked or read-only /proc and /sys
  // paths.
  std::vector<std::string> mount_points;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() > 2) mount_points.emplace_back(fields[1]);
  }
  ASSERT_GE(mount_points.size(), 7u) << out;
  EXPECT_THAT(
      std::vector<std::string>(mount_points.begin(), mount_points.begin() + 7),
      ::testing::ElementsAre("/", "/proc", "/sys", "/dev", "/dev/pts",
                             "/dev/shm", "/dev/mqueue"));
  for (size_t i = 7; i < mount_points.size(); ++i) {
    EXPECT_THAT(mount_points[i],
                ::testing::AnyOf(::testing::StartsWith("/proc/"),
                                 ::testing::StartsWith("/sys/")))
        << out;
  }
  EXPECT_EQ(err, "oops\n");
}

TEST_F(WarrendTest, OwnNetworkNamespaceHasOnlyLoopbackUp) {
  CreateOrDie("netnone",
              Spec({"sh", "-c", "ls /sys/class/net; ip link show lo"}));
  StartOrDie("netnone");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("netnone", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 0);
  auto [out, err] = Logs("netnone");
  EXPECT_THAT(out, ::testing::StartsWith("lo\n"));
  EXPECT_THAT(out, HasSubstr("<LOOPBACK,UP,LOWER_UP>"));
}

TEST_F(WarrendTest, SignalsStartAtTheirDefaults) {
  // warrend ignores SIGPIPE; its containers must not inherit that.
  CreateOrDie(
      "pipes",
      Spec({"sh", "-c", "yes | head -n 1; grep SigIgn /proc/self/status"}));
  StartOrDie("pipes");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("pipes", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 0);
  auto [out, err] = Logs("pipes");
  EXPECT_THAT(out, HasSubstr("y\n"));
  EXPECT_THAT(err, ::testing::Not(HasSubstr("Broken pipe")));
}

TEST_F(WarrendTest, DeleteKillsProcessesThatOutliveInit) {
  // With the host's PID namespace, a background child survives its init.
  v1::ContainerSpec spec = Spec({"sh", "-c", "sleep 300 & echo $!"});
  spec.mutable_namespaces()->mutable_pid()->set_mode(
      v1::NamespaceSpec::MODE_HOST);
  CreateOrDie("orphans", spec);
  StartOrDie("orphans");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("orphans", &waited).ok());
  auto [out, err] = Logs("orphans");
  int orphan = std::atoi(out.c_str());
  ASSERT_GT(orphan, 1) << out;
  EXPECT_EQ(kill(orphan, 0), 0) << "the background sleep should still run";
  v1::DeleteRequest del;
  del.set_id("orphans");
  v1::DeleteResponse deleted;
  grpc::Status s = stub_->Delete(Ctx().get(), del, &deleted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    // Reaped by its subreaper (the monitor, gone too) or by init.
    gone = kill(orphan, 0) != 0;
    if (!gone) usleep(100 * 1000);
  }
  EXPECT_TRUE(gone) << "pid " << orphan << " survived Delete";
}

TEST_F(WarrendTest, KillDeliversSignalAndWaitReportsIt) {
  CreateOrDie("sleeper", Spec({"sleep", "100"}));
  v1::Container started = StartOrDie("sleeper");
  EXPECT_EQ(started.state(), v1::RUNNING);

  v1::KillRequest kill;
  kill.set_id("sleeper");
  kill.set_signal("KILL");
  v1::KillResponse killed;
  ASSERT_TRUE(stub_->Kill(Ctx().get(), kill, &killed).ok());
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("sleeper", &waited).ok());
  EXPECT_EQ(waited.status().signal(), "SIGKILL");
  EXPECT_EQ(waited.status().exit_code(), 128 + 9);

  // Killing a stopped container is a state error.
  EXPECT_EQ(stub_->Kill(Ctx().get(), kill, &killed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(WarrendTest, DeleteRunningNeedsForceAndThenStopsIt) {
  v1::ContainerSpec spec = Spec({"sleep", "100"});
  spec.mutable_stop_timeout()->set_seconds(
      1);  // sleep ignores SIGTERM as pid 1
  CreateOrDie("busy", spec);
  v1::Container started = StartOrDie("busy");
  pid_t monitor = started.monitor_pid();

  v1::DeleteRequest del;
  del.set_id("busy");
  v1::DeleteResponse deleted;
  grpc::Status s = stub_->Delete(Ctx().get(), del, &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("force"));

  del.set_force(true);
  ASSERT_TRUE(stub_->Delete(Ctx().get(), del, &deleted).ok());
  EXPECT_FALSE(Exists(warrend_->state_dir() + "/containers/default/busy"));
  // The monitor is gone too (give it a moment to exit after recording).
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = kill(monitor, 0) != 0;
    if (!gone) usleep(100 * 1000);
  }
  EXPECT_TRUE(gone) << "monitor " << monitor << " still running";
}

TEST_F(WarrendTest, StartOfMissingProgramFailsAndStops) {
  CreateOrDie("nosuch", Spec({"/no/such/program"}));
  v1::StartRequest start;
  start.set_id("nosuch");
  v1::StartResponse started;
  grpc::Status s = stub_->Start(Ctx().get(), start, &started);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("exec /no/such/program"));
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("nosuch", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 127);
}

TEST_F(WarrendTest, RunningContainerSurvivesWarrendCrash) {
  v1::Container created =
      CreateOrDie("survivor", Spec({"sh", "-c", "sleep 2; exit 5"}));
  StartOrDie("survivor");

  warrend_->Stop(SIGKILL);
  ASSERT_NO_FATAL_FAILURE(warrend_->Start());
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());

  v1::InspectRequest inspect;
  inspect.set_id("survivor");
  v1::InspectResponse info;
  grpc::Status s = stub_->Inspect(Ctx().get(), inspect, &info);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(info.container().state(), v1::RUNNING);
  // The recovered container's namespaces are read again, not lost: the
  // same kinds and inodes Create reported.
  ASSERT_EQ(info.container().namespaces_size(), created.namespaces_size());
  for (const v1::NamespaceInfo& ns : created.namespaces()) {
    const v1::NamespaceInfo* now = FindNs(info.container(), ns.type());
    ASSERT_NE(now, nullptr) << ns.type();
    EXPECT_EQ(now->inode(), ns.inode()) << ns.type();
  }
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("survivor", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 5);
}

TEST_F(WarrendTest, ExitWhileWarrendIsDownIsReportedAfterRestart) {
  CreateOrDie("quick", Spec({"sh", "-c", "sleep 0.5; exit 9"}));
  StartOrDie("quick");
  warrend_->Stop(SIGKILL);
  sleep(2);
  ASSERT_NO_FATAL_FAILURE(warrend_->Start());
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("quick", &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 9);
}

}  // namespace
}  // namespace warren::testing
