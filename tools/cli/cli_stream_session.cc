#include "tools/cli/cli_stream_session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "tools/cli/cli_support.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

void WriteChunk(FILE* f, const std::string& data) {
  fwrite(data.data(), 1, data.size(), f);
  fflush(f);  // as it happens, also into a pipe, and keeping the interleaving
}

// "SIGKILL" or "KILL" -> 9; 0 if unknown.
int SignalNumber(const std::string& name) {
  std::string bare = absl::StartsWith(name, "SIG") ? name.substr(3) : name;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && bare == abbrev) return sig;
  }
  return 0;
}

}  // namespace

int ExitCodeOf(const v1::ExitStatus& status) {
  int code = status.exit_code();
  if (code == 0 && !status.signal().empty()) {
    int sig = SignalNumber(status.signal());
    if (sig > 0) code = 128 + sig;
  }
  return code < 0 || code > 255 ? 255 : code;
}

StreamSession::StreamSession(v1::ContainerService::StubInterface* stub,
                             const std::string& tenant, FILE* out, FILE* err,
                             Terminal* size_source)
    : stub_(stub), out_(out), err_(err), size_source_(size_source) {
  PrepareContext(&ctx_, tenant);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_ = fds[0];
    wake_write_ = fds[1];
  }
}

StreamSession::~StreamSession() {
  if (wake_read_ >= 0) close(wake_read_);
  if (wake_write_ >= 0) close(wake_write_);
}

void StreamSession::Wake() {
  char byte = 0;
  // Non-blocking: a full pipe already means "look again".
  while (write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
  }
}

void StreamSession::Resize() {
  if (size_source_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    resize_pending_ = true;
  }
  Wake();
}

void StreamSession::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  ctx_.TryCancel();  // also before the call starts
}

void StreamSession::StopWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  Wake();
}

void StreamSession::WriteLoop(Stream* stream, int stdin_fd) {
  bool stdin_open = stdin_fd >= 0;
  bool ok = true;  // false once a Write failed: the call is over
  std::string buf(32 << 10, '\0');
  for (;;) {
    bool stop;
    bool resize;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop = stopping_;
      resize = resize_pending_;
      resize_pending_ = false;
    }
    if (stop) break;
    if (resize && ok) {
      std::optional<WindowSize> size = size_source_->Size();
      if (size.has_value()) {
        v1::StreamRequest msg;
        msg.mutable_resize()->set_rows(size->rows);
        msg.mutable_resize()->set_cols(size->cols);
        ok = stream->Write(msg);
      }
    }
    pollfd fds[2] = {{wake_read_, POLLIN, 0},
                     {stdin_open && ok ? stdin_fd : -1, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      char drain[64];
      while (read(wake_read_, drain, sizeof(drain)) > 0) {
      }
    }
    if (fds[1].revents == 0) continue;
    ssize_t n = read(stdin_fd, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    v1::StreamRequest msg;
    if (n > 0) {
      msg.set_stdin(buf.data(), static_cast<size_t>(n));
    } else {
      // EOF (or an unreadable stdin): the process sees its stdin end. A
      // message of its own: stdin and close_stdin are one oneof.
      stdin_open = false;
      msg.set_close_stdin(true);
    }
    ok = stream->Write(msg);
  }
  stream->WritesDone();
}

grpc::Status StreamSession::Run(const v1::StreamTarget& target, int stdin_fd,
                                std::optional<v1::ExitStatus>* exit) {
  exit->reset();
  if (wake_read_ < 0) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "cannot create a pipe for the stream's writer");
  }
  std::unique_ptr<Stream> stream = stub_->Stream(&ctx_);
  v1::StreamRequest first;
  *first.mutable_target() = target;
  bool open = stream->Write(first);
  std::thread writer;
  if (open) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      // The initial size; a SIGWINCH from now on sends a fresh one.
      if (size_source_ != nullptr) resize_pending_ = true;
    }
    writer = std::thread([&] { WriteLoop(stream.get(), stdin_fd); });
  }
  v1::StreamResponse msg;
  while (open && !exit->has_value() && stream->Read(&msg)) {
    switch (msg.msg_case()) {
      case v1::StreamResponse::kStdout:
        WriteChunk(out_, msg.stdout());
        break;
      case v1::StreamResponse::kStderr:
        WriteChunk(err_, msg.stderr());
        break;
      case v1::StreamResponse::kExit:
        *exit = msg.exit();
        break;
      case v1::StreamResponse::kGap:
        fflush(out_);
        WarnOutputGap(err_, msg.gap());
        break;
      default:
        break;
    }
  }
  // After the exit: stop sending (unread stdin is dropped), half-close as
  // the server expects, and read until it ends the call.
  StopWriter();
  if (writer.joinable()) writer.join();
  if (exit->has_value()) {
    while (stream->Read(&msg)) {
    }
  }
  grpc::Status s = stream->Finish();
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "detached");
  }
  if (s.ok() && !exit->has_value()) {
    return grpc::Status(grpc::StatusCode::UNKNOWN,
                        "the stream ended without an exit status");
  }
  return s;
}

}  // namespace warren::cli
