// Which tenant a call acts in. Tenants scope container ids (as containerd's
// namespaces do): a TCP caller always acts in its policy tenant; an admin
// (the unix socket, or a TCP identity with role admin) may name any tenant
// in the "warren-tenant" request metadata, and without it acts in its own
// tenant ("default" on the unix socket) while List, Events and
// ListNetworks show every tenant. Handlers turn request ids into runtime
// keys here, so no handler can reach another tenant's objects.
#ifndef WARREN_SERVER_TENANT_SCOPE_H_
#define WARREN_SERVER_TENANT_SCOPE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "runtime/container_id.h"
#include "server/authorizer.h"

namespace warren::server {

// The tenant of one call.
struct CallScope {
  Caller caller;
  // Where new objects go and where ids are looked up.
  std::string tenant;
  // An admin that named no tenant: listings show every tenant.
  bool all_tenants = false;

  // The runtime key of container `id` in this call's tenant, after `id`
  // is checked as an id (INVALID_ARGUMENT naming `field`): an id holding
  // a '/' must never turn into another tenant's key.
  absl::StatusOr<std::string> Key(absl::string_view id,
                                  absl::string_view field = "id") const {
    if (absl::Status s = runtime::ValidateContainerId(id, field); !s.ok()) {
      return s;
    }
    return runtime::ContainerKey(tenant, id);
  }
  // The tenant a listing is limited to ("" for every tenant).
  std::string ListTenant() const { return all_tenants ? "" : tenant; }
};

// The scope of the call with this context: INVALID_ARGUMENT for a malformed
// or repeated warren-tenant value, PERMISSION_DENIED when a non-admin names
// another tenant than its own.
absl::StatusOr<CallScope> ScopeOf(const grpc::ServerContextBase& context,
                                  const Authorizer& authorizer);

// The same from a caller and the metadata value (nullptr: none given).
absl::StatusOr<CallScope> ScopeFor(const Caller& caller,
                                   const std::string* named_tenant);

}  // namespace warren::server

#endif  // WARREN_SERVER_TENANT_SCOPE_H_
