// Roles of TCP callers and which RPCs each may call, as plain data: the one
// table the authorization check and the audit log read, so what a role may
// do is reviewed (and unit-tested) in one place, without a server.
#ifndef WARREN_SERVER_ROLE_TABLE_H_
#define WARREN_SERVER_ROLE_TABLE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace warren::server {

// Ordered: each role may do everything the ones before it may.
enum class Role {
  kNone = 0,  // not in the policy: nothing
  kViewer = 1,
  kOperator = 2,
  kAdmin = 3,
};

// What the table says about one RPC.
struct MethodRule {
  // Full gRPC method path, "/warren.v1.ContainerService/Create".
  absl::string_view method;
  // The least role allowed to call it.
  Role min_role;
  // Changes state: such calls get an audit line.
  bool mutating;
};

// "admin", "operator", "viewer", "none" (for messages and the audit log).
absl::string_view RoleName(Role role);

// "admin" -> kAdmin etc.; nullopt for anything else ("none" included: a
// policy cannot grant "nothing", it just leaves the identity out).
std::optional<Role> ParseRole(absl::string_view name);

// The rule for `method` (a full path); nullptr if the table does not know
// it (then only admin may call it, and it counts as mutating).
const MethodRule* FindMethodRule(absl::string_view method);

// Whether `role` may call `method`. Unknown methods: admin only, so a new
// RPC is never open to operators or viewers before someone lists it here.
bool RoleAllows(Role role, absl::string_view method);

// Whether a call of `method` is audited (unknown methods are).
bool IsMutating(absl::string_view method);

// "warren.v1.ContainerService/Create" for "/warren.v1.ContainerService/Create"
// (how messages and audit lines name an RPC).
std::string RpcName(absl::string_view method);

}  // namespace warren::server

#endif  // WARREN_SERVER_ROLE_TABLE_H_
