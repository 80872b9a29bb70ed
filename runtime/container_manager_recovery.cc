// ContainerManager's start-up: rebuilding its state from the state
// directory and the monitors' sockets, and learning of exits. Split from
// container_manager.cc, which holds the lifecycle RPCs.
#include <sys/stat.h>

#include <csignal>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "runtime/container_id.h"
#include "runtime/container_manager.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

// Keys of the containers with a directory in `dir`
// (`dir`/<tenant>/<id>, container_id.h).
std::vector<std::string> ContainerKeysIn(const std::string& dir) {
  std::vector<std::string> keys;
  for (const std::string& tenant : ListDir(dir)) {
    if (!ValidateTenant(tenant).ok()) continue;
    for (const std::string& id : ListDir(dir + "/" + tenant)) {
      if (ValidateContainerId(id).ok())
        keys.push_back(ContainerKey(tenant, id));
    }
  }
  return keys;
}

}  // namespace

absl::Status ContainerManager::Init() {
  // Both hold overlay layers of every container (upper, work, /etc).
  for (const std::string* dir : {&options_.state_dir, &options_.run_dir}) {
    if (dir->find_first_of(",:") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(*dir,
                       " contains ',' or ':', which overlayfs mount "
                       "options cannot hold"));
    }
  }
  for (const std::string& dir :
       {options_.state_dir + "/containers", options_.run_dir + "/containers"}) {
    if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  }
  // Made before the state directory is synced, which names it.
  trash_ = std::make_unique<TrashCan>(options_.state_dir + "/trash");
  // Create syncs the directories under containers/; this is its name.
  if (absl::Status s = SyncDir(options_.state_dir); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<EventJournal>> journal = EventJournal::Open(
      options_.state_dir + "/events.journal", options_.max_events);
  if (!journal.ok()) return journal.status();
  journal_ = *std::move(journal);
  if (absl::Status s = watcher_.Start(); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  for (const std::string& key :
       ContainerKeysIn(options_.state_dir + "/containers")) {
    Recover(key);
  }
  // Run directories without a container are leftovers of a crash.
  for (const std::string& id :
       ContainerKeysIn(options_.run_dir + "/containers")) {
    if (!containers_.contains(id)) {
      (void)RemoveTree(LayoutFor(id).run_dir());
    }
  }
  // Execs whose exit is not journaled yet (also ones that ended while
  // warrend was down) are watched again.
  for (const auto& [id, e] : containers_) {
    for (const std::string& file : ListDir(e->layout.ExecDir())) {
      if (!absl::EndsWith(file, ".pb") || absl::EndsWith(file, ".exit.pb")) {
        continue;
      }
      std::string exec_id = file.substr(0, file.size() - 3);
      struct stat st;
      if (stat((e->layout.ExecDir() + "/" + exec_id + ".journaled").c_str(),
               &st) != 0) {
        running_execs_[id].insert(exec_id);
      }
    }
  }
  exec_watcher_ = std::thread([this] { WatchExecs(); });
  // Addresses, veths and port rules of containers that are gone go too;
  // stopped containers keep their address (until Delete) but not ports.
  absl::flat_hash_map<std::string, v1::NetworkInfo> live;
  for (const auto& [id, e] : containers_) {
    v1::NetworkInfo net = e->record.network();
    if (e->record.state() == v1::STOPPED) net.clear_ports();
    live[id] = std::move(net);
  }
  return networks_->Reconcile(live);
}

void ContainerManager::Recover(const std::string& id) {
  auto entry = std::make_unique<Entry>(LayoutFor(id));
  if (journal_ != nullptr && journal_->LastTypeOf(id) == kEventDeleted) {
    // A Delete journaled (its commit point) whose files were not all gone
    // (a crash, or a rename the disk lost): its cgroups and address were
    // released before; only the files are left to remove.
    RemoveFiles(entry->layout);
    return;
  }
  if (!ReadProto(entry->layout.RecordPath(), &entry->record).ok()) {
    // A Create that never finished: its monitor (if any) must not keep a
    // container nobody knows about.
    (void)monitors_->Kill(entry->layout, SIGKILL, true);
    RemoveFiles(entry->layout);
    (void)cgroups_->Remove(id);
    return;
  }
  // Records written before tenants existed name none.
  if (entry->record.tenant().empty()) {
    entry->record.set_tenant(SplitContainerKey(id).tenant);
  }
  // Started since the record was written (StoreLayout::StartedPath).
  google::protobuf::Timestamp started_at;
  if (entry->record.state() == v1::CREATED &&
      ReadProto(entry->layout.StartedPath(), &started_at).ok()) {
    entry->record.set_state(v1::RUNNING);
    *entry->record.mutable_started_at() = started_at;
  }
  Entry* e = entry.get();
  containers_[id] = std::move(entry);
  if (e->record.state() != v1::STOPPED) WatchOrMarkStopped(id, e);
}

void ContainerManager::WatchOrMarkStopped(const std::string& id, Entry* e) {
  absl::StatusOr<int> fd = monitors_->Watch(e->layout);
  if (fd.ok() && watcher_.Add(id, *fd).ok()) return;
  MarkStopped(e);
}

void ContainerManager::MarkStopped(Entry* e) {
  if (e->record.state() == v1::STOPPED) return;
  if (e->starting) {
    e->exit_pending = true;  // Start finishes the job after "started"
    return;
  }
  v1::ExitStatus exit;
  // (A monitor started by a warrend from before the run directory held the
  // exit writes it in the bundle.)
  if (!ReadProto(e->layout.ExitPath(), &exit).ok() &&
      !ReadProto(e->layout.bundle_dir() + "/exit.pb", &exit).ok()) {
    // The monitor died without recording the exit (killed by hand): the
    // real status is lost; report it as a failure rather than success.
    exit.set_exit_code(255);
    *exit.mutable_finished_at() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
            absl::ToUnixNanos(absl::Now()));
  }
  v1::Container& r = e->record;
  // Journal, then persist STOPPED (which keeps recovery from journaling the
  // exit again). A crash in between is caught by the journal's own record.
  std::string key = ContainerKey(r.tenant(), r.id());
  // A Delete is waiting for this stop and removes the record next; its
  // "deleted" event syncs the journal, this exit with it. Until then a
  // crash leaves the old record, whose dead monitor makes recovery stop it
  // again (journaling the exit if the journal lost it): three fsyncs fewer
  // per forced Delete, and none of them under mu_.
  const bool deleting = e->busy;
  // Synced before the record says STOPPED: recovery skips STOPPED records,
  // so an exit event lost after that would never be journaled.
  if (journal_ != nullptr && journal_->LastTypeOf(key) != kEventExited) {
    Emit(ExitEvents(key, exit),
         deleting ? JournalSync::kWriteOnly : JournalSync::kFsync);
  }
  r.set_state(v1::STOPPED);
  r.set_pid(0);
  r.set_exit_code(exit.exit_code());
  r.set_signal(exit.signal());
  r.set_oom_killed(exit.oom_killed());
  *r.mutable_finished_at() = exit.finished_at();
  if (deleting) {
    e->stop_unsynced = true;
  } else {
    (void)Persist(*e);
  }
  changed_.SignalAll();
}

void ContainerManager::EndDeleteAttempt(Entry* e) {
  e->busy = false;
  // MarkStopped left the stop unsynced for the Delete that gave up.
  if (e->stop_unsynced) {
    e->stop_unsynced = false;
    Emit({}, JournalSync::kFsync);
    (void)Persist(*e);
  }
}

void ContainerManager::OnMonitorExit(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = containers_.find(id);
  if (it != containers_.end()) MarkStopped(it->second.get());
}

}  // namespace warren::runtime
