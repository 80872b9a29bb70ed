// The container log format, shared by the monitor (writer) and warrend
// (reader): the CRI format kubelet uses, one record per line:
//   <RFC3339Nano UTC time> <stdout|stderr> <F|P> <content>\n
// "F" ends a line of output; "P" is a part of a longer line. Each file
// LogWriter starts begins with a header line
//   #warren-log generation=<N>
// N counting the files of one log (1, then one more per rotation), so a
// reader that moves from file to file knows whether it missed one. Readers
// skip the header; files without one (older writers) read as before.
#ifndef WARREN_RUNTIME_LOG_FORMAT_H_
#define WARREN_RUNTIME_LOG_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warren::runtime {

struct LogRecord {
  absl::Time time;
  std::string stream;  // "stdout" or "stderr"
  bool line_end = true;
  std::string content;
};

// A record as views into the line it was parsed from.
struct LogRecordView {
  absl::Time time;
  absl::string_view stream;
  bool line_end = true;
  absl::string_view content;
};

// One line of the log file, with its trailing newline.
std::string FormatLogRecord(const LogRecord& record);

// What precedes a record's content: "<time> <stream> <F|P> ".
std::string LogRecordHead(absl::Time time, absl::string_view stream,
                          bool line_end);

// Records ready to be written with writev, without copying the bulk of
// their content: each is an owned head (LogRecordHead plus any partial
// line kept from an earlier read), a view of the caller's data, and "\n".
// The views are valid as long as the data given to LogLineSplitter::Add.
class LogRecordBatch {
 public:
  struct Record {
    std::string head;
    absl::string_view body;
    size_t bytes() const { return head.size() + body.size() + 1; }
  };

  void Add(std::string head, absl::string_view body) {
    records_.push_back({std::move(head), body});
  }
  const std::vector<Record>& records() const { return records_; }
  bool empty() const { return records_.empty(); }
  void Clear() { records_.clear(); }
  // The records as the file holds them.
  void AppendTo(std::string* out) const;

 private:
  std::vector<Record> records_;
};

// Parses one line (without its newline). False if it is not a record.
bool ParseLogRecord(absl::string_view line, LogRecord* record);
// The same without copying: `record` refers into `line`.
bool ParseLogRecord(absl::string_view line, LogRecordView* record);

// The header line of a log file of `generation`, with its newline.
std::string LogFileHeader(uint64_t generation);

// The generation of a header line (without its newline); 0 if `line` is
// no header.
uint64_t ParseLogFileHeader(absl::string_view line);

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
// reaches kMaxPartial, then it is written as a "P" record. No record holds
// more than kMaxPartial bytes of content (a longer line becomes "P"
// records and a final "F"), however much output one read returned.
class LogLineSplitter {
 public:
  static constexpr size_t kMaxPartial = 16 * 1024;

  // With `clock` (not owned), each record gets its own increasing time.
  explicit LogLineSplitter(std::string stream, LogClock* clock = nullptr)
      : stream_(std::move(stream)), clock_(clock) {}

  // Appends records for `data` to `out` (views of `data`).
  void Add(absl::string_view data, absl::Time now, LogRecordBatch* out);
  // Writes any pending partial line as a "P" record (at end of stream).
  void Flush(absl::Time now, LogRecordBatch* out);
  // The same, formatted.
  void Add(absl::string_view data, absl::Time now, std::string* out);
  void Flush(absl::Time now, std::string* out);

 private:
  absl::Time Stamp(absl::Time now) {
    return clock_ == nullptr ? now : clock_->Stamp(now);
  }
  // A record of the pending partial line followed by `body`.
  void Emit(absl::string_view body, bool line_end, absl::Time now,
            LogRecordBatch* out);

  std::string stream_;
  LogClock* clock_;
  std::string pending_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_FORMAT_H_
