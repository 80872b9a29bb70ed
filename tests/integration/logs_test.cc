// Logs with follow end to end: a follower that reconnects after warrend was
// SIGKILLed and restarted, with since = last time received + 1 ns, gets
// every line exactly once, in order; following a container that already
// exited returns its history and ends; tail works with follow; a cancelled
// follow leaves no descriptor behind in warrend.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;

class LogsTest : public WarrendTest {
 protected:
  struct Follow {
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientReader<v1::LogsResponse>> reader;
  };
  Follow StartFollow(const std::string& id, int64_t tail = 0,
                     const google::protobuf::Timestamp* since = nullptr,
                     int seconds = 60) {
    v1::LogsRequest req;
    req.set_id(id);
    req.set_follow(true);
    req.set_tail(tail);
    if (since != nullptr) *req.mutable_since() = *since;
    Follow f;
    f.ctx = Ctx(seconds);
    f.reader = stub_->Logs(f.ctx.get(), req);
    return f;
  }
  // Reads a follow to its end; its lines (data only) and final status.
  std::vector<std::string> ReadAll(Follow& f, grpc::Status* status) {
    std::vector<std::string> lines;
    v1::LogsResponse r;
    while (f.reader->Read(&r)) lines.push_back(r.data());
    *status = f.reader->Finish();
    return lines;
  }
  v1::ContainerState State(const std::string& id) {
    v1::InspectRequest req;
    req.set_id(id);
    v1::InspectResponse resp;
    EXPECT_TRUE(stub_->Inspect(Ctx().get(), req, &resp).ok());
    return resp.container().state();
  }
  // warrend's pid, found by its --socket flag.
  pid_t WarrendPid() {
    std::string flag = "--socket=" + warrend_->socket();
    DIR* proc = opendir("/proc");
    pid_t found = -1;
    while (dirent* e = proc ? readdir(proc) : nullptr) {
      pid_t pid = atoi(e->d_name);
      if (pid <= 0) continue;
      std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), {});
      if (cmdline.find(flag) != std::string::npos &&
          cmdline.find("setpriv") == std::string::npos) {
        found = pid;
      }
    }
    if (proc) closedir(proc);
    return found;
  }
  // warrend's descriptors other than inotify instances (`inotify` false),
  // or its pooled inotify instances only (true).
  static int CountFds(pid_t pid, bool inotify = false) {
    FdCount n = testing::CountFds(pid);
    return inotify ? n.inotify : n.other;
  }
};

TEST_F(LogsTest, FollowSurvivesWarrendKillWithNoLineLostOrDoubled) {
  CreateOrDie("counter",
              Spec({"sh", "-c",
                    "i=0; while [ $i -lt 400 ]; do echo line$i; i=$((i+1)); "
                    "sleep 0.01; done"}));
  StartOrDie("counter");
  std::vector<std::string> lines;
  google::protobuf::Timestamp since;
  bool resumed = false;
  bool killed = false;
  for (int connection = 0; connection < 2; ++connection) {
    Follow f = StartFollow("counter", 0, resumed ? &since : nullptr);
    v1::LogsResponse r;
    while (f.reader->Read(&r)) {
      EXPECT_EQ(r.stream(), "stdout");
      EXPECT_TRUE(r.line_end());
      lines.push_back(r.data());
      since = r.time() + TimeUtil::NanosecondsToDuration(1);
      resumed = true;
      if (!killed && lines.size() == 50) {
        warrend_->Stop(SIGKILL);  // in the middle of the stream
        killed = true;
      }
    }
    grpc::Status s = f.reader->Finish();
    if (s.ok()) break;  // the container exited and everything was sent
    ASSERT_EQ(connection, 0) << s.error_code() << " " << s.error_message();
    ASSERT_TRUE(killed) << s.error_code() << " " << s.error_message();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    ASSERT_NO_FATAL_FAILURE(warrend_->Start());
    stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
    // The container still prints: the second follow sees live output too.
    EXPECT_EQ(State("counter"), v1::RUNNING);
  }
  ASSERT_TRUE(killed);
  ASSERT_EQ(lines.size(), 400u);
  for (int i = 0; i < 400; ++i) {
    ASSERT_EQ(lines[i], "line" + std::to_string(i)) << "at " << i;
  }
  EXPECT_EQ(State("counter"), v1::STOPPED);
}

