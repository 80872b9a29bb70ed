// The one place where runtime errors (absl::Status) become gRPC statuses.
#ifndef WARREN_SERVER_STATUS_CONVERT_H_
#define WARREN_SERVER_STATUS_CONVERT_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace warren::server {

// Same code (the canonical codes are shared), same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace warren::server

#endif  // WARREN_SERVER_STATUS_CONVERT_H_
