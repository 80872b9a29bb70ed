// Authorization of calls: who a caller is (its verified client certificate
// on TCP, "unix" on the unix socket) and whether the current policy's role
// for it allows the RPC. TcpAuthProcessor is where this is enforced: gRPC
// runs it for every call on the TCP listeners before the call reaches any
// handler, so no handler can forget the check.
#ifndef WARREN_SERVER_AUTHORIZER_H_
#define WARREN_SERVER_AUTHORIZER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/support/status.h"
#include "server/policy.h"
#include "server/role_table.h"

namespace warren::server {

// The request metadata an admin names the tenant it acts in with
// (server/tenant_scope.h).
inline constexpr absl::string_view kTenantMetadataKey = "warren-tenant";

// The identity a verified TLS client certificate states: its URI subject
// alternative name (e.g. spiffe://cluster/agent-a) if it has exactly one,
// else its subject common name. An error (a one-line reason) if it has
// several URI SANs (ambiguous) or neither.
absl::StatusOr<std::string> CertificateIdentity(const grpc::AuthContext& auth);

// Whether the call came over TLS (a TCP listener) rather than the unix
// socket, from the transport's own record.
bool IsTlsPeer(const grpc::AuthContext& auth);

// Who is calling, as the audit log and (later) per-tenant scoping see it.
struct Caller {
  std::string identity;
  std::string tenant;  // empty for "unix" and for identities not in the policy
  Role role = Role::kNone;
};

// Holds the current policy (replaced as a whole on SIGHUP) and answers
// "may this caller call this RPC". Thread-safe.
class Authorizer {
 public:
  explicit Authorizer(Policy policy);

  // Swaps in a new policy for calls that start from now on; calls already
  // running (open streams) keep going.
  void Replace(Policy policy);

  // OK, or PERMISSION_DENIED naming the RPC, the role and the identity, for
  // TCP caller `identity` calling `method` (a full gRPC path).
  grpc::Status Check(absl::string_view identity,
                     absl::string_view method) const;

  // The caller of a call with this auth context: "unix" (admin) for the
  // unix socket, the certificate identity and its policy entry for TLS.
  Caller CallerOf(const grpc::AuthContext& auth) const;

  // The caller named `identity` under the current policy.
  Caller Lookup(absl::string_view identity) const;

  // The current policy's caps for `tenant` (all zero: none).
  v1::TenantLimits LimitsOf(absl::string_view tenant) const;

  // Identities in the current policy (for log lines).
  size_t PolicySize() const { return Current()->size(); }

 private:
  std::shared_ptr<const Policy> Current() const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Policy> policy_ ABSL_GUARDED_BY(mu_);
};

// The gRPC hook of the TCP listeners' credentials: reads the method from
// the call's ":path", the identity from the connection's certificate, and
// rejects the call before dispatch unless the Authorizer allows it. Denied
// mutating calls get an audit line here (they never reach the audit
// interceptor).
class TcpAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  explicit TcpAuthProcessor(const Authorizer* authorizer)
      : authorizer_(authorizer) {}

  // A map lookup under a mutex: cheap enough for gRPC's own threads.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const Authorizer* authorizer_;
};

}  // namespace warren::server

#endif  // WARREN_SERVER_AUTHORIZER_H_
