#include "runtime/monitor/system_startup_steps.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/cgroup_system.h"
#include "runtime/file_util.h"
#include "runtime/monitor/fd_passing.h"
#include "runtime/monitor/init_process.h"
#include "runtime/monitor/user_namespace.h"
#include "runtime/monitor_protocol.h"

namespace warren::runtime {
namespace {

int Pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

// Lets the init go on once it is in its cgroup; in a user namespace, first
// writes its id maps (a new namespace), gives the writable and /etc layers
// to the container's root and hands the init the idmapped image.
absl::Status SendRelease(const InitPlan& plan, const v1::ContainerSpec& spec,
                         const ContainerPaths& paths, pid_t init_pid,
                         int channel) {
  int image_fd = -1;
  if (plan.in_user_ns()) {
    if (plan.new_user_ns) {
      if (absl::Status s = WriteIdMaps(init_pid, plan.user_ns); !s.ok()) {
        return s;
      }
    }
    absl::StatusOr<RootIds> root = ContainerRootIds(init_pid);
    if (!root.ok()) return root.status();
    if (absl::Status s = PrepareUserNamespaceLayers(plan.user_ns, paths, *root);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<int> image = MakeIdmappedImage(init_pid, spec.rootfs());
    if (!image.ok()) return image.status();
    image_fd = *image;
  }
  absl::Status sent = SendByteAndFd(channel, 'C', image_fd);
  if (image_fd >= 0) close(image_fd);
  return sent;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SystemStartupSteps>> SystemStartupSteps::Open(
    const std::string& id, const std::string& cgroup_parent,
    const StoreLayout& layout, int ready_fd, int stdin_fd,
    SeccompBpfCache* seccomp) {
  v1::ContainerSpec spec;
  if (absl::Status s = ReadProto(layout.SpecPath(), &spec); !s.ok()) return s;
  absl::StatusOr<InitPlan> plan = BuildInitPlan(id, spec, layout.Paths());
  if (!plan.ok()) return plan.status();
  if (plan->security.seccomp.enabled) {
    absl::StatusOr<std::string> program = seccomp->Get(plan->security.seccomp);
    if (!program.ok()) return program.status();
    plan->security.seccomp_program = *std::move(program);
  }
  int log_fd = open(layout.LogPath().c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return absl::ErrnoToStatus(errno, "open " + layout.LogPath());
  }
  // From here on, descriptors opened on an error path are left to the
  // monitor's exit, which follows at once.
  absl::StatusOr<std::vector<OpenNamespace>> ns_files =
      OpenJoinedNamespaces(*plan);
  if (!ns_files.ok()) return ns_files.status();
  absl::StatusOr<CgroupSystem> cgroups = CgroupSystem::Detect();
  if (!cgroups.ok()) return cgroups.status();

  ContainerCgroup cgroup(*std::move(cgroups),
                         ContainerCgroup::PathFor(cgroup_parent, id));
  std::unique_ptr<SystemStartupSteps> steps(new SystemStartupSteps(
      layout, std::move(spec), *std::move(plan), std::move(cgroup)));
  steps->ready_fd_ = ready_fd;
  steps->stdin_fd_ = stdin_fd;
  steps->monitor_.log_fd = log_fd;
  steps->ns_files_ = *std::move(ns_files);
  if (absl::Status s = steps->MakeFds(); !s.ok()) return s;
  return steps;
}

absl::Status SystemStartupSteps::MakeFds() {
  int out[2], err[2], cg[2], status[2], start[2], exec_err[2];
  if (Pipe(out) || Pipe(err) ||
      socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cg) != 0 ||
      Pipe(status) || Pipe(start) || Pipe(exec_err)) {
    return absl::ErrnoToStatus(errno, "pipe");
  }
  // Only the monitor's read ends: the init's stdout/stderr stay blocking.
  // Nothing reads them before the MonitorLoop.
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  EnlargePipe(out[0]);
  EnlargePipe(err[0]);
  startup_.stdout_w = out[1];
  startup_.stderr_w = err[1];
  startup_.cgroup_init = cg[0];
  startup_.cgroup_monitor = cg[1];
  startup_.status_r = status[0];
  startup_.status_w = status[1];
  startup_.start_r = start[0];
  startup_.exec_err_w = exec_err[1];
  monitor_.stdout_fd = out[0];
  monitor_.stderr_fd = err[0];
  monitor_.start_fd = start[1];
  monitor_.exec_err_fd = exec_err[0];
  if (plan_.open_stdin && !plan_.tty) {
    int in[2];
    if (Pipe(in)) return absl::ErrnoToStatus(errno, "pipe");
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    startup_.stdin_r = in[0];
    stdin_fd_ = in[0];
    monitor_.stdin_fd = in[1];
  }

  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  monitor_.signal_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (monitor_.signal_fd < 0) {
    // Without it the exit would never be seen.
    return absl::ErrnoToStatus(errno, "signalfd");
  }
  return absl::OkStatus();
}

absl::Status SystemStartupSteps::CreateCgroup() {
  absl::Status limited = cgroup_.Create();
  if (limited.ok()) limited = cgroup_.Apply(spec_.resources());
  // Privileged containers may use every device, like runc's.
  if (limited.ok() && !plan_.security.privileged) {
    limited = cgroup_.RestrictDevices();
  }
  // All or nothing: a cgroup that exists but is not fully limited goes.
  if (!limited.ok()) (void)cgroup_.Remove();
  return limited;
}

void SystemStartupSteps::RemoveCgroup() { (void)cgroup_.Remove(); }

absl::Status SystemStartupSteps::PrepareNamespaces() {
  // PrepareForClone restores what it changed when it fails.
  absl::StatusOr<SavedNamespaces> saved = PrepareForClone(plan_, ns_files_);
  if (!saved.ok()) return saved.status();
  saved_ns_ = *saved;
  return absl::OkStatus();
}

void SystemStartupSteps::RestoreNamespaces() {
  RestoreAfterClone(saved_ns_);
  saved_ns_ = SavedNamespaces{};
}

absl::StatusOr<pid_t> SystemStartupSteps::CloneInit() {
  absl::StatusOr<pid_t> cloned =
      runtime::CloneInit(plan_.clone_flags, JoinedUserNamespace(ns_files_));
  if (!cloned.ok()) return cloned.status();
  if (*cloned == 0) RunChild();
  for (int fd : {startup_.stdout_w, startup_.stderr_w, startup_.cgroup_init,
                 startup_.status_w, startup_.start_r, startup_.exec_err_w,
                 startup_.stdin_r}) {
    if (fd >= 0) close(fd);
  }
  CloseNamespaces(ns_files_);
  ns_files_.clear();
  return *cloned;
}

void SystemStartupSteps::RunChild() {
  // The ready pipe is the monitor's: warrend reads it until EOF. The
  // monitor's ends of the pipes must go too, so the init sees EOF if the
  // monitor dies before Start.
  close(ready_fd_);
  for (int fd :
       {monitor_.stdout_fd, monitor_.stderr_fd, startup_.cgroup_monitor,
        startup_.status_r, monitor_.start_fd, monitor_.exec_err_fd,
        monitor_.log_fd, monitor_.signal_fd, monitor_.stdin_fd}) {
    if (fd >= 0) close(fd);
  }
  // O_CLOEXEC pipes survive dup2 as plain fds 0-2; the others close at
  // exec, which is what the init relies on for exec_err.
  RunInit(plan_,
          InitPipes{stdin_fd_, startup_.stdout_w, startup_.stderr_w,
                    startup_.cgroup_init, startup_.status_w, startup_.start_r,
                    startup_.exec_err_w},
          ns_files_);
}

absl::Status SystemStartupSteps::JoinCgroup(pid_t init_pid) {
  // The init waits for this before it does anything, so all its setup and
  // every process it starts are accounted and limited.
  return cgroup_.AddProcess(init_pid);
}

absl::Status SystemStartupSteps::ReleaseInit(pid_t init_pid) {
  absl::Status sent = SendRelease(plan_, spec_, layout_.Paths(), init_pid,
                                  startup_.cgroup_monitor);
  // With a tty the init sends its terminal's master back on it.
  if (!plan_.tty) {
    close(startup_.cgroup_monitor);
    startup_.cgroup_monitor = -1;
  }
  return sent;
}

absl::Status SystemStartupSteps::AwaitInit() {
  // The init's setup report: "R" when it is ready, "E<why>" otherwise.
  std::string report;
  char buf[1024];
  ssize_t n;
  while ((n = read(startup_.status_r, buf, sizeof(buf))) > 0 ||
         (n < 0 && errno == EINTR)) {
    if (n > 0) report.append(buf, static_cast<size_t>(n));
    if (report == "R") break;
  }
  close(startup_.status_r);
  startup_.status_r = -1;
  if (report == "R" && plan_.tty) return TakeTerminal();
  if (report == "R") return absl::OkStatus();
  if (report.empty()) {
    return absl::InternalError("container init died during setup");
  }
  return absl::FailedPreconditionError(
      absl::StrCat("container setup failed: ", report.substr(1)));
}

absl::Status SystemStartupSteps::TakeTerminal() {
  // Sent before "R", so it is already waiting in the socket.
  absl::StatusOr<ByteAndFd> master = RecvByteAndFd(startup_.cgroup_monitor);
  close(startup_.cgroup_monitor);
  startup_.cgroup_monitor = -1;
  if (!master.ok() || master->fd < 0) {
    return absl::InternalError("the init sent no terminal");
  }
  // The terminal replaces the stdout and stderr pipes.
  close(monitor_.stdout_fd);
  close(monitor_.stderr_fd);
  fcntl(master->fd, F_SETFL, O_NONBLOCK);
  monitor_.stdout_fd = master->fd;
  monitor_.stderr_fd = -1;
  monitor_.pty_fd = master->fd;
  if (plan_.open_stdin) monitor_.stdin_fd = master->fd;
  return absl::OkStatus();
}

absl::StatusOr<int> SystemStartupSteps::Listen() {
  return ListenSeqpacket(MonitorSocketPath(layout_.run_dir()), 16);
}

void SystemStartupSteps::KillInit(pid_t init_pid) {
  kill(init_pid, SIGKILL);
  waitpid(init_pid, nullptr, 0);
}

}  // namespace warren::runtime
