// Coalescing of a process's output for Stream: the log holds records of at
// most about 16 KiB, and one gRPC message per record costs far more than
// the copy into a larger one, so consecutive records of one stream are sent
// together in messages of up to max_bytes.
#ifndef WARREN_SERVER_STREAM_BATCH_H_
#define WARREN_SERVER_STREAM_BATCH_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "proto/warren/v1/service.pb.h"

namespace warren::server {

// Collects stdout/stderr data and hands it to `send` as StreamResponses:
// when the stream changes, when the batch is full, and on Flush (the
// follower caught up, so nothing waits for more output to arrive).
class StreamBatcher {
 public:
  static constexpr size_t kMaxBytes = 1 << 20;
  // Returns false when the client is gone.
  using Sender = std::function<bool(v1::StreamResponse&)>;

  explicit StreamBatcher(Sender send, size_t max_bytes = kMaxBytes)
      : send_(std::move(send)), max_bytes_(max_bytes) {}

  // Adds `data` of `stream` ("stdout", "stderr"). False: a send failed.
  bool Add(absl::string_view stream, absl::string_view data);
  // Sends what is collected. False: the send failed.
  bool Flush();
  // Sends `message` (not output) after what is collected.
  bool Send(v1::StreamResponse& message);

 private:
  // The collected output, in msg_'s stdout or stderr.
  std::string* data();

  Sender send_;
  size_t max_bytes_;
  bool stderr_ = false;
  // Built in place and reused: its buffer keeps its capacity from message
  // to message (no 1 MiB allocation per message).
  v1::StreamResponse msg_;
};

}  // namespace warren::server

#endif  // WARREN_SERVER_STREAM_BATCH_H_
