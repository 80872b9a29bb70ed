#include "runtime/log_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

namespace {

// The header of the file at `path`: its generation (0 without one) and
// the header's size.
uint64_t HeaderOf(const std::string& path, uint64_t* header_bytes) {
  *header_bytes = 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[64];
  ssize_t n = pread(fd, buf, sizeof(buf), 0);
  close(fd);
  absl::string_view head(buf, n > 0 ? static_cast<size_t>(n) : 0);
  size_t nl = head.find('\n');
  if (nl == absl::string_view::npos) return 0;
  uint64_t generation = ParseLogFileHeader(head.substr(0, nl));
  if (generation > 0) *header_bytes = nl + 1;
  return generation;
}

// Writes all of `data` to `fd`; false if it could not.
bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

LogWriter::LogWriter(std::string path, uint64_t max_bytes, int fd)
    : path_(std::move(path)), max_bytes_(max_bytes), fd_(fd) {
  if (fd_ >= 0) Adopt();
}

LogWriter::~LogWriter() {
  if (fd_ >= 0) close(fd_);
}

absl::Status LogWriter::Open() {
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return absl::ErrnoToStatus(errno, "open " + path_);
  Adopt();
  return absl::OkStatus();
}

void LogWriter::Adopt() {
  struct stat st;
  size_ = fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (size_ > 0) {
    generation_ = HeaderOf(path_, &header_bytes_);
    return;
  }
  uint64_t ignored;
  generation_ = HeaderOf(path_ + ".1", &ignored) + 1;
  std::string header = LogFileHeader(generation_);
  if (WriteAll(fd_, header)) size_ = header_bytes_ = header.size();
}
LogLineSplitter& LogWriter::SplitterFor(absl::string_view stream,
                                        absl::string_view source) {
  std::string key = absl::StrCat(source, "/", stream);
  auto it = splitters_.find(key);
  if (it == splitters_.end()) {
    it = splitters_.emplace(key, LogLineSplitter(std::string(stream), &clock_))
             .first;
  }
  return it->second;
}

void LogWriter::Write(absl::string_view stream, absl::string_view data,
                      absl::Time now, absl::string_view source) {
  LogRecordBatch records;
  SplitterFor(stream, source).Add(data, now, &records);
  Append(records, now);
}

void LogWriter::Flush(absl::Time now) {
  LogRecordBatch records;
  for (auto& [stream, splitter] : splitters_) splitter.Flush(now, &records);
  Append(records, now);
}

bool LogWriter::Held(absl::Time now) {
  if (held_since_ == absl::InfinitePast()) return false;
  if (fd_ < 0 || Rotate(now)) held_since_ = absl::InfinitePast();
  return held_since_ != absl::InfinitePast();
}

bool LogWriter::OldFileHeld() const {
  int fd = open((path_ + ".1").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // Taken and dropped at once: a reader opening the file after this still
  // has it, removed or not, so nothing needs to stay locked.
  bool held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

bool LogWriter::Rotate(absl::Time now) {
  if (hold_limit_ > absl::ZeroDuration() && OldFileHeld()) {
    if (held_since_ == absl::InfinitePast()) held_since_ = now;
    if (now - held_since_ < hold_limit_) return false;
  }
  held_since_ = absl::InfinitePast();
  // Whatever fails, the file counts as fresh afterwards, so Append always
  // moves on (a failed rotation only makes this file longer).
  std::string next = path_ + ".next";
  std::string old = path_ + ".1";
  std::string header = LogFileHeader(generation_ + 1);
  int fd = open(next.c_str(),
                O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    size_ = 0;
    return true;
  }
  auto fail = [&] {
    close(fd);
    unlink(next.c_str());
    size_ = 0;
    return true;
  };
  if (!WriteAll(fd, header)) return fail();
  // Renaming over an existing .1 makes ext4 flush the file being renamed
  // (auto_da_alloc), a disk write per rotation: the old .1 goes first (if
  // that fails, the rename still replaces it).
  (void)unlink(old.c_str());
  if (rename(path_.c_str(), old.c_str()) != 0) return fail();
  // Only a moment without a file at `path`, which readers wait out. If
  // the new file cannot take its place, writing goes on in this one.
  if (rename(next.c_str(), path_.c_str()) != 0) return fail();
  close(fd_);
  fd_ = fd;
  ++generation_;
  size_ = header_bytes_ = header.size();
  return true;
}

void LogWriter::Append(const LogRecordBatch& batch, absl::Time now) {
  const std::vector<LogRecordBatch::Record>& records = batch.records();
  size_t from = 0;
  while (fd_ >= 0 && from < records.size()) {
    // As many records as fit before the size limit: one read of output can
    // hold many.
    size_t to = records.size();
    if (max_bytes_ > 0) {
      uint64_t room = size_ < max_bytes_ ? max_bytes_ - size_ : 0;
      uint64_t bytes = 0;
      for (to = from; to < records.size(); ++to) {
        if (bytes + records[to].bytes() > room) break;
        bytes += records[to].bytes();
      }
      if (to == from && size_ > header_bytes_ &&
          held_since_ == absl::InfinitePast() && Rotate(now)) {
        continue;
      }
      // Held by a reader: what was read already goes into this file, past
      // its limit (the caller reads no more until Held is false).
      if (to == from && held_since_ != absl::InfinitePast()) {
        to = records.size();
      }
      if (to == from) to = from + 1;  // a single record larger than a file
    }
    WriteRecords(batch, from, to);
    from = to;
  }
}

void LogWriter::WriteRecords(const LogRecordBatch& batch, size_t from,
                             size_t to) {
  static const char kNewline = '\n';
  std::vector<iovec> iov;
  iov.reserve((to - from) * 3);
  for (size_t i = from; i < to; ++i) {
    const LogRecordBatch::Record& r = batch.records()[i];
    iov.push_back({const_cast<char*>(r.head.data()), r.head.size()});
    if (!r.body.empty()) {
      iov.push_back({const_cast<char*>(r.body.data()), r.body.size()});
    }
    iov.push_back({const_cast<char*>(&kNewline), 1});
  }
  size_t next = 0;
  while (next < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - next, IOV_MAX));
    ssize_t n = writev(fd_, &iov[next], count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk must not stop the container
    size_ += static_cast<uint64_t>(n);
    // Past what was written; a short write resumes mid-piece.
    size_t done = static_cast<size_t>(n);
    while (done > 0 && done >= iov[next].iov_len) done -= iov[next++].iov_len;
    if (done > 0) {
      iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + done;
      iov[next].iov_len -= done;
    }
  }
}

}  // namespace warren::runtime
