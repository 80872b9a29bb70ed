// MonitorLoop's exec processes: starting them, moving their stdio, and
// recording their exits. Split from monitor_loop.cc, which holds the init.
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "runtime/file_util.h"
#include "runtime/monitor/monitor_loop.h"
#include "runtime/signals.h"

namespace warren::runtime {

absl::StatusOr<const SecurityPlan*> MonitorLoop::ExecSecurity(
    const v1::SecuritySpec& security, uid_t uid) {
  std::string key = absl::StrCat(uid, ":", security.SerializeAsString());
  if (exec_security_ != nullptr && key == exec_security_key_) {
    return exec_security_.get();
  }
  absl::StatusOr<SecurityPlan> plan = BuildSecurityPlan(security, uid);
  if (!plan.ok()) return plan.status();
  if (plan->seccomp.enabled) {
    absl::StatusOr<std::string> program = seccomp_->Get(plan->seccomp);
    if (!program.ok()) return program.status();
    plan->seccomp_program = *std::move(program);
    // The child only loads the program: copying hundreds of rules into
    // every exec's plan would cost more than the rest of the plan.
    plan->seccomp.rules.clear();
  }
  exec_security_ = std::make_unique<SecurityPlan>(*std::move(plan));
  exec_security_key_ = std::move(key);
  return exec_security_.get();
}

ExecTemplate* MonitorLoop::TemplateFor(const MonitorRequest::Exec& request,
                                       const ExecPlan& plan) {
  if (exec_template_idle_ <= absl::ZeroDuration()) return nullptr;
  const std::string& profile = request.security().seccomp_profile();
  if (plan.tty || !plan.security.seccomp.enabled ||
      !(profile.empty() || profile == "default") ||
      (exec_ns_flags_ & CLONE_NEWUSER) != 0) {
    return nullptr;
  }
  const ProcessIdentity& id = plan.identity;
  for (const auto& [resource, limit] : id.rlimits) {
    rlimit own;
    if (getrlimit(static_cast<__rlimit_resource>(resource), &own) != 0 ||
        limit.rlim_max > own.rlim_max) {
      return nullptr;
    }
  }
  // Rlimits are per exec (TemplateExec): not part of the key.
  std::string key = absl::StrCat(exec_security_key_, "\nuid ", id.uid, " gid ",
                                 id.gid, " groups");
  for (gid_t g : id.groups) absl::StrAppend(&key, " ", g);
  const absl::Time now = absl::Now();
  DropGoneTemplates(now);
  for (auto it = exec_templates_.begin(); it != exec_templates_.end(); ++it) {
    if (it->key == key) {
      it->last_used = now;
      std::rotate(it, it + 1, exec_templates_.end());  // most recent last
      return exec_templates_.back().exec_template.get();
    }
  }
  if (failed_template_keys_.count(key)) return nullptr;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, init_pid_, 0));
  if (pidfd < 0) return nullptr;
  ExecTemplatePlan template_plan;
  template_plan.ns_flags = exec_ns_flags_;
  template_plan.identity = id;
  template_plan.security = plan.security;
  absl::StatusOr<std::unique_ptr<ExecTemplate>> started =
      ExecTemplate::Start(pidfd, template_plan);
  close(pidfd);
  if (!started.ok()) {
    // This exec is forked from here, and reports the same error itself.
    if (failed_template_keys_.size() >= 16) failed_template_keys_.clear();
    failed_template_keys_.insert(std::move(key));
    return nullptr;
  }
  if (exec_templates_.size() >= kMaxExecTemplates) {
    exec_templates_.erase(exec_templates_.begin());  // killed and reaped
  }
  exec_templates_.push_back({std::move(key), *std::move(started), absl::Now()});
  return exec_templates_.back().exec_template.get();
}

