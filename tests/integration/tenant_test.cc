// Tenants over mutual TLS: ids are scoped per tenant (two tenants may each
// have "web", with separate state, log and cgroup paths), a tenant never
// sees another's containers, events or networks (NOT_FOUND, not
// PERMISSION_DENIED, so ids do not leak), and the unix socket admin may
// name any tenant. Traffic stays on 127.0.0.1.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"
#include "tests/integration/tenant_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(TenantTest, TwoTenantsMayEachHaveTheSameIdWithSeparatePaths) {
  auto a = As("operator-a");
  auto b = As("operator-b");
  v1::Container in_a = Run(a.get(), "web");
  v1::Container in_b = Run(b.get(), "web");
  EXPECT_EQ(in_a.tenant(), "team-a");
  EXPECT_EQ(in_b.tenant(), "team-b");
  EXPECT_NE(in_a.pid(), in_b.pid());
  EXPECT_NE(in_a.log_path(), in_b.log_path());
  const std::string state = warrend_->dirs().state_dir() + "/containers/";
  EXPECT_TRUE(Exists(state + "team-a/web/container.log"));
  EXPECT_TRUE(Exists(state + "team-b/web/container.log"));
  absl::StatusOr<runtime::CgroupSystem> cgroups =
      runtime::CgroupSystem::Detect();
  ASSERT_TRUE(cgroups.ok());
  for (const char* t : {"team-a", "team-b"}) {
    for (const std::string& dir : runtime::CgroupDirs(
             *cgroups, warrend_->dirs().cgroup_parent() + "/" + t + "/web")) {
      EXPECT_TRUE(Exists(dir)) << dir;
    }
  }
  // Each tenant's Inspect answers its own container.
  v1::InspectRequest inspect;
  inspect.set_id("web");
  v1::InspectResponse got;
  ASSERT_TRUE(b->Inspect(Ctx().get(), inspect, &got).ok());
  EXPECT_EQ(got.container().pid(), in_b.pid());
  // The unix admin lists both, each with its tenant, and may name either.
  v1::ListResponse all;
  ASSERT_TRUE(warrend_->UnixStub()->List(Ctx().get(), {}, &all).ok());
  std::vector<std::string> seen;
  for (const auto& c : all.containers()) {
    seen.push_back(c.tenant() + "/" + c.id());
  }
  EXPECT_THAT(seen, ::testing::IsSupersetOf({"team-a/web", "team-b/web"}));
  ASSERT_TRUE(warrend_->UnixStub()
                  ->Inspect(InTenant("team-a").get(), inspect, &got)
                  .ok());
  EXPECT_EQ(got.container().pid(), in_a.pid());
  // Deleting B's leaves A's running.
  v1::DeleteRequest del;
  del.set_id("web");
  del.set_force(true);
  v1::DeleteResponse deleted;
  ASSERT_TRUE(b->Delete(Ctx().get(), del, &deleted).ok());
  EXPECT_FALSE(Exists(state + "team-b/web"));
  ASSERT_TRUE(a->Inspect(Ctx().get(), inspect, &got).ok());
  EXPECT_EQ(got.container().state(), v1::RUNNING);
}

