// warren-monitor: one per container, started by warrend as
//   warren-monitor <id> <bundle_dir> <run_dir>
// with a pipe on fd 3 for its MonitorReady report. It detaches from warrend
// (so it outlives it), clones the container init into new namespaces, waits
// until the init is set up and blocked before execve, reports, and then runs
// the MonitorLoop until the container exits. Single-threaded by design: the
// cloned child may do arbitrary setup work.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "proto/warren/v1/spec.pb.h"
#include "runtime/cgroup_system.h"
#include "runtime/container_cgroup.h"
#include "runtime/file_util.h"
#include "runtime/init_plan.h"
#include "runtime/monitor/fd_passing.h"
#include "runtime/monitor/init_process.h"
#include "runtime/monitor/join_namespaces.h"
#include "runtime/monitor/monitor_loop.h"
#include "runtime/monitor/user_namespace.h"
#include "runtime/monitor_protocol.h"
#include "runtime/store_layout.h"

namespace warren::runtime {
namespace {

constexpr int kReadyFd = 3;

void Report(const absl::Status& status, pid_t init_pid) {
  MonitorReady ready;
  ready.set_code(static_cast<int>(status.code()));
  ready.set_message(std::string(status.message()));
  ready.set_monitor_pid(getpid());
  ready.set_init_pid(init_pid);
  std::string data;
  ready.SerializeToString(&data);
  ssize_t ignored = write(kReadyFd, data.data(), data.size());
  (void)ignored;
  close(kReadyFd);
}

absl::StatusOr<int> Listen(const std::string& path) {
  absl::StatusOr<UnixSocket> s = NewSeqpacketSocket(path);
  if (!s.ok()) return s.status();
  unlink(path.c_str());
  if (bind(s->fd, reinterpret_cast<sockaddr*>(&s->addr), sizeof(s->addr)) !=
          0 ||
      chmod(path.c_str(), 0600) != 0 || listen(s->fd, 16) != 0) {
    int err = errno;
    close(s->fd);
    return absl::ErrnoToStatus(err, absl::StrCat("listen on ", path));
  }
  return s->fd;
}

// Reads the init's setup report: "R" when it is ready, "E<why>" otherwise.
absl::Status AwaitInit(int status_fd) {
  std::string report;
  char buf[1024];
  ssize_t n;
  while ((n = read(status_fd, buf, sizeof(buf))) > 0 ||
         (n < 0 && errno == EINTR)) {
    if (n > 0) report.append(buf, static_cast<size_t>(n));
    if (report == "R") return absl::OkStatus();
  }
  if (report.empty())
    return absl::InternalError("container init died during setup");
  return absl::FailedPreconditionError(
      absl::StrCat("container setup failed: ", report.substr(1)));
}

int Pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

// Lets the init go on once it is in its cgroup; in a user namespace, first
// writes its id maps (a new namespace), gives the writable layer to the
// container's root and hands the init the idmapped image.
absl::Status ReleaseInit(const InitPlan& plan, const v1::ContainerSpec& spec,
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
    if (absl::Status s = PrepareUserNamespaceLayers(
            plan.user_ns, paths.upper_dir, paths.work_dir, *root);
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

int Main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: warren-monitor <id> <bundle_dir> <run_dir>\n");
    return 2;
  }
  std::string id = argv[1];
  StoreLayout layout(argv[2], argv[3]);

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

  v1::ContainerSpec spec;
  if (absl::Status s = ReadProto(layout.SpecPath(), &spec); !s.ok()) {
    Report(s, 0);
    return 1;
  }
  absl::StatusOr<InitPlan> plan = BuildInitPlan(id, spec, layout.Paths());
  if (!plan.ok()) {
    Report(plan.status(), 0);
    return 1;
  }
  int log_fd = open(layout.LogPath().c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    Report(absl::ErrnoToStatus(errno, "open " + layout.LogPath()), 0);
    return 1;
  }

  absl::StatusOr<std::vector<OpenNamespace>> ns_files =
      OpenJoinedNamespaces(*plan);
  if (!ns_files.ok()) {
    Report(ns_files.status(), 0);
    return 1;
  }
  absl::StatusOr<CgroupSystem> cgroups = CgroupSystem::Detect();
  if (!cgroups.ok()) {
    Report(cgroups.status(), 0);
    return 1;
  }
  ContainerCgroup cgroup(*cgroups, ContainerCgroup::PathFor(id));
  absl::Status limited = cgroup.Create();
  if (limited.ok()) limited = cgroup.Apply(spec.resources());
  // Privileged containers may use every device, like runc's.
  if (limited.ok() && !plan->security.privileged) {
    limited = cgroup.RestrictDevices();
  }
  if (!limited.ok()) {
    (void)cgroup.Remove();
    Report(limited, 0);
    return 1;
  }

  int out[2], err[2], cg[2], status[2], start[2], exec_err[2];
  if (Pipe(out) || Pipe(err) ||
      socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cg) != 0 ||
      Pipe(status) || Pipe(start) || Pipe(exec_err)) {
    absl::Status s = absl::ErrnoToStatus(errno, "pipe");
    (void)cgroup.Remove();
    Report(s, 0);
    return 1;
  }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  int signal_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    // Without it the exit would never be seen.
    absl::Status s = absl::ErrnoToStatus(errno, "signalfd");
    (void)cgroup.Remove();
    Report(s, 0);
    return 1;
  }

