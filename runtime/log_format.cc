#include "runtime/log_format.h"

#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%d%ET%H:%M:%E9SZ";

}  // namespace

std::string FormatLogRecord(const LogRecord& record) {
  return absl::StrCat(
      absl::FormatTime(kTimeFormat, record.time, absl::UTCTimeZone()), " ",
      record.stream, " ", record.line_end ? "F" : "P", " ", record.content,
      "\n");
}

bool ParseLogRecord(absl::string_view line, LogRecord* record) {
  size_t sp1 = line.find(' ');
  if (sp1 == absl::string_view::npos) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == absl::string_view::npos || sp2 + 2 > line.size()) return false;
  std::string err;
  if (!absl::ParseTime(kTimeFormat, line.substr(0, sp1), absl::UTCTimeZone(),
                       &record->time, &err)) {
    return false;
  }
  record->stream = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  char tag = line[sp2 + 1];
  if (tag != 'F' && tag != 'P') return false;
  record->line_end = tag == 'F';
  absl::string_view rest = line.substr(sp2 + 2);
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  record->content = std::string(rest);
  return true;
}

void LogLineSplitter::Add(absl::string_view data, absl::Time now,
                          std::string* out) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == absl::string_view::npos) {
      pending_.append(data.data(), data.size());
      if (pending_.size() >= kMaxPartial) Flush(now, out);
      return;
    }
    pending_.append(data.data(), nl);
    out->append(FormatLogRecord({Stamp(now), stream_, true, pending_}));
    pending_.clear();
    data.remove_prefix(nl + 1);
  }
}

void LogLineSplitter::Flush(absl::Time now, std::string* out) {
  if (pending_.empty()) return;
  out->append(FormatLogRecord({Stamp(now), stream_, false, pending_}));
  pending_.clear();
}

}  // namespace warren::runtime
