// Reads a container's log for Logs without loading the whole log: a tail is
// read backwards from the end, everything else is streamed in chunks at the
// caller's pace (each record is handed to `emit` before the next chunk is
// read), so neither a container that wrote gigabytes nor a slow client can
// make warrend buffer without bound.
//
// A log is `path` plus, once LogWriter has rotated it, `path`.1 (the older
// records). Record times are strictly increasing within a log (LogClock),
// which is what makes "since the last time I saw plus 1 ns" an exact resume
// point, and what lets a follower skip a record it has already delivered
// when rotation makes it look at a file twice.
#ifndef WARREN_RUNTIME_LOG_READER_H_
#define WARREN_RUNTIME_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/log_format.h"

namespace warren::runtime {

// Receives records in log order; returning false stops the read (the
// client went away).
using LogEmitter = std::function<bool(const LogRecord&)>;
// The same with records as views into the reader's buffer, valid only
// during the call: for callers that copy what they need anyway (Stream),
// which saves a copy of every record.
using LogViewEmitter = std::function<bool(const LogRecordView&)>;

// Calls `emit` for each record of the log at `path` (`path`.1, then `path`)
// written at or after `since`, in order, the last `tail` of them (0: all),
// until `emit` returns false. Reads up to the end the files had when it
// began, so a busy writer cannot keep it going. A missing log is an empty
// history.
absl::Status ForEachLogRecord(const std::string& path, size_t tail,
                              absl::Time since, const LogEmitter& emit);

// Tuning of FollowLogRecords; the defaults suit Logs.
struct FollowOptions {
  // The longest wait for new output before `cancelled` and `finished` are
  // asked again (new output wakes the follower at once through inotify, or
  // after this long where inotify is unavailable).
  absl::Duration poll_interval = absl::Milliseconds(100);
  // Called when every record readable for now was emitted: before the
  // follower waits for more, and before it returns after `finished`. A
  // caller that batches records (Stream) sends its batch here. Returning
  // false stops the follow (OK), like `emit` returning false.
  std::function<bool()> caught_up;
  // Called, in order with the records, when whole files of the log were
  // rotated away before the follower could read them (it fell more than a
  // file behind a fast writer): `lost_generations` files, each up to the
  // writer's max_bytes, are missing between the records before and after.
  // Only for logs whose files carry generation headers. Returning false
  // stops the follow (OK).
  std::function<bool(uint64_t lost_generations)> lost;
  // Holds each file until it was read to its end (log_writer.h): a writer
  // that allows holds waits for this follower instead of rotating away a
  // file it has not finished, so a slow reader slows the container down
  // (for at most the writer's hold limit at a time) rather than losing
  // output. For an attached client (Stream), not for Logs.
  bool hold = false;
};

// Logs with follow: the history ForEachLogRecord gives, then every record
// appended afterwards, in order, across rotations (the file that became
// `path`.1 is read to its end before the new `path` is read from its start,
// so nothing is lost or repeated; a file rotated away before the follower
// got to it is reported to options.lost), until one of:
//  - `finished()` returned true (the writer will write nothing more: the
//    container has stopped) and the log was then read to its end: OK;
//  - `emit` returned false: OK;
//  - `cancelled()` returned true (asked at least every poll_interval while
//    idle): CANCELLED.
// Runs on the caller's thread and closes every descriptor it opened before
// returning. A log that does not exist yet is waited for.
absl::Status FollowLogRecords(const std::string& path, size_t tail,
                              absl::Time since, const LogEmitter& emit,
                              const std::function<bool()>& cancelled,
                              const std::function<bool()>& finished,
                              const FollowOptions& options = {});
// FollowLogRecords handing out views.
absl::Status FollowLogRecordViews(const std::string& path, size_t tail,
                                  absl::Time since, const LogViewEmitter& emit,
                                  const std::function<bool()>& cancelled,
                                  const std::function<bool()>& finished,
                                  const FollowOptions& options = {});

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_READER_H_