  absl::StatusOr<SavedNamespaces> own_ns = PrepareForClone(*plan, *ns_files);
  if (!own_ns.ok()) {
    (void)cgroup.Remove();
    Report(own_ns.status(), 0);
    return 1;
  }
  absl::StatusOr<pid_t> cloned =
      CloneInit(plan->clone_flags, JoinedUserNamespace(*ns_files));
  if (!cloned.ok()) {
    RestoreAfterClone(*own_ns);
    (void)cgroup.Remove();
    Report(cloned.status(), 0);
    return 1;
  }
  pid_t init_pid = *cloned;
  if (init_pid == 0) {
    // The ready pipe is the monitor's: warrend reads it until EOF. The
    // monitor's ends of the pipes must go too, so the init sees EOF if the
    // monitor dies before Start.
    close(kReadyFd);
    for (int fd : {out[0], err[0], cg[1], status[0], start[1], exec_err[0],
                   log_fd, signal_fd}) {
      close(fd);
    }
    // O_CLOEXEC pipes survive dup2 as plain fds 0-2; the others close at
    // exec, which is what the init relies on for exec_err.
    RunInit(*plan,
            InitPipes{devnull, out[1], err[1], cg[0], status[1], start[0],
                      exec_err[1]},
            *ns_files);
  }
  for (int fd : {out[1], err[1], cg[0], status[1], start[0], exec_err[1]}) {
    close(fd);
  }
  CloseNamespaces(*ns_files);
  RestoreAfterClone(*own_ns);
  // The init waits for this before it does anything, so all its setup and
  // every process it starts are accounted and limited.
  absl::Status joined = cgroup.AddProcess(init_pid);
  if (joined.ok()) {
    joined = ReleaseInit(*plan, spec, layout.Paths(), init_pid, cg[1]);
  }
  close(cg[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);

  absl::Status setup = joined.ok() ? AwaitInit(status[0]) : joined;
  close(status[0]);
  absl::StatusOr<int> listen_fd =
      setup.ok() ? Listen(MonitorSocketPath(layout.run_dir()))
                 : absl::StatusOr<int>(setup);
  if (!listen_fd.ok()) {
    kill(init_pid, SIGKILL);
    waitpid(init_pid, nullptr, 0);
    (void)cgroup.Remove();
    Report(listen_fd.status(), 0);
    return 1;
  }
  Report(absl::OkStatus(), init_pid);

  MonitorLoop loop(init_pid, &cgroup,
                   MonitorFds{*listen_fd, signal_fd, out[0], err[0], start[1],
                              exec_err[0], log_fd},
                   layout.ExitPath());
  absl::Status done = loop.Run();
  unlink(MonitorSocketPath(layout.run_dir()).c_str());
  return done.ok() ? 0 : 1;
}

}  // namespace
}  // namespace warren::runtime

int main(int argc, char** argv) { return warren::runtime::Main(argc, argv); }
