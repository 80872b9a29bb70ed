// The pieces of log reading (runtime/log_reader.h) that work on one file:
// parsing and filtering lines into records, and a log file read forward
// from an offset or backwards for a tail, knowing its generation header.
// Internal to the log reader.
#ifndef WARREN_RUNTIME_LOG_FILE_H_
#define WARREN_RUNTIME_LOG_FILE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/log_format.h"

namespace warren::runtime::log_internal {

using Emitter = std::function<bool(const LogRecordView&)>;

constexpr off_t kNoLimit = std::numeric_limits<off_t>::max();
constexpr size_t kNoBudget = std::numeric_limits<size_t>::max();

// Parses lines, filters them on `since` and hands them to `emit`. Once
// strict (the follower moved on to another file), it also drops records not
// newer than the last one delivered, so a file seen twice repeats nothing.
class RecordSink {
 public:
  RecordSink(absl::Time since, const Emitter& emit)
      : since_(since), emit_(emit) {}

  // False: stop reading. Header lines and damage are skipped.
  bool Line(absl::string_view line);
  void set_strict() { strict_ = true; }

 private:
  absl::Time since_;
  const Emitter& emit_;
  bool strict_ = false;
  absl::Time last_ = absl::InfinitePast();
};

// Where the last `tail` records of a file start, and how many that is
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
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // False if `path` does not exist. With `hold`, takes a shared flock on
  // the file for as long as it is open, which keeps LogWriter from removing
  // it (log_writer.h) while this reader still has to get to its end.
  absl::StatusOr<bool> Open(const std::string& path, bool hold = false);
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
  // The generation of its header; 0 without one (an older writer's file,
  // or one whose header has not been written yet: asked again next time).
  uint64_t generation();

  // The last `tail` records (the header is none).
  absl::StatusOr<TailStart> Tail(size_t tail) const;

  // Hands the complete lines from the offset up to `limit` (or EOF) to
  // `sink`, reading at most about `budget` bytes (*more: it ran out first).
  // False: the sink stopped.
  absl::StatusOr<bool> Read(RecordSink& sink, off_t limit, size_t budget,
                            bool* more);

  // Hands a pending partial line to `sink`: the file is complete.
  bool Flush(RecordSink& sink);

 private:
  bool Consume(absl::string_view data, RecordSink& sink);
  // Reads the header line, once the file has one.
  void ReadHeader();

  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t size_at_open_ = 0;
  off_t pos_ = 0;
  bool header_known_ = false;  // the first line was complete and looked at
  uint64_t generation_ = 0;
  off_t header_bytes_ = 0;
  std::string buf_;
  std::string pending_;
  bool skipping_ = false;  // the rest of an overlong line
};

// Reads all of `file` (up to its size at open with `snapshot`) and flushes
// it. False: the sink stopped.
absl::StatusOr<bool> ReadWhole(LogFile& file, RecordSink& sink, bool snapshot);

}  // namespace warren::runtime::log_internal

#endif  // WARREN_RUNTIME_LOG_FILE_H_
