// Exec through the monitor's exec template (runtime/monitor/exec_template.h),
// seen from the host: where the execs' parent is and what is left after the
// container. Its hardening is checked with every other exec in exec_test.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/exec_fixture.h"

namespace warren::testing {
namespace {

// The host pids (as text) of the processes for which `match(pid)` holds.
std::vector<std::string> ProcessesWhere(
    const std::function<bool(int pid)>& match) {
  std::vector<std::string> found;
  DIR* proc = opendir("/proc");
  while (dirent* e = proc ? readdir(proc) : nullptr) {
    int pid;
    if (absl::SimpleAtoi(e->d_name, &pid) && match(pid)) {
      found.push_back(e->d_name);
    }
  }
  if (proc) closedir(proc);
  return found;
}

// The processes on the host in the network namespace with `inode`.
std::vector<std::string> HoldersOfNetNamespace(const std::string& want) {
  return ProcessesWhere([&](int pid) {
    char link[128] = {};
    std::string path = absl::StrCat("/proc/", pid, "/ns/net");
    return readlink(path.c_str(), link, sizeof(link) - 1) > 0 && link == want;
  });
}

// The host pids whose parent is `parent`.
std::vector<std::string> ChildrenOf(int parent) {
  const std::string want = absl::StrCat("PPid:\t", parent);
  return ProcessesWhere([&](int pid) {
    std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line == want) return true;
    }
    return false;
  });
}

v1::Container InspectBox(v1::ContainerService::Stub* stub,
                         grpc::ClientContext* ctx) {
  v1::InspectRequest inspect;
  inspect.set_id("box");
  v1::InspectResponse info;
  EXPECT_TRUE(stub->Inspect(ctx, inspect, &info).ok());
  return info.container();
}

int MonitorPid(v1::ContainerService::Stub* stub, grpc::ClientContext* ctx) {
  return InspectBox(stub, ctx).monitor_pid();
}

// An exec whose arguments do not fit a template request is forked the
// old way, and the template stays for the next one.
TEST_F(ExecTest, AnExecTooBigForTheTemplateRunsAndKeepsIt) {
  const int monitor = MonitorPid(stub_.get(), Ctx().get());
  ASSERT_GT(monitor, 0);
  EXPECT_EQ(SyncOrDie({"true"}).exit_code(), 0);  // makes the template
  std::vector<std::string> before = ChildrenOf(monitor);
  ASSERT_EQ(before.size(), 2u);  // the init and the template
  // 200 KiB in two arguments (execve takes at most 128 KiB in one): more
  // than a template request or one monitor packet holds.
  const std::string half(100 << 10, 'x');
  v1::ExecResponse resp =
      SyncOrDie({"sh", "-c", "echo $((${#1} + ${#2}))", "sh", half, half});
  EXPECT_EQ(resp.exit_code(), 0);
  EXPECT_EQ(resp.stdout(), absl::StrCat(2 * half.size(), "\n"));
  EXPECT_EQ(ChildrenOf(monitor), before);
  EXPECT_EQ(SyncOrDie({"true"}).exit_code(), 0);
  EXPECT_EQ(ChildrenOf(monitor), before);
}

// The template is the monitor's child that is not the init.
std::string TemplateOf(int monitor, int init) {
  std::vector<std::string> templates;
  for (const std::string& child : ChildrenOf(monitor)) {
    if (child != std::to_string(init)) templates.push_back(child);
  }
  return templates.size() == 1 ? templates[0] : "";
}

// A template that dies under a live monitor is replaced at the next exec,
// and an exec's rlimits are its own, not the template's (five descriptors
// per request would not fit a template with this one's limit).
TEST_F(ExecTest, ADeadTemplateIsReplacedAndRlimitsStayTheExecs) {
  const v1::Container box = InspectBox(stub_.get(), Ctx().get());
  const int monitor = box.monitor_pid();
  ASSERT_GT(monitor, 0);
  EXPECT_EQ(SyncOrDie({"true"}).exit_code(), 0);
  const std::string first = TemplateOf(monitor, box.pid());
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(kill(std::stoi(first), SIGKILL), 0);
  // Once the monitor has reaped it (before, the next exec finds it dead
  // and is forked, and the exec after it gets the new template).
  for (int i = 0; i < 200 && access(("/proc/" + first).c_str(), F_OK) == 0;
       ++i) {
    usleep(10000);
  }
  v1::ExecRequest limited = Req({"sh", "-c", "ulimit -n"});
  limited.set_sync(true);
  v1::Rlimit* nofile = limited.mutable_process()->add_rlimits();
  nofile->set_type("NOFILE");
  nofile->set_soft(4);
  nofile->set_hard(4);
  v1::ExecResponse resp;
  grpc::Status s = ExecCall(limited, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.stdout(), "4\n");
  const std::string second = TemplateOf(monitor, box.pid());
  EXPECT_FALSE(second.empty());
  EXPECT_NE(second, first);
  std::ifstream limits("/proc/" + second + "/limits");
  std::string line, own;
  while (std::getline(limits, line)) {
    if (absl::StartsWith(line, "Max open files")) own = line;
  }
  EXPECT_THAT(own, ::testing::Not(::testing::ContainsRegex("files +4 ")));
  EXPECT_EQ(SyncOrDie({"true"}).exit_code(), 0);
  EXPECT_EQ(TemplateOf(monitor, box.pid()), second);
}

