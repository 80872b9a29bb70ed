// warren-monitor: one per container, started by warrend as
//   warren-monitor <id> <bundle_dir> <run_dir>
// with a pipe on fd 3 for its MonitorReady report. It detaches from warrend
// (so it outlives it), clones the container init into new namespaces, waits
// until the init is set up and blocked before execve, reports, and then runs
// the MonitorLoop until the container exits. Single-threaded by design: the
// cloned child may do arbitrary setup work.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "runtime/container_cgroup.h"
#include "runtime/monitor/container_startup.h"
#include "runtime/monitor/monitor_loop.h"
#include "runtime/monitor/system_startup_steps.h"
#include "runtime/monitor_protocol.h"
#include "runtime/seccomp_bpf.h"
#include "runtime/store_layout.h"

namespace warren::runtime {
namespace {

constexpr int kReadyFd = 3;

// Tells warrend how setup went. False if warrend is gone (it was killed
// during Create): nobody will ever know of this container.
bool Report(const absl::Status& status, pid_t init_pid) {
  MonitorReady ready;
  ready.set_code(static_cast<int>(status.code()));
  ready.set_message(std::string(status.message()));
  ready.set_monitor_pid(getpid());
  ready.set_init_pid(init_pid);
  std::string data;
  ready.SerializeToString(&data);
  ssize_t n = write(kReadyFd, data.data(), data.size());
  close(kReadyFd);
  return n == static_cast<ssize_t>(data.size());
}

// The monitor idles for the container's lifetime, one per container: what
// its heap keeps dirty counts K times. Startup's memory goes back now; from
// here on a buffer of 32 KiB or more (each request's 64 KiB receive buffer)
// is mmapped and unmapped when freed, and a free top of the heap is given
// back at 64 KiB without glibc's 128 KiB padding, instead of staying dirty.
void ReleaseStartupMemory() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024);
  mallopt(M_TOP_PAD, 0);
  malloc_trim(0);
}

int Main(int argc, char** argv) {
  uint64_t log_max_bytes = 0;
  // Without the last argument (a warrend from before it, still running
  // while the binaries were upgraded), warrend's default.
  int64_t template_idle_ms = 60000;
  if ((argc != 7 && argc != 8) || !absl::SimpleAtoi(argv[4], &log_max_bytes) ||
      !ValidateCgroupParent(argv[6]).ok() ||
      (argc == 8 && (!absl::SimpleAtoi(argv[7], &template_idle_ms) ||
                     template_idle_ms < 0))) {
    fprintf(stderr,
            "usage: warren-monitor <id> <bundle_dir> <run_dir> "
            "<log_max_bytes> <seccomp_cache_dir or \"\"> <cgroup_parent> "
            "[<exec_template_idle_ms, 0: none; default 60000>]\n");
    return 2;
  }
  std::string id = argv[1];
  StoreLayout layout(argv[2], argv[3]);
  // Shared by every monitor: a profile is compiled once per warrend run dir.
  SeccompBpfCache seccomp(argv[5]);
  std::string cgroup_parent = argv[6];

  // Detach: warrend reaps the intermediate at once; we are adopted by init
  // (or the nearest subreaper) and survive warrend.
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid > 0) _exit(0);
  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  syscall(SYS_close_range, kReadyFd + 1, ~0U, 0);
  // warrend ignores SIGPIPE; the monitor wants that too (a vanished reader
  // must not kill it), but says so itself rather than inheriting it.
  signal(SIGPIPE, SIG_IGN);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) {
    Report(absl::ErrnoToStatus(errno, "open /dev/null"), 0);
    return 1;
  }
  dup2(devnull, 0);
  dup2(devnull, 1);
  dup2(devnull, 2);

  // Every step and its undo: runtime/monitor/container_startup.h.
  absl::StatusOr<std::unique_ptr<SystemStartupSteps>> steps =
      SystemStartupSteps::Open(id, cgroup_parent, layout, kReadyFd, devnull,
                               &seccomp);
  if (!steps.ok()) {
    Report(steps.status(), 0);
    return 1;
  }
  absl::StatusOr<StartedContainer> started =
      ContainerStartup(steps->get()).Run();
  if (!started.ok()) {
    Report(started.status(), 0);
    return 1;
  }
  if (!Report(absl::OkStatus(), started->init_pid)) {
    // A Create whose caller vanished must leave no container behind.
    kill(started->init_pid, SIGKILL);
    waitpid(started->init_pid, nullptr, 0);
    (void)(*steps)->cgroup().Remove();
    unlink(MonitorSocketPath(layout.run_dir()).c_str());
    return 1;
  }

  // From here on the monitor only needs its descriptors and the cgroup; the
  // spec, the InitPlan and everything startup allocated go back to the
  // kernel (malloc_trim also returns free pages inside the heap), so a
  // long-lived monitor keeps only what the loop uses.
  const MonitorSideFds fds = (*steps)->monitor_fds();
  const ContainerCgroup cgroup = (*steps)->cgroup();
  steps->reset();
  ReleaseStartupMemory();
  MonitorLoop loop(started->init_pid, &cgroup,
                   MonitorFds{started->listen_fd, fds.signal_fd, fds.stdout_fd,
                              fds.stderr_fd, fds.start_fd, fds.exec_err_fd,
                              fds.log_fd, fds.stdin_fd, fds.pty_fd},
                   layout,
                   LogWriter(layout.LogPath(), log_max_bytes, fds.log_fd),
                   &seccomp, absl::Milliseconds(template_idle_ms));
  absl::Status done = loop.Run();
  unlink(MonitorSocketPath(layout.run_dir()).c_str());
  return done.ok() ? 0 : 1;
}

}  // namespace
}  // namespace warren::runtime

int main(int argc, char** argv) { return warren::runtime::Main(argc, argv); }
