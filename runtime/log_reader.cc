#include "runtime/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

constexpr size_t kChunk = 64 * 1024;

// Emits the complete lines of `text` (which ends with a newline or at EOF).
bool EmitLines(absl::string_view text, absl::Time since,
               const std::function<bool(const LogRecord&)>& emit) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    absl::string_view line = text.substr(0, nl);
    LogRecord record;
    if (ParseLogRecord(line, &record) && record.time >= since &&
        !emit(record)) {
      return false;
    }
    if (nl == absl::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return true;
}

// Byte offset where the last `tail` lines of the file start.
absl::StatusOr<off_t> TailOffset(int fd, off_t size, size_t tail,
                                 const std::string& path) {
  size_t newlines = 0;
  off_t end = size;
  // A final newline ends the last line; it does not start another one.
  char last = 0;
  if (size > 0 && pread(fd, &last, 1, size - 1) == 1 && last == '\n') {
    end = size - 1;
  }
  std::string buf(kChunk, '\0');
  off_t pos = end;
  while (pos > 0) {
    size_t n = static_cast<size_t>(std::min<off_t>(pos, kChunk));
    pos -= static_cast<off_t>(n);
    ssize_t got = pread(fd, buf.data(), n, pos);
    if (got < 0) return absl::ErrnoToStatus(errno, absl::StrCat("read ", path));
    for (ssize_t i = got - 1; i >= 0; --i) {
      if (buf[static_cast<size_t>(i)] == '\n' && ++newlines == tail) {
        return pos + i + 1;
      }
    }
  }
  return 0;
}

}  // namespace

absl::Status ForEachLogRecord(
    const std::string& path, size_t tail, absl::Time since,
    const std::function<bool(const LogRecord&)>& emit) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return absl::OkStatus();
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  absl::Cleanup closer = [fd] { close(fd); };
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  off_t pos = 0;
  if (tail > 0) {
    absl::StatusOr<off_t> start = TailOffset(fd, st.st_size, tail, path);
    if (!start.ok()) return start.status();
    pos = *start;
  }
  // Forward from `pos` up to the size seen now, a chunk at a time; a
  // partial line at a chunk's end waits for the next chunk.
  std::string pending;
  std::string buf(kChunk, '\0');
  while (pos < st.st_size) {
    size_t n = static_cast<size_t>(std::min<off_t>(st.st_size - pos, kChunk));
    ssize_t got = pread(fd, buf.data(), n, pos);
    if (got < 0) return absl::ErrnoToStatus(errno, absl::StrCat("read ", path));
    if (got == 0) break;
    pos += got;
    pending.append(buf.data(), static_cast<size_t>(got));
    size_t last_nl = pending.rfind('\n');
    if (last_nl == std::string::npos) continue;
    if (!EmitLines(absl::string_view(pending).substr(0, last_nl), since,
                   emit)) {
      return absl::OkStatus();
    }
    pending.erase(0, last_nl + 1);
  }
  EmitLines(pending, since, emit);
  return absl::OkStatus();
}

}  // namespace warren::runtime
