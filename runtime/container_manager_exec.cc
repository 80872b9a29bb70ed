// ContainerManager's exec processes: starting them through the monitor,
// waiting for and signalling them, feeding their stdin and capturing output
// for the synchronous form. Split from container_manager.cc, which holds the
// container lifecycle; their exits are journaled in
// container_manager_exec_journal.cc.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/container_id.h"
#include "runtime/container_manager.h"
#include "runtime/dir_watch.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"
#include "runtime/log_reader.h"
#include "runtime/signals.h"

namespace warren::runtime {
namespace {

// How often a wait for an exec's exit looks at cancellation, the deadline
// and the container's state between changes in the exec directory.
constexpr absl::Duration kExecRecheck = absl::Milliseconds(50);

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Appends `text` to `out` up to `cap` bytes; true if something was cut.
bool AppendCapped(const std::string& text, size_t cap, std::string* out) {
  if (out->size() >= cap) return !text.empty();
  size_t room = cap - out->size();
  out->append(text, 0, std::min(room, text.size()));
  return text.size() > room;
}

}  // namespace

absl::StatusOr<StoreLayout> ContainerManager::FindExec(
    const std::string& id, const std::string& exec_id) {
  if (absl::Status s = ValidateContainerId(exec_id, "exec_id"); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Find(id);
  if (!e.ok()) return e.status();
  if (!Exists((*e)->layout.ExecSpecPath(exec_id))) {
    return absl::NotFoundError(
        absl::StrCat("no exec \"", exec_id, "\" in container \"", id, "\""));
  }
  return (*e)->layout;
}

absl::StatusOr<ExecResult> ContainerManager::Exec(
    const std::string& id, const ExecOptions& options,
    const std::function<bool()>& cancelled) {
  v1::ContainerSpec container;
  StoreLayout layout = LayoutFor(id);
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    if ((*e)->record.state() != v1::RUNNING || (*e)->busy) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot exec in container \"", id, "\": it is not running"));
    }
    container = (*e)->record.spec();
  }
  absl::StatusOr<ExecSpec> spec = BuildExecSpec(container, options);
  if (!spec.ok()) return spec.status();
  ExecResult result;
  result.exec_id = options.exec_id.empty() ? NewExecId() : options.exec_id;
  for (const std::string& dir : {layout.ExecDir(), layout.ExecLogDir()}) {
    if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  }
  std::string spec_path = layout.ExecSpecPath(result.exec_id);
  const std::string reserved = absl::StrCat(id, "/", result.exec_id);
  {
    absl::MutexLock lock(&mu_);  // the id is reserved under the lock
    if (Exists(spec_path) || starting_execs_.count(reserved) > 0) {
      return absl::AlreadyExistsError(absl::StrCat(
          "exec_id: \"", result.exec_id, "\" already exists in \"", id, "\""));
    }
    starting_execs_.insert(reserved);
  }
  absl::Cleanup unreserve = [&] {
    absl::MutexLock lock(&mu_);
    starting_execs_.erase(reserved);
  };
  // The record is written while the monitor starts the process (a new file
  // can cost a millisecond on a busy filesystem); it is there before this
  // returns. An exec ends with its container, and with the host: no fsync.
  absl::Status recorded;
  absl::StatusOr<pid_t> pid =
      monitors_->Exec(layout, result.exec_id, *spec, options.log_output, [&] {
        recorded =
            WriteProtoAtomic(spec_path, spec->process, Durability::kAtomic);
      });
  if (pid.ok() && !recorded.ok()) {
    AbandonExec(layout, result.exec_id);
    return recorded;
  }
  if (!pid.ok()) {
    absl::MutexLock lock(&mu_);
    (void)RemoveTree(spec_path);
    if (absl::IsUnavailable(pid.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot exec in container \"", id, "\": it is not running"));
    }
    return pid.status();
  }
  result.pid = *pid;
  Emit({ExecEvent(id, result.exec_id, kEventExecStarted)},
       JournalSync::kWriteOnly);
  {
    // Only now, so "exec_exited" can never come before "exec_started".
    absl::MutexLock lock(&mu_);
    running_execs_[id].insert(result.exec_id);
  }
  if (!options.sync) return result;

  absl::Time deadline = absl::Now() + options.timeout;
  std::string exit_path = layout.ExecExitPath(result.exec_id);
  // The monitor renames the exit record into place: that wakes us at once.
  DirWatch watch(layout.ExecDir());
  while (!Exists(exit_path)) {
    if (absl::Status s = ExecStillPending(id, result.exec_id); !s.ok()) {
      return s;
    }
    if (cancelled && cancelled()) {
      (void)monitors_->KillExec(layout, result.exec_id, SIGKILL);
      return absl::CancelledError("exec cancelled; the process was killed");
    }
    if (!result.timed_out && absl::Now() >= deadline) {
      result.timed_out = true;
      (void)monitors_->KillExec(layout, result.exec_id, SIGKILL);
    }
    watch.Wait(result.timed_out
                   ? kExecRecheck
                   : std::min(kExecRecheck, deadline - absl::Now()));
  }
  if (absl::Status s = ReadProto(exit_path, &result.exit); !s.ok()) return s;
  absl::Status read = ForEachLogRecord(
      layout.ExecLogPath(result.exec_id), 0, absl::InfinitePast(),
      [&](const LogRecord& r) {
        std::string text = r.content + (r.line_end ? "\n" : "");
        if (r.stream == "stderr") {
          result.err_truncated |= AppendCapped(text, kMaxCapture, &result.err);
        } else {
          result.out_truncated |= AppendCapped(text, kMaxCapture, &result.out);
        }
        return true;
      });
  if (!read.ok()) return read;
  ReportExecExit(layout, id, result.exec_id);
  return result;
}

