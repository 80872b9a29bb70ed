#include "runtime/process_monitor_control.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "runtime/monitor_protocol.h"

extern char** environ;

namespace warren::runtime {
namespace {

absl::StatusOr<int> Connect(const StoreLayout& layout) {
  std::string path = MonitorSocketPath(layout.run_dir());
  absl::StatusOr<int> fd = ConnectSeqpacket(path);
  if (!fd.ok()) {
    return absl::UnavailableError(
        absl::StrCat("monitor at ", path, " is gone: ", fd.status().message()));
  }
  return *fd;
}

absl::StatusOr<MonitorReply> CallForReply(
    const StoreLayout& layout, const MonitorRequest& request,
    const std::function<void()>& after_send = {}) {
  absl::StatusOr<int> fd = Connect(layout);
  if (!fd.ok()) return fd.status();
  absl::Cleanup closer = [&] { close(*fd); };
  // A monitor that stops answering (stopped, or stuck in a hung exec) must
  // not hang the RPC, and with Delete the container, forever.
  timeval timeout{30, 0};
  setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (absl::Status s = SendPacket(*fd, request); !s.ok()) return s;
  if (after_send) after_send();
  MonitorReply reply;
  if (absl::Status s = ReceivePacket(*fd, &reply); !s.ok()) return s;
  return reply;
}

absl::Status Call(const StoreLayout& layout, const MonitorRequest& request) {
  absl::StatusOr<MonitorReply> reply = CallForReply(layout, request);
  if (!reply.ok()) return reply.status();
  return StatusFromReply(reply->code(), reply->message());
}

}  // namespace

absl::StatusOr<MonitorLaunch> ProcessMonitorControl::Launch(
    const std::string& id, const StoreLayout& layout,
    const std::function<void()>& while_starting) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
  absl::Cleanup close_read = [&] { close(ready[0]); };

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, ready[1], 3);
  std::string bundle = layout.bundle_dir();
  std::string run = layout.run_dir();
  std::string name = id;
  std::string log_max = std::to_string(options_.log_max_bytes);
  std::string seccomp_cache = options_.seccomp_cache_dir;
  std::string cgroup_parent = options_.cgroup_parent;
  // Rounded up: 500us is not 0, which means none.
  std::string template_idle_ms = std::to_string(absl::ToInt64Milliseconds(
      absl::Ceil(options_.exec_template_idle, absl::Milliseconds(1))));
  char* argv[] = {const_cast<char*>(monitor_binary_.c_str()),
                  name.data(),
                  bundle.data(),
                  run.data(),
                  log_max.data(),
                  seccomp_cache.data(),
                  cgroup_parent.data(),
                  template_idle_ms.data(),
                  nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, monitor_binary_.c_str(), &actions, nullptr, argv,
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  close(ready[1]);
  if (rc != 0) {
    return absl::ErrnoToStatus(rc, absl::StrCat("spawn ", monitor_binary_));
  }
  // The spawned process forks the real monitor and exits at once.
  waitpid(pid, nullptr, 0);
  if (while_starting) while_starting();

  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = read(ready[0], buf, sizeof(buf))) > 0 ||
         (n < 0 && errno == EINTR)) {
    if (n > 0) data.append(buf, static_cast<size_t>(n));
  }
  MonitorReady report;
  if (data.empty() || !report.ParseFromString(data)) {
    return absl::InternalError(
        absl::StrCat("monitor for \"", id, "\" exited without reporting"));
  }
  absl::Status status = StatusFromReply(report.code(), report.message());
  if (!status.ok()) return status;
  return MonitorLaunch{report.monitor_pid(), report.init_pid()};
}

absl::Status ProcessMonitorControl::Start(const StoreLayout& layout) {
  MonitorRequest request;
  request.mutable_start();
  return Call(layout, request);
}

absl::Status ProcessMonitorControl::Kill(const StoreLayout& layout, int signal,
                                         bool all) {
  MonitorRequest request;
  request.mutable_kill()->set_signal(signal);
  request.mutable_kill()->set_all(all);
  return Call(layout, request);
}

absl::StatusOr<int> ProcessMonitorControl::Watch(const StoreLayout& layout) {
  return Connect(layout);
}

absl::StatusOr<pid_t> ProcessMonitorControl::Exec(
    const StoreLayout& layout, const std::string& exec_id, const ExecSpec& spec,
    bool log_output, const std::function<void()>& while_starting) {
  MonitorRequest request;
  MonitorRequest::Exec* exec = request.mutable_exec();
  exec->set_exec_id(exec_id);
  *exec->mutable_process() = spec.process;
  *exec->mutable_security() = spec.security;
  exec->set_log_output(log_output);
  absl::StatusOr<MonitorReply> reply =
      CallForReply(layout, request, while_starting);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = StatusFromReply(reply->code(), reply->message());
      !s.ok()) {
    return s;
  }
  return static_cast<pid_t>(reply->pid());
}

absl::Status ProcessMonitorControl::Stdin(const StoreLayout& layout,
                                          const std::string& exec_id,
                                          const std::string& data, bool close) {
  MonitorRequest request;
  request.mutable_stdin()->set_exec_id(exec_id);
  request.mutable_stdin()->set_data(data);
  request.mutable_stdin()->set_close(close);
  return Call(layout, request);
}

absl::Status ProcessMonitorControl::Resize(const StoreLayout& layout,
                                           const std::string& exec_id,
                                           uint32_t rows, uint32_t cols) {
  MonitorRequest request;
  request.mutable_resize()->set_exec_id(exec_id);
  request.mutable_resize()->set_rows(rows);
  request.mutable_resize()->set_cols(cols);
  return Call(layout, request);
}

absl::Status ProcessMonitorControl::KillExec(const StoreLayout& layout,
                                             const std::string& exec_id,
                                             int signal) {
  MonitorRequest request;
  request.mutable_kill_exec()->set_exec_id(exec_id);
  request.mutable_kill_exec()->set_signal(signal);
  return Call(layout, request);
}

}  // namespace warren::runtime
