// A MonitorControl that starts no process: it records calls, fails on
// request, and lets a test end a container's "process" with an exit status
// (writing exit.pb and closing the watch descriptor, as a monitor does).
#ifndef WARREN_TESTS_RUNTIME_FAKE_MONITOR_CONTROL_H_
#define WARREN_TESTS_RUNTIME_FAKE_MONITOR_CONTROL_H_

#include <unistd.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "runtime/cgroup_control.h"
#include "runtime/file_util.h"
#include "runtime/log_format.h"
#include "runtime/monitor_control.h"

namespace warren::testing {

class FakeMonitorControl : public runtime::MonitorControl {
 public:
  // Shared with the test after the manager takes ownership.
  struct State {
    absl::Mutex mu;
    std::vector<std::string> calls;
    absl::Status launch_status;
    absl::Status start_status;
    // If set, the "process" exits with this code while Start is returning
    // (a short-lived program racing the manager).
    std::optional<int> exit_during_start;
    std::map<std::string, int> watch_write_ends;  // by bundle dir
    std::map<std::string, runtime::StoreLayout*> layouts;
    // Exec: fails with exec_status, or "runs" at once: its output (as the
    // monitor would log it) and, unless exec_keeps_running, its exit.
    absl::Status exec_status;
    std::string exec_stdout;
    int exec_exit_code = 0;
    bool exec_keeps_running = false;
    // If set, a monitor whose "process" has not exited can be watched again
    // by a new manager (a warrend restart with its monitors alive);
    // otherwise only the manager that launched it can watch it.
    bool monitors_survive_restart = false;
  };

  explicit FakeMonitorControl(State* state) : state_(state) {}

  absl::StatusOr<runtime::MonitorLaunch> Launch(
      const std::string& id, const runtime::StoreLayout& layout,
      const std::function<void()>& while_starting) override {
    {
      absl::MutexLock lock(&state_->mu);
      state_->calls.push_back("launch " + id);
      if (!state_->launch_status.ok()) return state_->launch_status;
    }
    if (while_starting) while_starting();  // as the real one: once spawned
    absl::MutexLock lock(&state_->mu);
    int fds[2];
    if (pipe(fds) != 0) return absl::InternalError("pipe");
    pending_read_ends_[layout.bundle_dir()] = fds[0];
    state_->watch_write_ends[layout.bundle_dir()] = fds[1];
    return runtime::MonitorLaunch{4242, 4343};
  }

  absl::Status Start(const runtime::StoreLayout& layout) override {
    std::optional<int> exit_code;
    absl::Status status;
    {
      absl::MutexLock lock(&state_->mu);
      state_->calls.push_back("start " + layout.bundle_dir());
      exit_code = state_->exit_during_start;
      status = state_->start_status;
    }
    if (exit_code.has_value()) {
      Exit(state_, layout, *exit_code);
      // Give the exit watcher time to report it before Start returns.
      absl::SleepFor(absl::Milliseconds(200));
    }
    return status;
  }

  absl::Status Kill(const runtime::StoreLayout& layout, int signal,
                    bool all) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back("kill " + std::to_string(signal) +
                            (all ? " all" : ""));
    auto it = state_->watch_write_ends.find(layout.bundle_dir());
    if (it == state_->watch_write_ends.end()) {
      return absl::UnavailableError("no monitor");
    }
    // The fake container dies of any signal at once.
    v1::ExitStatus exit;
    exit.set_exit_code(128 + signal);
    (void)runtime::WriteProtoAtomic(layout.ExitPath(), exit);
    close(it->second);
    state_->watch_write_ends.erase(it);
    return absl::OkStatus();
  }