void ContainerManager::AbandonExec(const StoreLayout& layout,
                                   const std::string& exec_id) {
  (void)monitors_->KillExec(layout, exec_id, SIGKILL);
  // The monitor writes the exit once the process is reaped: wait for it, so
  // nothing of the exec is left (bounded: a gone monitor writes nothing).
  std::string exit_path = layout.ExecExitPath(exec_id);
  for (int i = 0; i < 200 && !Exists(exit_path); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  for (const std::string& path :
       {exit_path, layout.ExecLogPath(exec_id), layout.ExecSpecPath(exec_id)}) {
    unlink(path.c_str());
  }
}

absl::StatusOr<v1::ExitStatus> ContainerManager::WaitExec(
    const std::string& id, const std::string& exec_id,
    const std::function<bool()>& cancelled) {
  absl::StatusOr<StoreLayout> layout = FindExec(id, exec_id);
  if (!layout.ok()) return layout.status();
  std::string exit_path = layout->ExecExitPath(exec_id);
  DirWatch watch(layout->ExecDir());
  while (!Exists(exit_path)) {
    if (absl::Status s = ExecStillPending(id, exec_id); !s.ok()) return s;
    if (cancelled && cancelled()) {
      return absl::CancelledError(
          absl::StrCat("wait for exec \"", exec_id, "\" cancelled"));
    }
    watch.Wait(kExecRecheck);
  }
  v1::ExitStatus exit;
  if (absl::Status s = ReadProto(exit_path, &exit); !s.ok()) return s;
  return exit;
}

absl::Status ContainerManager::ExecStillPending(const std::string& id,
                                                const std::string& exec_id) {
  v1::ContainerState state;
  StoreLayout layout = LayoutFor(id);
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();  // deleted meanwhile
    state = (*e)->record.state();
  }
  if (state != v1::STOPPED) return absl::OkStatus();
  // The monitor writes every exec's exit before it leaves; give a last
  // write a moment, then there is nothing more to wait for.
  for (int i = 0; i < 20; ++i) {
    if (Exists(layout.ExecExitPath(exec_id))) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "exec \"", exec_id, "\" ended with its container, its exit unrecorded"));
}