// Execs under the default profile are cloned from a template the monitor
// keeps in the container's namespaces: they are still the monitor's
// children, and no process is left in the container's network namespace
// once Wait has seen the init's exit (the monitor drops the template at
// the init's exit; it would also die with the monitor and at its EOF).
TEST_F(ExecTest, ExecsStayTheMonitorsChildrenAndNothingOutlivesTheInit) {
  const int monitor = MonitorPid(stub_.get(), Ctx().get());
  ASSERT_GT(monitor, 0);
  std::string net;
  for (const auto& ns : init_.namespaces()) {
    if (ns.type() == "net") net = absl::StrCat("net:[", ns.inode(), "]");
  }
  ASSERT_FALSE(net.empty());
  for (int i = 0; i < 3; ++i) {
    v1::ExecResponse running;
    ASSERT_TRUE(ExecCall(Req({"sleep", "5"}), &running).ok());
    std::ifstream status(absl::StrCat("/proc/", running.pid(), "/status"));
    std::string line, ppid;
    while (std::getline(status, line)) {
      if (absl::StartsWith(line, "PPid:")) ppid = line;
    }
    EXPECT_EQ(ppid, absl::StrCat("PPid:\t", monitor));
  }
  EXPECT_FALSE(HoldersOfNetNamespace(net).empty());
  v1::KillRequest kill;
  kill.set_id("box");
  kill.set_signal("SIGKILL");
  v1::KillResponse killed;
  ASSERT_TRUE(stub_->Kill(Ctx().get(), kill, &killed).ok());
  v1::WaitRequest wait;
  wait.set_id("box");
  v1::WaitResponse waited;
  ASSERT_TRUE(stub_->Wait(Ctx().get(), wait, &waited).ok());
  // Wait returns once the monitor has recorded the exit and gone.
  EXPECT_THAT(HoldersOfNetNamespace(net), ::testing::IsEmpty());
}

// A template unused for --exec_template_idle goes (the next exec starts a
// new one). (That 0 makes none is not tested here: from outside, none made
// and one made and dropped at once look alike.)
TEST_F(WarrendTest, AnUnusedTemplateGoes) {
  warrend_->Stop(SIGTERM);
  warrend_->set_extra_args({"--exec_template_idle=1s"});
  warrend_->Start();
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  auto exec_true = [&](const std::string& id) {
    v1::ExecRequest req;
    req.set_container_id(id);
    req.set_sync(true);
    req.mutable_process()->add_args("true");
    v1::ExecResponse resp;
    grpc::Status s = stub_->Exec(Ctx().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.exit_code(), 0);
  };
  auto inspect = [&](const std::string& id) {
    v1::InspectRequest req;
    req.set_id(id);
    v1::InspectResponse info;
    EXPECT_TRUE(stub_->Inspect(Ctx().get(), req, &info).ok());
    return info.container();
  };
  v1::ContainerSpec spec = Spec({"sleep", "1000"});
  spec.mutable_stop_timeout()->set_seconds(1);
  CreateOrDie("idle", spec);
  StartOrDie("idle");
  const v1::Container idle = inspect("idle");
  exec_true("idle");
  const std::string first = TemplateOf(idle.monitor_pid(), idle.pid());
  ASSERT_FALSE(first.empty());
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {
    gone = access(("/proc/" + first).c_str(), F_OK) != 0;
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone) << "template " << first << " still there after 10 s";
  EXPECT_THAT(ChildrenOf(idle.monitor_pid()),
              ::testing::ElementsAre(std::to_string(idle.pid())));
  exec_true("idle");
  EXPECT_FALSE(TemplateOf(idle.monitor_pid(), idle.pid()).empty());
}

}  // namespace
}  // namespace warren::testing
