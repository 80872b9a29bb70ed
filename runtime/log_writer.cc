#include "runtime/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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
  std::string records;
  SplitterFor(stream, source).Add(data, now, &records);
  Append(records);
}

void LogWriter::Flush(absl::Time now) {
  std::string records;
  for (auto& [stream, splitter] : splitters_) splitter.Flush(now, &records);
  Append(records);
}

void LogWriter::Rotate() {
  // Whatever fails, the file counts as fresh afterwards, so Append always
  // moves on (a failed rotation only makes this file longer).
  std::string old = path_ + ".1";
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

void LogWriter::Append(const std::string& records) {
  if (fd_ < 0 || records.empty()) return;
  absl::string_view rest = records;
  while (!rest.empty()) {
    // Whole records only, and as many as fit before the size limit: one
    // read of output can hold many lines.
    size_t take = rest.size();
    if (max_bytes_ > 0) {
      size_t room = size_ < max_bytes_ ? max_bytes_ - size_ : 0;
      size_t end = 0;
      while (end < rest.size()) {
        size_t nl = rest.find('\n', end);
        size_t next = nl == absl::string_view::npos ? rest.size() : nl + 1;
        if (next > room && end > 0) break;
        end = next;
        if (end > room) break;  // a single record larger than the room
      }
      take = end;
      if (take > room && size_ > 0) {
        Rotate();
        continue;
      }
    }
    WriteAll(rest.substr(0, take));
    rest.remove_prefix(take);
  }
}

void LogWriter::WriteAll(absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk must not stop the container
    data.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
}

}  // namespace warren::runtime
