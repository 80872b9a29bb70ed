// Tests that --tenant reaches warrend: every call of every command carries
// exactly one "warren-tenant" metadata value (the fake reads it from
// ServerContext::client_metadata(), as warrend's tenant scope does), none
// without --tenant; and that `ps` shows a TENANT column only for listings
// that span tenants.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tests/tools/cli/fake_exec_service.h"
#include "tools/cli/cli_commands.h"

namespace warren::cli {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

// FakeExecService (Exec, Stream, Kill, Logs, Create, Start, Delete) plus
// every other RPC, each noting the warren-tenant values of its call by
// method name ("-" for none, "a,b" for several).
class TenantService : public FakeExecService {
 public:
  std::map<std::string, std::vector<std::string>> Seen() {
    std::lock_guard<std::mutex> lock(seen_mu_);
    return seen_;
  }

  std::vector<v1::Container> containers;  // what List answers

#define WARREN_NOTE_AND_CALL(Method, Req, Resp)                     \
  grpc::Status Method(grpc::ServerContext* ctx, const v1::Req* req, \
                      v1::Resp* resp) override {                    \
    Note(ctx, #Method);                                             \
    return FakeExecService::Method(ctx, req, resp);                 \
  }
#define WARREN_NOTE_ONLY(Method, Req, Resp)                                \
  grpc::Status Method(grpc::ServerContext* ctx, const v1::Req*, v1::Resp*) \
      override {                                                           \
    Note(ctx, #Method);                                                    \
    return grpc::Status::OK;                                               \
  }
  WARREN_NOTE_AND_CALL(Create, CreateRequest, CreateResponse)
  WARREN_NOTE_AND_CALL(Start, StartRequest, StartResponse)
  WARREN_NOTE_AND_CALL(Delete, DeleteRequest, DeleteResponse)
  WARREN_NOTE_AND_CALL(Kill, KillRequest, KillResponse)
  WARREN_NOTE_AND_CALL(Exec, ExecRequest, ExecResponse)
  WARREN_NOTE_ONLY(Wait, WaitRequest, WaitResponse)
  WARREN_NOTE_ONLY(Inspect, InspectRequest, InspectResponse)
  WARREN_NOTE_ONLY(Stats, StatsRequest, StatsResponse)
  WARREN_NOTE_ONLY(Pause, PauseRequest, PauseResponse)
  WARREN_NOTE_ONLY(Resume, ResumeRequest, ResumeResponse)
  WARREN_NOTE_ONLY(Update, UpdateRequest, UpdateResponse)
  WARREN_NOTE_ONLY(CreateNetwork, CreateNetworkRequest, CreateNetworkResponse)
  WARREN_NOTE_ONLY(DeleteNetwork, DeleteNetworkRequest, DeleteNetworkResponse)
#undef WARREN_NOTE_AND_CALL
#undef WARREN_NOTE_ONLY

  grpc::Status List(grpc::ServerContext* ctx, const v1::ListRequest*,
                    v1::ListResponse* resp) override {
    Note(ctx, "List");
    for (const v1::Container& c : containers) *resp->add_containers() = c;
    return grpc::Status::OK;
  }
  grpc::Status ListNetworks(grpc::ServerContext* ctx,
                            const v1::ListNetworksRequest*,
                            v1::ListNetworksResponse* resp) override {
    Note(ctx, "ListNetworks");
    resp->add_networks()->mutable_config()->set_name("web");
    return grpc::Status::OK;
  }
  grpc::Status Logs(grpc::ServerContext* ctx, const v1::LogsRequest* req,
                    grpc::ServerWriter<v1::LogsResponse>* writer) override {
    Note(ctx, "Logs");
    return FakeExecService::Logs(ctx, req, writer);
  }
  grpc::Status Events(grpc::ServerContext* ctx, const v1::EventsRequest*,
                      grpc::ServerWriter<v1::Event>*) override {
    Note(ctx, "Events");
    return grpc::Status::OK;
  }
  grpc::Status Stream(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override {
    Note(ctx, "Stream");
    return FakeExecService::Stream(ctx, stream);
  }

 private:
  void Note(grpc::ServerContext* ctx, const std::string& method) {
    std::vector<std::string> values;
    auto [begin, end] = ctx->client_metadata().equal_range("warren-tenant");
    for (auto it = begin; it != end; ++it) {
      values.emplace_back(it->second.data(), it->second.size());
    }
    std::lock_guard<std::mutex> lock(seen_mu_);
    seen_[method].push_back(values.empty() ? "-" : absl::StrJoin(values, ","));
  }

  std::mutex seen_mu_;
  std::map<std::string, std::vector<std::string>> seen_;
};

class TenantTest : public InProcessCommandTest<TenantService> {
 protected:
  void SetUp() override {
    InProcessCommandTest::SetUp();
    env_.terminal = &terminal_;
    env_.stdin_fd = -1;
  }

  // Runs one of each command; each must succeed.
  void RunEveryCommand() {
    const std::vector<std::vector<std::string>> commands = {
        {"create", "--name", "c", "true"},
        {"start", "c"},
        {"wait", "c"},
        {"kill", "c"},
        {"inspect", "c"},
        {"ps"},
        {"run", "--rm", "--name", "r", "true"},
        {"run", "-d", "--name", "d", "true"},
        {"exec", "c", "true"},
        {"exec", "-d", "c", "true"},
        {"attach", "c"},
        {"logs", "c"},
        {"logs", "--tail", "0", "c"},
        {"stats", "c"},
        {"pause", "c"},
        {"resume", "c"},
        {"update", "--memory", "64m", "c"},
        {"events"},
        {"network", "create", "--subnet", "10.89.0.0/24", "web"},
        {"network", "ls"},
        {"network", "inspect", "web"},
        {"network", "rm", "web"},
        {"rm", "-f", "c"},
    };
    for (const std::vector<std::string>& c : commands) {
      std::vector<std::string> args(c.begin() + 1, c.end());
      EXPECT_EQ(Run(c[0], args), 0)
          << absl::StrJoin(c, " ") << ": " << err_.text();
    }
  }

  FakeTerminal terminal_;
};

// Every RPC of warren.v1.ContainerService.
const std::vector<std::string> kAllMethods = {
    "Create",        "Start",        "Exec",         "Stream",  "Wait",
    "Kill",          "Delete",       "List",         "Inspect", "Logs",
    "Events",        "Stats",        "Pause",        "Resume",  "Update",
    "CreateNetwork", "ListNetworks", "DeleteNetwork"};

TEST_F(TenantTest, EveryCallCarriesTheTenant) {
  env_.tenant = "team-a";
  RunEveryCommand();
  std::map<std::string, std::vector<std::string>> seen = service_.Seen();
  std::vector<std::string> methods;
  for (const auto& [method, values] : seen) {
    methods.push_back(method);
    EXPECT_THAT(values, Each("team-a")) << method;
  }
  EXPECT_THAT(methods, UnorderedElementsAreArray(kAllMethods));
}

TEST_F(TenantTest, NoTenantNoMetadata) {
  RunEveryCommand();
  for (const auto& [method, values] : service_.Seen()) {
    EXPECT_THAT(values, Each("-")) << method;
  }
}

v1::Container Listed(const std::string& id, const std::string& tenant) {
  v1::Container c;
  c.set_id(id);
  c.set_tenant(tenant);
  c.set_state(v1::RUNNING);
  c.set_pid(7);
  c.mutable_spec()->mutable_process()->add_args("sleep");
  return c;
}

TEST_F(TenantTest, PsShowsTenantOnlyAcrossTenants) {
  service_.containers = {Listed("web", "default"), Listed("db", "")};
  ASSERT_EQ(Run("ps", {}), 0) << err_.text();
  std::string single = out_.text();
  EXPECT_THAT(single, HasSubstr("ID    STATE"));
  EXPECT_THAT(single, Not(HasSubstr("TENANT")));

  service_.containers = {Listed("web", "default"), Listed("db", "team-b")};
  ASSERT_EQ(Run("ps", {}), 0) << err_.text();
  std::string both = out_.text().substr(single.size());
  EXPECT_THAT(both, HasSubstr("ID    TENANT    STATE"));
  EXPECT_THAT(both, HasSubstr("web   default   running"));
  EXPECT_THAT(both, HasSubstr("db    team-b    running"));
}

TEST_F(TenantTest, PsJsonHasTheTenant) {
  env_.json = true;
  service_.containers = {Listed("db", "team-b")};
  ASSERT_EQ(Run("ps", {}), 0) << err_.text();
  EXPECT_THAT(out_.text(), HasSubstr("\"tenant\": \"team-b\""));
}

}  // namespace
}  // namespace warren::cli