  absl::StatusOr<pid_t> Exec(
      const runtime::StoreLayout& layout, const std::string& exec_id,
      const runtime::ExecSpec& spec, bool log_output,
      const std::function<void()>& while_starting) override {
    if (while_starting) while_starting();
    absl::MutexLock lock(&state_->mu);
    std::string call = "exec " + exec_id;
    for (const std::string& a : spec.process.args()) call += " " + a;
    if (log_output) call += " (logged)";
    state_->calls.push_back(call);
    if (!state_->exec_status.ok()) return state_->exec_status;
    std::string records;
    runtime::LogLineSplitter out("stdout");
    out.Add(state_->exec_stdout, absl::Now(), &records);
    (void)runtime::WriteFileAtomic(layout.ExecLogPath(exec_id), records);
    if (!state_->exec_keeps_running) {
      v1::ExitStatus exit;
      exit.set_exit_code(state_->exec_exit_code);
      (void)runtime::WriteProtoAtomic(layout.ExecExitPath(exec_id), exit);
    }
    return 5000;
  }
  absl::Status Stdin(const runtime::StoreLayout&, const std::string& exec_id,
                     const std::string& data, bool close) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back("stdin " + exec_id + " " + data +
                            (close ? " (close)" : ""));
    return absl::OkStatus();
  }
  absl::Status Resize(const runtime::StoreLayout&, const std::string& exec_id,
                      uint32_t rows, uint32_t cols) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back("resize " + exec_id + " " + std::to_string(rows) +
                            "x" + std::to_string(cols));
    return absl::OkStatus();
  }
  absl::Status KillExec(const runtime::StoreLayout& layout,
                        const std::string& exec_id, int signal) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back("kill_exec " + exec_id + " " +
                            std::to_string(signal));
    v1::ExitStatus exit;
    exit.set_exit_code(128 + signal);
    return runtime::WriteProtoAtomic(layout.ExecExitPath(exec_id), exit);
  }

  absl::StatusOr<int> Watch(const runtime::StoreLayout& layout) override {
    absl::MutexLock lock(&state_->mu);
    auto it = pending_read_ends_.find(layout.bundle_dir());
    auto alive = state_->watch_write_ends.find(layout.bundle_dir());
    if (it == pending_read_ends_.end() && state_->monitors_survive_restart &&
        alive != state_->watch_write_ends.end()) {
      int fds[2];
      if (pipe(fds) != 0) return absl::InternalError("pipe");
      close(alive->second);  // the old manager's watch ends
      alive->second = fds[1];
      return fds[0];
    }
    if (it == pending_read_ends_.end()) {
      return absl::UnavailableError("monitor gone");
    }
    int fd = it->second;
    pending_read_ends_.erase(it);
    return fd;
  }

  // Ends the container in `bundle_dir` with `code`, as its monitor would.
  static void Exit(State* state, const runtime::StoreLayout& layout, int code,
                   bool oom_killed = false) {
    absl::MutexLock lock(&state->mu);
    v1::ExitStatus exit;
    exit.set_exit_code(code);
    exit.set_oom_killed(oom_killed);
    (void)runtime::WriteProtoAtomic(layout.ExitPath(), exit);
    auto it = state->watch_write_ends.find(layout.bundle_dir());
    if (it != state->watch_write_ends.end()) {
      close(it->second);
      state->watch_write_ends.erase(it);
    }
  }

 private:
  State* state_;
  std::map<std::string, int> pending_read_ends_;
};

// A CgroupControl that records calls and keeps "limits" in memory.
class FakeCgroupControl : public runtime::CgroupControl {
 public:
  struct State {
    absl::Mutex mu;
    std::vector<std::string> calls;
    std::map<std::string, v1::ResourcesSpec> limits;
    absl::Status remove_status;
  };
  explicit FakeCgroupControl(State* state) : state_(state) {}

  absl::StatusOr<runtime::CgroupStats> Stats(const std::string& id) override {
    absl::MutexLock lock(&state_->mu);
    runtime::CgroupStats stats;
    stats.memory_limit_bytes = state_->limits[id].memory_limit_bytes();
    return stats;
  }
  absl::Status SetFrozen(const std::string& id, bool frozen) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back((frozen ? "freeze " : "thaw ") + id);
    return absl::OkStatus();
  }
  absl::Status Update(const std::string& id,
                      const v1::ResourcesSpec& resources) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back("update " + id);
    state_->limits[id] = resources;
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& id) override {
    absl::MutexLock lock(&state_->mu);
    state_->calls.push_back("remove " + id);
    return state_->remove_status;
  }

 private:
  State* state_;
};

}  // namespace warren::testing

#endif  // WARREN_TESTS_RUNTIME_FAKE_MONITOR_CONTROL_H_
