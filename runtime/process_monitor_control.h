// The real MonitorControl: spawns the warren-monitor binary (fork+exec at
// once, via posix_spawn, since warrend is multi-threaded) and talks to it
// over its SOCK_SEQPACKET control socket.
#ifndef WARREN_RUNTIME_PROCESS_MONITOR_CONTROL_H_
#define WARREN_RUNTIME_PROCESS_MONITOR_CONTROL_H_

#include <string>

#include "runtime/monitor_control.h"

namespace warren::runtime {

class ProcessMonitorControl : public MonitorControl {
 public:
  explicit ProcessMonitorControl(std::string monitor_binary)
      : monitor_binary_(std::move(monitor_binary)) {}

  absl::StatusOr<MonitorLaunch> Launch(const std::string& id,
                                       const StoreLayout& layout) override;
  absl::Status Start(const StoreLayout& layout) override;
  absl::Status Kill(const StoreLayout& layout, int signal, bool all) override;
  absl::StatusOr<int> Watch(const StoreLayout& layout) override;

 private:
  std::string monitor_binary_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_PROCESS_MONITOR_CONTROL_H_
