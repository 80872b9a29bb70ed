// The role table (which role may call which RPC, what is audited) and the
// --policy file: every RPC of the service is classified, and each kind of
// bad policy is refused with its own exact one-line error.
#include "server/policy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "proto/warren/v1/service.pb.h"
#include "server/authorizer.h"
#include "server/role_table.h"

namespace warren::server {
namespace {

using ::testing::UnorderedElementsAreArray;

// Every method of warren.v1.ContainerService as a full gRPC path.
std::vector<std::string> ServiceMethods() {
  const google::protobuf::ServiceDescriptor* service =
      v1::CreateRequest::descriptor()->file()->FindServiceByName(
          "ContainerService");
  std::vector<std::string> out;
  for (int i = 0; i < service->method_count(); ++i) {
    out.push_back("/warren.v1.ContainerService/" + service->method(i)->name());
  }
  return out;
}

std::vector<std::string> AllowedFor(Role role) {
  std::vector<std::string> out;
  for (const std::string& m : ServiceMethods()) {
    if (RoleAllows(role, m)) out.push_back(m.substr(m.rfind('/') + 1));
  }
  return out;
}

TEST(RoleTableTest, EveryServiceMethodIsClassified) {
  for (const std::string& m : ServiceMethods()) {
    EXPECT_NE(FindMethodRule(m), nullptr)
        << m << " is missing from server/role_table.cc";
  }
}

TEST(RoleTableTest, WhatEachRoleMayCall) {
  EXPECT_THAT(AllowedFor(Role::kViewer),
              UnorderedElementsAreArray(
                  {"List", "Inspect", "Logs", "Events", "Stats", "Wait"}));
  EXPECT_THAT(AllowedFor(Role::kOperator),
              UnorderedElementsAreArray(
                  {"Create", "Start", "Exec", "Stream", "Wait", "Kill",
                   "Delete", "List", "Inspect", "Logs", "Events", "Stats",
                   "Pause", "Resume", "Update", "ListNetworks"}));
  EXPECT_EQ(AllowedFor(Role::kAdmin).size(), ServiceMethods().size());
  EXPECT_TRUE(AllowedFor(Role::kNone).empty());
}

TEST(RoleTableTest, MetadataServicesAndUnknownMethods) {
  const char* reflection =
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    EXPECT_TRUE(RoleAllows(r, reflection));
    EXPECT_TRUE(RoleAllows(r, "/grpc.health.v1.Health/Check"));
  }
  EXPECT_FALSE(RoleAllows(Role::kNone, "/grpc.health.v1.Health/Check"));
  // A method nobody listed: admin only, and audited.
  EXPECT_TRUE(RoleAllows(Role::kAdmin, "/warren.v2.Future/Thing"));
  EXPECT_FALSE(RoleAllows(Role::kOperator, "/warren.v2.Future/Thing"));
  EXPECT_TRUE(IsMutating("/warren.v2.Future/Thing"));
}

TEST(RoleTableTest, OnlyStateChangingCallsAreAudited) {
  std::vector<std::string> audited;
  for (const std::string& m : ServiceMethods()) {
    if (IsMutating(m)) audited.push_back(m.substr(m.rfind('/') + 1));
  }
  EXPECT_THAT(audited, UnorderedElementsAreArray(
                           {"Create", "Start", "Exec", "Stream", "Kill",
                            "Delete", "Pause", "Resume", "Update",
                            "CreateNetwork", "DeleteNetwork"}));
  EXPECT_FALSE(IsMutating("/grpc.health.v1.Health/Check"));
}

TEST(RoleTableTest, RoleNames) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_EQ(ParseRole("none"), std::nullopt);
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
  EXPECT_EQ(RpcName("/warren.v1.ContainerService/List"),
            "warren.v1.ContainerService/List");
}

TEST(PolicyTest, ValidPolicy) {
  absl::StatusOr<Policy> p = Policy::Parse(
      R"pb(
        # comments are fine
        entries {
          identity: "spiffe://cluster/agent-a"
          tenant: "cluster"
          role: "admin"
        }
        entries { identity: "viewer-b" tenant: "team-b" role: "viewer" }
        entries { identity: "CI Runner" tenant: "ci.main_1" role: "operator" }
        tenant_limits {
          tenant: "team-b"
          max_containers: 3
          creates_per_second: 0.5
        }
      )pb",
      "p");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->size(), 3u);
  ASSERT_NE(p->Find("viewer-b"), nullptr);
  EXPECT_EQ(p->Find("viewer-b")->tenant, "team-b");
  EXPECT_EQ(p->Find("viewer-b")->role, Role::kViewer);
  EXPECT_EQ(p->Find("CI Runner")->role, Role::kOperator);
  EXPECT_EQ(p->Find("spiffe://cluster/agent-b"), nullptr);
  EXPECT_EQ(p->proto().tenant_limits(0).max_containers(), 3u);
  ASSERT_TRUE(Policy::Parse("", "empty").ok());
  EXPECT_EQ(Policy::Parse("", "empty")->size(), 0u);
}

