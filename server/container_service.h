// The gRPC edge of warren: each handler validates the request shape, calls
// the ContainerManager and converts its status once. No container logic
// lives here.
#ifndef WARREN_SERVER_CONTAINER_SERVICE_H_
#define WARREN_SERVER_CONTAINER_SERVICE_H_

#include "proto/warren/v1/service.grpc.pb.h"
#include "runtime/container_manager.h"
#include "server/authorizer.h"
#include "server/tenant_limiter.h"
#include "server/tenant_scope.h"

namespace warren::server {

// Inspect is served on gRPC's callback API, inline on the thread that read
// the request: a read of one record under a mutex gains nothing from the
// sync server's hand-off to a worker thread, which was most of its
// latency. Every other method blocks (on monitors, the kernel, streams)
// and stays on the sync thread pool.
using ContainerServiceBase = v1::ContainerService::WithCallbackMethod_Inspect<
    v1::ContainerService::Service>;

class ContainerService final : public ContainerServiceBase {
 public:
  // `authorizer` says who calls (and the tenant caps of the current
  // policy); `limiter` enforces the rate and stream caps. All three must
  // outlive the service.
  ContainerService(runtime::ContainerManager* manager,
                   const Authorizer* authorizer, TenantLimiter* limiter)
      : manager_(manager), authorizer_(authorizer), limiter_(limiter) {}

  grpc::Status Create(grpc::ServerContext* context,
                      const v1::CreateRequest* request,
                      v1::CreateResponse* response) override;
  grpc::Status Start(grpc::ServerContext* context,
                     const v1::StartRequest* request,
                     v1::StartResponse* response) override;
  grpc::Status Wait(grpc::ServerContext* context,
                    const v1::WaitRequest* request,
                    v1::WaitResponse* response) override;
  grpc::Status Kill(grpc::ServerContext* context,
                    const v1::KillRequest* request,
                    v1::KillResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const v1::DeleteRequest* request,
                      v1::DeleteResponse* response) override;
  grpc::Status List(grpc::ServerContext* context,
                    const v1::ListRequest* request,
                    v1::ListResponse* response) override;
  grpc::ServerUnaryReactor* Inspect(grpc::CallbackServerContext* context,
                                    const v1::InspectRequest* request,
                                    v1::InspectResponse* response) override;
  grpc::Status Logs(grpc::ServerContext* context,
                    const v1::LogsRequest* request,
                    grpc::ServerWriter<v1::LogsResponse>* writer) override;

  grpc::Status Stats(grpc::ServerContext* context,
                     const v1::StatsRequest* request,
                     v1::StatsResponse* response) override;
  grpc::Status Pause(grpc::ServerContext* context,
                     const v1::PauseRequest* request,
                     v1::PauseResponse* response) override;
  grpc::Status Resume(grpc::ServerContext* context,
                      const v1::ResumeRequest* request,
                      v1::ResumeResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context,
                      const v1::UpdateRequest* request,
                      v1::UpdateResponse* response) override;

  // Streams lifecycle events: the journal after request->after_sequence,
  // then live ones, until the client cancels.
  grpc::Status Events(grpc::ServerContext* context,
                      const v1::EventsRequest* request,
                      grpc::ServerWriter<v1::Event>* writer) override;

  // Named bridge networks (server/network_service.cc).
  grpc::Status CreateNetwork(grpc::ServerContext* context,
                             const v1::CreateNetworkRequest* request,
                             v1::CreateNetworkResponse* response) override;
  grpc::Status ListNetworks(grpc::ServerContext* context,
                            const v1::ListNetworksRequest* request,
                            v1::ListNetworksResponse* response) override;
  grpc::Status DeleteNetwork(grpc::ServerContext* context,
                             const v1::DeleteNetworkRequest* request,
                             v1::DeleteNetworkResponse* response) override;

  // Exec processes and attaching to processes (server/exec_service.cc).
  grpc::Status Exec(grpc::ServerContext* context,
                    const v1::ExecRequest* request,
                    v1::ExecResponse* response) override;
  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override;

 private:
  // The call's tenant scope (server/tenant_scope.h).
  absl::StatusOr<CallScope> Scope(
      const grpc::ServerContextBase& context) const {
    return ScopeOf(context, *authorizer_);
  }
  // A stream slot of the scope's tenant (max_concurrent_streams).
  absl::StatusOr<TenantLimiter::StreamSlot> StreamSlotFor(
      const CallScope& scope) {
    return limiter_->AcquireStream(scope.tenant,
                                   authorizer_->LimitsOf(scope.tenant));
  }

  runtime::ContainerManager* manager_;
  const Authorizer* authorizer_;
  TenantLimiter* limiter_;
};

}  // namespace warren::server

#endif  // WARREN_SERVER_CONTAINER_SERVICE_H_
