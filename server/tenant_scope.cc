#include "server/tenant_scope.h"

#include "absl/strings/str_cat.h"

namespace warren::server {

absl::StatusOr<CallScope> ScopeFor(const Caller& caller,
                                   const std::string* named_tenant) {
  if (named_tenant != nullptr) {
    if (absl::Status s = runtime::ValidateTenant(
            *named_tenant, absl::StrCat(kTenantMetadataKey, " metadata"));
        !s.ok()) {
      return s;
    }
  }
  CallScope scope;
  scope.caller = caller;
  if (caller.role == Role::kAdmin) {
    if (named_tenant != nullptr) {
      scope.tenant = *named_tenant;
    } else {
      scope.tenant = caller.tenant.empty()
                         ? std::string(runtime::kDefaultTenant)
                         : caller.tenant;
      scope.all_tenants = true;
    }
    return scope;
  }
  if (caller.tenant.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("identity \"", caller.identity, "\" has no tenant"));
  }
  if (named_tenant != nullptr && *named_tenant != caller.tenant) {
    return absl::PermissionDeniedError(absl::StrCat(
        kTenantMetadataKey, " metadata: \"", caller.identity,
        "\" may act only in its own tenant \"", caller.tenant, "\""));
  }
  scope.tenant = caller.tenant;
  return scope;
}

absl::StatusOr<CallScope> ScopeOf(const grpc::ServerContextBase& context,
                                  const Authorizer& authorizer) {
  Caller caller = authorizer.CallerOf(*context.auth_context());
  auto [begin, end] = context.client_metadata().equal_range(
      grpc::string_ref(kTenantMetadataKey.data(), kTenantMetadataKey.size()));
  if (begin == end) return ScopeFor(caller, nullptr);
  if (std::next(begin) != end) {
    return absl::InvalidArgumentError(
        absl::StrCat(kTenantMetadataKey, " metadata: give at most one tenant"));
  }
  std::string named(begin->second.data(), begin->second.size());
  return ScopeFor(caller, &named);
}

}  // namespace warren::server
