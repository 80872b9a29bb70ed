// The container lifecycle behind the API: validates requests, keeps one
// record per container on disk, drives the per-container monitors through
// the MonitorControl seam, and learns of exits from the ExitWatcher. All
// state can be rebuilt from the state and run directories (StoreLayout),
// so a restarted warrend picks up where the last one stopped (Init).
#ifndef WARREN_RUNTIME_CONTAINER_MANAGER_H_
#define WARREN_RUNTIME_CONTAINER_MANAGER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "proto/warren/v1/container.pb.h"
#include "runtime/cgroup_control.h"
#include "runtime/event_journal.h"
#include "runtime/exec_spec.h"
#include "runtime/exit_watcher.h"
#include "runtime/monitor_control.h"
#include "runtime/network_control.h"
#include "runtime/store_layout.h"
#include "runtime/trash_can.h"

namespace warren::runtime {

struct RuntimeOptions {
  std::string state_dir = "/var/lib/warren";
  std::string run_dir = "/run/warren";
  // How long a forced Delete waits for the init after SIGKILL.
  absl::Duration kill_grace = absl::Seconds(10);
  // Events kept in state_dir/events.journal before it is compacted to the
  // newest half.
  size_t max_events = EventJournal::kDefaultMaxEvents;
};

// What Exec started, and with sync what it did.
struct ExecResult {
  std::string exec_id;
  pid_t pid = 0;
  // With sync:
  v1::ExitStatus exit;
  std::string out;
  std::string err;
  bool out_truncated = false;
  bool err_truncated = false;
  bool timed_out = false;
};

// Filter for List; empty fields match everything.
struct ListFilter {
  std::map<std::string, std::string> labels;
  v1::ContainerState state = v1::CONTAINER_STATE_UNSPECIFIED;
  // Only this tenant's containers (a non-admin caller's view).
  std::string tenant;
};

// Caps a Create must respect (from the access policy); 0 is no cap.
struct CreateLimits {
  // Containers (any state) the new container's tenant may have at once,
  // the new one included.
  uint32_t max_containers = 0;
};

class ContainerManager {
 public:
  ContainerManager(RuntimeOptions options,
                   std::unique_ptr<MonitorControl> monitors,
                   std::unique_ptr<CgroupControl> cgroups,
                   std::unique_ptr<NetworkControl> networks);
  ~ContainerManager();

  // Creates the directories and recovers every container found in them.
  absl::Status Init();

