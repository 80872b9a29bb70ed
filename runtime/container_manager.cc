#include "runtime/container_manager.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "runtime/cgroup_plan.h"
#include "runtime/container_id.h"
#include "runtime/etc_files.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"
#include "runtime/namespace_info.h"
#include "runtime/signals.h"
#include "runtime/spec_validation.h"
#include "runtime/state_machine.h"

namespace warren::runtime {
namespace {

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  *ts = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(t));
}

absl::Status CheckRootfs(const std::string& rootfs) {
  // The overlay's mount options list the layers separated by ':' and ','.
  if (rootfs.find_first_of(",:") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "spec.rootfs: ", rootfs, " contains ',' or ':' (overlayfs layers)"));
  }
  struct stat st;
  if (stat(rootfs.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.rootfs: ", rootfs, ": ", strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.rootfs: ", rootfs, " is not a directory"));
  }
  return absl::OkStatus();
}

absl::Duration StopTimeout(const v1::ContainerSpec& spec) {
  if (!spec.has_stop_timeout()) return absl::Seconds(10);
  return absl::Seconds(spec.stop_timeout().seconds()) +
         absl::Nanoseconds(spec.stop_timeout().nanos());
}

int StopSignal(const v1::ContainerSpec& spec) {
  if (spec.stop_signal().empty()) return SIGTERM;
  absl::StatusOr<int> sig = ParseSignal(spec.stop_signal(), "stop_signal");
  return sig.ok() ? *sig : SIGTERM;
}

}  // namespace

ContainerManager::ContainerManager(RuntimeOptions options,
                                   std::unique_ptr<MonitorControl> monitors,
                                   std::unique_ptr<CgroupControl> cgroups,
                                   std::unique_ptr<NetworkControl> networks)
    : options_(std::move(options)),
      monitors_(std::move(monitors)),
      cgroups_(std::move(cgroups)),
      networks_(std::move(networks)),
      watcher_([this](const std::string& id) { OnMonitorExit(id); }) {}

ContainerManager::~ContainerManager() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (exec_watcher_.joinable()) exec_watcher_.join();
}

StoreLayout ContainerManager::LayoutFor(const std::string& id) const {
  return StoreLayout::For(options_.state_dir, options_.run_dir, id);
}

absl::StatusOr<ContainerManager::Entry*> ContainerManager::Find(
    const std::string& id) {
  if (absl::Status s = ValidateContainerKey(id); !s.ok()) return s;
  auto it = containers_.find(id);
  if (it == containers_.end() || !it->second->record.has_spec()) {
    return absl::NotFoundError(absl::StrCat("no container \"", id, "\""));
  }
  return it->second.get();
}

absl::Status ContainerManager::Persist(const Entry& entry) {
  return WriteProtoAtomic(entry.layout.RecordPath(), entry.record);
}

void ContainerManager::Emit(std::vector<v1::Event> events, JournalSync sync) {
  if (journal_ != nullptr) (void)journal_->Append(std::move(events), sync);
}

