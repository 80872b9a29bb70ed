// The container log format, shared by the monitor (writer) and warrend
// (reader): the CRI format kubelet uses, one record per line:
//   <RFC3339Nano UTC time> <stdout|stderr> <F|P> <content>\n
// "F" ends a line of output; "P" is a part of a longer line.
#ifndef WARREN_RUNTIME_LOG_FORMAT_H_
#define WARREN_RUNTIME_LOG_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warren::runtime {

struct LogRecord {
  absl::Time time;
  std::string stream;  // "stdout" or "stderr"
  bool line_end = true;
  std::string content;
};

// One line of the log file, with its trailing newline.
std::string FormatLogRecord(const LogRecord& record);

// Parses one line (without its newline). False if it is not a record.
bool ParseLogRecord(absl::string_view line, LogRecord* record);

// Hands out strictly increasing record times (the clock, or 1 ns after the
// previous one), shared by the streams of one log, so that "since the last
// time I saw plus 1 ns" resumes a log with nothing lost or repeated.
class LogClock {
 public:
  absl::Time Stamp(absl::Time now) {
    last_ = now > last_ ? now : last_ + absl::Nanoseconds(1);
    return last_;
  }

 private:
  absl::Time last_ = absl::InfinitePast();
};

// Splits a stream's output into records: complete lines become "F"
// records; a pending partial line is kept until its newline arrives or it
// grows past kMaxPartial, then it is written as a "P" record.
class LogLineSplitter {
 public:
  static constexpr size_t kMaxPartial = 16 * 1024;

  // With `clock` (not owned), each record gets its own increasing time.
  explicit LogLineSplitter(std::string stream, LogClock* clock = nullptr)
      : stream_(std::move(stream)), clock_(clock) {}

  // Appends records for `data` to `out`.
  void Add(absl::string_view data, absl::Time now, std::string* out);
  // Writes any pending partial line as a "P" record (at end of stream).
  void Flush(absl::Time now, std::string* out);

 private:
  absl::Time Stamp(absl::Time now) {
    return clock_ == nullptr ? now : clock_->Stamp(now);
  }

  std::string stream_;
  LogClock* clock_;
  std::string pending_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_FORMAT_H_
