#include "runtime/monitor/container_startup.h"

#include "absl/strings/str_cat.h"

namespace warren::runtime {

absl::StatusOr<StartedContainer> ContainerStartup::Run() {
  if (absl::Status s = steps_->CreateCgroup(); !s.ok()) return s;
  if (absl::Status s = steps_->PrepareNamespaces(); !s.ok()) {
    steps_->RemoveCgroup();
    return s;
  }
  absl::StatusOr<pid_t> init = steps_->CloneInit();
  // Right after the clone, before anything else runs in the monitor.
  steps_->RestoreNamespaces();
  if (init.ok() && *init <= 0) {
    // Never from the real clone (its child does not return); a KillInit
    // of pid 0 or -1 would signal the monitor's group or everything.
    init = absl::InternalError(
        absl::StrCat("clone container init returned pid ", *init));
  }
  if (!init.ok()) {
    steps_->RemoveCgroup();
    return init.status();
  }
  absl::StatusOr<int> listen_fd = StartClonedInit(*init);
  if (!listen_fd.ok()) {
    // The init must be gone before its cgroup can be removed.
    steps_->KillInit(*init);
    steps_->RemoveCgroup();
    return listen_fd.status();
  }
  return StartedContainer{*init, *listen_fd};
}

absl::StatusOr<int> ContainerStartup::StartClonedInit(pid_t init_pid) {
  if (absl::Status s = steps_->JoinCgroup(init_pid); !s.ok()) return s;
  if (absl::Status s = steps_->ReleaseInit(init_pid); !s.ok()) return s;
  if (absl::Status s = steps_->AwaitInit(); !s.ok()) return s;
  return steps_->Listen();
}

}  // namespace warren::runtime
