// The edge converts runtime errors to the same gRPC code and message, and
// rejects malformed requests with INVALID_ARGUMENT naming the field.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/request_validation.h"
#include "server/status_convert.h"

namespace warren::server {
namespace {

using ::testing::StartsWith;

TEST(StatusConvertTest, KeepsCodeAndMessage) {
  const std::pair<absl::Status, grpc::StatusCode> cases[] = {
      {absl::InvalidArgumentError("spec.rootfs: bad"),
       grpc::StatusCode::INVALID_ARGUMENT},
      {absl::NotFoundError("no container"), grpc::StatusCode::NOT_FOUND},
      {absl::AlreadyExistsError("dup"), grpc::StatusCode::ALREADY_EXISTS},
      {absl::FailedPreconditionError("running"),
       grpc::StatusCode::FAILED_PRECONDITION},
      {absl::ResourceExhaustedError("full"),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::UnimplementedError("later"), grpc::StatusCode::UNIMPLEMENTED},
      {absl::CancelledError("gone"), grpc::StatusCode::CANCELLED},
      {absl::InternalError("bug"), grpc::StatusCode::INTERNAL},
  };
  for (const auto& [in, code] : cases) {
    grpc::Status out = ToGrpcStatus(in);
    EXPECT_EQ(out.error_code(), code) << in;
    EXPECT_EQ(out.error_message(), std::string(in.message()));
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(RequestValidationTest, Create) {
  v1::CreateRequest req;
  EXPECT_EQ(ValidateCreate(req).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateCreate(req).message()), StartsWith("id"));
  req.set_id("web");
  EXPECT_EQ(ValidateCreate(req).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateCreate(req).message()), StartsWith("spec"));
  req.mutable_spec();
  EXPECT_TRUE(ValidateCreate(req).ok());
}

TEST(RequestValidationTest, Kill) {
  v1::KillRequest req;
  req.set_id("web");
  EXPECT_TRUE(ValidateKill(req).ok());
  req.set_signal("SIGBOGUS");
  EXPECT_EQ(ValidateKill(req).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateKill(req).message()), StartsWith("signal"));
  req.set_signal("TERM");
  req.set_exec_id("e1");
  EXPECT_TRUE(ValidateKill(req).ok());
  req.set_all(true);  // "every process" is the container's, not an exec's
  EXPECT_EQ(ValidateKill(req).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateKill(req).message()), StartsWith("all"));
  req.set_all(false);
  req.set_exec_id("../x");
  EXPECT_THAT(std::string(ValidateKill(req).message()), StartsWith("exec_id"));
}

TEST(RequestValidationTest, LogsAndWait) {
  v1::LogsRequest logs;
  logs.set_id("web");
  logs.set_tail(-1);
  EXPECT_EQ(ValidateLogs(logs).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateLogs(logs).message()), StartsWith("tail"));
  logs.set_tail(10);
  EXPECT_TRUE(ValidateLogs(logs).ok());
  v1::WaitRequest wait;
  wait.set_id("bad/id");
  EXPECT_EQ(ValidateWait(wait).code(), absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidationTest, EventsNamesTheBadFilterEntry) {
  v1::EventsRequest req;
  EXPECT_TRUE(ValidateEvents(req).ok());  // no filter: everything
  req.add_container_ids("web");
  req.add_types("exited");
  req.add_types("exec_exited");  // documented, emitted once Exec exists
  EXPECT_TRUE(ValidateEvents(req).ok());
  req.add_container_ids("-bad");
  EXPECT_EQ(ValidateEvents(req).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateEvents(req).message()),
              StartsWith("container_ids[1]"));
  req.set_container_ids(1, "db");
  req.add_types("Exited");
  EXPECT_EQ(ValidateEvents(req).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateEvents(req).message()),
              StartsWith("types[2]"));
}

}  // namespace
}  // namespace warren::server
