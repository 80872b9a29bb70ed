// What grpcurl sees without .proto files: server reflection lists and
// describes the services, and the standard health service answers.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

ServerReflectionResponse Ask(ServerReflection::Stub* stub,
                             const ServerReflectionRequest& request) {
  auto ctx = Ctx();
  auto stream = stub->ServerReflectionInfo(ctx.get());
  EXPECT_TRUE(stream->Write(request));
  stream->WritesDone();
  ServerReflectionResponse response;
  EXPECT_TRUE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  return response;
}

TEST_F(WarrendTest, ReflectionListsAndDescribesServices) {
  auto stub = ServerReflection::NewStub(warrend_->NewChannel());
  ServerReflectionRequest list;
  list.set_list_services("*");
  std::set<std::string> names;
  ServerReflectionResponse listed = Ask(stub.get(), list);
  for (const auto& s : listed.list_services_response().service()) {
    names.insert(s.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"warren.v1.ContainerService",
                                              "grpc.health.v1.Health"}));

  for (const char* symbol :
       {"warren.v1.ContainerService", "grpc.health.v1.Health"}) {
    ServerReflectionRequest describe;
    describe.set_file_containing_symbol(symbol);
    ServerReflectionResponse r = Ask(stub.get(), describe);
    EXPECT_FALSE(r.has_error_response())
        << symbol << ": " << r.error_response().error_message();
    EXPECT_GT(r.file_descriptor_response().file_descriptor_proto_size(), 0)
        << symbol;
  }
}

TEST_F(WarrendTest, HealthCheckServing) {
  auto stub = grpc::health::v1::Health::NewStub(warrend_->NewChannel());
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(stub->Check(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace warren::testing
