#include "runtime/event_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/time_util.h"
#include "runtime/container_id.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

using google::protobuf::io::ArrayInputStream;
using google::protobuf::io::StringOutputStream;
using google::protobuf::util::ParseDelimitedFromZeroCopyStream;
using google::protobuf::util::SerializeDelimitedToZeroCopyStream;

// Events handed to a subscriber per lock acquisition.
constexpr size_t kBatch = 256;

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

absl::StatusOr<int> OpenForAppend(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("open", path);
  return fd;
}

// Appends the length-delimited records of `events` to `out`.
bool SerializeAll(const std::deque<v1::Event>& events, std::string* out) {
  StringOutputStream stream(out);
  for (const v1::Event& e : events) {
    if (!SerializeDelimitedToZeroCopyStream(e, &stream)) return false;
  }
  return true;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  *ts = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(t));
}

}  // namespace

std::string EventKey(const v1::Event& event) {
  return ContainerKey(event.tenant(), event.container_id());
}

bool EventFilter::Matches(const v1::Event& event) const {
  // Events journaled before tenants existed have none: the default's.
  absl::string_view tenant =
      event.tenant().empty() ? kDefaultTenant : event.tenant();
  return (tenants.empty() || tenants.count(std::string(tenant)) > 0) &&
         (container_keys.empty() ||
          container_keys.count(EventKey(event)) > 0) &&
         (container_ids.empty() ||
          container_ids.count(event.container_id()) > 0) &&
         (types.empty() || types.count(event.type()) > 0);
}

absl::StatusOr<std::unique_ptr<EventJournal>> EventJournal::Open(
    const std::string& path, size_t max_events) {
  absl::StatusOr<int> fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<EventJournal> journal(
      new EventJournal(path, std::max<size_t>(max_events, 2), *fd));
  absl::MutexLock lock(&journal->mu_);
  if (absl::Status s = journal->Load(); !s.ok()) return s;
  return journal;
}

EventJournal::EventJournal(std::string path, size_t max_events, int fd)
    : path_(std::move(path)), max_events_(max_events), fd_(fd) {}

EventJournal::~EventJournal() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) close(fd_);
}

absl::Status EventJournal::Load() {
  absl::StatusOr<std::string> data = ReadFile(path_);
  if (!data.ok()) return data.status();
  ArrayInputStream stream(data->data(), static_cast<int>(data->size()));
  uint64_t good = 0;  // bytes of whole, well-ordered records
  while (true) {
    v1::Event event;
    bool clean_eof = false;
    if (!ParseDelimitedFromZeroCopyStream(&event, &stream, &clean_eof)) break;
    // Sequences only grow; anything else is damage, like a torn record.
    if (event.sequence() <= last_sequence_) break;
    last_sequence_ = event.sequence();
    Remember(event);
    events_.push_back(std::move(event));
    good = static_cast<uint64_t>(stream.ByteCount());
  }
  file_size_ = good;
  if (good < data->size()) {
    // A crash mid-append left part of a record: it was never acknowledged.
    if (ftruncate(fd_, static_cast<off_t>(good)) != 0 || fsync(fd_) != 0) {
      return ErrnoError("truncate torn tail of", path_);
    }
  }
  if (events_.size() > max_events_) return Compact();
  return absl::OkStatus();
}

void EventJournal::Remember(const v1::Event& e) {
  // An exec's events share its container's key but say nothing about the
  // container's own state: an exec exit journaled after the container's
  // must not hide that exit from recovery.
  if (absl::StartsWith(e.type(), "exec_")) return;
  last_by_key_[EventKey(e)] = LastEvent{e.type(), e.sequence()};
}