void MonitorLoop::DropGoneTemplates(absl::Time now) {
  // Each is killed if need be, and reaped, as it goes.
  exec_templates_.erase(
      std::remove_if(exec_templates_.begin(), exec_templates_.end(),
                     [&](const CachedTemplate& c) {
                       return c.exec_template->gone() ||
                              now - c.last_used >= exec_template_idle_;
                     }),
      exec_templates_.end());
}

int MonitorLoop::MsUntilATemplateIsIdle(absl::Time now) const {
  if (exec_templates_.empty()) return -1;
  absl::Time first = absl::InfiniteFuture();
  for (const CachedTemplate& c : exec_templates_) {
    first = std::min(first, c.last_used + exec_template_idle_);
  }
  // Rounded up: poll must not wake just before it.
  int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(first - now, absl::Milliseconds(1)));
  return static_cast<int>(
      std::clamp<int64_t>(ms, 0, std::numeric_limits<int>::max()));
}

absl::StatusOr<pid_t> MonitorLoop::HandleExec(
    const MonitorRequest::Exec& request) {
  if (!started_ || init_exited_) {
    return absl::FailedPreconditionError("the container is not running");
  }
  if (execs_.count(request.exec_id())) {
    return absl::AlreadyExistsError(
        absl::StrCat("exec \"", request.exec_id(), "\" already exists"));
  }
  absl::StatusOr<const SecurityPlan*> security =
      ExecSecurity(request.security(), request.process().uid());
  if (!security.ok()) return security.status();
  absl::StatusOr<ExecPlan> plan = BuildExecPlan(request.process(), **security);
  if (!plan.ok()) return plan.status();
  auto exec = std::make_unique<Exec>();
  exec->id = request.exec_id();
  exec->log_output = request.log_output();
  const std::string log_path = layout_.ExecLogPath(exec->id);
  exec->log = std::make_unique<LogWriter>(log_path, /*max_bytes=*/0);
  // Its exit record is created while the child sets itself up; its log
  // only when output comes (Exec::log).
  Exec* e = exec.get();
  auto create_files = [this, e]() -> absl::Status {
    absl::StatusOr<PreparedFile> exit_file =
        PreparedFile::Create(layout_.ExecExitPath(e->id));
    if (!exit_file.ok()) return exit_file.status();
    e->exit_file = std::make_unique<PreparedFile>(*std::move(exit_file));
    return absl::OkStatus();
  };
  if (exec_ns_flags_ < 0) exec_ns_flags_ = DifferentNamespaces(init_pid_);
  if (exec_ns_flags_ < 0) {
    return absl::FailedPreconditionError(
        "the container is not running (its init is exiting)");
  }
  if (!procs_files_.has_value()) {
    absl::StatusOr<CgroupProcsFiles> files =
        CgroupProcsFiles::Open(cgroup_->ProcsFiles());
    if (!files.ok()) return files.status();
    procs_files_.emplace(*std::move(files));
  }
  ExecTemplate* from_template = TemplateFor(request, *plan);
  absl::StatusOr<ExecChild> child =
      SpawnExec(init_pid_, exec_ns_flags_, *procs_files_, *plan, create_files,
                from_template);
  // Only the gone ones (the next exec of its kind starts a new one): not
  // one just used, however short the idle time.
  DropGoneTemplates(absl::InfinitePast());
  if (!child.ok()) {
    // Opened again at the next exec, should the cgroups have been replaced.
    procs_files_.reset();
    unlink(log_path.c_str());  // a failed exec leaves no files
    return child.status();
  }
  exec->child = *child;
  pid_t pid = exec->child.pid;
  execs_[exec->id] = std::move(exec);
  return pid;
}

