// ContainerService's network RPCs: thin handlers over the runtime's
// NetworkControl, split from container_service.cc which holds the
// container lifecycle.
#include "server/container_service.h"
#include "server/log.h"
#include "server/status_convert.h"

namespace warren::server {

// Networks an admin creates without naming a tenant are everyone's (as the
// default network is); with warren-tenant they belong to that tenant.
grpc::Status ContainerService::CreateNetwork(
    grpc::ServerContext* context, const v1::CreateNetworkRequest* request,
    v1::CreateNetworkResponse* response) {
  const std::string& name = request->config().name();
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) {
    return LoggedCall("create network", name, ToGrpcStatus(scope.status()));
  }
  absl::StatusOr<v1::Network> n = manager_->networks().CreateNetwork(
      request->config(), scope->ListTenant());
  grpc::Status status = n.ok() ? grpc::Status::OK : ToGrpcStatus(n.status());
  if (n.ok()) *response->mutable_network() = *std::move(n);
  return LoggedCall("create network", name, status);
}

grpc::Status ContainerService::ListNetworks(
    grpc::ServerContext* context, const v1::ListNetworksRequest*,
    v1::ListNetworksResponse* response) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  for (v1::Network& n :
       manager_->networks().ListNetworks(scope->ListTenant())) {
    *response->add_networks() = std::move(n);
  }
  return grpc::Status::OK;
}

grpc::Status ContainerService::DeleteNetwork(
    grpc::ServerContext* context, const v1::DeleteNetworkRequest* request,
    v1::DeleteNetworkResponse*) {
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) {
    return LoggedCall("delete network", request->name(),
                      ToGrpcStatus(scope.status()));
  }
  return LoggedCall("delete network", request->name(),
                    ToGrpcStatus(manager_->networks().DeleteNetwork(
                        request->name(), scope->ListTenant())));
}

}  // namespace warren::server