absl::StatusOr<v1::Container> ContainerManager::Create(
    const std::string& id, const v1::ContainerSpec& spec,
    const CreateLimits& limits) {
  if (absl::Status s = ValidateContainerKey(id); !s.ok()) return s;
  const ScopedId scoped = SplitContainerKey(id);
  if (absl::Status s = ValidateSpec(spec); !s.ok()) return s;
  if (absl::Status s = CheckRootfs(spec.rootfs()); !s.ok()) return s;
  StoreLayout layout = LayoutFor(id);
  {
    absl::MutexLock lock(&mu_);
    if (containers_.contains(id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("container \"", id, "\" already exists"));
    }
    // Reservations count: concurrent Creates cannot overshoot the cap.
    if (limits.max_containers > 0 &&
        CountTenant(scoped.tenant) >= limits.max_containers) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "tenant \"", scoped.tenant, "\" is at its max_containers cap (",
          limits.max_containers, "); delete a container first"));
    }
    auto entry = std::make_unique<Entry>(layout);
    entry->busy = true;  // reserves the id; invisible until it has a spec
    containers_[id] = std::move(entry);
  }
  bool launched = false;
  v1::NetworkInfo net;
  auto fail = [&](absl::Status status) {
    if (launched) {
      (void)monitors_->Kill(layout, SIGKILL, true);
      (void)cgroups_->Remove(id);
    }
    if (!net.network().empty()) (void)networks_->Release(id, net.network());
    RemoveFiles(layout);
    absl::MutexLock lock(&mu_);
    containers_.erase(id);
    return status;
  };
  ContainerPaths paths = layout.Paths();
  // The upper layer's root becomes the container's "/": it must be
  // traversable by non-root users of the container.
  for (const std::string& dir :
       {paths.upper_dir, paths.work_dir, paths.merged_dir}) {
    if (absl::Status s = MakeDirs(dir, 0755); !s.ok()) return fail(s);
  }
  if (WantsBridge(spec.network())) {
    absl::StatusOr<v1::NetworkInfo> reserved =
        networks_->Reserve(id, spec.network());
    if (!reserved.ok()) return fail(reserved.status());
    net = *std::move(reserved);
  }
  if (absl::Status s = WriteEtc(id, spec, layout, net); !s.ok()) {
    return fail(s);
  }
  // Only the monitor reads this copy, at once; the record below keeps the
  // spec durably.
  if (absl::Status s =
          WriteProtoAtomic(layout.SpecPath(), spec, Durability::kAtomic);
      !s.ok()) {
    return fail(s);
  }
  // The bundle's name is synced while the monitor sets the init up.
  absl::Status synced = absl::InternalError(absl::StrCat(
      "the monitor of \"", id, "\" started without syncing its bundle"));
  absl::StatusOr<MonitorLaunch> launch = monitors_->Launch(
      id, layout, [&] { synced = SyncBundleName(scoped.tenant); });
  if (!launch.ok()) return fail(launch.status());
  launched = true;
  if (!synced.ok()) return fail(synced);
  if (!net.network().empty()) {
    if (absl::Status s = networks_->Attach(id, launch->init_pid); !s.ok()) {
      return fail(s);
    }
    net.set_netns_path(absl::StrCat("/proc/", launch->init_pid, "/ns/net"));
    struct stat st;
    if (stat(net.netns_path().c_str(), &st) == 0)
      net.set_netns_inode(st.st_ino);
  }

  v1::Container record;
  record.set_id(scoped.id);
  record.set_tenant(scoped.tenant);
  *record.mutable_spec() = spec;
  record.set_state(v1::CREATED);
  record.set_pid(launch->init_pid);
  record.set_monitor_pid(launch->monitor_pid);
  record.set_log_path(layout.LogPath());
  if (!net.network().empty()) *record.mutable_network() = net;
  SetTimestamp(absl::Now(), record.mutable_created_at());
  if (absl::Status s = WriteProtoAtomic(layout.RecordPath(), record); !s.ok()) {
    return fail(s);
  }
  std::vector<v1::NamespaceInfo> namespaces = ReadNamespaces(launch->init_pid);
  absl::MutexLock lock(&mu_);
  Entry* e = containers_[id].get();
  e->record = record;
  e->busy = false;
  e->namespaces = namespaces;
  e->namespaces_pid = launch->init_pid;
  Emit({ContainerEvent(id, kEventCreated)});
  WatchOrMarkStopped(id, e);
  v1::Container out = e->record;
  for (auto& ns : namespaces) *out.add_namespaces() = std::move(ns);
  return out;
}

absl::StatusOr<v1::Container> ContainerManager::Start(const std::string& id) {
  StoreLayout layout = LayoutFor(id);
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    if (absl::Status s = CanStart(id, (*e)->record.state()); !s.ok()) return s;
    if ((*e)->busy) {
      return absl::FailedPreconditionError(
          absl::StrCat("container \"", id, "\" is being deleted"));
    }
    if ((*e)->starting) {
      return absl::FailedPreconditionError(
          absl::StrCat("container \"", id, "\" is already being started"));
    }
    (*e)->starting = true;
  }
  absl::Status started = monitors_->Start(layout);
  if (absl::IsUnavailable(started)) {
    started = absl::FailedPreconditionError(
        absl::StrCat("container \"", id, "\" exited before it was started"));
  } else if (!started.ok()) {
    started = absl::Status(
        started.code(),
        absl::StrCat("start container \"", id, "\": ", started.message()));
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> found = Find(id);
  if (!found.ok()) return found.status();
  Entry* e = *found;
  e->starting = false;
  if (started.ok()) {
    SetTimestamp(absl::Now(), e->record.mutable_started_at());
    if (e->record.state() == v1::CREATED) e->record.set_state(v1::RUNNING);
    // The start mark, not the record: a warrend restart reads it back, and
    // after a host crash the container is lost either way (StartedPath).
    (void)WriteProtoAtomic(layout.StartedPath(), e->record.started_at(),
                           Durability::kAtomic);
    changed_.SignalAll();
    Emit({ContainerEvent(id, kEventStarted)}, JournalSync::kWriteOnly);
  }
  // A short-lived process may already have exited.
  if (e->exit_pending) {
    e->exit_pending = false;
    MarkStopped(e);
  }
  if (!started.ok()) return started;
  return e->record;
}

