#include "runtime/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "runtime/dir_watch.h"

namespace warren::runtime {
namespace {

constexpr size_t kChunk = 64 * 1024;
// Forward reads: larger, so a fast writer costs few syscalls and few lines
// straddle two reads (LogWriter's records are about 16 KiB).
constexpr size_t kReadChunk = 256 * 1024;
// LogWriter's lines are at most about 16 KiB (longer output becomes "P"
// records); a longer one is damage and is skipped instead of buffered.
constexpr size_t kMaxLine = 1024 * 1024;
// How much a follower reads before it asks `cancelled` again.
constexpr size_t kStepBudget = 1024 * 1024;
constexpr off_t kNoLimit = std::numeric_limits<off_t>::max();
constexpr size_t kNoBudget = std::numeric_limits<size_t>::max();

// Parses lines, filters them on `since` and hands them to `emit`. Once
// strict (the follower moved on to another file), it also drops records not
// newer than the last one delivered, so a file seen twice repeats nothing.
class RecordSink {
 public:
  RecordSink(absl::Time since, const LogEmitter& emit)
      : since_(since), emit_(emit) {}

  // False: stop reading.
  bool Line(absl::string_view line) {
    // One record reused: its strings keep their capacity from line to line.
    if (!ParseLogRecord(line, &record_) || record_.time < since_) return true;
    if (strict_ && record_.time <= last_) return true;
    last_ = std::max(last_, record_.time);
    return emit_(record_);
  }
  void set_strict() { strict_ = true; }

 private:
  absl::Time since_;
  const LogEmitter& emit_;
  bool strict_ = false;
  absl::Time last_ = absl::InfinitePast();
  LogRecord record_;
};

// Where the last `tail` lines of a file start, and how many lines that is
// (fewer than asked if the file has fewer).
struct TailStart {
  off_t offset = 0;
  size_t lines = 0;
};

// One log file, open (so it stays readable when rotated away), read forward
// from an offset. A partial last line waits for the rest of it, since the
// writer may be in the middle of writing it, until Flush.
class LogFile {
 public:
  LogFile() = default;
  ~LogFile() {
    if (fd_ >= 0) close(fd_);
  }
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // False if `path` does not exist.
  absl::StatusOr<bool> Open(const std::string& path) {
    fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0 && errno == ENOENT) return false;
    if (fd_ < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
    struct stat st;
    if (fstat(fd_, &st) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    size_at_open_ = st.st_size;
    return true;
  }
  bool is_open() const { return fd_ >= 0; }
  bool Same(const struct stat& st) const {
    return is_open() && st.st_dev == dev_ && st.st_ino == ino_;
  }
  bool Same(const LogFile& other) const {
    return is_open() && other.is_open() && dev_ == other.dev_ &&
           ino_ == other.ino_;
  }
  off_t size_at_open() const { return size_at_open_; }
  void Seek(off_t pos) { pos_ = pos; }

  absl::StatusOr<TailStart> Tail(size_t tail) const {
    off_t end = size_at_open_;
    // A final newline ends the last line; it does not start another one.
    char last = 0;
    if (end > 0 && pread(fd_, &last, 1, end - 1) == 1 && last == '\n') --end;
    size_t newlines = 0;
    std::string buf(kChunk, '\0');
    off_t pos = end;
    while (pos > 0) {
      size_t n = static_cast<size_t>(std::min<off_t>(pos, kChunk));
      pos -= static_cast<off_t>(n);
      ssize_t got = pread(fd_, buf.data(), n, pos);
      if (got < 0) return absl::ErrnoToStatus(errno, "read log");
      for (ssize_t i = got - 1; i >= 0; --i) {
        if (buf[static_cast<size_t>(i)] == '\n' && ++newlines == tail) {
          return TailStart{pos + i + 1, tail};
        }
      }
    }
    return TailStart{0, end > 0 ? newlines + 1 : 0};
  }

  // Hands the complete lines from the offset up to `limit` (or EOF) to
  // `sink`, reading at most about `budget` bytes (*more: it ran out first).
  // False: the sink stopped.
  absl::StatusOr<bool> Read(RecordSink& sink, off_t limit, size_t budget,
                            bool* more) {
    *more = false;
    if (buf_.empty()) buf_.resize(kReadChunk);
    size_t done = 0;
    while (pos_ < limit) {
      if (done >= budget) {
        *more = true;
        return true;
      }
      size_t n = static_cast<size_t>(std::min<off_t>(limit - pos_, kReadChunk));
      ssize_t got = pread(fd_, buf_.data(), n, pos_);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return absl::ErrnoToStatus(errno, "read log");
      if (got == 0) break;
      pos_ += got;
      done += static_cast<size_t>(got);
      if (!Consume(absl::string_view(buf_.data(), static_cast<size_t>(got)),
                   sink)) {
        return false;
      }
    }
    return true;
  }

  // Hands a pending partial line to `sink`: the file is complete.
  bool Flush(RecordSink& sink) {
    bool go_on = pending_.empty() || skipping_ || sink.Line(pending_);
    pending_.clear();
    skipping_ = false;
    return go_on;
  }

 private:
  bool Consume(absl::string_view data, RecordSink& sink) {
    while (!data.empty()) {
      size_t nl = data.find('\n');
      if (nl == absl::string_view::npos) {
        if (!skipping_) pending_.append(data.data(), data.size());
        if (pending_.size() > kMaxLine) {
          pending_.clear();
          skipping_ = true;
        }
        return true;
      }
      bool go_on = true;
      if (!skipping_ && pending_.empty()) {
        go_on = sink.Line(data.substr(0, nl));
      } else if (!skipping_) {
        pending_.append(data.data(), nl);
        go_on = sink.Line(pending_);
      }
      pending_.clear();
      skipping_ = false;
      data.remove_prefix(nl + 1);
      if (!go_on) return false;
    }
    return true;
  }

  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t size_at_open_ = 0;
  off_t pos_ = 0;
  std::string buf_;
  std::string pending_;
  bool skipping_ = false;  // the rest of an overlong line
};

// Reads all of `file` (up to its size at open with `snapshot`) and flushes
// it. False: the sink stopped.
absl::StatusOr<bool> ReadWhole(LogFile& file, RecordSink& sink, bool snapshot) {
  bool more = false;
  absl::StatusOr<bool> go_on = file.Read(
      sink, snapshot ? file.size_at_open() : kNoLimit, kNoBudget, &more);
  if (!go_on.ok() || !*go_on) return go_on;
  return file.Flush(sink);
}

enum class Progress { kStop, kMore, kIdle };

// A log (`path` and `path`.1) read as one sequence of records: its history,
// then, step by step, what is appended, following rotations.
class LogSequence {
 public:
  LogSequence(std::string path, absl::Time since, const LogEmitter& emit)
      : path_(std::move(path)), sink_(since, emit) {}

