// The lifecycle event journal: an append-only file of length-delimited
// v1::Event records with increasing sequence numbers, fsync'd per append so
// an acknowledged event survives a crash ("started", exec: see JournalSync),
// and bounded by compaction. It is
// also the fan-out to Events subscribers: each reads from the retained
// window by sequence number, so a slow subscriber costs the publisher
// nothing and no per-subscriber queue grows.
#ifndef WARREN_RUNTIME_EVENT_JOURNAL_H_
#define WARREN_RUNTIME_EVENT_JOURNAL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/warren/v1/event.pb.h"

namespace warren::runtime {

// Which events a subscriber wants; an empty set matches everything.
struct EventFilter {
  // Tenants whose events are wanted (a non-admin caller: its own only).
  std::set<std::string> tenants;
  // Container keys (container_id.h: "<tenant>/<id>", bare for default).
  std::set<std::string> container_keys;
  // Bare container ids matched in every tenant (an admin listening to all
  // tenants names containers by id alone).
  std::set<std::string> container_ids;
  std::set<std::string> types;

  bool Matches(const v1::Event& event) const;
};

// The key (container_id.h) of the container an event is about.
std::string EventKey(const v1::Event& event);

// Whether an append waits for the disk. "started" and exec events are only
// written: the files they describe are not fsync'd
// either (a host crash ends the processes), a warrend crash keeps them (the
// page cache has them), and the next synced append makes them durable with
// itself. A host crash can lose the last of them; their sequence numbers
// then go to the next events.
enum class JournalSync { kFsync, kWriteOnly };

class EventJournal {
 public:
  static constexpr size_t kDefaultMaxEvents = 10000;

  // Opens (or creates) the journal at `path` and loads it, so sequence
  // numbers continue. A torn last record (a crash mid-append) is dropped
  // and cut off the file. More than `max_events` events trigger a
  // compaction that keeps the newest half.
  static absl::StatusOr<std::unique_ptr<EventJournal>> Open(
      const std::string& path, size_t max_events = kDefaultMaxEvents);
  ~EventJournal();

  EventJournal(const EventJournal&) = delete;
  EventJournal& operator=(const EventJournal&) = delete;

  // Numbers `events` (and stamps their time if unset), writes them with one
  // write and (kFsync) one fsync, then wakes subscribers. Returns the stored
  // events. On error nothing is published and the file is left as before,
  // so the journal never shows an event a warrend restart would forget.
  absl::StatusOr<std::vector<v1::Event>> Append(
      std::vector<v1::Event> events, JournalSync sync = JournalSync::kFsync);

  // The retained events after `after_sequence` that match `filter`, without
  // waiting (tests and recovery checks).
  std::vector<v1::Event> Read(const EventFilter& filter,
                              uint64_t after_sequence) const;

  // Calls `emit` for every retained event after `after_sequence` matching
  // `filter`, then for each new one as it is appended, in sequence order
  // with no gap or duplicate, until `emit` returns false (OK), `cancelled()`
  // returns true (CANCELLED, noticed within the poll interval) or
  // EndSubscriptions (UNAVAILABLE). `emit` runs without the journal's lock.
  // A subscriber that falls behind the retained window continues at its
  // oldest event.
  absl::Status Subscribe(const EventFilter& filter, uint64_t after_sequence,
                         const std::function<bool(const v1::Event&)>& emit,
                         const std::function<bool()>& cancelled);

  // Ends every Subscribe and refuses new ones, so a shutting-down server
  // does not wait for streaming clients. Appends still work.
  void EndSubscriptions();

  // The sequence number of the newest event (0 if there was none yet).
  uint64_t last_sequence() const;

  // The type of the newest retained event of the container with key `key`
  // about the container itself (exec events left out), "" if none.
  // Recovery uses it to journal an exit exactly once, and to finish a
  // Delete whose "deleted" was journaled.
  std::string LastTypeOf(const std::string& key) const;

 private:
  EventJournal(std::string path, size_t max_events, int fd);

  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Rewrites the file with the newest half of the events (tmp, fsync,
  // rename) and reopens it for appending.
  absl::Status Compact() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records `e` as the newest event of its container.
  void Remember(const v1::Event& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const size_t max_events_;
  // How often a waiting subscriber checks `cancelled`.
  const absl::Duration poll_ = absl::Milliseconds(100);
  mutable absl::Mutex mu_;
  absl::CondVar appended_;
  int fd_ ABSL_GUARDED_BY(mu_);
  // Bytes of the file holding whole records.
  uint64_t file_size_ ABSL_GUARDED_BY(mu_) = 0;
  // Mirrors the file: the retained events, oldest first.
  std::deque<v1::Event> events_ ABSL_GUARDED_BY(mu_);
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  // Container key -> its newest retained event (type, sequence), so
  // LastTypeOf, called at every container exit under the manager's lock,
  // does not scan the retained window.
  struct LastEvent {
    std::string type;
    uint64_t sequence = 0;
  };
  absl::flat_hash_map<std::string, LastEvent> last_by_key_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_EVENT_JOURNAL_H_
