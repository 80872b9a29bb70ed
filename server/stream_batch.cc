#include "server/stream_batch.h"

#include <utility>

namespace warren::server {

std::string* StreamBatcher::data() {
  return stderr_ ? msg_.mutable_stderr() : msg_.mutable_stdout();
}

bool StreamBatcher::Add(absl::string_view stream, absl::string_view data) {
  bool is_stderr = stream == "stderr";
  std::string* buf = this->data();
  if (!buf->empty() &&
      (is_stderr != stderr_ || buf->size() + data.size() > max_bytes_)) {
    if (!Flush()) return false;
  }
  if (buf->empty() && is_stderr != stderr_) {
    stderr_ = is_stderr;
    buf = this->data();
  }
  if (buf->capacity() < max_bytes_) buf->reserve(max_bytes_);
  buf->append(data.data(), data.size());
  return buf->size() < max_bytes_ || Flush();
}

bool StreamBatcher::Flush() {
  std::string* buf = data();
  if (buf->empty()) return true;
  bool sent = send_(msg_);
  buf->clear();  // keeps its capacity
  return sent;
}

bool StreamBatcher::Send(v1::StreamResponse& message) {
  return Flush() && send_(message);
}

}  // namespace warren::server
