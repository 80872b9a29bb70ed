// `logs -f` across a real daemon restart: the CLI follows over a unix
// socket with the channel warren_main uses (NewDaemonChannel); the first
// server goes away as warrend does on SIGTERM (Shutdown with a deadline,
// cancelling the follow), a second one takes over the socket, and the
// output must have every line exactly once.
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_support.h"

namespace warren::cli {
namespace {

// Logs serves records "k" at time k s for k after `since` up to `last`,
// then holds the stream open until cancelled (`hold`) or ends it.
class FollowService : public v1::ContainerService::Service {
 public:
  FollowService(int last, bool hold) : last_(last), hold_(hold) {}

  grpc::Status Logs(grpc::ServerContext* ctx, const v1::LogsRequest* req,
                    grpc::ServerWriter<v1::LogsResponse>* writer) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(*req);
    }
    for (int k = static_cast<int>(req->since().seconds()) + 1; k <= last_;
         ++k) {
      v1::LogsResponse r;
      r.set_stream("stdout");
      r.set_data(std::to_string(k));
      r.set_line_end(true);
      r.mutable_time()->set_seconds(k);
      writer->Write(r);
    }
    while (hold_ && !ctx->IsCancelled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return grpc::Status::OK;
  }
  std::vector<v1::LogsRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  const int last_;
  const bool hold_;
  std::mutex mu_;
  std::vector<v1::LogsRequest> requests_;
};

// Reads from `fd` until `want` has been read (or 10 s pass).
std::string ReadUntil(int fd, const std::string& want) {
  std::string got;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find(want) == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

std::unique_ptr<grpc::Server> Serve(const std::string& target,
                                    grpc::Service* service) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(target, grpc::InsecureServerCredentials());
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

TEST(LogsReconnectTest, FollowSurvivesADaemonRestart) {
  char dir_template[] = "/tmp/warren-logs.XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::string socket = dir + "/s.sock";
  std::string target = "unix://" + socket;

  FollowService first(/*last=*/2, /*hold=*/true);
  std::unique_ptr<grpc::Server> server = Serve(target, &first);
  ASSERT_NE(server, nullptr);

  int out_pipe[2];
  ASSERT_EQ(pipe(out_pipe), 0);
  FILE* out = fdopen(out_pipe[1], "w");
  Capture err;
  auto stub = v1::ContainerService::NewStub(NewDaemonChannel(target));
  CommandEnv env;
  env.stub = stub.get();
  env.target = target;
  env.out = out;
  env.err = err.file();
  env.logs_reconnect = absl::Seconds(10);
  int rc = -1;
  std::thread cli([&] { rc = RunCommand(env, "logs", {"-f", "c"}); });

  std::string seen = ReadUntil(out_pipe[0], "1\n2\n");
  EXPECT_EQ(seen, "1\n2\n");
  // As warrend on SIGTERM: in-flight streams are cancelled at the deadline.
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(100));
  server.reset();
  // Down for a while: the CLI's reconnects fail meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  unlink(socket.c_str());
  FollowService second(/*last=*/4, /*hold=*/false);
  server = Serve(target, &second);
  ASSERT_NE(server, nullptr);

  cli.join();
  fclose(out);
  seen += ReadUntil(out_pipe[0], "4\n");
  close(out_pipe[0]);
  EXPECT_EQ(rc, 0) << err.text();
  EXPECT_EQ(seen, "1\n2\n3\n4\n");
  EXPECT_EQ(err.text(), "");
  std::vector<v1::LogsRequest> resumed = second.Requests();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_TRUE(resumed[0].follow());
  EXPECT_EQ(resumed[0].since().seconds(), 2);
  EXPECT_EQ(resumed[0].since().nanos(), 1);
  server->Shutdown(std::chrono::system_clock::now());
  unlink(socket.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace warren::cli
