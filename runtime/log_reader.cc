#include "runtime/log_reader.h"

#include <sys/stat.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "runtime/dir_watch.h"
#include "runtime/log_file.h"

namespace warren::runtime {
namespace {

using log_internal::LogFile;
using log_internal::ReadWhole;
using log_internal::RecordSink;
using log_internal::TailStart;

// How much a follower reads before it asks `cancelled` again.
constexpr size_t kStepBudget = 1024 * 1024;

enum class Progress { kStop, kMore, kIdle };

// A log (`path` and `path`.1) read as one sequence of records: its history,
// then, step by step, what is appended, following rotations.
class LogSequence {
 public:
  // `lost` (may be empty) hears of files rotated away unread.
  // With `hold`, every file is opened holding it (LogFile::Open).
  LogSequence(std::string path, absl::Time since, const LogViewEmitter& emit,
              const std::function<bool(uint64_t)>& lost, bool hold = false)
      : path_(std::move(path)), sink_(since, emit), lost_(lost), hold_(hold) {}

  // Reads the history with `snapshot` (up to the files' sizes now); else
  // only reads `path`.1's part of it and leaves the current file at the
  // tail's start for Step. False: the sink stopped.
  absl::StatusOr<bool> History(size_t tail, bool snapshot) {
    auto main = std::make_unique<LogFile>();
    auto old = std::make_unique<LogFile>();
    // The current file first: if it is rotated meanwhile, .1 is that same
    // file then (skipped here, read as the current one), never an older one.
    absl::StatusOr<bool> has_main = main->Open(path_, hold_);
    if (!has_main.ok()) return has_main.status();
    absl::StatusOr<bool> has_old = old->Open(path_ + ".1", hold_);
    if (!has_old.ok()) return has_old.status();
    bool read_old = *has_old && !old->Same(*main);
    // Rotated more than once between the two opens: .1 is newer than the
    // current file, and is read after it (as the file in between).
    if (read_old && *has_main && main->generation() > 0 &&
        old->generation() > main->generation()) {
      read_old = false;
    }
    TailStart main_tail, old_tail;
    if (tail > 0 && *has_main) {
      absl::StatusOr<TailStart> t = main->Tail(tail);
      if (!t.ok()) return t.status();
      main_tail = *t;
    }
    if (tail > 0 && main_tail.lines >= tail) read_old = false;
    if (tail > 0 && read_old) {
      absl::StatusOr<TailStart> t = old->Tail(tail - main_tail.lines);
      if (!t.ok()) return t.status();
      old_tail = *t;
    }
    main->Seek(main_tail.offset);
    old->Seek(old_tail.offset);
    if (read_old && !*has_main) {
      current_ = std::move(old);  // between LogWriter's rename and create
    } else if (read_old) {
      absl::StatusOr<bool> go_on = ReadWhole(*old, sink_, snapshot);
      if (!go_on.ok() || !*go_on) return go_on;
    }
    if (*has_main) current_ = std::move(main);
    if (!snapshot || !current_->is_open()) return true;
    return ReadWhole(*current_, sink_, snapshot);
  }

  // Reads what the current file has now; at its end, moves on to the next
  // file if the log was rotated. kIdle: nothing more to read for now.
  absl::StatusOr<Progress> Step() {
    if (current_->is_open()) {
      bool more = false;
      absl::StatusOr<bool> go_on =
          current_->Read(sink_, log_internal::kNoLimit, kStepBudget, &more);
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) return Progress::kStop;
      if (more) return Progress::kMore;
    }
    return SwitchIfRotated();
  }

  // The log is complete: hands over a final partial line. False: stopped.
  bool Finish() { return current_->Flush(sink_); }