absl::Status EventJournal::Compact() {
  while (events_.size() > max_events_ / 2) events_.pop_front();
  // Containers whose newest event went with the dropped half have none
  // retained any more.
  const uint64_t oldest =
      events_.empty() ? last_sequence_ + 1 : events_.front().sequence();
  for (auto it = last_by_key_.begin(); it != last_by_key_.end();) {
    if (it->second.sequence < oldest) {
      last_by_key_.erase(it++);
    } else {
      ++it;
    }
  }
  std::string data;
  if (!SerializeAll(events_, &data)) {
    return absl::InternalError("cannot serialize the event journal");
  }
  if (absl::Status s = WriteFileAtomic(path_, data); !s.ok()) return s;
  absl::StatusOr<int> fd = OpenForAppend(path_);
  if (!fd.ok()) return fd.status();
  close(fd_);
  fd_ = *fd;
  file_size_ = data.size();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Event>> EventJournal::Append(
    std::vector<v1::Event> events, JournalSync sync) {
  absl::MutexLock lock(&mu_);
  absl::Time now = absl::Now();
  uint64_t sequence = last_sequence_;
  std::string data;
  {
    StringOutputStream stream(&data);
    for (v1::Event& e : events) {
      e.set_sequence(++sequence);
      if (!e.has_time()) SetTime(now, e.mutable_time());
      if (!SerializeDelimitedToZeroCopyStream(e, &stream)) {
        return absl::InternalError("cannot serialize an event");
      }
    }
  }
  if (!WriteAll(fd_, data) ||
      (sync == JournalSync::kFsync && fsync(fd_) != 0)) {
    absl::Status error = ErrnoError("append to", path_);
    // Take back whatever part made it, so the file ends on a whole record.
    // If that fails too, the torn record is cut off at the next Open.
    if (ftruncate(fd_, static_cast<off_t>(file_size_)) != 0) {
    }
    return error;
  }
  file_size_ += data.size();
  last_sequence_ = sequence;
  for (const v1::Event& e : events) {
    Remember(e);
    events_.push_back(e);
  }
  if (events_.size() > max_events_) {
    // The appended events are durable either way; a failed compaction only
    // leaves a longer file, retried on the next append or open.
    (void)Compact();
  }
  appended_.SignalAll();
  return events;
}

std::vector<v1::Event> EventJournal::Read(const EventFilter& filter,
                                          uint64_t after_sequence) const {
  std::vector<v1::Event> out;
  absl::MutexLock lock(&mu_);
  for (const v1::Event& e : events_) {
    if (e.sequence() > after_sequence && filter.Matches(e)) out.push_back(e);
  }
  return out;
}

absl::Status EventJournal::Subscribe(
    const EventFilter& filter, uint64_t after_sequence,
    const std::function<bool(const v1::Event&)>& emit,
    const std::function<bool()>& cancelled) {
  uint64_t cursor = after_sequence;
  std::vector<v1::Event> batch;
  while (true) {
    batch.clear();
    {
      absl::MutexLock lock(&mu_);
      while (!ended_ &&
             (events_.empty() || events_.back().sequence() <= cursor)) {
        if (cancelled && cancelled()) {
          return absl::CancelledError("event subscription cancelled");
        }
        appended_.WaitWithTimeout(&mu_, poll_);
      }
      if (ended_) return absl::UnavailableError("warrend is shutting down");
      auto it = std::upper_bound(
          events_.begin(), events_.end(), cursor,
          [](uint64_t seq, const v1::Event& e) { return seq < e.sequence(); });
      for (; it != events_.end() && batch.size() < kBatch; ++it) {
        cursor = it->sequence();
        if (filter.Matches(*it)) batch.push_back(*it);
      }
    }
    for (const v1::Event& e : batch) {
      if (!emit(e)) return absl::OkStatus();
    }
    if (cancelled && cancelled()) {
      return absl::CancelledError("event subscription cancelled");
    }
  }
}

void EventJournal::EndSubscriptions() {
  absl::MutexLock lock(&mu_);
  ended_ = true;
  appended_.SignalAll();
}

uint64_t EventJournal::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

std::string EventJournal::LastTypeOf(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = last_by_key_.find(key);
  return it == last_by_key_.end() ? "" : it->second.type;
}

}  // namespace warren::runtime
