// Checks of request shape done at the edge, before the runtime is called:
// required sub-messages present, ids well formed. Spec contents are checked
// by the runtime (runtime/spec_validation.h), which every caller goes
// through.
#ifndef WARREN_SERVER_REQUEST_VALIDATION_H_
#define WARREN_SERVER_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "proto/warren/v1/service.pb.h"

namespace warren::server {

absl::Status ValidateCreate(const v1::CreateRequest& request);
absl::Status ValidateKill(const v1::KillRequest& request);
absl::Status ValidateLogs(const v1::LogsRequest& request);
absl::Status ValidateWait(const v1::WaitRequest& request);
// Every container id well formed and every type a documented event type, so
// a typo is an error instead of a stream that never shows anything.
absl::Status ValidateEvents(const v1::EventsRequest& request);

}  // namespace warren::server

#endif  // WARREN_SERVER_REQUEST_VALIDATION_H_
