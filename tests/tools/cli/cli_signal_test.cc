// Tests that `warren run` forwards Ctrl-C (SIGINT) to the container while it
// waits, so the container stops and --rm still cleans up; that `exec` kills
// its process on Ctrl-C and follows SIGWINCH; and that `attach` forwards
// Ctrl-C to the init or (--sig-proxy=false) detaches. A separate binary: the
// signals are blocked before main, as warren_main does before any gRPC
// thread exists.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tests/tools/cli/fake_exec_service.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_signal_watcher.h"
#include "tools/cli/cli_support.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;

const bool kSignalsBlocked = [] {
  BlockStreamSignals();
  return true;
}();

// Wait blocks until a Kill arrives, then reports 128 + SIGINT.
class KillableService : public v1::ContainerService::Service {
 public:
  grpc::Status Create(grpc::ServerContext*, const v1::CreateRequest*,
                      v1::CreateResponse*) override {
    Record("Create");
    return grpc::Status::OK;
  }
  grpc::Status Start(grpc::ServerContext*, const v1::StartRequest*,
                     v1::StartResponse*) override {
    Record("Start");
    return grpc::Status::OK;
  }
  grpc::Status Wait(grpc::ServerContext*, const v1::WaitRequest*,
                    v1::WaitResponse* resp) override {
    Record("Wait");
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10),
                      [&] { return killed_; })) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no kill");
    }
    resp->mutable_status()->set_exit_code(128 + SIGINT);
    resp->mutable_status()->set_signal("SIGINT");
    return grpc::Status::OK;
  }
  grpc::Status Kill(grpc::ServerContext* ctx, const v1::KillRequest* req,
                    v1::KillResponse*) override {
    Record("Kill " + req->id() + " " + req->signal());
    std::lock_guard<std::mutex> lock(mu_);
    auto tenant = ctx->client_metadata().find(kTenantMetadataKey);
    if (tenant != ctx->client_metadata().end()) {
      kill_tenant_.assign(tenant->second.data(), tenant->second.size());
    }
    killed_ = true;
    cv_.notify_all();
    return grpc::Status::OK;
  }
  grpc::Status Logs(grpc::ServerContext*, const v1::LogsRequest*,
                    grpc::ServerWriter<v1::LogsResponse>*) override {
    Record("Logs");
    return grpc::Status::OK;
  }
  grpc::Status Delete(grpc::ServerContext*, const v1::DeleteRequest*,
                      v1::DeleteResponse*) override {
    Record("Delete");
    return grpc::Status::OK;
  }

  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // The warren-tenant metadata of the last Kill.
  std::string KillTenant() {
    std::lock_guard<std::mutex> lock(mu_);
    return kill_tenant_;
  }

 private:
  void Record(const std::string& call) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(call);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool killed_ = false;
  std::string kill_tenant_;
  std::vector<std::string> calls_;
};

TEST(SignalForwardingTest, CtrlCKillsTheContainerAndRmStillRuns) {
  ASSERT_TRUE(kSignalsBlocked);
  KillableService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::ContainerService::NewStub(
      server->InProcessChannel(grpc::ChannelArguments()));

  CommandEnv env;
  env.stub = stub.get();
  env.target = "unix:///unused";
  env.tenant = "team-a";
  env.forward_signals = true;
  std::thread ctrl_c([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(getpid(), SIGINT);
  });
  int rc = RunCommand(env, "run", {"--rm", "--name", "c", "sleep", "100"});
  ctrl_c.join();
  EXPECT_EQ(rc, 130);
  EXPECT_THAT(service.Calls(), ElementsAre("Create", "Start", "Wait",
                                           "Kill c SIGINT", "Logs", "Delete"));
  // The forwarder's own Kill names the tenant too.
  EXPECT_EQ(service.KillTenant(), "team-a");
  server->Shutdown();
}

class StreamSignalTest : public InProcessCommandTest<FakeExecService> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kSignalsBlocked);
    InProcessCommandTest::SetUp();
    env_.forward_signals = true;
    env_.terminal = &terminal_;
    env_.stdin_fd = -1;
  }
  // Sends `sig` to the process after `delay`.
  static std::thread SignalLater(int sig, int delay_ms = 300) {
    return std::thread([sig, delay_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      kill(getpid(), sig);
    });
  }
  void ExitLikeSigint() {
    service_.exit_on_kill = true;
    service_.exit.set_exit_code(128 + SIGINT);
    service_.exit.set_signal("SIGINT");
  }

  FakeTerminal terminal_;
};

TEST_F(StreamSignalTest, ExecCtrlCKillsTheProcess) {
  ExitLikeSigint();
  std::thread ctrl_c = SignalLater(SIGINT);
  int rc = Run("exec", {"c", "sleep", "100"});
  ctrl_c.join();
  EXPECT_EQ(rc, 130);
  EXPECT_THAT(service_.Calls(),
              ElementsAre("Exec c", "Stream c", "Kill c/e1 SIGINT"));
}

TEST_F(StreamSignalTest, ExecTtyFollowsWindowChanges) {
  terminal_.output_tty = true;
  terminal_.SetSize(24, 80);
  service_.resizes_before_exit = 2;
  std::thread winch([this] {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(service_.mu);
        if (service_.resizes >= 1) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    terminal_.SetSize(30, 100);
    kill(getpid(), SIGWINCH);
  });
  int rc = Run("exec", {"-t", "c", "top"});
  winch.join();
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(
      service_.Messages(),
      ElementsAre("target c/e1 from_start", "resize 24x80", "resize 30x100"));
  EXPECT_THAT(service_.Calls(), ElementsAre("Exec c", "Stream c"));
}

TEST_F(StreamSignalTest, AttachForwardsCtrlCToTheInit) {
  ExitLikeSigint();
  std::thread ctrl_c = SignalLater(SIGINT);
  int rc = Run("attach", {"c"});
  ctrl_c.join();
  EXPECT_EQ(rc, 130);
  EXPECT_THAT(service_.Calls(), ElementsAre("Stream c", "Kill c/ SIGINT"));
}

TEST_F(StreamSignalTest, AttachWithoutSigProxyDetachesOnCtrlC) {
  service_.exit_on_kill = true;  // the fake never exits by itself
  std::thread ctrl_c = SignalLater(SIGINT);
  int rc = Run("attach", {"--sig-proxy=false", "c"});
  ctrl_c.join();
  EXPECT_EQ(rc, 130);
  EXPECT_THAT(service_.Calls(), ElementsAre("Stream c"));
  EXPECT_EQ(err_.text(), "");
}

}  // namespace
}  // namespace warren::cli
