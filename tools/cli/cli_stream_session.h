// One Stream call as `exec` and `attach` use it: the target first, the
// local stdin and terminal sizes up, stdout/stderr chunks down to the CLI's
// own outputs, until the process's exit arrives.
#ifndef WARREN_TOOLS_CLI_CLI_STREAM_SESSION_H_
#define WARREN_TOOLS_CLI_CLI_STREAM_SESSION_H_

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_terminal.h"

namespace warren::cli {

// Pumps a Stream. Exactly one thread (the writer) writes to the stream, so
// stdin bytes, resizes and the final WritesDone never race, and a writer
// blocked by flow control cannot hold up Ctrl-C handling; the caller's
// thread reads. Resize and Cancel may be called from other threads (a
// SignalWatcher) at any time, also before Run.
class StreamSession {
 public:
  // `out`/`err` receive the process's stdout/stderr. With `size_source`
  // (not null), its size is sent once the stream is open and again on each
  // Resize (a tty process that should follow the local window). `tenant`
  // goes into the call's metadata (PrepareContext).
  StreamSession(warren::v1::ContainerService::StubInterface* stub,
                const std::string& tenant, FILE* out, FILE* err,
                Terminal* size_source);
  ~StreamSession();

  StreamSession(const StreamSession&) = delete;
  StreamSession& operator=(const StreamSession&) = delete;

  // Attaches to `target`, forwards `stdin_fd` (-1: none; EOF becomes a
  // close_stdin message) and copies output until the exit message. Returns
  // the call's status; `exit` is set if the exit message arrived. A stream
  // that ends OK without one is UNKNOWN ("ended without an exit status").
  grpc::Status Run(const warren::v1::StreamTarget& target, int stdin_fd,
                   std::optional<warren::v1::ExitStatus>* exit);

  // Sends the size source's current size (on SIGWINCH).
  void Resize();
  // Ends the stream (detaching); Run then returns CANCELLED.
  void Cancel();

 private:
  using Stream = grpc::ClientReaderWriterInterface<warren::v1::StreamRequest,
                                                   warren::v1::StreamResponse>;

  // The writer thread: stdin and resizes until Stop, then WritesDone.
  void WriteLoop(Stream* stream, int stdin_fd);
  // Wakes the writer (a resize is pending, or it should stop).
  void Wake();
  void StopWriter();

  warren::v1::ContainerService::StubInterface* stub_;
  FILE* out_;
  FILE* err_;
  Terminal* size_source_;
  grpc::ClientContext ctx_;

  std::mutex mu_;
  bool resize_pending_ = false;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  bool cancelled_ = false;       // guarded by mu_
  int wake_read_ = -1;
  int wake_write_ = -1;
};

// The exit code the CLI ends with for a process's exit: its exit_code
// (already 128+N after signal N), or 128+N if only the signal is known;
// clamped to 0..255.
int ExitCodeOf(const warren::v1::ExitStatus& status);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_STREAM_SESSION_H_