  // Every `id` below is a container key (container_id.h): the bare id in
  // the default tenant, "<tenant>/<id>" in another, so tenants' ids never
  // meet. RESOURCE_EXHAUSTED naming max_containers when the tenant is at
  // its cap.
  absl::StatusOr<v1::Container> Create(const std::string& id,
                                       const v1::ContainerSpec& spec,
                                       const CreateLimits& limits = {});
  absl::StatusOr<v1::Container> Start(const std::string& id);
  // Blocks until the container has stopped; polls `cancelled` so a client
  // that goes away does not hold a thread.
  absl::StatusOr<v1::ExitStatus> Wait(const std::string& id,
                                      const std::function<bool()>& cancelled);
  // `signal` empty: the container's stop signal.
  absl::Status Kill(const std::string& id, const std::string& signal, bool all);
  absl::Status Delete(const std::string& id, bool force);
  absl::StatusOr<v1::Container> Inspect(const std::string& id);
  std::vector<v1::Container> List(const ListFilter& filter);
  // Resource usage from the container's cgroup (any state until Delete).
  absl::StatusOr<CgroupStats> Stats(const std::string& id);
  // Freezes / thaws every process of a RUNNING / PAUSED container.
  absl::StatusOr<v1::Container> Pause(const std::string& id);
  absl::StatusOr<v1::Container> Resume(const std::string& id);
  // Applies the non-zero fields of `resources` to a live container and
  // records them in its spec.
  absl::StatusOr<v1::Container> Update(const std::string& id,
                                       const v1::ResourcesSpec& resources);
  // The container's log file (for Logs).
  absl::StatusOr<std::string> LogPath(const std::string& id);
  // Lifecycle events: journaled ones after `after_sequence`, then new ones
  // until `emit` returns false or `cancelled()` (see EventJournal).
  absl::Status Events(const EventFilter& filter, uint64_t after_sequence,
                      const std::function<bool(const v1::Event&)>& emit,
                      const std::function<bool()>& cancelled);
  // Ends every Events stream, so shutdown does not wait for subscribers.
  void EndEvents();
  // Exec processes (container_manager_exec.cc). Exec starts one in a
  // RUNNING container (NOT_FOUND / FAILED_PRECONDITION otherwise); with
  // options.sync it waits, killing the process at options.timeout, and
  // captures up to kMaxCapture of each stream.
  static constexpr size_t kMaxCapture = 16 << 20;
  // Finished execs a container keeps (their records are in the run
  // directory, in RAM, and a health check every few seconds would fill
  // it): older ones are forgotten with their logs, as Docker forgets
  // finished exec instances. Checked once per this many exits.
  static constexpr size_t kKeptFinishedExecs = 64;
  absl::StatusOr<ExecResult> Exec(const std::string& id,
                                  const ExecOptions& options,
                                  const std::function<bool()>& cancelled);
  absl::StatusOr<v1::ExitStatus> WaitExec(
      const std::string& id, const std::string& exec_id,
      const std::function<bool()>& cancelled);
  absl::Status KillExec(const std::string& id, const std::string& exec_id,
                        const std::string& signal);
  // For the init with exec_id "" (spec.process.open_stdin / tty).
  absl::Status ExecStdin(const std::string& id, const std::string& exec_id,
                         const std::string& data, bool close);
  absl::Status ResizeExec(const std::string& id, const std::string& exec_id,
                          uint32_t rows, uint32_t cols);
  // The process spec of the init (exec_id "") or of an exec.
  absl::StatusOr<v1::ProcessSpec> ProcessSpecOf(const std::string& id,
                                                const std::string& exec_id);
  // The log holding a process's output (the container's for exec_id "").
  absl::StatusOr<std::string> OutputLogPath(const std::string& id,
                                            const std::string& exec_id);
  // The exit of the init (exec_id "") or of an exec, if it has exited.
  absl::StatusOr<absl::optional<v1::ExitStatus>> ProcessExit(
      const std::string& id, const std::string& exec_id);

  // Named bridge networks (see NetworkControl).
  NetworkControl& networks() { return *networks_; }

 private:
  struct Entry {
    explicit Entry(StoreLayout l) : layout(std::move(l)) {}
    StoreLayout layout;
    v1::Container record;
    // Create or Delete is working on it: other mutations are refused.
    bool busy = false;
    // Start is releasing the init; an exit seen meanwhile waits for it so
    // "started" is journaled before "exited".
    bool starting = false;
    bool exit_pending = false;
    // MarkStopped left this stop to the Delete under way: the journal is
    // not synced and the record still says it runs (EndDeleteAttempt).
    bool stop_unsynced = false;
    // The namespaces of init `namespaces_pid` as Inspect reports them:
    // read once (at Create, or at the first Inspect after a recovery)
    // rather than 16 /proc lookups per call. An init only changes its own
    // namespaces with CAP_SYS_ADMIN and unshare/setns, which the default
    // capabilities and seccomp profile deny.
    std::vector<v1::NamespaceInfo> namespaces;
    pid_t namespaces_pid = 0;
  };

