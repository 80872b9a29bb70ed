// ContainerManager's live-resource operations: Stats, Pause/Resume and
// Update, all through the CgroupControl seam. Split from
// container_manager.cc, which holds the lifecycle.
#include "absl/strings/str_cat.h"
#include "runtime/cgroup_plan.h"
#include "runtime/container_manager.h"
#include "runtime/event_types.h"
#include "runtime/state_machine.h"

namespace warren::runtime {

absl::StatusOr<CgroupStats> ContainerManager::Stats(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    if (absl::StatusOr<Entry*> e = Find(id); !e.ok()) return e.status();
  }
  return cgroups_->Stats(id);
}

absl::StatusOr<v1::Container> ContainerManager::SetPaused(const std::string& id,
                                                          bool paused) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Find(id);
  if (!e.ok()) return e.status();
  ContainerState state = (*e)->record.state();
  absl::Status allowed = paused ? CanPause(id, state) : CanResume(id, state);
  if (!allowed.ok()) return allowed;
  if ((*e)->busy) {
    return absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" is being deleted"));
  }
  if (absl::Status s = cgroups_->SetFrozen(id, paused); !s.ok()) return s;
  (*e)->record.set_state(paused ? v1::PAUSED : v1::RUNNING);
  if (absl::Status s = Persist(**e); !s.ok()) return s;
  changed_.SignalAll();
  Emit({ContainerEvent(id, paused ? kEventPaused : kEventResumed)});
  return (*e)->record;
}

absl::StatusOr<v1::Container> ContainerManager::Pause(const std::string& id) {
  return SetPaused(id, true);
}

absl::StatusOr<v1::Container> ContainerManager::Resume(const std::string& id) {
  return SetPaused(id, false);
}

absl::StatusOr<v1::Container> ContainerManager::Update(
    const std::string& id, const v1::ResourcesSpec& resources) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Find(id);
  if (!e.ok()) return e.status();
  ContainerState state = (*e)->record.state();
  if (state == v1::STOPPED || (*e)->busy) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot update container \"", id, "\": it is not running"));
  }
  // The merged limits must make sense together (swap >= memory...).
  v1::ResourcesSpec merged = (*e)->record.spec().resources();
  merged.MergeFrom(resources);
  if (absl::Status s = ValidateResources(merged); !s.ok()) return s;
  if (absl::Status s = cgroups_->Update(id, merged); !s.ok()) return s;
  *(*e)->record.mutable_spec()->mutable_resources() = merged;
  if (absl::Status s = Persist(**e); !s.ok()) return s;
  Emit({ContainerEvent(id, kEventUpdated)});
  return (*e)->record;
}

}  // namespace warren::runtime
