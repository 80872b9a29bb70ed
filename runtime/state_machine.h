// Which lifecycle operation is allowed in which state, as pure functions so
// the rules live in one place and are tested without any process.
#ifndef WARREN_RUNTIME_STATE_MACHINE_H_
#define WARREN_RUNTIME_STATE_MACHINE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/warren/v1/container.pb.h"

namespace warren::runtime {

using ::warren::v1::ContainerState;

// Lower-case name for messages ("created", "running", ...).
absl::string_view StateName(ContainerState state);

// Each returns OK or FAILED_PRECONDITION saying why, naming container `id`.
absl::Status CanStart(absl::string_view id, ContainerState state);
absl::Status CanKill(absl::string_view id, ContainerState state);
absl::Status CanDelete(absl::string_view id, ContainerState state, bool force);
absl::Status CanPause(absl::string_view id, ContainerState state);
absl::Status CanResume(absl::string_view id, ContainerState state);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_STATE_MACHINE_H_
