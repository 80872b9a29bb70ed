#include "runtime/state_machine.h"

#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

absl::Status WrongState(absl::string_view op, absl::string_view id,
                        ContainerState state, absl::string_view needed) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot ", op, " container \"", id, "\": it is ",
                   StateName(state), ", it must be ", needed));
}

}  // namespace

absl::string_view StateName(ContainerState state) {
  switch (state) {
    case v1::CREATED:
      return "created";
    case v1::RUNNING:
      return "running";
    case v1::PAUSED:
      return "paused";
    case v1::STOPPED:
      return "stopped";
    default:
      return "unknown";
  }
}

absl::Status CanStart(absl::string_view id, ContainerState state) {
  if (state == v1::CREATED) return absl::OkStatus();
  return WrongState("start", id, state, "created");
}

absl::Status CanKill(absl::string_view id, ContainerState state) {
  if (state == v1::CREATED || state == v1::RUNNING || state == v1::PAUSED) {
    return absl::OkStatus();
  }
  return WrongState("kill", id, state, "created, running or paused");
}

absl::Status CanDelete(absl::string_view id, ContainerState state, bool force) {
  if (force || state == v1::CREATED || state == v1::STOPPED) {
    return absl::OkStatus();
  }
  return WrongState("delete", id, state, "created or stopped (or use force)");
}

absl::Status CanPause(absl::string_view id, ContainerState state) {
  if (state == v1::RUNNING) return absl::OkStatus();
  return WrongState("pause", id, state, "running");
}

absl::Status CanResume(absl::string_view id, ContainerState state) {
  if (state == v1::PAUSED) return absl::OkStatus();
  return WrongState("resume", id, state, "paused");
}

}  // namespace warren::runtime
