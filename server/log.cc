#include "server/log.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace warren::server {

void LogLine(absl::string_view line) {
  std::string stamp = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                       absl::UTCTimeZone());
  fprintf(stderr, "%s warrend: %.*s\n", stamp.c_str(),
          static_cast<int>(line.size()), line.data());
}

absl::string_view StatusCodeName(grpc::StatusCode code) {
  static constexpr absl::string_view kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  int i = static_cast<int>(code);
  if (i < 0 || i >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return "UNKNOWN";
  }
  return kNames[i];
}

grpc::Status LoggedCall(absl::string_view rpc, absl::string_view id,
                        grpc::Status status) {
  if (status.ok()) {
    LogLine(absl::StrCat(rpc, " ", id, ": OK"));
  } else {
    LogLine(absl::StrCat(rpc, " ", id, ": ",
                         StatusCodeName(status.error_code()), ": ",
                         status.error_message()));
  }
  return status;
}

}  // namespace warren::server
