// The seam between the container manager and the per-container monitor
// processes. The manager's state logic is tested with a fake; only main
// wires in the real, process-spawning implementation.
#ifndef WARREN_RUNTIME_MONITOR_CONTROL_H_
#define WARREN_RUNTIME_MONITOR_CONTROL_H_

#include <sys/types.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/exec_spec.h"
#include "runtime/store_layout.h"

namespace warren::runtime {

struct MonitorLaunch {
  pid_t monitor_pid = 0;
  pid_t init_pid = 0;
};

class MonitorControl {
 public:
  virtual ~MonitorControl() = default;

  // Starts a monitor for the container whose spec is at layout.SpecPath();
  // returns once its init is set up and blocked before execve.
  // `while_starting` (may be empty) runs once the monitor process exists,
  // while it sets the init up: the caller's own work overlaps that.
  virtual absl::StatusOr<MonitorLaunch> Launch(
      const std::string& id, const StoreLayout& layout,
      const std::function<void()>& while_starting) = 0;
  // Releases the init to execve. FAILED_PRECONDITION if execve failed.
  virtual absl::Status Start(const StoreLayout& layout) = 0;
  // Signals the init (or all of the container's processes).
  virtual absl::Status Kill(const StoreLayout& layout, int signal,
                            bool all) = 0;
  // Starts an exec process (runtime/exec_spec.h) and returns its host pid.
  // `while_starting` (may be empty) runs once the monitor has the request,
  // before its answer is awaited: the caller's own work overlaps the start.
  virtual absl::StatusOr<pid_t> Exec(
      const StoreLayout& layout, const std::string& exec_id,
      const ExecSpec& spec, bool log_output,
      const std::function<void()>& while_starting) = 0;
  // Feeds an exec's stdin (then closes it with `close`). RESOURCE_EXHAUSTED
  // while the monitor's buffer for it is full: retry later.
  virtual absl::Status Stdin(const StoreLayout& layout,
                             const std::string& exec_id,
                             const std::string& data, bool close) = 0;
  virtual absl::Status Resize(const StoreLayout& layout,
                              const std::string& exec_id, uint32_t rows,
                              uint32_t cols) = 0;
  virtual absl::Status KillExec(const StoreLayout& layout,
                                const std::string& exec_id, int signal) = 0;
  // A descriptor that becomes readable (EOF) when the monitor has recorded
  // the exit and gone. UNAVAILABLE if the monitor is already gone.
  virtual absl::StatusOr<int> Watch(const StoreLayout& layout) = 0;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_CONTROL_H_