TEST_F(TenantTest, AnotherTenantsContainerIsNotFoundByEveryRpc) {
  auto a = As("operator-a");
  auto b = As("operator-b");
  Run(a.get(), "only-a");
  auto expect_not_found = [](const std::string& rpc, const grpc::Status& s) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND)
        << rpc << ": " << s.error_code() << " " << s.error_message();
    EXPECT_THAT(s.error_message(), Not(HasSubstr("team-a"))) << rpc;
  };
  {
    v1::InspectRequest r;
    r.set_id("only-a");
    v1::InspectResponse out;
    expect_not_found("Inspect", b->Inspect(Ctx().get(), r, &out));
  }
  {
    v1::StartRequest r;
    r.set_id("only-a");
    v1::StartResponse out;
    expect_not_found("Start", b->Start(Ctx().get(), r, &out));
  }
  {
    v1::WaitRequest r;
    r.set_id("only-a");
    v1::WaitResponse out;
    expect_not_found("Wait", b->Wait(Ctx().get(), r, &out));
  }
  {
    v1::KillRequest r;
    r.set_id("only-a");
    v1::KillResponse out;
    expect_not_found("Kill", b->Kill(Ctx().get(), r, &out));
  }
  {
    v1::StatsRequest r;
    r.set_id("only-a");
    v1::StatsResponse out;
    expect_not_found("Stats", b->Stats(Ctx().get(), r, &out));
  }
  {
    v1::PauseRequest r;
    r.set_id("only-a");
    v1::PauseResponse out;
    expect_not_found("Pause", b->Pause(Ctx().get(), r, &out));
  }
  {
    v1::ResumeRequest r;
    r.set_id("only-a");
    v1::ResumeResponse out;
    expect_not_found("Resume", b->Resume(Ctx().get(), r, &out));
  }
  {
    v1::UpdateRequest r;
    r.set_id("only-a");
    r.mutable_resources()->set_pids_limit(64);
    v1::UpdateResponse out;
    expect_not_found("Update", b->Update(Ctx().get(), r, &out));
  }
  {
    v1::ExecRequest r;
    r.set_container_id("only-a");
    r.mutable_process()->add_args("true");
    r.set_sync(true);
    v1::ExecResponse out;
    expect_not_found("Exec", b->Exec(Ctx().get(), r, &out));
  }
  {
    auto ctx = Ctx();
    v1::LogsRequest r;
    r.set_id("only-a");
    r.set_follow(true);
    auto reader = b->Logs(ctx.get(), r);
    v1::LogsResponse out;
    while (reader->Read(&out)) {
    }
    expect_not_found("Logs", reader->Finish());
  }
  {
    auto ctx = Ctx();
    auto stream = b->Stream(ctx.get());
    v1::StreamRequest first;
    first.mutable_target()->set_container_id("only-a");
    stream->Write(first);
    stream->WritesDone();
    v1::StreamResponse out;
    while (stream->Read(&out)) {
    }
    expect_not_found("Stream", stream->Finish());
  }
  {
    v1::DeleteRequest r;
    r.set_id("only-a");
    r.set_force(true);
    v1::DeleteResponse out;
    expect_not_found("Delete", b->Delete(Ctx().get(), r, &out));
  }
  // A's container is untouched by all of that.
  v1::InspectRequest r;
  r.set_id("only-a");
  v1::InspectResponse out;
  ASSERT_TRUE(a->Inspect(Ctx().get(), r, &out).ok());
  EXPECT_EQ(out.container().state(), v1::RUNNING);
  // B's List does not show it; A's does.
  v1::ListResponse list;
  ASSERT_TRUE(b->List(Ctx().get(), {}, &list).ok());
  for (const auto& c : list.containers()) EXPECT_NE(c.id(), "only-a");
  ASSERT_TRUE(a->List(Ctx().get(), {}, &list).ok());
  ASSERT_EQ(list.containers_size(), 1);
  EXPECT_EQ(list.containers(0).id(), "only-a");
}

TEST_F(TenantTest, EventsOfATenantNeverShowAnotherTenantsContainers) {
  auto a = As("operator-a");
  auto b = As("operator-b");
  auto ctx = Ctx(60);
  auto events = b->Events(ctx.get(), {});
  // A's traffic first, then B's own marker: once B sees its marker's
  // "deleted", everything journaled before it has been filtered.
  Run(a.get(), "a-events");
  v1::DeleteRequest del;
  del.set_id("a-events");
  del.set_force(true);
  v1::DeleteResponse deleted;
  ASSERT_TRUE(a->Delete(Ctx().get(), del, &deleted).ok());
  v1::CreateResponse created;
  ASSERT_TRUE(
      b->Create(Ctx().get(), Request("b-marker", {"true"}), &created).ok());
  del.set_id("b-marker");
  ASSERT_TRUE(b->Delete(Ctx().get(), del, &deleted).ok());
  v1::Event event;
  bool marker_deleted = false;
  int seen = 0;
  while (!marker_deleted && events->Read(&event)) {
    ++seen;
    EXPECT_EQ(event.tenant(), "team-b") << event.ShortDebugString();
    EXPECT_NE(event.container_id(), "a-events");
    marker_deleted =
        event.container_id() == "b-marker" && event.type() == "deleted";
  }
  EXPECT_TRUE(marker_deleted);
  EXPECT_GE(seen, 2);
  ctx->TryCancel();
  // The unix admin's journal replay has A's events, with their tenant.
  auto all_ctx = Ctx(10);
  v1::EventsRequest req;
  req.add_container_ids("a-events");
  auto all = warrend_->UnixStub()->Events(all_ctx.get(), req);
  ASSERT_TRUE(all->Read(&event));
  EXPECT_EQ(event.tenant(), "team-a");
  EXPECT_EQ(event.type(), "created");
  all_ctx->TryCancel();
}

