// ContainerService's Exec and Stream: thin handlers over the runtime's exec
// support. Stream is served from the process's log file at the client's
// pace (the monitor keeps draining the process; the log is the buffer), with
// the client's stdin and resizes forwarded to the monitor by a reader
// thread, and ends with the process's exit status.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "runtime/log_reader.h"
#include "server/container_service.h"
#include "server/log.h"
#include "server/status_convert.h"
#include "server/stream_batch.h"

namespace warren::server {
namespace {

runtime::ExecOptions OptionsFrom(const v1::ExecRequest& r) {
  runtime::ExecOptions o;
  o.exec_id = r.exec_id();
  o.process = r.process();
  o.has_security = r.has_security();
  o.security = r.security();
  o.sync = r.sync();
  if (r.has_timeout()) {
    o.timeout = absl::Seconds(r.timeout().seconds()) +
                absl::Nanoseconds(r.timeout().nanos());
  }
  o.log_output = r.log_output();
  return o;
}

// The first error the reader thread met, for the stream's final status.
class StreamError {
 public:
  void Set(absl::Status s) {
    absl::MutexLock lock(&mu_);
    if (status_.ok()) status_ = std::move(s);
  }
  absl::Status Get() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  absl::Mutex mu_;
  absl::Status status_;
};

}  // namespace

grpc::Status ContainerService::Exec(grpc::ServerContext* context,
                                    const v1::ExecRequest* request,
                                    v1::ExecResponse* response) {
  std::string what =
      absl::StrCat(request->container_id(), "/",
                   request->exec_id().empty() ? "-" : request->exec_id());
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key =
      scope->Key(request->container_id(), "container_id");
  if (!key.ok()) return LoggedCall("exec", what, ToGrpcStatus(key.status()));
  if (request->has_timeout() && !request->sync()) {
    return LoggedCall("exec", what,
                      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "timeout: only with sync"));
  }
  absl::StatusOr<runtime::ExecResult> r =
      manager_->Exec(*key, OptionsFrom(*request),
                     [context] { return context->IsCancelled(); });
  if (!r.ok()) return LoggedCall("exec", what, ToGrpcStatus(r.status()));
  response->set_exec_id(r->exec_id);
  response->set_pid(r->pid);
  if (request->sync()) {
    response->set_exit_code(r->exit.exit_code());
    response->set_signal(r->exit.signal());
    response->set_stdout(std::move(r->out));
    response->set_stderr(std::move(r->err));
    response->set_stdout_truncated(r->out_truncated);
    response->set_stderr_truncated(r->err_truncated);
    response->set_timed_out(r->timed_out);
  }
  return LoggedCall("exec", absl::StrCat(*key, "/", r->exec_id),
                    grpc::Status::OK);
}

