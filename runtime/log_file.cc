#include "runtime/log_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"

namespace warren::runtime::log_internal {
namespace {

constexpr size_t kChunk = 64 * 1024;
// Forward reads: larger, so a fast writer costs few syscalls and few lines
// straddle two reads (LogWriter's records are about 16 KiB).
constexpr size_t kReadChunk = 256 * 1024;
// LogWriter's lines are at most about 16 KiB (longer output becomes "P"
// records); a longer one is damage and is skipped instead of buffered.
constexpr size_t kMaxLine = 1024 * 1024;
// Longer than any header line.
constexpr size_t kMaxHeader = 64;

}  // namespace

bool RecordSink::Line(absl::string_view line) {
  LogRecordView record;
  if (!ParseLogRecord(line, &record) || record.time < since_) return true;
  if (strict_ && record.time <= last_) return true;
  last_ = std::max(last_, record.time);
  return emit_(record);
}

LogFile::~LogFile() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<bool> LogFile::Open(const std::string& path, bool hold) {
  fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0 && errno == ENOENT) return false;
  if (fd_ < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  // Refused only while the writer tests the file on its way out: it is
  // open here now, so it stays readable all the same.
  if (hold) (void)flock(fd_, LOCK_SH | LOCK_NB);
  struct stat st;
  if (fstat(fd_, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_at_open_ = st.st_size;
  ReadHeader();
  return true;
}

void LogFile::ReadHeader() {
  if (header_known_ || fd_ < 0) return;
  char buf[kMaxHeader];
  ssize_t n = pread(fd_, buf, sizeof(buf), 0);
  absl::string_view head(buf, n > 0 ? static_cast<size_t>(n) : 0);
  size_t nl = head.find('\n');
  if (nl == absl::string_view::npos && head.size() < sizeof(buf)) return;
  header_known_ = true;
  if (nl == absl::string_view::npos) return;  // a long first line: a record
  generation_ = ParseLogFileHeader(head.substr(0, nl));
  if (generation_ > 0) header_bytes_ = static_cast<off_t>(nl + 1);
}

uint64_t LogFile::generation() {
  ReadHeader();
  return generation_;
}

absl::StatusOr<TailStart> LogFile::Tail(size_t tail) const {
  off_t end = size_at_open_;
  const off_t start = std::min(header_bytes_, end);
  // A final newline ends the last line; it does not start another one.
  char last = 0;
  if (end > start && pread(fd_, &last, 1, end - 1) == 1 && last == '\n') {
    --end;
  }
  size_t newlines = 0;
  std::string buf(kChunk, '\0');
  off_t pos = end;
  while (pos > start) {
    size_t n = static_cast<size_t>(std::min<off_t>(pos - start, kChunk));
    pos -= static_cast<off_t>(n);
    ssize_t got = pread(fd_, buf.data(), n, pos);
    if (got < 0) return absl::ErrnoToStatus(errno, "read log");
    for (ssize_t i = got - 1; i >= 0; --i) {
      if (buf[static_cast<size_t>(i)] == '\n' && ++newlines == tail) {
        return TailStart{pos + i + 1, tail};
      }
    }
  }
  return TailStart{start, end > start ? newlines + 1 : 0};
}

absl::StatusOr<bool> LogFile::Read(RecordSink& sink, off_t limit, size_t budget,
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

bool LogFile::Flush(RecordSink& sink) {
  bool go_on = pending_.empty() || skipping_ || sink.Line(pending_);
  pending_.clear();
  skipping_ = false;
  return go_on;
}

bool LogFile::Consume(absl::string_view data, RecordSink& sink) {
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

absl::StatusOr<bool> ReadWhole(LogFile& file, RecordSink& sink, bool snapshot) {
  bool more = false;
  absl::StatusOr<bool> go_on = file.Read(
      sink, snapshot ? file.size_at_open() : kNoLimit, kNoBudget, &more);
  if (!go_on.ok() || !*go_on) return go_on;
  return file.Flush(sink);
}

}  // namespace warren::runtime::log_internal
