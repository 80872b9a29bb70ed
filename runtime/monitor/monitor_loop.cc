#include "runtime/monitor/monitor_loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "runtime/file_util.h"
#include "runtime/monitor_protocol.h"
#include "runtime/signals.h"

namespace warren::runtime {
namespace {

// After init exits, output still buffered in the pipes is drained for at
// most this long (processes outside a private PID namespace may keep the
// pipes open).
constexpr int kDrainTimeoutMs = 500;
// How long output waits, at most, for a Stream client that holds a log file
// it has not finished (log_writer.h), and how often the monitor looks
// whether it has meanwhile.
constexpr absl::Duration kOutputHoldLimit = absl::Seconds(10);
constexpr int kHeldRetryMs = 1;

}  // namespace

MonitorLoop::MonitorLoop(pid_t init_pid, const ContainerCgroup* cgroup,
                         MonitorFds fds, StoreLayout layout, LogWriter log,
                         SeccompBpfCache* seccomp,
                         absl::Duration exec_template_idle)
    : init_pid_(init_pid),
      exec_template_idle_(exec_template_idle),
      cgroup_(cgroup),
      seccomp_(seccomp),
      fds_(fds),
      layout_(std::move(layout)),
      log_(std::move(log)) {
  log_.set_hold_limit(kOutputHoldLimit);
}

absl::Status MonitorLoop::Run() {
  absl::Time drain_deadline = absl::InfiniteFuture();
  while (!init_exited_ || fds_.stdout_fd >= 0 || fds_.stderr_fd >= 0 ||
         !execs_.empty()) {
    // While a reader holds the log, output stays in the pipes.
    output_held_ = log_.Held(absl::Now());
    std::vector<pollfd> pfds;
    pfds.push_back({fds_.signal_fd, POLLIN, 0});
    pfds.push_back({fds_.listen_fd, POLLIN, 0});
    // Input waiting for the init's terminal: wake when the master takes it.
    short tty_out = !init_stdin_pending_.empty() && fds_.stdin_fd >= 0 &&
                            fds_.stdin_fd == fds_.pty_fd
                        ? POLLOUT
                        : 0;
    short output = output_held_ ? 0 : POLLIN;
    pfds.push_back({output_held_ && tty_out == 0 ? -1 : fds_.stdout_fd,
                    static_cast<short>(output | tty_out), 0});
    pfds.push_back({output_held_ ? -1 : fds_.stderr_fd, POLLIN, 0});
    for (int c : conns_) pfds.push_back({c, POLLIN, 0});
    // The init's stdin pipe, while something waits to be written.
    bool init_pending = !init_stdin_pending_.empty() && fds_.stdin_fd >= 0 &&
                        fds_.stdin_fd != fds_.pty_fd;
    pfds.push_back({init_pending ? fds_.stdin_fd : -1, POLLOUT, 0});
    size_t first_exec = pfds.size();
    PollExecs(&pfds);
    int timeout = -1;
    if (init_exited_) {
      // Draining waits while held (the hold has its own limit).
      if (drain_deadline == absl::InfiniteFuture() || output_held_) {
        drain_deadline = absl::Now() + absl::Milliseconds(kDrainTimeoutMs);
      }
      timeout = static_cast<int>(
          absl::ToInt64Milliseconds(drain_deadline - absl::Now()));
      if (timeout <= 0) break;
    }
    if (output_held_ && (timeout < 0 || timeout > kHeldRetryMs)) {
      timeout = kHeldRetryMs;
    }
    if (int idle = MsUntilATemplateIsIdle(absl::Now());
        idle >= 0 && (timeout < 0 || idle < timeout)) {
      timeout = idle;
    }
    int n = poll(pfds.data(), pfds.size(), timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "poll");
    if (pfds[0].revents) OnSignal();
    if (pfds[1].revents & POLLIN) {
      int c = accept4(fds_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        conns_.push_back(c);
        // warrend sends its request right after connecting: when it is
        // there already, it is answered now, not after another poll.
        pollfd ready = {c, POLLIN, 0};
        if (poll(&ready, 1, 0) == 1) OnRequest(c);
      }
    }
    if (!output_held_ && (pfds[2].revents & ~POLLOUT)) {
      OnOutput(&fds_.stdout_fd, "stdout");
    }
    if (pfds[3].revents) OnOutput(&fds_.stderr_fd, "stderr");
    for (size_t i = 4; i + 1 < first_exec; ++i) {
      if (pfds[i].revents) OnRequest(pfds[i].fd);
    }
    if (pfds[first_exec - 1].revents || fds_.stdin_fd == fds_.pty_fd) {
      PumpStdin(&fds_.stdin_fd, fds_.pty_fd, &init_stdin_pending_,
                init_close_stdin_);
    }
    OnExecEvents(pfds, first_exec);
    FinishExecs(false);
    if (!exec_templates_.empty()) DropGoneTemplates(absl::Now());
  }
  FinishExecs(true);
  log_.Flush(absl::Now());
  exit_.set_oom_killed(cgroup_->OomKilled());
  // The exit record is written before the control socket closes: warrend
  // learns of the exit from the closed socket and then reads the record.
  // It is in the run directory and not fsync'd: warrend makes the exit
  // durable in the container's record (a host crash before that reports
  // the container as lost, exit code 255, as if it had run at the crash).
  absl::Status status =
      WriteProtoAtomic(layout_.ExitPath(), exit_, Durability::kAtomic);
  for (int c : conns_) close(c);
  return status;
}

void MonitorLoop::OnSignal() {
  signalfd_siginfo info;
  while (read(fds_.signal_fd, &info, sizeof(info)) == sizeof(info)) {
  }
  int wstatus = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
    auto cached = std::find_if(exec_templates_.begin(), exec_templates_.end(),
                               [pid](const CachedTemplate& c) {
                                 return c.exec_template->pid() == pid;
                               });
    if (cached != exec_templates_.end()) {
      cached->exec_template->Reaped();  // dropped at the next exec
      continue;
    }
    if (pid != init_pid_) {
      (void)OnExecExit(pid, wstatus);  // or a reparented orphan
      continue;
    }
    init_exited_ = true;
    // It holds the container's namespaces: they go with the init.
    exec_templates_.clear();
    // Execs end with the container, as with Docker.
    for (auto& [id, exec] : execs_) {
      if (!exec->exited) kill(exec->child.pid, SIGKILL);
    }
    if (WIFEXITED(wstatus)) {
      exit_.set_exit_code(WEXITSTATUS(wstatus));
    } else if (WIFSIGNALED(wstatus)) {
      exit_.set_exit_code(128 + WTERMSIG(wstatus));
      exit_.set_signal(SignalName(WTERMSIG(wstatus)));
    }
    *exit_.mutable_finished_at() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
            absl::ToUnixNanos(absl::Now()));
  }
}

