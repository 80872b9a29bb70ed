// The real MonitorControl: spawns the warren-monitor binary (fork+exec at
// once, via posix_spawn, since warrend is multi-threaded) and talks to it
// over its SOCK_SEQPACKET control socket.
#ifndef WARREN_RUNTIME_PROCESS_MONITOR_CONTROL_H_
#define WARREN_RUNTIME_PROCESS_MONITOR_CONTROL_H_

#include <string>

#include "absl/time/time.h"
#include "runtime/monitor_control.h"

namespace warren::runtime {

// What every monitor this warrend spawns is told on its command line.
struct MonitorOptions {
  // Container logs rotate past this size (0: never).
  uint64_t log_max_bytes = 0;
  // Where monitors share compiled seccomp filters ("": each compiles its
  // own).
  std::string seccomp_cache_dir;
  // The cgroup below which containers live (ValidateCgroupParent in
  // container_cgroup.h); required.
  std::string cgroup_parent;
  // An exec template (runtime/monitor/exec_template.h) goes after this long
  // unused; zero: no templates, every exec is forked by its monitor.
  absl::Duration exec_template_idle = absl::ZeroDuration();
};

class ProcessMonitorControl : public MonitorControl {
 public:
  ProcessMonitorControl(std::string monitor_binary, MonitorOptions options)
      : monitor_binary_(std::move(monitor_binary)),
        options_(std::move(options)) {}

  absl::StatusOr<MonitorLaunch> Launch(
      const std::string& id, const StoreLayout& layout,
      const std::function<void()>& while_starting) override;
  absl::Status Start(const StoreLayout& layout) override;
  absl::Status Kill(const StoreLayout& layout, int signal, bool all) override;
  absl::StatusOr<int> Watch(const StoreLayout& layout) override;
  absl::StatusOr<pid_t> Exec(
      const StoreLayout& layout, const std::string& exec_id,
      const ExecSpec& spec, bool log_output,
      const std::function<void()>& while_starting) override;
  absl::Status Stdin(const StoreLayout& layout, const std::string& exec_id,
                     const std::string& data, bool close) override;
  absl::Status Resize(const StoreLayout& layout, const std::string& exec_id,
                      uint32_t rows, uint32_t cols) override;
  absl::Status KillExec(const StoreLayout& layout, const std::string& exec_id,
                        int signal) override;

 private:
  std::string monitor_binary_;
  MonitorOptions options_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_PROCESS_MONITOR_CONTROL_H_
