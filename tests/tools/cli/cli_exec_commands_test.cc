// Tests of exec, attach and logs (-f, reconnecting) against an in-process
// fake ContainerService, with a fake terminal and a pipe as stdin: the
// requests and stream messages sent, where output goes, exit codes.
#include "tools/cli/cli_exec_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tests/tools/cli/fake_exec_service.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_stream_session.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class ExecCommandsTest : public InProcessCommandTest<FakeExecService> {
 protected:
  void SetUp() override {
    InProcessCommandTest::SetUp();
    env_.terminal = &terminal_;
    // Default stdin: already at EOF.
    env_.stdin_fd = StdinWith("");
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);
    InProcessCommandTest::TearDown();
  }
  // A pipe holding `data`, then EOF.
  int StdinWith(const std::string& data) {
    int p[2];
    EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
    EXPECT_EQ(write(p[1], data.data(), data.size()),
              static_cast<ssize_t>(data.size()));
    close(p[1]);
    fds_.push_back(p[0]);
    return p[0];
  }
  // The stdin payloads the fake received, joined.
  std::string StdinSent() {
    std::string all;
    for (const std::string& m : service_.Messages()) {
      if (m.rfind("stdin ", 0) == 0) all += m.substr(6);
    }
    return all;
  }
  // The messages without the stdin payloads.
  std::vector<std::string> Controls() {
    std::vector<std::string> out;
    for (const std::string& m : service_.Messages()) {
      if (m.rfind("stdin ", 0) != 0) out.push_back(m);
    }
    return out;
  }

  FakeTerminal terminal_;
  std::vector<int> fds_;
};

TEST_F(ExecCommandsTest, StreamsOutputAndReturnsExitCode) {
  service_.stream_stdout = "out\n";
  service_.stream_stderr = "err\n";
  service_.exit.set_exit_code(3);
  EXPECT_EQ(Run("exec", {"-e", "A=1", "-w", "/tmp", "-u", "7:8", "c1", "sh",
                         "-c", "echo out; echo err >&2; exit 3"}),
            3);
  EXPECT_THAT(service_.Calls(), ElementsAre("Exec c1", "Stream c1"));
  const v1::ExecRequest& req = service_.execs.at(0);
  EXPECT_EQ(req.container_id(), "c1");
  EXPECT_EQ(req.exec_id(), "");
  EXPECT_FALSE(req.sync());
  EXPECT_THAT(req.process().args(),
              ElementsAre("sh", "-c", "echo out; echo err >&2; exit 3"));
  EXPECT_THAT(req.process().env(), ElementsAre("A=1"));
  EXPECT_EQ(req.process().cwd(), "/tmp");
  EXPECT_EQ(req.process().uid(), 7u);
  EXPECT_EQ(req.process().gid(), 8u);
  EXPECT_FALSE(req.process().tty());
  EXPECT_FALSE(req.process().open_stdin());
  // Without -i nothing of stdin is sent, not even close_stdin.
  EXPECT_THAT(service_.Messages(), ElementsAre("target c1/e1 from_start"));
  EXPECT_EQ(out_.text(), "out\n");
  EXPECT_EQ(err_.text(), "err\n");
  EXPECT_THAT(terminal_.Calls(), IsEmpty());
}

TEST_F(ExecCommandsTest, ForwardsStdinAndEofBecomesCloseStdin) {
  env_.stdin_fd = StdinWith("hello\nworld\n");
  service_.exit.set_exit_code(5);
  EXPECT_EQ(Run("exec", {"-i", "c1", "cat"}), 5);
  EXPECT_TRUE(service_.execs.at(0).process().open_stdin());
  EXPECT_FALSE(service_.execs.at(0).process().tty());
  EXPECT_EQ(StdinSent(), "hello\nworld\n");
  EXPECT_THAT(Controls(),
              ElementsAre("target c1/e1 from_start", "close_stdin"));
  EXPECT_EQ(out_.text(), "hello\nworld\n");   // echoed by the fake
  EXPECT_THAT(terminal_.Calls(), IsEmpty());  // no -t: no raw mode
}

TEST_F(ExecCommandsTest, TtyWithStdinIsRawAndSendsSize) {
  terminal_.input_tty = true;
  terminal_.output_tty = true;
  terminal_.SetSize(24, 80);
  env_.stdin_fd = StdinWith("ls\r");
  EXPECT_EQ(Run("exec", {"-it", "c1", "sh"}), 0);
  EXPECT_TRUE(service_.execs.at(0).process().tty());
  EXPECT_TRUE(service_.execs.at(0).process().open_stdin());
  EXPECT_THAT(Controls(), ElementsAre("target c1/e1 from_start", "resize 24x80",
                                      "close_stdin"));
  EXPECT_EQ(StdinSent(), "ls\r");
  EXPECT_THAT(terminal_.Calls(), ElementsAre("MakeRaw", "Restore"));
}

