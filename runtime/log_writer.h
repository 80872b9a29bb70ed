// The monitor's side of a log file: output of a process's streams as CRI
// records (runtime/log_format.h) with strictly increasing times, appended
// to `path` and rotated when it would pass max_bytes: the file becomes
// `path`.1 (the previous one is removed first) and a new file starts, so the
// oldest output is dropped first and the newest is always kept. A full
// disk loses output but never blocks the container. Every file starts with
// its generation header (log_format.h); a new file gets its header before
// it appears at `path`, so a reader never sees it without one.
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
  // The current file's generation (0: a file of an older writer).
  uint64_t generation() const { return generation_; }

 private:
  LogLineSplitter& SplitterFor(absl::string_view stream,
                               absl::string_view source);
  // Writes the records, whole ones only, rotating as they fill the file.
  void Append(const LogRecordBatch& batch);
  // Writes records [from, to) of `batch` with as few writev calls as fit.
  void WriteRecords(const LogRecordBatch& batch, size_t from, size_t to);
  void Rotate();
  // Takes the size and generation of the open file; an empty one gets its
  // header (one generation past `path`.1's).
  void Adopt();

  std::string path_;
  uint64_t max_bytes_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t generation_ = 0;
  uint64_t header_bytes_ = 0;  // of the current file
  LogClock clock_;
  std::map<std::string, LogLineSplitter, std::less<>> splitters_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_WRITER_H_
