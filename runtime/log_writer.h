// The monitor's side of a log file: output of a process's streams as CRI
// records (runtime/log_format.h) with strictly increasing times, appended
// to `path` and rotated when it would pass max_bytes: the file becomes
// `path`.1 (the previous one is removed first) and a new file starts, so the
// oldest output is dropped first and the newest is always kept. A full
// disk loses output but never blocks the container. Every file starts with
// its generation header (log_format.h); a new file gets its header before
// it appears at `path`, so a reader never sees it without one.
//
// Holds (set_hold_limit): a reader that must not lose output (Stream)
// keeps a shared flock(2) on each log file it has open and not finished.
// Rotation would remove `path`.1; if a reader holds it, the writer keeps
// the file and says it is held (Held): the monitor stops reading the
// container's output, whose pipe then fills and makes the container wait,
// as a terminal that is not read does. A hold is honoured for at most the
// limit, so a client that stopped reading delays the container, never
// stops it: past it the file is removed and the reader reports the gap.
#ifndef WARREN_RUNTIME_LOG_WRITER_H_
#define WARREN_RUNTIME_LOG_WRITER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/log_format.h"

namespace warren::runtime {

class LogWriter {
 public:
  // `max_bytes` 0: never rotate. `fd` >= 0: an already open O_APPEND
  // descriptor of `path` to adopt instead of opening it.
  LogWriter(std::string path, uint64_t max_bytes, int fd = -1);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  // Only before the first Write (the splitters point at this clock).
  LogWriter(LogWriter&& other) noexcept
      : path_(std::move(other.path_)),
        max_bytes_(other.max_bytes_),
        fd_(other.fd_),
        size_(other.size_),
        generation_(other.generation_),
        header_bytes_(other.header_bytes_),
        hold_limit_(other.hold_limit_),
        clock_(other.clock_) {
    other.fd_ = -1;
  }

  absl::Status Open();
  // Appends `data` of `stream` ("stdout"/"stderr"), split into records.
  // `source` keeps the partial lines of different processes writing to the
  // same log (the init, execs with log_output) apart.
  void Write(absl::string_view stream, absl::string_view data, absl::Time now,
             absl::string_view source = "");
  // Writes pending partial lines (the process's output ended).
  void Flush(absl::Time now);
  const std::string& path() const { return path_; }
  // Makes rotation wait up to `limit` for readers holding `path`.1 (0, the
  // default: never wait).
  void set_hold_limit(absl::Duration limit) { hold_limit_ = limit; }
  // True while a rotation waits for a reader: output should not be read
  // until it is false again. Each call retries the waiting rotation.
  bool Held(absl::Time now);
  // The current file's generation (0: a file of an older writer).
  uint64_t generation() const { return generation_; }

 private:
  LogLineSplitter& SplitterFor(absl::string_view stream,
                               absl::string_view source);
  // Writes the records, whole ones only, rotating as they fill the file.
  void Append(const LogRecordBatch& batch, absl::Time now);
  // Writes records [from, to) of `batch` with as few writev calls as fit.
  void WriteRecords(const LogRecordBatch& batch, size_t from, size_t to);
  // False: a reader holds `path`.1 and the hold has not expired; nothing
  // changed.
  bool Rotate(absl::Time now);
  // Whether a reader holds the file at `path`.1 (one that is open and not
  // finished by a reader that asked for holds).
  bool OldFileHeld() const;
  // Takes the size and generation of the open file; an empty one gets its
  // header (one generation past `path`.1's).
  void Adopt();

  std::string path_;
  uint64_t max_bytes_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t generation_ = 0;
  uint64_t header_bytes_ = 0;  // of the current file
  absl::Duration hold_limit_ = absl::ZeroDuration();
  // When the waiting rotation was first refused; InfinitePast: none waits.
  absl::Time held_since_ = absl::InfinitePast();
  LogClock clock_;
  std::map<std::string, LogLineSplitter, std::less<>> splitters_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_WRITER_H_
