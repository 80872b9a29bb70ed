#include "server/request_validation.h"

#include "absl/strings/str_cat.h"
#include "runtime/container_id.h"
#include "runtime/event_types.h"
#include "runtime/signals.h"

namespace warren::server {

absl::Status ValidateCreate(const v1::CreateRequest& request) {
  if (absl::Status s = runtime::ValidateContainerId(request.id()); !s.ok()) {
    return s;
  }
  if (!request.has_spec())
    return absl::InvalidArgumentError("spec is required");
  return absl::OkStatus();
}

absl::Status ValidateKill(const v1::KillRequest& request) {
  if (absl::Status s = runtime::ValidateContainerId(request.id()); !s.ok()) {
    return s;
  }
  if (!request.exec_id().empty()) {
    if (request.all()) {
      return absl::InvalidArgumentError(
          "all: signals every process of the container; not with exec_id");
    }
    if (absl::Status s =
            runtime::ValidateContainerId(request.exec_id(), "exec_id");
        !s.ok()) {
      return s;
    }
  }
  if (!request.signal().empty()) {
    return runtime::ParseSignal(request.signal(), "signal").status();
  }
  return absl::OkStatus();
}

absl::Status ValidateLogs(const v1::LogsRequest& request) {
  if (absl::Status s = runtime::ValidateContainerId(request.id()); !s.ok()) {
    return s;
  }
  if (request.tail() < 0)
    return absl::InvalidArgumentError("tail: must be >= 0");
  return absl::OkStatus();
}

absl::Status ValidateWait(const v1::WaitRequest& request) {
  if (absl::Status s = runtime::ValidateContainerId(request.id()); !s.ok()) {
    return s;
  }
  if (!request.exec_id().empty()) {
    return runtime::ValidateContainerId(request.exec_id(), "exec_id");
  }
  return absl::OkStatus();
}

absl::Status ValidateEvents(const v1::EventsRequest& request) {
  for (int i = 0; i < request.container_ids_size(); ++i) {
    if (absl::Status s = runtime::ValidateContainerId(
            request.container_ids(i), absl::StrCat("container_ids[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < request.types_size(); ++i) {
    if (!runtime::IsEventType(request.types(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "types[", i, "]: unknown event type \"", request.types(i),
          "\" (known: created, started, exited, oom, paused, resumed, "
          "updated, deleted, exec_started, exec_exited)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::server
