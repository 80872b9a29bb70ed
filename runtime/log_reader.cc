#include "runtime/log_reader.h"

#include "absl/strings/str_split.h"
#include "runtime/file_util.h"

namespace warren::runtime {

absl::StatusOr<std::vector<LogRecord>> ReadLogRecords(const std::string& path,
                                                      size_t tail,
                                                      absl::Time since) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (absl::IsNotFound(data.status())) return std::vector<LogRecord>{};
  if (!data.ok()) return data.status();
  std::vector<LogRecord> records;
  for (absl::string_view line :
       absl::StrSplit(*data, '\n', absl::SkipEmpty())) {
    LogRecord record;
    if (ParseLogRecord(line, &record) && record.time >= since) {
      records.push_back(std::move(record));
    }
  }
  if (tail > 0 && records.size() > tail) {
    records.erase(records.begin(), records.end() - static_cast<long>(tail));
  }
  return records;
}

}  // namespace warren::runtime
