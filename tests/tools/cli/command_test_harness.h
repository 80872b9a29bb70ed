// Runs CLI commands against an in-process fake ContainerService and
// captures what they print, so command tests need no daemon or socket.
#ifndef WARREN_TESTS_TOOLS_CLI_COMMAND_TEST_HARNESS_H_
#define WARREN_TESTS_TOOLS_CLI_COMMAND_TEST_HARNESS_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_commands.h"

namespace warren::cli {

// Captures what a command prints to a FILE*.
class Capture {
 public:
  Capture() : file_(open_memstream(&buf_, &size_)) {}
  ~Capture() {
    fclose(file_);
    free(buf_);
  }
  FILE* file() { return file_; }
  std::string text() {
    fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

// A fixture serving `Service` (a fake ContainerService) in process.
template <typename Service>
class InProcessCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = warren::v1::ContainerService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
    env_.stub = stub_.get();
    env_.target = "unix:///nonexistent/warren.sock";
    env_.out = out_.file();
    env_.err = err_.file();
  }
  void TearDown() override { server_->Shutdown(); }

  // Through RunCommand, as warren_main calls it.
  int Run(const std::string& command, const std::vector<std::string>& args) {
    return RunCommand(env_, command, args);
  }

  Service service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<warren::v1::ContainerService::Stub> stub_;
  CommandEnv env_;
  Capture out_;
  Capture err_;
};

}  // namespace warren::cli

#endif  // WARREN_TESTS_TOOLS_CLI_COMMAND_TEST_HARNESS_H_
