// Tests of the warren commands against an in-process fake ContainerService:
// what they send, what they print, and their exit statuses.
#include "tools/cli/cli_commands.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tools/cli/cli_support.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Records requests and answers with canned replies.
class FakeService : public v1::ContainerService::Service {
 public:
  grpc::Status Create(grpc::ServerContext*, const v1::CreateRequest* req,
                      v1::CreateResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Create " + req->id());
    last_create = *req;
    resp->mutable_container()->set_id(req->id());
    return create_status;
  }
  grpc::Status Start(grpc::ServerContext*, const v1::StartRequest* req,
                     v1::StartResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Start " + req->id());
    return start_status;
  }
  grpc::Status Wait(grpc::ServerContext*, const v1::WaitRequest* req,
                    v1::WaitResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Wait " + req->id());
    resp->mutable_status()->set_exit_code(exit_code);
    return grpc::Status::OK;
  }
  grpc::Status Delete(grpc::ServerContext*, const v1::DeleteRequest* req,
                      v1::DeleteResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(std::string("Delete ") + req->id() +
                    (req->force() ? " force" : ""));
    if (req->id() == "missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no container \"missing\"");
    }
    return grpc::Status::OK;
  }
  grpc::Status Logs(grpc::ServerContext*, const v1::LogsRequest* req,
                    grpc::ServerWriter<v1::LogsResponse>* writer) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back("Logs " + req->id());
    }
    auto write = [&](const char* stream, const char* data, bool end) {
      v1::LogsResponse r;
      r.set_stream(stream);
      r.set_data(data);
      r.set_line_end(end);
      writer->Write(r);
    };
    write("stdout", "hi", true);
    write("stderr", "oops", true);
    write("stdout", "part", false);
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<std::string> calls;
  v1::CreateRequest last_create;
  grpc::Status create_status;
  grpc::Status start_status;
  int exit_code = 0;
};

class CommandsTest : public InProcessCommandTest<FakeService> {};

TEST_F(CommandsTest, RunWaitsPrintsLogsRemovesAndReturnsExitCode) {
  service_.exit_code = 3;
  EXPECT_EQ(Run("run", {"--rm", "--name", "c1", "sh", "-c", "exit 3"}), 3);
  EXPECT_THAT(service_.calls, ElementsAre("Create c1", "Start c1", "Wait c1",
                                          "Logs c1", "Delete c1"));
  EXPECT_THAT(service_.last_create.spec().process().args(),
              ElementsAre("sh", "-c", "exit 3"));
  EXPECT_EQ(out_.text(), "hi\npart");
  EXPECT_EQ(err_.text(), "oops\n");
}

TEST_F(CommandsTest, RunDetachedPrintsGeneratedId) {
  EXPECT_EQ(Run("run", {"-d", "sleep", "1"}), 0);
  std::string id = service_.last_create.id();
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{12}"));
  EXPECT_EQ(out_.text(), id + "\n");
  EXPECT_THAT(service_.calls, ElementsAre("Create " + id, "Start " + id));
}

TEST_F(CommandsTest, RunRemovesContainerWhenStartFails) {
  service_.start_status =
      grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "exec failed");
  EXPECT_EQ(Run("run", {"--rm", "--name", "c2", "nope"}), 1);
  EXPECT_THAT(service_.calls,
              ElementsAre("Create c2", "Start c2", "Delete c2 force"));
  EXPECT_EQ(err_.text(),
            "warren: run: start: FAILED_PRECONDITION: exec failed\n");
}

TEST_F(CommandsTest, CreateErrorIsOneLineExit1) {
  service_.create_status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "spec.rootfs: not a directory");
  EXPECT_EQ(Run("create", {"--name", "x", "true"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: create: INVALID_ARGUMENT: spec.rootfs: not a directory\n");
  EXPECT_EQ(out_.text(), "");
}

TEST_F(CommandsTest, CreateSendsResourceFlags) {
  EXPECT_EQ(Run("create",
                {"--name", "r", "-m", "64m", "--cpu-quota", "50000", "true"}),
            0);
  EXPECT_EQ(service_.last_create.spec().resources().memory_limit_bytes(),
            67108864);
  EXPECT_EQ(service_.last_create.spec().resources().cpu_quota_us(), 50000);
  EXPECT_EQ(out_.text(), "r\n");
}

TEST_F(CommandsTest, UsageErrorExit2WithoutCall) {
  EXPECT_EQ(Run("create", {"--user", "bob", "true"}), 2);
  EXPECT_EQ(err_.text(),
            "warren: create: --user \"bob\": want UID[:GID] with numeric ids "
            "(see 'warren help create')\n");
  EXPECT_TRUE(service_.calls.empty());
  EXPECT_EQ(Run("frobnicate", {}), 2);
}

TEST_F(CommandsTest, RmContinuesAfterErrorAndNamesTheId) {
  EXPECT_EQ(Run("rm", {"-f", "a", "missing", "b"}), 1);
  EXPECT_EQ(out_.text(), "a\nb\n");
  EXPECT_EQ(err_.text(),
            "warren: rm: missing: NOT_FOUND: no container \"missing\"\n");
  EXPECT_THAT(
      service_.calls,
      ElementsAre("Delete a force", "Delete missing force", "Delete b force"));
}

TEST_F(CommandsTest, WaitPrintsJson) {
  env_.json = true;
  service_.exit_code = 7;
  EXPECT_EQ(Run("wait", {"c"}), 7);
  EXPECT_THAT(out_.text(), HasSubstr("\"exit_code\": 7"));
}

TEST(DescribeRpcErrorTest, UnreachableSocket) {
  grpc::Status unavailable(grpc::StatusCode::UNAVAILABLE,
                           "failed to connect to all addresses");
  EXPECT_EQ(DescribeRpcError(unavailable, "unix:///nonexistent/w.sock"),
            "cannot reach warrend at unix:///nonexistent/w.sock: is warrend "
            "running? (No such file or directory)");
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::NOT_FOUND, "x"),
                             "unix:///nonexistent/w.sock"),
            "NOT_FOUND: x");
}

TEST(DescribeRpcErrorTest, UnreachableTcpHostIsNamed) {
  grpc::Status unavailable(grpc::StatusCode::UNAVAILABLE,
                           "failed to connect to all addresses");
  EXPECT_EQ(DescribeRpcError(unavailable, "tcp://[::1]:7443"),
            "cannot reach warrend at tcp://[::1]:7443: UNAVAILABLE: failed "
            "to connect to all addresses");
  EXPECT_EQ(
      DescribeRpcError(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no"),
                       "tcp://[::1]:7443"),
      "PERMISSION_DENIED: no");
}

TEST(DescribeRpcErrorTest, RealChannelToMissingSocket) {
  std::string target = "unix:///nonexistent/warren.sock";
  auto stub = v1::ContainerService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  CommandEnv env;
  env.stub = stub.get();
  env.target = target;
  Capture out, err;
  env.out = out.file();
  env.err = err.file();
  EXPECT_EQ(RunCommand(env, "ps", {}), 1);
  EXPECT_EQ(err.text(),
            "warren: ps: cannot reach warrend at "
            "unix:///nonexistent/warren.sock: is warrend running? (No such "
            "file or directory)\n");
}

}  // namespace
}  // namespace warren::cli
