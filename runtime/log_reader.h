// Reads a container's log history for Logs without loading the whole log:
// a tail is read backwards from the end, everything else is streamed in
// chunks, so a container that wrote gigabytes cannot make warrend do so.
#ifndef WARREN_RUNTIME_LOG_READER_H_
#define WARREN_RUNTIME_LOG_READER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/log_format.h"

namespace warren::runtime {

// Calls `emit` for each record of the log at `path` written at or after
// `since`, in order, the last `tail` of them (0: all), until `emit` returns
// false. A missing log is an empty history.
absl::Status ForEachLogRecord(
    const std::string& path, size_t tail, absl::Time since,
    const std::function<bool(const LogRecord&)>& emit);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_LOG_READER_H_