grpc::Status ContainerService::Stream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream) {
  v1::StreamRequest first;
  if (!stream->Read(&first)) return grpc::Status::CANCELLED;
  if (first.msg_case() != v1::StreamRequest::kTarget) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "target: the first message must name the process "
                        "(container_id, optional exec_id)");
  }
  const v1::StreamTarget target = first.target();
  absl::StatusOr<CallScope> scope = Scope(*context);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  absl::StatusOr<std::string> key =
      scope->Key(target.container_id(), "target.container_id");
  if (!key.ok()) return ToGrpcStatus(key.status());
  const std::string& id = *key;
  const std::string& exec_id = target.exec_id();
  absl::StatusOr<std::string> log = manager_->OutputLogPath(id, exec_id);
  if (!log.ok()) return ToGrpcStatus(log.status());
  absl::StatusOr<v1::ProcessSpec> process =
      manager_->ProcessSpecOf(id, exec_id);
  if (!process.ok()) return ToGrpcStatus(process.status());
  absl::StatusOr<TenantLimiter::StreamSlot> slot = StreamSlotFor(*scope);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  const bool has_stdin = process->open_stdin();
  const bool has_tty = process->tty();
  absl::Time since = target.from_start() ? absl::InfinitePast() : absl::Now();

  StreamError error;
  std::atomic<bool> done{false};
  absl::Notification reader_done;
  std::thread reader([&] {
    struct Mark {
      absl::Notification* done;
      ~Mark() { done->Notify(); }
    } mark{&reader_done};
    v1::StreamRequest msg;
    while (!done && stream->Read(&msg)) {
      absl::Status s;
      switch (msg.msg_case()) {
        case v1::StreamRequest::kStdin:
        case v1::StreamRequest::kCloseStdin:
          if (!has_stdin) {
            s = absl::FailedPreconditionError(
                "stdin: the process was started without open_stdin");
            break;
          }
          // The monitor takes bounded chunks; a full buffer means the
          // process is not reading: wait rather than buffer here.
          for (size_t off = 0;
               off < msg.stdin().size() || (off == 0 && msg.stdin().empty());) {
            std::string chunk = msg.stdin().substr(off, 32 << 10);
            bool last = off + chunk.size() >= msg.stdin().size();
            s = manager_->ExecStdin(id, exec_id, chunk,
                                    last && msg.close_stdin());
            if (absl::IsResourceExhausted(s) && !context->IsCancelled()) {
              absl::SleepFor(absl::Milliseconds(5));
              continue;
            }
            if (!s.ok()) break;
            off += chunk.size();
            if (chunk.empty()) break;
          }
          break;
        case v1::StreamRequest::kResize:
          s = has_tty ? manager_->ResizeExec(id, exec_id, msg.resize().rows(),
                                             msg.resize().cols())
                      : absl::FailedPreconditionError(
                            "resize: the process has no terminal");
          break;
        default:
          s = absl::InvalidArgumentError(
              "target: only the first message names the target");
      }
      if (!s.ok()) {
        // A process that has stdin (or a terminal) but refuses input now is
        // exiting: the input is moot, and its exit status is what the
        // client gets. Everything else ends the stream with the error.
        bool moot = (has_stdin || has_tty) &&
                    (absl::IsFailedPrecondition(s) || absl::IsNotFound(s)) &&
                    msg.msg_case() != v1::StreamRequest::kTarget;
        bool wrong_kind =
            (msg.msg_case() == v1::StreamRequest::kResize && !has_tty) ||
            (msg.msg_case() != v1::StreamRequest::kResize && !has_stdin);
        if (moot && !wrong_kind) continue;
        error.Set(s);
        return;
      }
    }
  });

  auto exited = [&] {
    absl::StatusOr<absl::optional<v1::ExitStatus>> e =
        manager_->ProcessExit(id, exec_id);
    return !e.ok() || e->has_value();
  };
  // Records of one stream go out together (up to 1 MiB a message), sent
  // whenever the follower has caught up with the log.
  StreamBatcher batch(
      [stream](v1::StreamResponse& out) { return stream->Write(out); });
  runtime::FollowOptions follow;
  // An attached client gets all of the output: the container waits for it
  // (up to the monitor's hold limit) instead of rotating output away.
  follow.hold = true;
  follow.caught_up = [&] { return batch.Flush(); };
  follow.lost = [&](uint64_t generations) {
    v1::StreamResponse gap;
    gap.mutable_gap()->set_lost_generations(generations);
    return batch.Send(gap);
  };
  absl::Status followed = runtime::FollowLogRecordViews(
      *log, 0, since,
      [&](const runtime::LogRecordView& r) {
        if (!error.Get().ok()) return false;
        return batch.Add(r.stream, r.content) &&
               (!r.line_end || batch.Add(r.stream, "\n"));
      },
      [&] { return context->IsCancelled() || !error.Get().ok(); }, exited,
      follow);
  absl::Status result = error.Get();
  if (result.ok() && followed.ok() && !context->IsCancelled()) {
    absl::StatusOr<absl::optional<v1::ExitStatus>> e =
        manager_->ProcessExit(id, exec_id);
    if (e.ok() && e->has_value()) {
      v1::StreamResponse last;
      *last.mutable_exit() = **e;
      batch.Send(last);
    } else if (!e.ok()) {
      result = e.status();
    }
  } else if (result.ok() && !followed.ok()) {
    result = followed;
  }
  done = true;
  // The reader ends when the client half-closes after the exit message
  // (woken at once: a polling sleep here delayed every attach's end by up
  // to its period); a client that never does is cut off after a moment.
  if (!reader_done.WaitForNotificationWithTimeout(absl::Seconds(2))) {
    context->TryCancel();
  }
  reader.join();
  return ToGrpcStatus(result);
}

}  // namespace warren::server
