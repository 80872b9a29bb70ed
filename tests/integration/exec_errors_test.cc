// Exec and Stream with bad input: clear gRPC errors (the field named, the
// errno text of a failed setup step) and nothing left behind.
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/exec_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(ExecTest, BadRequestsGetClearErrors) {
  v1::ExecResponse resp;
  grpc::Status s = ExecCall(Req({}), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("process.args"));

  // More arguments and environment than execve takes: the field named,
  // not an error from deep inside.
  v1::ExecRequest huge = Req({"echo"});
  for (int i = 0; i < 17; ++i) {
    huge.mutable_process()->add_args(std::string(127 << 10, 'x'));
  }
  s = ExecCall(huge, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("process: args and env"));
  v1::ExecRequest long_arg = Req({"echo", std::string(128 << 10, 'x')});
  s = ExecCall(long_arg, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("process.args[1]: of 131072"));

  v1::ExecRequest unknown = Req({"true"});
  unknown.set_container_id("ghost");
  s = ExecCall(unknown, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::ExecResponse plain;
  ASSERT_TRUE(ExecCall(Req({"sleep", "5"}), &plain).ok());
  v1::ExecRequest dup = Req({"true"});
  dup.set_exec_id(plain.exec_id());
  s = ExecCall(dup, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  v1::ExecRequest missing = Req({"/no/such/program"});
  missing.set_sync(true);
  missing.set_exec_id("missing");
  s = ExecCall(missing, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("No such file"));
  // ... and leaves no record, log or prepared exit record behind.
  // (The log is in the state directory, the rest in the run directory.)
  for (const std::string& dir : {warrend_->state_dir(), warrend_->run_dir()}) {
    std::string execs = dir + "/containers/default/box/execs";
    for (const char* suffix : {".pb", ".log", ".exit.pb", ".exit.pb.tmp"}) {
      std::string path = execs + "/missing" + suffix;
      EXPECT_NE(access(path.c_str(), F_OK), 0) << path;
    }
  }
  // A setup step failing in the child (here its working directory) is the
  // error, whatever it left the monitor's release with.
  v1::ExecRequest nowhere = Req({"true"});
  nowhere.set_sync(true);
  nowhere.mutable_process()->set_cwd("/no/such/dir");
  s = ExecCall(nowhere, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("chdir /no/such/dir"));

  v1::WaitRequest wait;
  wait.set_id("box");
  wait.set_exec_id("nope");
  v1::WaitResponse waited;
  EXPECT_EQ(stub_->Wait(Ctx().get(), wait, &waited).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Stream: no target first; stdin and resize to a process without them.
  {
    grpc::ClientContext ctx;
    auto stream = stub_->Stream(&ctx);
    v1::StreamRequest bad;
    bad.set_stdin("x");
    stream->Write(bad);
    stream->WritesDone();
    v1::StreamResponse ignored;
    while (stream->Read(&ignored)) {
    }
    grpc::Status st = stream->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), HasSubstr("target"));
  }
  for (bool resize : {false, true}) {
    grpc::ClientContext ctx;
    auto stream = stub_->Stream(&ctx);
    v1::StreamRequest first;
    first.mutable_target()->set_container_id("box");
    first.mutable_target()->set_exec_id(plain.exec_id());
    stream->Write(first);
    v1::StreamRequest r;
    if (resize) {
      r.mutable_resize()->set_rows(10);
    } else {
      r.set_stdin("x");
    }
    stream->Write(r);
    v1::StreamResponse ignored;
    while (stream->Read(&ignored)) {
    }
    grpc::Status st = stream->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << st.error_message();
  }
  // The container is unaffected, and a stopped one refuses execs.
  EXPECT_EQ(SyncOrDie({"true"}).exit_code(), 0);
  v1::KillRequest kill;
  kill.set_id("box");
  kill.set_signal("KILL");
  v1::KillResponse killed;
  ASSERT_TRUE(stub_->Kill(Ctx().get(), kill, &killed).ok());
  ASSERT_TRUE(WaitFor("box", &waited).ok());
  s = ExecCall(Req({"true"}), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace warren::testing
