// Reads a container's log history for Logs.
#ifndef WARREN_RUNTIME_LOG_READER_H_
#define WARREN_RUNTIME_LOG_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runtime/log_format.h"

namespace warren::runtime {

// Records of the log at `path` written at or after `since`, the last `tail`
// of them (0: all). A missing log is an empty history.
absl::StatusOr<std::vector<LogRecord>> ReadLogRecords(const std::string& path,
                                                      size_t tail,
                                                      absl::Time since);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_READER_H_