TEST_F(LogsTest, FollowOfExitedContainerReturnsHistoryAndEnds) {
  RunResult r =
      Run("done", Spec({"sh", "-c",
                        // Apart in time: the monitor reads two pipes.
                        "echo a; sleep 0.2; echo b >&2; sleep 0.2; echo c"}));
  ASSERT_EQ(r.exit_code, 0);
  auto started = std::chrono::steady_clock::now();
  Follow f = StartFollow("done", 0, nullptr, 10);
  std::vector<std::string> streams;
  std::vector<std::string> lines;
  v1::LogsResponse resp;
  while (f.reader->Read(&resp)) {
    lines.push_back(resp.data());
    streams.push_back(resp.stream());
  }
  grpc::Status s = f.reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(3));
  EXPECT_THAT(lines, ElementsAre("a", "b", "c"));
  EXPECT_THAT(streams, ElementsAre("stdout", "stderr", "stdout"));

  // tail with follow of an exited container: the last line, then the end.
  Follow tail = StartFollow("done", 1, nullptr, 10);
  EXPECT_THAT(ReadAll(tail, &s), ElementsAre("c"));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(LogsTest, RotationDropsTheOldestAndKeepsTheNewest) {
  warrend_->Stop(SIGTERM);
  warrend_->set_extra_args({"--log_max_bytes=4096"});
  warrend_->Start();
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  v1::ContainerSpec spec =
      Spec({"sh", "-c",
            "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"});
  CreateOrDie("rot", spec);
  StartOrDie("rot");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("rot", &waited).ok());
  std::string log =
      warrend_->state_dir() + "/containers/default/rot/container.log";
  struct stat st;
  ASSERT_EQ(stat(log.c_str(), &st), 0);
  EXPECT_LE(st.st_size, 4096);
  ASSERT_EQ(stat((log + ".1").c_str(), &st), 0);
  EXPECT_LE(st.st_size, 4096);
  grpc::Status status;
  Follow f = StartFollow("rot");
  std::vector<std::string> lines = ReadAll(f, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "line1999");
  EXPECT_NE(lines.front(), "line0");
  // What is left is the newest stretch, in order and without gaps.
  int first = std::stoi(lines.front().substr(4));
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i], "line" + std::to_string(first + i));
  }
}

TEST_F(LogsTest, TailWithFollow) {
  CreateOrDie("tailed",
              Spec({"sh", "-c",
                    "i=0; while [ $i -lt 10 ]; do echo early$i; i=$((i+1)); "
                    "done; sleep 3; echo late"}));
  StartOrDie("tailed");
  // Until the first ten lines are in the log.
  for (int i = 0;
       i < 100 && Logs("tailed").first.find("early9") == std::string::npos;
       ++i) {
    usleep(20 * 1000);
  }
  Follow f = StartFollow("tailed", 3);
  grpc::Status s;
  EXPECT_THAT(ReadAll(f, &s),
              ElementsAre("early7", "early8", "early9", "late"));
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
}

TEST_F(LogsTest, CancelledFollowLeavesNoDescriptorBehind) {
  CreateOrDie("quiet", Spec({"sh", "-c", "echo hi; sleep 1000"}));
  StartOrDie("quiet");
  pid_t pid = WarrendPid();
  ASSERT_GT(pid, 0);
  // One follow first: gRPC sets up what it keeps for the connection.
  std::vector<Follow> follows;
  follows.push_back(StartFollow("quiet"));
  v1::LogsResponse r;
  ASSERT_TRUE(follows[0].reader->Read(&r));
  follows[0].ctx->TryCancel();
  (void)follows[0].reader->Finish();
  usleep(500 * 1000);
  int baseline = CountFds(pid);
  follows.clear();
  for (int i = 0; i < 10; ++i) {
    follows.push_back(StartFollow("quiet"));
    ASSERT_TRUE(follows.back().reader->Read(&r));
    EXPECT_EQ(r.data(), "hi");
  }
  EXPECT_GT(CountFds(pid), baseline);  // each holds its log and a watch
  for (Follow& f : follows) {
    f.ctx->TryCancel();
    EXPECT_EQ(f.reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // Each handler notices within its poll interval and closes everything.
  int fds = -1;
  for (int i = 0; i < 20 && (fds = CountFds(pid)) > baseline; ++i) {
    usleep(100 * 1000);
  }
  EXPECT_LE(fds, baseline);
  // Their inotify instances went back to the pool: a second round reuses
  // them instead of opening more.
  int pooled = CountFds(pid, true);
  EXPECT_LE(pooled, kMaxPooledInotify);
  follows.clear();
  for (int i = 0; i < 10; ++i) {
    follows.push_back(StartFollow("quiet"));
    ASSERT_TRUE(follows.back().reader->Read(&r));
  }
  for (Follow& f : follows) {
    f.ctx->TryCancel();
    (void)f.reader->Finish();
  }
  for (int i = 0; i < 20 && CountFds(pid) > baseline; ++i) usleep(100 * 1000);
  EXPECT_LE(CountFds(pid), baseline);
  EXPECT_LE(CountFds(pid, true), pooled);
  // sh as PID 1 ignores the stop signal: spare TearDown the stop timeout.
  v1::KillRequest kill;
  kill.set_id("quiet");
  kill.set_signal("KILL");
  v1::KillResponse killed;
  EXPECT_TRUE(stub_->Kill(Ctx().get(), kill, &killed).ok());
}

}  // namespace
}  // namespace warren::testing
