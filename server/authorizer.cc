#include "server/authorizer.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "server/audit.h"
#include "server/tenant_limiter.h"

namespace warren::server {
namespace {

std::vector<std::string> Values(const grpc::AuthContext& auth,
                                const char* property) {
  std::vector<std::string> out;
  for (const grpc::string_ref& v : auth.FindPropertyValues(property)) {
    out.emplace_back(v.data(), v.size());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> CertificateIdentity(const grpc::AuthContext& auth) {
  std::vector<std::string> uris = Values(auth, GRPC_PEER_URI_PROPERTY_NAME);
  if (uris.size() == 1) return uris[0];
  if (uris.size() > 1) {
    return absl::PermissionDeniedError(
        absl::StrCat("client certificate has ", uris.size(),
                     " URI subject alternative names; identity is ambiguous"));
  }
  std::vector<std::string> cns = Values(auth, GRPC_X509_CN_PROPERTY_NAME);
  if (!cns.empty() && !cns[0].empty()) return cns[0];
  return absl::PermissionDeniedError(
      "client certificate has neither a URI subject alternative name nor a "
      "common name");
}

bool IsTlsPeer(const grpc::AuthContext& auth) {
  for (const grpc::string_ref& v :
       auth.FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME)) {
    // TlsServerCredentials record "tls", SslServerCredentials "ssl".
    if (v == GRPC_TLS_TRANSPORT_SECURITY_TYPE ||
        v == GRPC_SSL_TRANSPORT_SECURITY_TYPE) {
      return true;
    }
  }
  return false;
}

Authorizer::Authorizer(Policy policy)
    : policy_(std::make_shared<const Policy>(std::move(policy))) {}

void Authorizer::Replace(Policy policy) {
  auto next = std::make_shared<const Policy>(std::move(policy));
  absl::MutexLock lock(&mu_);
  policy_ = std::move(next);
}

std::shared_ptr<const Policy> Authorizer::Current() const {
  absl::MutexLock lock(&mu_);
  return policy_;
}

Caller Authorizer::Lookup(absl::string_view identity) const {
  Caller caller;
  caller.identity = std::string(identity);
  std::shared_ptr<const Policy> policy = Current();
  if (const Policy::Entry* e = policy->Find(identity)) {
    caller.tenant = e->tenant;
    caller.role = e->role;
  }
  return caller;
}

grpc::Status Authorizer::Check(absl::string_view identity,
                               absl::string_view method) const {
  Caller caller = Lookup(identity);
  if (RoleAllows(caller.role, method)) return grpc::Status::OK;
  std::string why =
      caller.role == Role::kNone
          ? absl::StrCat("identity \"", identity, "\" is not in the policy")
          : absl::StrCat("identity \"", identity, "\"");
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      absl::StrCat(RpcName(method), " is not allowed for role ",
                                   RoleName(caller.role), " (", why, ")"));
}

v1::TenantLimits Authorizer::LimitsOf(absl::string_view tenant) const {
  return LimitsFor(Current()->proto(), tenant);
}

Caller Authorizer::CallerOf(const grpc::AuthContext& auth) const {
  if (!IsTlsPeer(auth)) {
    return Caller{std::string(kUnixIdentity), "", Role::kAdmin};
  }
  absl::StatusOr<std::string> identity = CertificateIdentity(auth);
  if (!identity.ok()) return Caller{"?", "", Role::kNone};
  return Lookup(*identity);
}

grpc::Status TcpAuthProcessor::Process(const InputMetadata& auth_metadata,
                                       grpc::AuthContext* context,
                                       OutputMetadata* /*consumed*/,
                                       OutputMetadata* /*response*/) {
  auto path = auth_metadata.find(":path");
  if (path == auth_metadata.end()) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "call without a method path");
  }
  std::string method(path->second.data(), path->second.size());
  if (!IsTlsPeer(*context)) {
    // Cannot happen with TLS credentials; refuse rather than guess.
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat(RpcName(method), ": not a TLS peer"));
  }
  absl::StatusOr<std::string> identity = CertificateIdentity(*context);
  grpc::Status status =
      identity.ok()
          ? authorizer_->Check(*identity, method)
          : grpc::Status(
                grpc::StatusCode::PERMISSION_DENIED,
                absl::StrCat(RpcName(method), " is not allowed for role none (",
                             identity.status().message(), ")"));
  if (!status.ok() && IsMutating(method)) {
    Caller caller = identity.ok() ? authorizer_->Lookup(*identity)
                                  : Caller{"?", "", Role::kNone};
    Audit(caller, method, "", status.error_code());
  }
  return status;
}

}  // namespace warren::server
