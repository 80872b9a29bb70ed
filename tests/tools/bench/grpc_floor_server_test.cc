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

// Starts the server as a child of the calling process; its pid, or 0.
pid_t StartServer(const std::string& address) {
  std::string path = ServerPath();
  std::string addr = address;
  std::string parent = std::to_string(getpid());
  char* argv[] = {path.data(), addr.data(), parent.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ) != 0) {
    return 0;
  }
  return pid;
}

// One Health/Check on a new connection within `seconds` (waiting for the
// server to come up that long).
bool Answers(const std::string& address, int seconds,
             grpc::health::v1::HealthCheckResponse* response = nullptr) {
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_wait_for_ready(seconds > 1);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(seconds));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("anything");
  grpc::health::v1::HealthCheckResponse ignored;
  return health->Check(&context, request, response ? response : &ignored).ok();
}

TEST(GrpcFloorServerTest, AnswersUnaryCallsWithAnEmptyMessage) {
  std::string address = Address("answers");
  pid_t pid = StartServer(address);
  ASSERT_GT(pid, 0);
  for (int i = 0; i < 3; ++i) {
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(Answers(address, 10, &response));
    EXPECT_EQ(response.ByteSizeLong(), 0u);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

TEST(GrpcFloorServerTest, DiesWithItsParent) {
  std::string address = Address("orphan");
  int pid_pipe[2], hold_pipe[2];
  ASSERT_EQ(pipe(pid_pipe), 0);
  ASSERT_EQ(pipe(hold_pipe), 0);
  // A child starts the server, reports its pid and waits to be let go;
  // only this process uses gRPC (the child of a gRPC process must not).
  pid_t middle = fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    close(pid_pipe[0]);
    close(hold_pipe[1]);
    pid_t server = StartServer(address);
    if (write(pid_pipe[1], &server, sizeof(server)) != sizeof(server)) {
      _exit(1);
    }
    char c;
    (void)read(hold_pipe[0], &c, 1);  // EOF: the test lets go
    _exit(0);
  }
  close(pid_pipe[1]);
  close(hold_pipe[0]);
  pid_t server = 0;
  ASSERT_EQ(read(pid_pipe[0], &server, sizeof(server)),
            static_cast<ssize_t>(sizeof(server)));
  close(pid_pipe[0]);
  ASSERT_GT(server, 0);
  EXPECT_TRUE(Answers(address, 10));  // up while its parent lives
  close(hold_pipe[1]);
  ASSERT_EQ(waitpid(middle, nullptr, 0), middle);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = !Answers(address, 1);
    if (!gone) usleep(100 * 1000);
  }
  EXPECT_TRUE(gone);
  kill(server, SIGKILL);  // should it have survived
}

}  // namespace