absl::StatusOr<v1::ExitStatus> ContainerManager::Wait(
    const std::string& id, const std::function<bool()>& cancelled) {
  absl::MutexLock lock(&mu_);
  while (true) {
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    const v1::Container& r = (*e)->record;
    if (r.state() == v1::STOPPED) {
      v1::ExitStatus exit;
      exit.set_exit_code(r.exit_code());
      exit.set_signal(r.signal());
      exit.set_oom_killed(r.oom_killed());
      *exit.mutable_finished_at() = r.finished_at();
      return exit;
    }
    if (cancelled && cancelled()) {
      return absl::CancelledError(
          absl::StrCat("wait for \"", id, "\" cancelled"));
    }
    changed_.WaitWithTimeout(&mu_, absl::Milliseconds(200));
  }
}

absl::Status ContainerManager::Kill(const std::string& id,
                                    const std::string& signal, bool all) {
  StoreLayout layout = LayoutFor(id);
  int signo = 0;
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    if (signal.empty()) {
      signo = StopSignal((*e)->record.spec());
    } else {
      absl::StatusOr<int> parsed = ParseSignal(signal, "signal");
      if (!parsed.ok()) return parsed.status();
      signo = *parsed;
    }
    if (absl::Status s = CanKill(id, (*e)->record.state()); !s.ok()) return s;
  }
  absl::Status status = monitors_->Kill(layout, signo, all);
  if (absl::IsUnavailable(status) || absl::IsFailedPrecondition(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot kill container \"", id, "\": it is not running"));
  }
  return status;
}

bool ContainerManager::WaitStopped(const std::string& id,
                                   absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (true) {
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second->record.state() == v1::STOPPED) {
      return true;
    }
    if (changed_.WaitWithDeadline(&mu_, deadline)) {
      it = containers_.find(id);
      return it == containers_.end() ||
             it->second->record.state() == v1::STOPPED;
    }
  }
}

absl::Status ContainerManager::StopForDelete(const std::string& id,
                                             const v1::Container& record,
                                             const StoreLayout& layout) {
  if (record.state() == v1::RUNNING) {
    (void)monitors_->Kill(layout, StopSignal(record.spec()), false);
    if (WaitStopped(id, StopTimeout(record.spec()))) return absl::OkStatus();
  }
  (void)monitors_->Kill(layout, SIGKILL, true);
  // Frozen processes only die once thawed.
  if (record.state() == v1::PAUSED) (void)cgroups_->SetFrozen(id, false);
  if (WaitStopped(id, options_.kill_grace)) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat(
      "container \"", id, "\" did not exit after SIGKILL; not deleted"));
}

absl::Status ContainerManager::Delete(const std::string& id, bool force) {
  v1::Container record;
  StoreLayout layout = LayoutFor(id);
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    if ((*e)->busy) {
      return absl::FailedPreconditionError(
          absl::StrCat("container \"", id, "\" is already being deleted"));
    }
    if (absl::Status s = CanDelete(id, (*e)->record.state(), force); !s.ok()) {
      return s;
    }
    (*e)->busy = true;
    record = (*e)->record;
  }
  if (record.state() != v1::STOPPED) {
    if (absl::Status s = StopForDelete(id, record, layout); !s.ok()) {
      absl::MutexLock lock(&mu_);
      if (auto it = containers_.find(id); it != containers_.end()) {
        EndDeleteAttempt(it->second.get());
      }
      return s;
    }
  }
  watcher_.Remove(id);
  if (absl::Status s = cgroups_->Remove(id); !s.ok()) {
    absl::MutexLock lock(&mu_);
    if (auto it = containers_.find(id); it != containers_.end()) {
      EndDeleteAttempt(it->second.get());
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot delete container \"", id, "\": ", s.message()));
  }
  if (!record.network().network().empty()) {
    (void)networks_->ReleaseExited(id, record.network().network());
  }
  ForgetExecs(id, layout);
  // The commit point, synced (with the stop MarkStopped left unsynced)
  // before any file goes: recovery finishes a Delete it finds journaled.
  Emit({ContainerEvent(id, kEventDeleted)});
  RemoveFiles(layout);
  absl::MutexLock lock(&mu_);
  containers_.erase(id);
  changed_.SignalAll();
  return absl::OkStatus();
}

}  // namespace warren::runtime
