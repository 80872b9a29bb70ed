// The monitor's event loop: one per container, single-threaded. It owns the
// container init's stdio pipes (and writes them to the log), reaps the init
// (it is its parent and a subreaper), answers warrend's requests on its
// control socket, and records the exit before it leaves. Nothing here
// depends on warrend being alive.
#ifndef WARREN_RUNTIME_MONITOR_MONITOR_LOOP_H_
#define WARREN_RUNTIME_MONITOR_MONITOR_LOOP_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proto/warren/v1/container.pb.h"
#include "runtime/container_cgroup.h"
#include "runtime/log_format.h"
#include "runtime/monitor/monitor.pb.h"

namespace warren::runtime {

struct MonitorFds {
  int listen_fd = -1;    // control socket (SOCK_SEQPACKET, listening)
  int signal_fd = -1;    // signalfd for SIGCHLD
  int stdout_fd = -1;    // read end of init's stdout
  int stderr_fd = -1;    // read end of init's stderr
  int start_fd = -1;     // write end: one byte releases init
  int exec_err_fd = -1;  // read end: execve failure text, EOF on success
  int log_fd = -1;       // container log, O_APPEND
};

class MonitorLoop {
 public:
  // `cgroup` (not owned) lists the container's processes for Kill(all) and
  // tells whether the OOM killer struck.
  MonitorLoop(pid_t init_pid, const ContainerCgroup* cgroup, MonitorFds fds,
              std::string exit_path);

  // Runs until the init has exited and its output is drained, then writes
  // the exit record. Returns the status of writing it.
  absl::Status Run();

 private:
  void OnSignal();
  void OnOutput(int* fd, LogLineSplitter* splitter);
  void OnRequest(int conn);
  absl::Status HandleStart();
  absl::Status HandleKill(const MonitorRequest::Kill& kill);
  void WriteLog(const std::string& records);

  pid_t init_pid_;
  const ContainerCgroup* cgroup_;
  MonitorFds fds_;
  std::string exit_path_;
  std::vector<int> conns_;
  LogLineSplitter stdout_lines_{"stdout"};
  LogLineSplitter stderr_lines_{"stderr"};
  bool started_ = false;
  bool init_exited_ = false;
  v1::ExitStatus exit_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_MONITOR_LOOP_H_
