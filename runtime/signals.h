// Signal names cross the API as strings ("SIGTERM", "TERM", "9"); this is the
// one place that maps them to numbers and back.
#ifndef WARREN_RUNTIME_SIGNALS_H_
#define WARREN_RUNTIME_SIGNALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

// Parses "SIGTERM", "TERM", "sigterm" or "15". INVALID_ARGUMENT naming
// `field` for anything else.
absl::StatusOr<int> ParseSignal(absl::string_view text,
                                absl::string_view field);

// "SIGKILL" for 9; "SIG<n>" for numbers without a name (real-time signals).
std::string SignalName(int signo);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SIGNALS_H_