TEST_F(TenantTest, ViewerSeesItsTenantButMayNotCreate) {
  auto b = As("operator-b");
  Run(b.get(), "b-viewed");
  auto viewer = As("viewer-b");
  v1::InspectRequest inspect;
  inspect.set_id("b-viewed");
  v1::InspectResponse got;
  grpc::Status s = viewer->Inspect(Ctx().get(), inspect, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(got.container().tenant(), "team-b");
  v1::CreateResponse created;
  s = viewer->Create(Ctx().get(), Request("b-viewer"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TenantTest, OnlyAdminsMayNameATenant) {
  auto b = As("operator-b");
  v1::ListResponse list;
  grpc::Status s = b->List(InTenant("team-a").get(), {}, &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("warren-tenant"));
  // Naming its own tenant is fine.
  EXPECT_TRUE(b->List(InTenant("team-b").get(), {}, &list).ok());
  s = warrend_->UnixStub()->List(InTenant("bad/tenant").get(), {}, &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("warren-tenant metadata"));
  // An id with a '/' cannot reach into another tenant.
  Run(As("operator-a").get(), "a-target");
  v1::InspectRequest inspect;
  inspect.set_id("team-a/a-target");
  v1::InspectResponse got;
  s = warrend_->UnixStub()->Inspect(Ctx().get(), inspect, &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = b->Inspect(Ctx().get(), inspect, &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // What the admin creates in a named tenant is that tenant's, and the
  // audit line names the tenant the call touched.
  v1::CreateResponse created;
  ASSERT_TRUE(warrend_->UnixStub()
                  ->Create(InTenant("team-a").get(),
                           Request("a-by-admin", {"true"}), &created)
                  .ok());
  EXPECT_EQ(created.container().tenant(), "team-a");
  EXPECT_THAT(warrend_->AuditLines(),
              ::testing::Contains(HasSubstr(
                  "identity=unix tenant=team-a role=admin "
                  "rpc=warren.v1.ContainerService/Create id=a-by-admin "
                  "code=OK")));
}

TEST_F(TenantTest, NetworksOfATenantAreInvisibleToOthers) {
  v1::CreateNetworkRequest create;
  create.mutable_config()->set_name("net-a");
  create.mutable_config()->set_subnet("10.237." +
                                      std::to_string(getpid() % 250) + ".0/24");
  create.mutable_config()->set_bridge("wta-" +
                                      std::to_string(getpid() % 100000));
  v1::CreateNetworkResponse made;
  grpc::Status s = warrend_->UnixStub()->CreateNetwork(InTenant("team-a").get(),
                                                       create, &made);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(made.network().tenant(), "team-a");
  auto names = [](v1::ContainerService::Stub* stub) {
    v1::ListNetworksResponse list;
    EXPECT_TRUE(stub->ListNetworks(Ctx().get(), {}, &list).ok());
    std::vector<std::string> out;
    for (const auto& n : list.networks()) out.push_back(n.config().name());
    return out;
  };
  auto a = As("operator-a");
  auto b = As("operator-b");
  EXPECT_THAT(names(a.get()), ::testing::Contains("net-a"));
  EXPECT_THAT(names(b.get()), Not(::testing::Contains("net-a")));
  // The default network is everyone's.
  EXPECT_THAT(names(b.get()), ::testing::Contains("warren"));
  v1::CreateRequest req = Request("b-on-a-net", {"true"});
  req.mutable_spec()->mutable_network()->set_mode(v1::NetworkSpec::MODE_BRIDGE);
  req.mutable_spec()->mutable_network()->set_network("net-a");
  v1::CreateResponse created;
  s = b->Create(Ctx().get(), req, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_FALSE(
      Exists(warrend_->dirs().state_dir() + "/containers/team-b/b-on-a-net"));
  // Another tenant's admin view cannot delete it either; its own can.
  v1::DeleteNetworkRequest del;
  del.set_name("net-a");
  v1::DeleteNetworkResponse gone;
  s = warrend_->UnixStub()->DeleteNetwork(InTenant("team-b").get(), del, &gone);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = warrend_->UnixStub()->DeleteNetwork(InTenant("team-a").get(), del, &gone);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace warren::testing
