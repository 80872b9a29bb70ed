#include "server/role_table.h"

#include "absl/strings/strip.h"

namespace warren::server {
namespace {

#define WARREN_RPC(name) "/warren.v1.ContainerService/" name

// The role table. Viewer: reads of containers (the list). Operator:
// every container RPC, and ListNetworks so it can pick a network for Create.
// Networks are node infrastructure: creating or deleting them is admin only.
// Reflection and health are metadata every listed identity may read.
constexpr MethodRule kRules[] = {
    {WARREN_RPC("List"), Role::kViewer, false},
    {WARREN_RPC("Inspect"), Role::kViewer, false},
    {WARREN_RPC("Logs"), Role::kViewer, false},
    {WARREN_RPC("Events"), Role::kViewer, false},
    {WARREN_RPC("Stats"), Role::kViewer, false},
    {WARREN_RPC("Wait"), Role::kViewer, false},
    {WARREN_RPC("Create"), Role::kOperator, true},
    {WARREN_RPC("Start"), Role::kOperator, true},
    {WARREN_RPC("Exec"), Role::kOperator, true},
    // Writes to a process's stdin and terminal.
    {WARREN_RPC("Stream"), Role::kOperator, true},
    {WARREN_RPC("Kill"), Role::kOperator, true},
    {WARREN_RPC("Delete"), Role::kOperator, true},
    {WARREN_RPC("Pause"), Role::kOperator, true},
    {WARREN_RPC("Resume"), Role::kOperator, true},
    {WARREN_RPC("Update"), Role::kOperator, true},
    {WARREN_RPC("ListNetworks"), Role::kOperator, false},
    {WARREN_RPC("CreateNetwork"), Role::kAdmin, true},
    {WARREN_RPC("DeleteNetwork"), Role::kAdmin, true},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     Role::kViewer, false},
    {"/grpc.health.v1.Health/Check", Role::kViewer, false},
    {"/grpc.health.v1.Health/Watch", Role::kViewer, false},
};

#undef WARREN_RPC

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
    case Role::kViewer:
      return "viewer";
    case Role::kNone:
      break;
  }
  return "none";
}

std::optional<Role> ParseRole(absl::string_view name) {
  for (Role r : {Role::kAdmin, Role::kOperator, Role::kViewer}) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

const MethodRule* FindMethodRule(absl::string_view method) {
  for (const MethodRule& rule : kRules) {
    if (rule.method == method) return &rule;
  }
  return nullptr;
}

bool RoleAllows(Role role, absl::string_view method) {
  if (role == Role::kAdmin) return true;
  if (role == Role::kNone) return false;
  const MethodRule* rule = FindMethodRule(method);
  return rule != nullptr && role >= rule->min_role;
}

bool IsMutating(absl::string_view method) {
  const MethodRule* rule = FindMethodRule(method);
  return rule == nullptr || rule->mutating;
}

std::string RpcName(absl::string_view method) {
  return std::string(absl::StripPrefix(method, "/"));
}

}  // namespace warren::server