TEST(PolicyTest, EachMistakeHasItsError) {
  const std::pair<const char*, const char*> cases[] = {
      {"entries { identity: \"a\" tenant: \"t\" role: \"admin\"",
       "policy p: line 1 column 50: Expected identifier, got: "},
      {"entries { identity: \"a\" tenant: \"t\" rolle: \"admin\" }",
       "policy p: line 1 column 42: Message type \"warren.v1.PolicyEntry\" has "
       "no field named \"rolle\"."},
      {"entries { tenant: \"t\" role: \"admin\" }",
       "policy p: entries[0]: identity is required"},
      {"entries { identity: \"unix\" tenant: \"t\" role: \"admin\" }",
       "policy p: entries[0] (\"unix\"): identity \"unix\" is reserved for the "
       "unix socket"},
      {"entries { identity: \"a\" tenant: \"t\" role: \"viewer\" }\n"
       "entries { identity: \"b\" tenant: \"t\" role: \"viewer\" }\n"
       "entries { identity: \"a\" tenant: \"u\" role: \"admin\" }",
       "policy p: entries[2] (\"a\"): identity is listed twice (also "
       "entries[0])"},
      {"entries { identity: \"a\" role: \"admin\" }",
       "policy p: entries[0] (\"a\"): tenant is required"},
      {"entries { identity: \"a\" tenant: \"team b\" role: \"admin\" }",
       "policy p: entries[0] (\"a\"): tenant \"team b\": 1-63 characters of "
       "[A-Za-z0-9_.-]"},
      {"entries { identity: \"a\" tenant: \"t\" }",
       "policy p: entries[0] (\"a\"): role is required (admin, operator or "
       "viewer)"},
      {"entries { identity: \"a\" tenant: \"t\" role: \"root\" }",
       "policy p: entries[0] (\"a\"): unknown role \"root\" (admin, operator "
       "or viewer)"},
      {"entries { identity: \"a\" tenant: \"t\" role: \"none\" }",
       "policy p: entries[0] (\"a\"): unknown role \"none\" (admin, operator "
       "or viewer)"},
      {"tenant_limits { max_containers: 1 }",
       "policy p: tenant_limits[0]: tenant is required"},
      {"tenant_limits { tenant: \"t\" }\ntenant_limits { tenant: \"t\" }",
       "policy p: tenant_limits[1]: tenant \"t\" is listed twice (also "
       "tenant_limits[0])"},
      {"tenant_limits { tenant: \"t\" creates_per_second: -1 }",
       "policy p: tenant_limits[0]: creates_per_second must be >= 0"},
  };
  for (const auto& [text, error] : cases) {
    absl::StatusOr<Policy> p = Policy::Parse(text, "p");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(p.status().message()), error) << text;
  }
}

TEST(PolicyTest, UnreadableFile) {
  absl::StatusOr<Policy> p = Policy::Load("/nonexistent/policy.textproto");
  EXPECT_EQ(std::string(p.status().message()),
            "policy /nonexistent/policy.textproto: open "
            "/nonexistent/policy.textproto: No such file or directory");
}

TEST(AuthorizerTest, ChecksAgainstTheCurrentPolicy) {
  Authorizer authz(*Policy::Parse(
      "entries { identity: \"v\" tenant: \"t\" role: \"viewer\" }", "p"));
  const std::string create = "/warren.v1.ContainerService/Create";
  EXPECT_TRUE(authz.Check("v", "/warren.v1.ContainerService/List").ok());
  grpc::Status denied = authz.Check("v", create);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(),
            "warren.v1.ContainerService/Create is not allowed for role viewer "
            "(identity \"v\")");
  grpc::Status unknown = authz.Check("w", "/warren.v1.ContainerService/List");
  EXPECT_EQ(unknown.error_message(),
            "warren.v1.ContainerService/List is not allowed for role none "
            "(identity \"w\" is not in the policy)");

  authz.Replace(*Policy::Parse(
      "entries { identity: \"v\" tenant: \"t\" role: \"operator\" }", "p"));
  EXPECT_TRUE(authz.Check("v", create).ok());
  Caller caller = authz.Lookup("v");
  EXPECT_EQ(caller.tenant, "t");
  EXPECT_EQ(caller.role, Role::kOperator);
}

}  // namespace
}  // namespace warren::server
