// grpc_floor_server answers any unary call with an empty message, and dies
// with the process that started it (so a benchmark stopped with Ctrl-C
// leaves no server). No root needed.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

extern char** environ;

namespace {

std::string ServerPath() {
  return std::string(getenv("TEST_SRCDIR")) + "/" + getenv("TEST_WORKSPACE") +
         "/tools/bench/grpc_floor_server";
}

// Abstract socket: Bazel's TEST_TMPDIR is too long for a unix socket path.
std::string Address(const char* what) {
  return "unix-abstract:warren-floor-test-" + std::to_string(getpid()) + "-" +
         what;
}

bool Connects(const std::string& address, int seconds) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  return channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(seconds));
}

// One Health/Check on a new connection, within a second.
bool Answers(const std::string& address) {
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(1));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return health->Check(&context, request, &response).ok();
}

TEST(GrpcFloorServerTest, AnswersUnaryCallsWithAnEmptyMessage) {
  std::string address = Address("answers");
  std::string path = ServerPath();
  char* argv[] = {path.data(), address.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ), 0);
  ASSERT_TRUE(Connects(address, 10));
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("anything");
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.ByteSizeLong(), 0u);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

TEST(GrpcFloorServerTest, DiesWithItsParent) {
  std::string address = Address("orphan");
  std::string path = ServerPath();
  // A child starts the server and exits: the server must go too.
  pid_t middle = fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    char* argv[] = {path.data(), address.data(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ) != 0) {
      _exit(1);
    }
    _exit(Connects(address, 10) && Answers(address) ? 0 : 2);
  }
  int status = 0;
  ASSERT_EQ(waitpid(middle, &status, 0), middle);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);  // it was up while its parent lived
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = !Answers(address);
    if (!gone) usleep(100 * 1000);
  }
  EXPECT_TRUE(gone);
}

}  // namespace
