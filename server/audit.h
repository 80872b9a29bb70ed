// The audit log: one "audit:" line in warrend's log for every mutating call
// (who, for which tenant, which RPC, on what, with what result), on every
// listener, so an operator can reconstruct what remote agents changed.
// Reads are not audited.
#ifndef WARREN_SERVER_AUDIT_H_
#define WARREN_SERVER_AUDIT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
#include "server/authorizer.h"

namespace warren::server {

// "audit: identity=viewer-b tenant=team-b role=viewer
// rpc=warren.v1.ContainerService/Create id=web code=PERMISSION_DENIED"
// (one line). Values with spaces, quotes or control characters are quoted
// and C-escaped; empty ones are "-". The log line adds the time.
std::string FormatAuditLine(const Caller& caller, absl::string_view method,
                            absl::string_view object_id, grpc::StatusCode code);

// Writes FormatAuditLine() to warrend's log.
void Audit(const Caller& caller, absl::string_view method,
           absl::string_view object_id, grpc::StatusCode code);

// The object a request of `method` is about ("web", "web/exec-1", a network
// name), from the deserialized request gRPC hands to interceptors; empty if
// the RPC has none or `request` is null.
std::string ObjectIdOf(absl::string_view method, const void* request);

// Makes an audit interceptor for each mutating call on a server (unix and
// TCP alike); read calls get none, so they cost nothing.
class AuditInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuditInterceptorFactory(const Authorizer* authorizer)
      : authorizer_(authorizer) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const Authorizer* authorizer_;
};

}  // namespace warren::server

#endif  // WARREN_SERVER_AUDIT_H_
