#include "runtime/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

LogWriter::LogWriter(std::string path, uint64_t max_bytes, int fd)
    : path_(std::move(path)), max_bytes_(max_bytes), fd_(fd) {
  struct stat st;
  if (fd_ >= 0 && fstat(fd_, &st) == 0) size_ = st.st_size;
}

LogWriter::~LogWriter() {
  if (fd_ >= 0) close(fd_);
}

absl::Status LogWriter::Open() {
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return absl::ErrnoToStatus(errno, "open " + path_);
  struct stat st;
  size_ = fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return absl::OkStatus();
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
  Append(records);
}

void LogWriter::Flush(absl::Time now) {
  LogRecordBatch records;
  for (auto& [stream, splitter] : splitters_) splitter.Flush(now, &records);
  Append(records);
}

void LogWriter::Rotate() {
  // Whatever fails, the file counts as fresh afterwards, so Append always
  // moves on (a failed rotation only makes this file longer).
  std::string old = path_ + ".1";
  // Renaming over an existing .1 makes ext4 flush the file being renamed
  // (auto_da_alloc), a disk write per rotation: the old .1 goes first (if
  // that fails, the rename still replaces it).
  (void)unlink(old.c_str());
  if (rename(path_.c_str(), old.c_str()) != 0) {
    size_ = 0;
    return;
  }
  int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    size_ = 0;
    return;
  }
  close(fd_);
  fd_ = fd;
  size_ = 0;
}

void LogWriter::Append(const LogRecordBatch& batch) {
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
      if (to == from && size_ > 0) {
        Rotate();
        continue;
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