 private:
  absl::StatusOr<Progress> SwitchIfRotated() {
    struct stat st;
    if (stat(path_.c_str(), &st) != 0 || current_->Same(st)) {
      return Progress::kIdle;
    }
    // A new file at `path`: LogWriter is done with the current one.
    if (current_->is_open()) {
      absl::StatusOr<bool> go_on = ReadWhole(*current_, sink_, false);
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) return Progress::kStop;
    }
    sink_.set_strict();
    auto next = std::make_unique<LogFile>();
    absl::StatusOr<bool> has_next = next->Open(path_, hold_);
    if (!has_next.ok()) return has_next.status();
    if (!*has_next) return Progress::kIdle;  // mid-rotation: next look
    // Opened after `next`, .1 is `next` itself (rotated again meanwhile),
    // the current file, or the one in between if the log was rotated twice
    // since the last look.
    LogFile between;
    absl::StatusOr<bool> has_between = between.Open(path_ + ".1", hold_);
    if (!has_between.ok()) return has_between.status();
    bool read_between =
        *has_between && !between.Same(*current_) && !between.Same(*next);
    const uint64_t from = current_->is_open() ? current_->generation() : 0;
    const uint64_t to =
        read_between ? between.generation() : next->generation();
    // Generations after `from` before `to` were rotated away unread.
    if (from > 0 && to > from + 1 && lost_ && !lost_(to - from - 1)) {
      return Progress::kStop;
    }
    if (read_between) {
      absl::StatusOr<bool> go_on = ReadWhole(between, sink_, false);
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) return Progress::kStop;
    }
    current_ = std::move(next);
    return Progress::kMore;
  }

  std::string path_;
  RecordSink sink_;
  const std::function<bool(uint64_t)>& lost_;
  const bool hold_;
  std::unique_ptr<LogFile> current_ = std::make_unique<LogFile>();
};

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// `emit` given copies of the records (one reused LogRecord).
LogViewEmitter Copying(const LogEmitter& emit) {
  return [&emit, record = LogRecord()](const LogRecordView& view) mutable {
    record.time = view.time;
    record.stream.assign(view.stream.data(), view.stream.size());
    record.line_end = view.line_end;
    record.content.assign(view.content.data(), view.content.size());
    return emit(record);
  };
}

}  // namespace

absl::Status ForEachLogRecord(const std::string& path, size_t tail,
                              absl::Time since, const LogEmitter& emit) {
  LogViewEmitter copying = Copying(emit);
  LogSequence log(path, since, copying, nullptr);
  return log.History(tail, /*snapshot=*/true).status();
}

absl::Status FollowLogRecords(const std::string& path, size_t tail,
                              absl::Time since, const LogEmitter& emit,
                              const std::function<bool()>& cancelled,
                              const std::function<bool()>& finished,
                              const FollowOptions& options) {
  return FollowLogRecordViews(path, tail, since, Copying(emit), cancelled,
                              finished, options);
}

absl::Status FollowLogRecordViews(const std::string& path, size_t tail,
                                  absl::Time since, const LogViewEmitter& emit,
                                  const std::function<bool()>& cancelled,
                                  const std::function<bool()>& finished,
                                  const FollowOptions& options) {
  // Watching before the history is read: nothing appended meanwhile waits
  // for the next timeout.
  DirWatch watch(Dirname(path));
  LogSequence log(path, since, emit, options.lost, options.hold);
  absl::StatusOr<bool> go_on = log.History(tail, /*snapshot=*/false);
  if (!go_on.ok() || !*go_on) return go_on.status();
  bool done = false;
  absl::Time next_finished_check = absl::InfinitePast();
  while (true) {
    // Asked before reading: what was written before `finished` said so is
    // read before the follow ends.
    absl::Time now = absl::Now();
    if (!done && finished && now >= next_finished_check) {
      done = finished();
      next_finished_check = now + options.poll_interval;
    }
    absl::StatusOr<Progress> step = log.Step();
    if (!step.ok()) return step.status();
    if (*step == Progress::kStop) return absl::OkStatus();
    if (cancelled && cancelled()) {
      return absl::CancelledError("log follow cancelled");
    }
    if (*step == Progress::kMore) continue;
    if (done) {
      if (log.Finish() && options.caught_up) options.caught_up();
      return absl::OkStatus();
    }
    if (options.caught_up && !options.caught_up()) return absl::OkStatus();
    watch.Wait(options.poll_interval);
  }
}

}  // namespace warren::runtime