absl::Status MonitorLoop::HandleStdin(const MonitorRequest::Stdin& request) {
  int* fd = &fds_.stdin_fd;
  int pty = fds_.pty_fd;
  std::string* pending = &init_stdin_pending_;
  bool* close = &init_close_stdin_;
  std::string what = "the container's init";
  if (!request.exec_id().empty()) {
    auto it = execs_.find(request.exec_id());
    if (it == execs_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no running exec \"", request.exec_id(), "\""));
    }
    Exec* exec = it->second.get();
    fd = &exec->child.stdin_fd;
    pty = exec->child.pty_fd;
    pending = &exec->stdin_pending;
    close = &exec->close_stdin;
    what = absl::StrCat("exec \"", exec->id, "\"");
  }
  if (*fd < 0 || *close) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " has no open stdin"));
  }
  if (pending->size() + request.data().size() > kMaxStdinPending) {
    // The process is not reading: the client waits instead of the monitor
    // buffering without bound.
    return absl::ResourceExhaustedError("stdin buffer full; retry");
  }
  *pending += request.data();
  *close = request.close();
  PumpStdin(fd, pty, pending, *close);
  return absl::OkStatus();
}

void MonitorLoop::WriteStdin(Exec* exec) {
  PumpStdin(&exec->child.stdin_fd, exec->child.pty_fd, &exec->stdin_pending,
            exec->close_stdin);
}

void MonitorLoop::PumpStdin(int* fd, int pty_fd, std::string* pending,
                            bool close_after) {
  while (*fd >= 0 && !pending->empty()) {
    ssize_t n = write(*fd, pending->data(), pending->size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // POLLOUT brings us back
    if (n <= 0) {
      pending->clear();  // the reader is gone
      break;
    }
    pending->erase(0, static_cast<size_t>(n));
  }
  if (close_after && pending->empty() && *fd >= 0) {
    if (*fd == pty_fd) {
      // A terminal has no half-close: end-of-file is the EOF character.
      termios t;
      char eof = tcgetattr(*fd, &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : 4;
      ssize_t ignored = write(*fd, &eof, 1);
      (void)ignored;
    } else {
      close(*fd);
    }
    *fd = -1;
  }
}

absl::Status MonitorLoop::HandleResize(const MonitorRequest::Resize& request) {
  int pty = fds_.pty_fd;
  if (!request.exec_id().empty()) {
    auto it = execs_.find(request.exec_id());
    if (it == execs_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no running exec \"", request.exec_id(), "\""));
    }
    pty = it->second->child.pty_fd;
  }
  if (pty < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        request.exec_id().empty() ? "the container's init"
                                  : "exec \"" + request.exec_id() + "\"",
        " has no terminal"));
  }
  winsize size{};
  size.ws_row = static_cast<unsigned short>(request.rows());
  size.ws_col = static_cast<unsigned short>(request.cols());
  if (ioctl(pty, TIOCSWINSZ, &size) != 0) {
    return absl::ErrnoToStatus(errno, "resize terminal");
  }
  return absl::OkStatus();
}

absl::Status MonitorLoop::HandleKillExec(
    const MonitorRequest::KillExec& request) {
  auto it = execs_.find(request.exec_id());
  if (it == execs_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("exec \"", request.exec_id(), "\" is not running"));
  }
  if (it->second->exited) return absl::OkStatus();  // its output is draining
  if (kill(it->second->child.pid, request.signal()) != 0 && errno != ESRCH) {
    return absl::ErrnoToStatus(errno, "kill exec");
  }
  return absl::OkStatus();
}

void MonitorLoop::PollExecs(std::vector<pollfd>* pfds) {
  for (auto& [id, exec] : execs_) {
    const ExecChild& c = exec->child;
    bool pending = !exec->stdin_pending.empty() && c.stdin_fd >= 0;
    // Input waiting for a terminal: wake when the master can take it.
    short tty_out = pending && c.stdin_fd == c.pty_fd ? POLLOUT : 0;
    // Output for the container log waits while a reader holds it.
    bool held = output_held_ && exec->log_output;
    pfds->push_back({held && tty_out == 0 ? -1 : c.stdout_fd,
                     static_cast<short>((held ? 0 : POLLIN) | tty_out), 0});
    pfds->push_back({held ? -1 : c.stderr_fd, POLLIN, 0});
    // A pty's master is polled for output already.
    pfds->push_back(
        {pending && c.stdin_fd != c.pty_fd ? c.stdin_fd : -1, POLLOUT, 0});
  }
}