char* MonitorLoop::OutputBuffer() {
  if (!output_buffer_) output_buffer_.reset(new char[kOutputPipeBytes]);
  return output_buffer_.get();
}

void MonitorLoop::OnOutput(int* fd, absl::string_view stream) {
  // A whole pipe's worth at once: one log write for many records.
  char* buf = OutputBuffer();
  ssize_t n = read(*fd, buf, kOutputPipeBytes);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {  // EOF, or EIO from a terminal whose last user left
    if (*fd == fds_.pty_fd) {
      if (fds_.stdin_fd == fds_.pty_fd) fds_.stdin_fd = -1;
      fds_.pty_fd = -1;
    }
    close(*fd);
    *fd = -1;
    return;
  }
  log_.Write(stream, absl::string_view(buf, static_cast<size_t>(n)),
             absl::Now());
}

void MonitorLoop::OnRequest(int conn) {
  MonitorRequest request;
  absl::Status status = ReceivePacket(conn, &request);
  if (!status.ok()) {
    close(conn);
    conns_.erase(std::find(conns_.begin(), conns_.end(), conn));
    return;
  }
  switch (request.op_case()) {
    case MonitorRequest::kStart:
      status = HandleStart();
      break;
    case MonitorRequest::kKill:
      status = HandleKill(request.kill());
      break;
    case MonitorRequest::kExec: {
      absl::StatusOr<pid_t> pid = HandleExec(request.exec());
      MonitorReply reply = ReplyFromStatus(pid.status());
      if (pid.ok()) reply.set_pid(*pid);
      (void)SendPacket(conn, reply);
      return;
    }
    case MonitorRequest::kStdin:
      status = HandleStdin(request.stdin());
      break;
    case MonitorRequest::kResize:
      status = HandleResize(request.resize());
      break;
    case MonitorRequest::kKillExec:
      status = HandleKillExec(request.kill_exec());
      break;
    default:
      status = absl::InvalidArgumentError("unknown monitor request");
  }
  (void)SendPacket(conn, ReplyFromStatus(status));
}

absl::Status MonitorLoop::HandleStart() {
  if (started_) return absl::FailedPreconditionError("already started");
  if (init_exited_) {
    return absl::FailedPreconditionError("the init exited before Start");
  }
  started_ = true;
  if (write(fds_.start_fd, "S", 1) != 1) {
    return absl::ErrnoToStatus(errno, "release init");
  }
  close(fds_.start_fd);
  fds_.start_fd = -1;
  // execve either succeeds (the close-on-exec pipe hits EOF) or the init
  // writes why it failed; both happen at once.
  std::string error;
  char buf[512];
  ssize_t n;
  while ((n = read(fds_.exec_err_fd, buf, sizeof(buf))) > 0 ||
         (n < 0 && errno == EINTR)) {
    if (n > 0) error.append(buf, static_cast<size_t>(n));
  }
  close(fds_.exec_err_fd);
  fds_.exec_err_fd = -1;
  if (!error.empty()) return absl::FailedPreconditionError(error);
  return absl::OkStatus();
}

absl::Status MonitorLoop::HandleKill(const MonitorRequest::Kill& kill) {
  if (init_exited_) {
    return absl::FailedPreconditionError("the container is not running");
  }
  std::vector<pid_t> targets{init_pid_};
  if (kill.all()) {
    for (pid_t pid : cgroup_->Processes()) {
      if (pid != init_pid_) targets.push_back(pid);
    }
  }
  for (pid_t pid : targets) {
    if (::kill(pid, kill.signal()) != 0 && errno != ESRCH) {
      return absl::ErrnoToStatus(errno, absl::StrCat("kill ", pid));
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
