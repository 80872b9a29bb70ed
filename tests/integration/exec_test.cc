// Exec and Stream end to end: processes in a running container with
// separate stdout/stderr and exit codes, stdin through Stream, a terminal
// that follows resizes, 100 MiB streamed byte-exact, sync timeouts and
// output caps, the container's namespaces and hardening, survival across a
// warrend crash and events (bad requests: exec_errors_test).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/exec_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

// CRC-32 as zlib (and busybox's crc32 applet) computes it.
uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

TEST_F(ExecTest, SyncSeparatesStreamsAndReturnsTheExitCode) {
  v1::ExecResponse r =
      SyncOrDie({"sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(r.exit_code(), 7);
  EXPECT_EQ(r.stdout(), "out\n");
  EXPECT_EQ(r.stderr(), "err\n");
  EXPECT_FALSE(r.exec_id().empty());
  EXPECT_GT(r.pid(), 0);
  v1::WaitRequest wait;
  wait.set_id("box");
  wait.set_exec_id(r.exec_id());
  v1::WaitResponse waited;
  ASSERT_TRUE(stub_->Wait(Ctx().get(), wait, &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 7);
}

TEST_F(ExecTest, SilentExecMakesNoLogFileAndReadsAsEmpty) {
  v1::ExecResponse silent = SyncOrDie({"true"});
  EXPECT_EQ(silent.exit_code(), 0);
  EXPECT_EQ(silent.stdout(), "");
  const std::string logs =
      warrend_->state_dir() + "/containers/default/box/execs/";
  EXPECT_NE(access((logs + silent.exec_id() + ".log").c_str(), F_OK), 0);
  v1::ExecResponse loud = SyncOrDie({"echo", "hi"});
  EXPECT_EQ(loud.stdout(), "hi\n");
  EXPECT_EQ(access((logs + loud.exec_id() + ".log").c_str(), F_OK), 0);
  // Attaching to a silent one: no output, then its exit.
  v1::ExecRequest req = Req({"sh", "-c", "sleep 0.3; exit 4"});
  v1::ExecResponse started;
  ASSERT_TRUE(ExecCall(req, &started).ok());
  auto [out, err, code] = Attach(started.exec_id(), "", false);
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
  EXPECT_EQ(code, 4);
}

TEST_F(ExecTest, LogOutputAlsoGoesToTheContainerLog) {
  v1::ExecRequest logged = Req({"sh", "-c", "echo into-the-log"});
  logged.set_sync(true);
  logged.set_log_output(true);
  v1::ExecResponse r;
  ASSERT_TRUE(ExecCall(logged, &r).ok());
  EXPECT_EQ(r.stdout(), "into-the-log\n");
  SyncOrDie({"sh", "-c", "echo not-in-the-log"});
  auto [out, err] = Logs("box");
  EXPECT_THAT(out, HasSubstr("into-the-log\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("not-in-the-log")));
}

TEST_F(ExecTest, JoinsTheContainersNamespacesCgroupAndHardening) {
  v1::ExecResponse r = SyncOrDie(
      {"sh", "-c",
       "hostname; for n in net pid mnt; do readlink /proc/self/ns/$n; done; "
       "grep -E 'CapEff|NoNewPrivs|Seccomp:' /proc/self/status; "
       "ls /proc >/tmp/pids; grep -cE '^[0-9]+$' /tmp/pids"});
  EXPECT_EQ(r.exit_code(), 0) << r.stderr();
  std::vector<std::string> lines = absl::StrSplit(r.stdout(), '\n');
  ASSERT_GE(lines.size(), 8u) << r.stdout() << r.stderr();
  // sleep (the init), sh and ls: the PID namespace's own processes (a
  // pipe into grep would race ls's readdir against grep's fork).
  EXPECT_EQ(lines[7], "3");
  EXPECT_EQ(lines[0], "box");
  for (const auto& ns : init_.namespaces()) {
    std::string want = absl::StrCat(ns.type(), ":[", ns.inode(), "]");
    if (ns.type() == "net") {
      EXPECT_EQ(lines[1], want);
    } else if (ns.type() == "pid") {
      EXPECT_EQ(lines[2], want);
    } else if (ns.type() == "mnt") {
      EXPECT_EQ(lines[3], want);
    }
  }
  EXPECT_THAT(r.stdout(), HasSubstr("CapEff:\t00000000a80425fb"));
  EXPECT_THAT(r.stdout(), HasSubstr("NoNewPrivs:\t1"));
  EXPECT_THAT(r.stdout(), HasSubstr("Seccomp:\t2"));

  // The monitor keeps the last exec's hardening: an exec with other
  // security gets its own, and the next default one the container's again.
  v1::ExecRequest dropped = Req({"grep", "CapEff", "/proc/self/status"});
  dropped.set_sync(true);
  dropped.mutable_security()->add_cap_drop("CAP_CHOWN");
  v1::ExecResponse without_chown;
  ASSERT_TRUE(ExecCall(dropped, &without_chown).ok());
  EXPECT_THAT(without_chown.stdout(), HasSubstr("CapEff:\t00000000a80425fa"));
  EXPECT_THAT(SyncOrDie({"grep", "CapEff", "/proc/self/status"}).stdout(),
              HasSubstr("CapEff:\t00000000a80425fb"));

  // The exec's own program (no shell before it) starts in the cgroups: the
  // monitor moves it while it sets itself up, and it execs only after. In
  // the container's cgroup namespace they are the root, "/"; from outside
  // them a path would climb out ("/../..").
  v1::ExecResponse self = SyncOrDie({"cat", "/proc/self/cgroup"});
  int limited = 0;
  for (absl::string_view line : absl::StrSplit(self.stdout(), '\n')) {
    if (!absl::StrContains(line, ":memory:") &&
        !absl::StrContains(line, ":pids:") && !absl::StartsWith(line, "0::")) {
      continue;
    }
    ++limited;
    EXPECT_TRUE(absl::EndsWith(line, ":/")) << line;
  }
  EXPECT_GE(limited, 3) << self.stdout();

  // From the host: the exec is in the container's cgroup.
  v1::ExecResponse running;
  ASSERT_TRUE(ExecCall(Req({"sleep", "5"}), &running).ok());
  std::string cgroup;
  FILE* f =
      fopen(absl::StrCat("/proc/", running.pid(), "/cgroup").c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[512];
  while (fgets(buf, sizeof(buf), f) != nullptr) cgroup += buf;
  fclose(f);
  EXPECT_THAT(cgroup,
              HasSubstr("/" + warrend_->cgroup_parent() + "/default/box"));
}

TEST_F(ExecTest, StdinRoundTripThroughCat) {
  v1::ExecRequest req = Req({"cat"});
  req.mutable_process()->set_open_stdin(true);
  v1::ExecResponse resp;
  ASSERT_TRUE(ExecCall(req, &resp).ok());
  auto [out, err, code] = Attach(resp.exec_id(), "hello through stdin\n", true);
  EXPECT_EQ(out, "hello through stdin\n");
  EXPECT_EQ(code, 0);
}

TEST_F(ExecTest, TerminalSizeFollowsResize) {
  v1::ExecRequest req = Req({"sh", "-c", "sleep 0.5; stty size; tty"});
  req.mutable_process()->set_tty(true);
  req.mutable_process()->set_open_stdin(true);
  v1::ExecResponse resp;
  ASSERT_TRUE(ExecCall(req, &resp).ok());
  v1::TerminalSize size;
  size.set_rows(41);
  size.set_cols(123);
  auto [out, err, code] = Attach(resp.exec_id(), "", false, &size);
  EXPECT_THAT(out, HasSubstr("41 123"));
  EXPECT_THAT(out, HasSubstr("/dev/pts/"));
  EXPECT_EQ(code, 0);
}

TEST_F(ExecTest, CtrlCReachesTheProcessThroughItsTerminal) {
  v1::ExecRequest req =
      Req({"sh", "-c",
           "trap 'echo got-sigint; exit 5' INT; i=0; while [ $i -lt 100 ]; do "
           "sleep 0.1; i=$((i+1)); done"});
  req.mutable_process()->set_tty(true);
  req.mutable_process()->set_open_stdin(true);
  v1::ExecResponse resp;
  ASSERT_TRUE(ExecCall(req, &resp).ok());
  absl::SleepFor(absl::Milliseconds(500));
  auto [out, err, code] = Attach(resp.exec_id(), "\x03", false);
  EXPECT_THAT(out, HasSubstr("got-sigint"));
  EXPECT_EQ(code, 5);
}

TEST_F(ExecTest, ContainerInitWithTerminalAndStdin) {
  v1::ContainerSpec spec =
      Spec({"sh", "-c", "sleep 0.5; stty size; read line; echo got:$line"});
  spec.mutable_process()->set_tty(true);
  spec.mutable_process()->set_open_stdin(true);
  CreateOrDie("term", spec);
  StartOrDie("term");
  v1::TerminalSize size;
  size.set_rows(30);
  size.set_cols(90);
  auto [out, err, code] = Attach("", "hello\n", false, &size, "term");
  EXPECT_THAT(out, HasSubstr("30 90"));
  EXPECT_THAT(out, HasSubstr("got:hello"));
  EXPECT_EQ(code, 0);

  v1::ContainerSpec piped = Spec({"cat"});
  piped.mutable_process()->set_open_stdin(true);
  CreateOrDie("piped", piped);
  StartOrDie("piped");
  auto [out2, err2, code2] = Attach("", "abc\n", true, nullptr, "piped");
  EXPECT_EQ(out2, "abc\n");
  EXPECT_EQ(code2, 0);
}

TEST_F(ExecTest, ManyClientsEndedProcessesAndSlowClients) {
  v1::ExecResponse shared;
  ASSERT_TRUE(
      ExecCall(Req({"sh", "-c", "sleep 1; echo shared-line"}), &shared).ok());
  std::string outs[2];
  int codes[2] = {-1, -1};
  std::thread second([&] {
    std::tie(outs[1], std::ignore, codes[1]) =
        Attach(shared.exec_id(), "", false);
  });
  std::tie(outs[0], std::ignore, codes[0]) =
      Attach(shared.exec_id(), "", false);
  second.join();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(outs[i], "shared-line\n");
    EXPECT_EQ(codes[i], 0);
  }

  // Attaching to a process that already ended: its exit at once.
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    auto stream = stub_->Stream(&ctx);
    v1::StreamRequest first;
    first.mutable_target()->set_container_id("box");
    first.mutable_target()->set_exec_id(shared.exec_id());
    stream->Write(first);
    v1::StreamResponse msg;
    ASSERT_TRUE(stream->Read(&msg));
    EXPECT_TRUE(msg.has_exit());
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }

  // A client that reads nothing does not hold the process up.
  v1::ExecResponse busy;
  ASSERT_TRUE(
      ExecCall(Req({"head", "-c", "50000000", "/dev/zero"}), &busy).ok());
  grpc::ClientContext stalled;
  auto stream = stub_->Stream(&stalled);
  v1::StreamRequest first;
  first.mutable_target()->set_container_id("box");
  first.mutable_target()->set_exec_id(busy.exec_id());
  first.mutable_target()->set_from_start(true);
  stream->Write(first);
  v1::WaitRequest wait;
  wait.set_id("box");
  wait.set_exec_id(busy.exec_id());
  v1::WaitResponse waited;
  ASSERT_TRUE(stub_->Wait(Ctx(20).get(), wait, &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 0);
  stalled.TryCancel();
}

TEST_F(ExecTest, HundredMebibytesArriveByteExact) {
  v1::ExecResponse made = SyncOrDie(
      {"sh", "-c",
       "head -c 104857600 /dev/urandom > /tmp/data && crc32 /tmp/data"});
  ASSERT_EQ(made.exit_code(), 0) << made.stderr();
  uint32_t want = 0;
  ASSERT_TRUE(absl::SimpleHexAtoi(
      made.stdout().substr(0, made.stdout().find(' ')), &want))
      << made.stdout();
  v1::ExecResponse resp;
  ASSERT_TRUE(ExecCall(Req({"cat", "/tmp/data"}), &resp).ok());
  auto [out, err, code] = Attach(resp.exec_id(), "", false);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.size(), 104857600u);
  EXPECT_EQ(Crc32(out), want);
}

TEST_F(ExecTest, TimeoutKillsAndCapTruncates) {
  v1::ExecRequest slow = Req({"sleep", "30"});
  slow.set_sync(true);
  slow.mutable_timeout()->set_nanos(300 * 1000 * 1000);
  v1::ExecResponse r;
  ASSERT_TRUE(ExecCall(slow, &r).ok());
  EXPECT_TRUE(r.timed_out());
  EXPECT_EQ(r.signal(), "SIGKILL");

  v1::ExecResponse big = SyncOrDie({"head", "-c", "17000000", "/dev/zero"});
  EXPECT_TRUE(big.stdout_truncated());
  EXPECT_EQ(big.stdout().size(), 16u << 20);
  EXPECT_FALSE(big.stderr_truncated());
}

TEST_F(ExecTest, SurvivesAWarrendCrash) {
  v1::ExecResponse resp;
  ASSERT_TRUE(
      ExecCall(Req({"sh", "-c", "sleep 1; echo finished; exit 3"}), &resp)
          .ok());
  warrend_->Stop(SIGKILL);
  warrend_->Start();
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  v1::WaitRequest wait;
  wait.set_id("box");
  wait.set_exec_id(resp.exec_id());
  v1::WaitResponse waited;
  ASSERT_TRUE(stub_->Wait(Ctx().get(), wait, &waited).ok());
  EXPECT_EQ(waited.status().exit_code(), 3);
  auto [out, err, code] = Attach(resp.exec_id(), "", false);
  EXPECT_EQ(out, "finished\n");
  EXPECT_EQ(code, 3);
  // Both ends of the exec are in the journal, exactly once.
  v1::EventsRequest events;
  events.add_container_ids("box");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(1500));
  auto reader = stub_->Events(&ctx, events);
  int started = 0, exited = 0;
  v1::Event e;
  while (reader->Read(&e)) {
    if (e.exec_id() != resp.exec_id()) continue;
    started += e.type() == "exec_started";
    exited += e.type() == "exec_exited";
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(exited, 1);
}

}  // namespace
}  // namespace warren::testing