TEST_F(ExecCommandsTest, TtyWithoutStdinSendsSizeButStaysCooked) {
  terminal_.output_tty = true;
  terminal_.SetSize(50, 132);
  service_.resizes_before_exit = 1;
  EXPECT_EQ(Run("exec", {"-t", "c1", "top"}), 0);
  EXPECT_TRUE(service_.execs.at(0).process().tty());
  EXPECT_THAT(service_.Messages(),
              ElementsAre("target c1/e1 from_start", "resize 50x132"));
  EXPECT_THAT(terminal_.Calls(), IsEmpty());
}

TEST_F(ExecCommandsTest, SizeFromStdinTerminalWhenOutputIsPiped) {
  terminal_.input_tty = true;  // `exec -it c sh | tee log`
  terminal_.SetSize(24, 80);
  EXPECT_EQ(Run("exec", {"-it", "c1", "sh"}), 0);
  EXPECT_THAT(Controls(), ElementsAre("target c1/e1 from_start", "resize 24x80",
                                      "close_stdin"));
  EXPECT_THAT(terminal_.Calls(), ElementsAre("MakeRaw", "Restore"));
}

TEST_F(ExecCommandsTest, TtyWithoutAnyTerminalSendsNoSize) {
  terminal_.SetSize(24, 80);
  EXPECT_EQ(Run("exec", {"-t", "c1", "ls"}), 0);
  EXPECT_TRUE(service_.execs.at(0).process().tty());
  EXPECT_THAT(service_.Messages(), ElementsAre("target c1/e1 from_start"));
  EXPECT_THAT(terminal_.Calls(), IsEmpty());
}

