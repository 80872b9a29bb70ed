// Signal handling for the streaming commands (exec, attach): the signals
// are blocked in every thread before the gRPC channel exists, and one
// thread reads them from a signalfd, so handlers can make RPCs (Kill) and
// send resizes, which a real signal handler could not.
#ifndef WARREN_TOOLS_CLI_CLI_SIGNAL_WATCHER_H_
#define WARREN_TOOLS_CLI_CLI_SIGNAL_WATCHER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace warren::cli {

// Blocks SIGINT, SIGTERM, SIGHUP and SIGWINCH in the calling thread and every
// thread created after it. Call before the gRPC channel exists (warren_main
// does for the commands CommandBlocksSignals names).
void BlockStreamSignals();

// True for the commands that need their signals blocked from the start:
// run (SignalForwarder), exec and attach (SignalWatcher).
bool CommandBlocksSignals(const std::string& command);

// "SIGINT", "SIGTERM", "SIGHUP", "SIGWINCH", else "SIG<number>".
std::string SignalName(int sig);

// While alive, calls `handler(sig)` on its own thread for each of
// `signals` delivered to the process. The signals must be blocked in every
// thread (BlockStreamSignals), or some thread would take them first.
class SignalWatcher {
 public:
  SignalWatcher(const std::vector<int>& signals,
                std::function<void(int)> handler);
  // Stops the thread (after the handler call in progress, if any).
  ~SignalWatcher();

  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Whether the signalfd could be set up; if not, signals stay pending.
  const absl::Status& status() const { return status_; }

 private:
  void Loop();

  std::function<void(int)> handler_;
  absl::Status status_;
  int signal_fd_ = -1;
  int stop_read_ = -1;
  int stop_write_ = -1;
  std::thread thread_;
};

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_SIGNAL_WATCHER_H_