absl::Status ContainerManager::KillExec(const std::string& id,
                                        const std::string& exec_id,
                                        const std::string& signal) {
  absl::StatusOr<StoreLayout> layout = FindExec(id, exec_id);
  if (!layout.ok()) return layout.status();
  absl::StatusOr<int> signo =
      ParseSignal(signal.empty() ? "SIGTERM" : signal, "signal");
  if (!signo.ok()) return signo.status();
  absl::Status s = monitors_->KillExec(*layout, exec_id, *signo);
  if (absl::IsUnavailable(s)) {
    return absl::FailedPreconditionError(
        absl::StrCat("exec \"", exec_id, "\" is not running"));
  }
  return s;
}

absl::StatusOr<StoreLayout> ContainerManager::FindProcess(
    const std::string& id, const std::string& exec_id) {
  if (!exec_id.empty()) return FindExec(id, exec_id);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Find(id);
  if (!e.ok()) return e.status();
  return (*e)->layout;
}

absl::Status ContainerManager::ExecStdin(const std::string& id,
                                         const std::string& exec_id,
                                         const std::string& data, bool close) {
  absl::StatusOr<StoreLayout> layout = FindProcess(id, exec_id);
  if (!layout.ok()) return layout.status();
  absl::Status s = monitors_->Stdin(*layout, exec_id, data, close);
  if (absl::IsUnavailable(s)) {
    return absl::FailedPreconditionError("the process has exited");
  }
  return s;
}

absl::Status ContainerManager::ResizeExec(const std::string& id,
                                          const std::string& exec_id,
                                          uint32_t rows, uint32_t cols) {
  absl::StatusOr<StoreLayout> layout = FindProcess(id, exec_id);
  if (!layout.ok()) return layout.status();
  absl::Status s = monitors_->Resize(*layout, exec_id, rows, cols);
  if (absl::IsUnavailable(s)) {
    return absl::FailedPreconditionError("the process has exited");
  }
  return s;
}

absl::StatusOr<v1::ProcessSpec> ContainerManager::ProcessSpecOf(
    const std::string& id, const std::string& exec_id) {
  if (exec_id.empty()) {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    return (*e)->record.spec().process();
  }
  absl::StatusOr<StoreLayout> layout = FindExec(id, exec_id);
  if (!layout.ok()) return layout.status();
  v1::ProcessSpec spec;
  if (absl::Status s = ReadProto(layout->ExecSpecPath(exec_id), &spec);
      !s.ok()) {
    return s;
  }
  return spec;
}

absl::StatusOr<std::string> ContainerManager::OutputLogPath(
    const std::string& id, const std::string& exec_id) {
  if (exec_id.empty()) return LogPath(id);
  absl::StatusOr<StoreLayout> layout = FindExec(id, exec_id);
  if (!layout.ok()) return layout.status();
  return layout->ExecLogPath(exec_id);
}

absl::StatusOr<absl::optional<v1::ExitStatus>> ContainerManager::ProcessExit(
    const std::string& id, const std::string& exec_id) {
  std::string exit_path;
  if (exec_id.empty()) {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    const v1::Container& r = (*e)->record;
    if (r.state() != v1::STOPPED) return absl::optional<v1::ExitStatus>();
    v1::ExitStatus exit;
    exit.set_exit_code(r.exit_code());
    exit.set_signal(r.signal());
    exit.set_oom_killed(r.oom_killed());
    *exit.mutable_finished_at() = r.finished_at();
    return absl::optional<v1::ExitStatus>(exit);
  }
  absl::StatusOr<StoreLayout> layout = FindExec(id, exec_id);
  if (!layout.ok()) return layout.status();
  v1::ExitStatus exit;
  if (!ReadProto(layout->ExecExitPath(exec_id), &exit).ok()) {
    return absl::optional<v1::ExitStatus>();
  }
  return absl::optional<v1::ExitStatus>(exit);
}

}  // namespace warren::runtime