TEST_F(ExecCommandsTest, TtyInteractiveNeedsATerminalOnStdin) {
  EXPECT_EQ(Run("exec", {"-it", "c1", "sh"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: exec: the input device is not a TTY: -it needs a "
            "terminal on stdin (drop -t to pipe input)\n");
  EXPECT_THAT(service_.Calls(), IsEmpty());
}

TEST_F(ExecCommandsTest, TerminalRestoredWhenExecFails) {
  terminal_.input_tty = true;
  service_.exec_status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                      "container \"c1\" is not running");
  EXPECT_EQ(Run("exec", {"-it", "c1", "sh"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: exec: FAILED_PRECONDITION: container \"c1\" is not "
            "running\n");
  EXPECT_THAT(terminal_.Calls(), ElementsAre("MakeRaw", "Restore"));
  EXPECT_THAT(service_.Calls(), ElementsAre("Exec c1"));
}

TEST_F(ExecCommandsTest, TerminalRestoredWhenStreamFails) {
  terminal_.input_tty = true;
  service_.stream_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no exec \"e1\"");
  EXPECT_EQ(Run("exec", {"-it", "c1", "sh"}), 1);
  EXPECT_EQ(err_.text(), "warren: exec: stream: NOT_FOUND: no exec \"e1\"\n");
  EXPECT_THAT(terminal_.Calls(), ElementsAre("MakeRaw", "Restore"));
}

TEST_F(ExecCommandsTest, RawModeFailureIsAnErrorBeforeExec) {
  terminal_.input_tty = true;
  terminal_.make_raw_status =
      absl::FailedPreconditionError("setting raw terminal mode: I/O error");
  EXPECT_EQ(Run("exec", {"-it", "c1", "sh"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: exec: setting raw terminal mode: I/O error\n");
  EXPECT_THAT(service_.Calls(), IsEmpty());
  EXPECT_THAT(terminal_.Calls(), ElementsAre("MakeRaw"));
}

TEST_F(ExecCommandsTest, DetachPrintsExecIdWithoutStreaming) {
  EXPECT_EQ(Run("exec", {"-d", "-t", "c1", "sleep", "100"}), 0);
  EXPECT_EQ(out_.text(), "e1\n");
  EXPECT_THAT(service_.Calls(), ElementsAre("Exec c1"));
  EXPECT_TRUE(service_.execs.at(0).process().tty());
  EXPECT_THAT(terminal_.Calls(), IsEmpty());
}

TEST_F(ExecCommandsTest, KilledBySignalIs128PlusN) {
  service_.exit.set_exit_code(137);
  service_.exit.set_signal("SIGKILL");
  EXPECT_EQ(Run("exec", {"c1", "sleep", "100"}), 137);
}

TEST_F(ExecCommandsTest, UsageErrorsMakeNoCall) {
  EXPECT_EQ(Run("exec", {"c1"}), 2);
  EXPECT_EQ(err_.text(),
            "warren: exec: requires a command to run after the container id: "
            "ID CMD [ARGS...] (see 'warren help exec')\n");
  EXPECT_THAT(service_.Calls(), IsEmpty());
}

TEST_F(ExecCommandsTest, HelpShowsUsage) {
  EXPECT_EQ(Run("exec", {"--help"}), 0);
  EXPECT_THAT(out_.text(), StartsWith("Usage: warren exec [-i] [-t]"));
  EXPECT_EQ(Run("help", {"attach"}), 0);
  EXPECT_THAT(out_.text(), HasSubstr("Usage: warren attach"));
  EXPECT_EQ(Run("help", {}), 0);
  EXPECT_THAT(out_.text(), HasSubstr("  exec      run a command"));
}

TEST_F(ExecCommandsTest, AttachFollowsInitFromNowWithoutStdin) {
  service_.stream_stdout = "tick\n";
  service_.stream_stderr = "warn\n";
  service_.exit.set_exit_code(7);
  EXPECT_EQ(Run("attach", {"web"}), 7);
  EXPECT_THAT(service_.Calls(), ElementsAre("Stream web"));
  EXPECT_THAT(service_.Messages(), ElementsAre("target web/"));
  EXPECT_EQ(out_.text(), "tick\n");
  EXPECT_EQ(err_.text(), "warn\n");
}

TEST_F(ExecCommandsTest, AttachErrorIsOneLine) {
  service_.stream_status =
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no container \"x\"");
  EXPECT_EQ(Run("attach", {"x"}), 1);
  EXPECT_EQ(err_.text(), "warren: attach: NOT_FOUND: no container \"x\"\n");
}

TEST_F(ExecCommandsTest, RunInteractiveStreamsToTheInitAndRemovesIt) {
  env_.stdin_fd = StdinWith("hi\n");
  service_.exit.set_exit_code(4);
  EXPECT_EQ(Run("run", {"-i", "--rm", "--name", "c9", "cat"}), 4);
  EXPECT_THAT(service_.Calls(), ElementsAre("Create c9 stdin", "Start c9",
                                            "Stream c9", "Delete c9"));
  EXPECT_THAT(Controls(), ElementsAre("target c9/ from_start", "close_stdin"));
  EXPECT_EQ(StdinSent(), "hi\n");
  EXPECT_EQ(out_.text(), "hi\n");  // echoed by the fake
}

TEST_F(ExecCommandsTest, RunWithTerminalIsRawAndSendsSize) {
  terminal_.input_tty = true;
  terminal_.output_tty = true;
  terminal_.SetSize(30, 100);
  env_.stdin_fd = StdinWith("exit\r");
  EXPECT_EQ(Run("run", {"-it", "--name", "c8", "sh"}), 0);
  EXPECT_THAT(service_.Calls(),
              ElementsAre("Create c8 tty stdin", "Start c8", "Stream c8"));
  EXPECT_THAT(Controls(), ElementsAre("target c8/ from_start", "resize 30x100",
                                      "close_stdin"));
  EXPECT_THAT(terminal_.Calls(), ElementsAre("MakeRaw", "Restore"));
}

TEST(ExitCodeOfTest, SignalsAndRange) {
  v1::ExitStatus s;
  s.set_exit_code(3);
  EXPECT_EQ(ExitCodeOf(s), 3);
  s.set_exit_code(0);
  s.set_signal("SIGTERM");  // only the signal known
  EXPECT_EQ(ExitCodeOf(s), 143);
  s.set_signal("KILL");
  EXPECT_EQ(ExitCodeOf(s), 137);
  s.set_signal("");
  s.set_exit_code(300);
  EXPECT_EQ(ExitCodeOf(s), 255);
}

// logs -f ---------------------------------------------------------------

using Record = FakeExecService::Record;

TEST_F(ExecCommandsTest, LogsFollowSetsFollowAndKeepsFormat) {
  service_.logs_script = {
      {{{"stdout", "a", 10, 0}, {"stderr", "b", 11, 0}}, grpc::Status::OK}};
  EXPECT_EQ(Run("logs", {"-f", "c1"}), 0);
  ASSERT_EQ(service_.logs_requests.size(), 1u);
  EXPECT_TRUE(service_.logs_requests[0].follow());
  EXPECT_EQ(out_.text(), "a\n");
  EXPECT_EQ(err_.text(), "b\n");
}

// The warning for an OutputGap of `n` files.
std::string GapWarning(int n) {
  return "warren: output lost here: " + std::to_string(n) +
         " log file(s) were rotated away before they could be sent (the "
         "reader fell behind)\n";
}

// An OutputGap is a warning on stderr where the output is missing.
TEST_F(ExecCommandsTest, StreamGapIsAWarning) {
  service_.stream_stdout = "before\n";
  service_.stream_gap = 2;
  service_.stream_stderr = "after\n";
  EXPECT_EQ(Run("exec", {"c1", "true"}), 0);
  EXPECT_EQ(out_.text(), "before\n");
  EXPECT_EQ(err_.text(), GapWarning(2) + "after\n");
}

// A gap in a follow is a warning too, and no record: a resumed follow
// starts after the last record.
TEST_F(ExecCommandsTest, LogsGapIsAWarningAndNoResumePoint) {
  grpc::Status gone(grpc::StatusCode::UNAVAILABLE, "Socket closed");
  service_.logs_script = {
      {{{"stdout", "one", 100, 5}, {"gap", "", 1, 0}}, gone},
      {{{"stdout", "two", 101, 0}}, grpc::Status::OK}};
  EXPECT_EQ(Run("logs", {"-f", "c1"}), 0);
  ASSERT_EQ(service_.logs_requests.size(), 2u);
  EXPECT_EQ(service_.logs_requests[1].since().seconds(), 100);
  EXPECT_EQ(service_.logs_requests[1].since().nanos(), 6);
  EXPECT_EQ(out_.text(), "one\ntwo\n");
  EXPECT_EQ(err_.text(), GapWarning(1));
}

TEST_F(ExecCommandsTest, LogsFollowReconnectsAfterUnavailable) {
  grpc::Status gone(grpc::StatusCode::UNAVAILABLE, "Socket closed");
  service_.logs_script = {
      {{{"stdout", "one", 100, 5}, {"stderr", "two", 100, 999999999}}, gone},
      {{{"stdout", "three", 101, 7}}, grpc::Status::OK}};
  EXPECT_EQ(Run("logs", {"-f", "--tail", "2", "c1"}), 0);
  ASSERT_EQ(service_.logs_requests.size(), 2u);
  const v1::LogsRequest& first = service_.logs_requests[0];
  EXPECT_EQ(first.tail(), 2);
  EXPECT_FALSE(first.has_since());
  const v1::LogsRequest& again = service_.logs_requests[1];
  EXPECT_TRUE(again.follow());
  EXPECT_EQ(again.id(), "c1");
  EXPECT_EQ(again.tail(), 0);               // the tail was already printed
  EXPECT_EQ(again.since().seconds(), 101);  // 100.999999999 + 1 ns
  EXPECT_EQ(again.since().nanos(), 0);
  EXPECT_EQ(out_.text(), "one\nthree\n");
  EXPECT_EQ(err_.text(), "two\n");
}

TEST_F(ExecCommandsTest, LogsFollowGivesUpAfterTheReconnectBudget) {
  env_.logs_reconnect = absl::Milliseconds(300);
  grpc::Status gone(grpc::StatusCode::UNAVAILABLE, "Socket closed");
  service_.logs_script = {{{{"stdout", "one", 100, 5}}, gone}};
  service_.logs_after_script = gone;
  EXPECT_EQ(Run("logs", {"-f", "c1"}), 1);
  EXPECT_GE(service_.logs_requests.size(), 3u);  // 100, 200 ms backoff
  for (size_t i = 1; i < service_.logs_requests.size(); ++i) {
    EXPECT_EQ(service_.logs_requests[i].since().seconds(), 100);
    EXPECT_EQ(service_.logs_requests[i].since().nanos(), 6);
  }
  EXPECT_EQ(out_.text(), "one\n");
  EXPECT_EQ(err_.text(),
            "warren: logs: gave up reconnecting after 300ms: cannot reach "
            "warrend at unix:///nonexistent/warren.sock: is warrend running? "
            "(No such file or directory)\n");
}

TEST_F(ExecCommandsTest, LogsFollowDoesNotRetryIfNeverConnected) {
  service_.logs_script = {
      {{}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect")}};
  EXPECT_EQ(Run("logs", {"-f", "c1"}), 1);
  EXPECT_EQ(service_.logs_requests.size(), 1u);
  EXPECT_THAT(err_.text(), StartsWith("warren: logs: cannot reach warrend"));
}

TEST_F(ExecCommandsTest, LogsWithoutFollowDoesNotRetry) {
  service_.logs_script = {{{{"stdout", "one", 100, 5}},
                           grpc::Status(grpc::StatusCode::UNAVAILABLE, "x")}};
  EXPECT_EQ(Run("logs", {"c1"}), 1);
  EXPECT_EQ(service_.logs_requests.size(), 1u);
  EXPECT_FALSE(service_.logs_requests[0].follow());
}

TEST_F(ExecCommandsTest, LogsSendsTailAndSince) {
  EXPECT_EQ(Run("logs", {"--tail", "5", "--since", "1700000000.25", "c1"}), 0);
  ASSERT_EQ(service_.logs_requests.size(), 1u);
  EXPECT_EQ(service_.logs_requests[0].tail(), 5);
  EXPECT_EQ(service_.logs_requests[0].since().seconds(), 1700000000);
  EXPECT_EQ(service_.logs_requests[0].since().nanos(), 250000000);
}

}  // namespace
}  // namespace warren::cli
