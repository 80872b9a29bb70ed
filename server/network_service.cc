// ContainerService's network RPCs: thin handlers over the runtime's
// NetworkControl, split from container_service.cc which holds the
// container lifecycle.
#include "server/container_service.h"
#include "server/log.h"
#include "server/status_convert.h"

namespace warren::server {

grpc::Status ContainerService::CreateNetwork(
    grpc::ServerContext*, const v1::CreateNetworkRequest* request,
    v1::CreateNetworkResponse* response) {
  absl::StatusOr<v1::Network> n =
      manager_->networks().CreateNetwork(request->config());
  grpc::Status status = n.ok() ? grpc::Status::OK : ToGrpcStatus(n.status());
  if (n.ok()) *response->mutable_network() = *std::move(n);
  return LoggedCall("create network", request->config().name(), status);
}

grpc::Status ContainerService::ListNetworks(
    grpc::ServerContext*, const v1::ListNetworksRequest*,
    v1::ListNetworksResponse* response) {
  for (v1::Network& n : manager_->networks().ListNetworks()) {
    *response->add_networks() = std::move(n);
  }
  return grpc::Status::OK;
}

grpc::Status ContainerService::DeleteNetwork(
    grpc::ServerContext*, const v1::DeleteNetworkRequest* request,
    v1::DeleteNetworkResponse*) {
  return LoggedCall(
      "delete network", request->name(),
      ToGrpcStatus(manager_->networks().DeleteNetwork(request->name())));
}

}  // namespace warren::server