  // Reads the history with `snapshot` (up to the files' sizes now); else
  // only reads `path`.1's part of it and leaves the current file at the
  // tail's start for Step. False: the sink stopped.
  absl::StatusOr<bool> History(size_t tail, bool snapshot) {
    auto main = std::make_unique<LogFile>();
    auto old = std::make_unique<LogFile>();
    // The current file first: if it is rotated meanwhile, .1 is that same
    // file then (skipped here, read as the current one), never an older one.
    absl::StatusOr<bool> has_main = main->Open(path_);
    if (!has_main.ok()) return has_main.status();
    absl::StatusOr<bool> has_old = old->Open(path_ + ".1");
    if (!has_old.ok()) return has_old.status();
    bool read_old = *has_old && !old->Same(*main);
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
          current_->Read(sink_, kNoLimit, kStepBudget, &more);
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
    // Rotated twice since the last look: the file in between is .1 now.
    LogFile between;
    absl::StatusOr<bool> has_between = between.Open(path_ + ".1");
    if (!has_between.ok()) return has_between.status();
    if (*has_between && !between.Same(*current_) && !between.Same(st)) {
      absl::StatusOr<bool> go_on = ReadWhole(between, sink_, false);
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) return Progress::kStop;
    }
    auto next = std::make_unique<LogFile>();
    absl::StatusOr<bool> has_next = next->Open(path_);
    if (!has_next.ok()) return has_next.status();
    if (!*has_next) return Progress::kIdle;  // renamed again: next look
    current_ = std::move(next);
    return Progress::kMore;
  }

  std::string path_;
  RecordSink sink_;
  std::unique_ptr<LogFile> current_ = std::make_unique<LogFile>();
};

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

absl::Status ForEachLogRecord(const std::string& path, size_t tail,
                              absl::Time since, const LogEmitter& emit) {
  LogSequence log(path, since, emit);
  return log.History(tail, /*snapshot=*/true).status();
}

absl::Status FollowLogRecords(const std::string& path, size_t tail,
                              absl::Time since, const LogEmitter& emit,
                              const std::function<bool()>& cancelled,
                              const std::function<bool()>& finished,
                              const FollowOptions& options) {
  // Watching before the history is read: nothing appended meanwhile waits
  // for the next timeout.
  DirWatch watch(Dirname(path));
  LogSequence log(path, since, emit);
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
