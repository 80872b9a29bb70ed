#include "server/stream_batch.h"

#include <utility>

namespace warren::server {

bool StreamBatcher::Add(absl::string_view stream, absl::string_view data) {
  bool is_stderr = stream == "stderr";
  if (!data_.empty() &&
      (is_stderr != stderr_ || data_.size() + data.size() > max_bytes_)) {
    if (!Flush()) return false;
  }
  if (data_.empty()) {
    stderr_ = is_stderr;
    data_.reserve(max_bytes_);
  }
  data_.append(data.data(), data.size());
  return data_.size() < max_bytes_ || Flush();
}

bool StreamBatcher::Flush() {
  if (data_.empty()) return true;
  v1::StreamResponse out;
  if (stderr_) {
    out.set_stderr(std::move(data_));
  } else {
    out.set_stdout(std::move(data_));
  }
  data_.clear();
  return send_(out);
}

bool StreamBatcher::Send(v1::StreamResponse& message) {
  return Flush() && send_(message);
}

}  // namespace warren::server