  StoreLayout LayoutFor(const std::string& id) const;
  // Containers of `tenant`, reservations of unfinished Creates included.
  size_t CountTenant(const std::string& tenant) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Entry*> Find(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Persist(const Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnMonitorExit(const std::string& id);
  void MarkStopped(Entry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A Delete that failed gives the container back: not busy, and a stop
  // seen meanwhile (which MarkStopped left to the Delete) made durable.
  void EndDeleteAttempt(Entry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WatchOrMarkStopped(const std::string& id, Entry* entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool WaitStopped(const std::string& id, absl::Duration timeout);
  absl::Status StopForDelete(const std::string& id, const v1::Container& record,
                             const StoreLayout& layout);
  void Recover(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The container's run directory, and its bundle (into the trash).
  void RemoveFiles(const StoreLayout& layout);
  // Create: the record's fsync covers its name in the bundle, not the
  // bundle's name in its tenant's directory (synced here), nor a new tenant
  // directory's in containers/ (synced once per tenant and warrend).
  absl::Status SyncBundleName(const std::string& tenant)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The container's /etc/hosts, hostname and resolv.conf in its upper layer.
  absl::Status WriteEtc(const std::string& id, const v1::ContainerSpec& spec,
                        const StoreLayout& layout, const v1::NetworkInfo& net);
  // Journals `events`. A journal that cannot be written (disk full) must not
  // undo an operation that already happened: the event is dropped.
  // "started" and exec events are JournalSync::kWriteOnly, like the
  // process files in the run directory (StoreLayout).
  void Emit(std::vector<v1::Event> events,
            JournalSync sync = JournalSync::kFsync);
  // The layout of container `id` if exec_id is "", else FindExec's.
  absl::StatusOr<StoreLayout> FindProcess(const std::string& id,
                                          const std::string& exec_id);
  // The layout of an existing exec of container `id`; NOT_FOUND otherwise.
  absl::StatusOr<StoreLayout> FindExec(const std::string& id,
                                       const std::string& exec_id);
  // OK while waiting for the exec's exit still makes sense; NOT_FOUND once
  // the container is gone, FAILED_PRECONDITION once it stopped without it.
  absl::Status ExecStillPending(const std::string& id,
                                const std::string& exec_id);
  // Delete: journals the exits of the container's execs not journaled yet
  // and stops watching them.
  void ForgetExecs(const std::string& id, const StoreLayout& layout);
  // Journals "exec_exited" once per exec, when its exit record appears
  // (polled by the exec watcher thread; recovered execs included).
  void WatchExecs();
  void ReportExecExit(const StoreLayout& layout, const std::string& id,
                      const std::string& exec_id);
  // Removes all but the newest kKeptFinishedExecs journaled execs of the
  // container in `layout` (records and logs).
  void PruneFinishedExecs(const StoreLayout& layout);
  // An exec started whose record could not be written: kills it and removes
  // what it left (exit record, log).
  void AbandonExec(const StoreLayout& layout, const std::string& exec_id);
  // Pause and Resume: freeze or thaw, then record the new state.
  absl::StatusOr<v1::Container> SetPaused(const std::string& id, bool paused);

  RuntimeOptions options_;
  std::unique_ptr<MonitorControl> monitors_;
  std::unique_ptr<CgroupControl> cgroups_;
  std::unique_ptr<NetworkControl> networks_;
  // Opened by Init before the watcher thread starts; null before Init.
  std::unique_ptr<EventJournal> journal_;
  // state_dir/trash, made by Init: where deleted bundles go (null before).
  std::unique_ptr<TrashCan> trash_;
  absl::Mutex mu_;
  absl::CondVar changed_;
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> containers_
      ABSL_GUARDED_BY(mu_);
  // Tenants whose directory's name in containers/ a Create has synced.
  std::set<std::string> synced_tenants_ ABSL_GUARDED_BY(mu_);
  // "<container>/<exec id>" of execs being started (their record is written
  // meanwhile): the id is taken.
  std::set<std::string> starting_execs_ ABSL_GUARDED_BY(mu_);
  // Execs whose exit is not journaled yet: container id -> exec ids.
  std::map<std::string, std::set<std::string>> running_execs_
      ABSL_GUARDED_BY(mu_);
  // Exits journaled per container since its last PruneFinishedExecs.
  absl::flat_hash_map<std::string, size_t> exits_since_prune_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread exec_watcher_;
  // Last, so its thread stops before the state it calls into goes away.
  ExitWatcher watcher_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CONTAINER_MANAGER_H_