void MonitorLoop::OnExecEvents(const std::vector<pollfd>& pfds, size_t first) {
  size_t i = first;
  for (auto& [id, exec] : execs_) {
    if (i + 2 >= pfds.size()) break;
    bool held = output_held_ && exec->log_output;
    if (!held && (pfds[i].revents & ~POLLOUT)) {
      OnExecOutput(exec.get(), &exec->child.stdout_fd, "stdout");
    }
    if (pfds[i + 1].revents) {
      OnExecOutput(exec.get(), &exec->child.stderr_fd, "stderr");
    }
    if (pfds[i + 2].revents || exec->child.stdin_fd == exec->child.pty_fd) {
      WriteStdin(exec.get());
    }
    i += 3;
  }
}

void MonitorLoop::OnExecOutput(Exec* exec, int* fd, absl::string_view stream) {
  char* buf = OutputBuffer();
  ssize_t n = read(*fd, buf, kOutputPipeBytes);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {  // EOF, or EIO from a pty whose last user left
    if (*fd == exec->child.pty_fd) {
      exec->child.pty_fd = -1;
      if (exec->child.stdin_fd == *fd) exec->child.stdin_fd = -1;
    }
    close(*fd);
    *fd = -1;
    return;
  }
  absl::string_view data(buf, static_cast<size_t>(n));
  absl::Time now = absl::Now();
  // Should it fail (the disk full), this output is lost from the exec's
  // log (not from the container log with log_output), the next tries
  // again, and the exec goes on either way.
  if (!exec->log_open) exec->log_open = exec->log->Open().ok();
  exec->log->Write(stream, data, now);
  if (exec->log_output) log_.Write(stream, data, now, exec->id);
}

bool MonitorLoop::OnExecExit(pid_t pid, int wstatus) {
  for (auto& [id, exec] : execs_) {
    if (exec->child.pid != pid || exec->exited) continue;  // pids get reused
    exec->exited = true;
    exec->drain_deadline = absl::Now() + absl::Milliseconds(500);
    if (WIFEXITED(wstatus)) {
      exec->exit.set_exit_code(WEXITSTATUS(wstatus));
    } else if (WIFSIGNALED(wstatus)) {
      exec->exit.set_exit_code(128 + WTERMSIG(wstatus));
      exec->exit.set_signal(SignalName(WTERMSIG(wstatus)));
    }
    *exec->exit.mutable_finished_at() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
            absl::ToUnixNanos(absl::Now()));
    return true;
  }
  return false;
}

void MonitorLoop::FinishExecs(bool force) {
  for (auto it = execs_.begin(); it != execs_.end();) {
    Exec* exec = it->second.get();
    bool drained = exec->child.stdout_fd < 0 && exec->child.stderr_fd < 0;
    // Output held open by a process it started in the background is not
    // waited for long, as with the init (kDrainTimeoutMs).
    bool drain_over = exec->exited && absl::Now() >= exec->drain_deadline;
    if (!force && !(exec->exited && (drained || drain_over))) {
      ++it;
      continue;
    }
    if (!exec->exited) {
      kill(exec->child.pid, SIGKILL);
      int wstatus = 0;
      if (waitpid(exec->child.pid, &wstatus, 0) == exec->child.pid) {
        OnExecExit(exec->child.pid, wstatus);
      }
    }
    for (int fd :
         {exec->child.stdout_fd, exec->child.stderr_fd, exec->child.stdin_fd}) {
      if (fd >= 0) close(fd);
    }
    exec->log->Flush(absl::Now());
    if (exec->exit_file != nullptr) {
      (void)exec->exit_file->Commit(exec->exit.SerializeAsString());
    } else {
      (void)WriteProtoAtomic(layout_.ExecExitPath(exec->id), exec->exit,
                             Durability::kAtomic);
    }
    it = execs_.erase(it);
  }
}

}  // namespace warren::runtime
