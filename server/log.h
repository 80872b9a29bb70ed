// warrend's log: one timestamped line per event on stderr (the quick start
// sends it to /var/log/warrend.log).
#ifndef WARREN_SERVER_LOG_H_
#define WARREN_SERVER_LOG_H_

#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace warren::server {

void LogLine(absl::string_view line);

// Logs one line for a mutating call on `id` ("create web: OK") and returns
// `status`, so an operator can follow what agents do.
grpc::Status LoggedCall(absl::string_view rpc, absl::string_view id,
                        grpc::Status status);

// "INVALID_ARGUMENT" for grpc::StatusCode::INVALID_ARGUMENT.
absl::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace warren::server

#endif  // WARREN_SERVER_LOG_H_
