#include "runtime/monitor/init_process.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "netns/loopback.h"
#include "runtime/monitor/apply_security.h"
#include "runtime/monitor/container_mounts.h"
#include "runtime/monitor/fd_passing.h"
#include "runtime/monitor/process_setup.h"
#include "runtime/monitor/user_namespace.h"

namespace warren::runtime {
namespace {

// Reports `what` with errno text on the status pipe and exits.
[[noreturn]] void Fail(int status_fd, const std::string& what, int err) {
  std::string msg = err == 0 ? absl::StrCat("E", what)
                             : absl::StrCat("E", what, ": ", strerror(err));
  ssize_t ignored = write(status_fd, msg.data(), msg.size());
  (void)ignored;
  _exit(1);
}

// mkdir -p; existing directories are fine.
bool MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}

void ApplyMounts(const InitPlan& plan, int status_fd) {
  // Nothing mounted here may propagate back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    Fail(status_fd, "make / private", errno);
  }
  for (const MountStep& m : plan.mounts) {
    if (!MakeDirs(m.target)) Fail(status_fd, "mkdir " + m.target, errno);
    if (mount(m.source.c_str(), m.target.c_str(), m.fstype.c_str(), m.flags,
              m.data.empty() ? nullptr : m.data.c_str()) != 0) {
      Fail(status_fd, absl::StrCat("mount ", m.fstype, " on ", m.target),
           errno);
    }
  }
  for (const DeviceNode& d : plan.devices) {
    if (!d.host_path.empty()) {
      int fd = open(d.path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0);
      if (fd < 0) Fail(status_fd, "create " + d.path, errno);
      close(fd);
      if (mount(d.host_path.c_str(), d.path.c_str(), nullptr, MS_BIND,
                nullptr) != 0) {
        Fail(status_fd, absl::StrCat("bind ", d.host_path, " on ", d.path),
             errno);
      }
      continue;
    }
    if (mknod(d.path.c_str(), S_IFCHR | d.mode, makedev(d.major, d.minor)) !=
        0) {
      Fail(status_fd, "mknod " + d.path, errno);
    }
    chmod(d.path.c_str(), d.mode);  // mknod is subject to the umask
  }
  for (const Symlink& s : plan.symlinks) {
    if (symlink(s.target.c_str(), s.link.c_str()) != 0 && errno != EEXIST) {
      Fail(status_fd, "symlink " + s.link, errno);
    }
  }
}

// Makes the merged root "/" and detaches the old root, so nothing of the
// host's file system stays reachable.
void PivotRoot(const InitPlan& plan, int status_fd) {
  if (chdir(plan.merged_dir.c_str()) != 0) {
    Fail(status_fd, "chdir " + plan.merged_dir, errno);
  }
  if (syscall(SYS_pivot_root, ".", ".") != 0) {
    Fail(status_fd, "pivot_root " + plan.merged_dir, errno);
  }
  if (umount2(".", MNT_DETACH) != 0) Fail(status_fd, "detach old root", errno);
  if (chdir("/") != 0) Fail(status_fd, "chdir /", errno);
}

void ApplyInitIdentity(const InitPlan& plan, int status_fd) {
  ProcessIdentity id{plan.rlimits, plan.uid, plan.gid, plan.groups, plan.cwd};
  if (absl::Status s = ApplyIdentity(id); !s.ok()) {
    Fail(status_fd, std::string(s.message()), 0);
  }
}

void SetupStdio(const InitPipes& pipes, int status_fd) {
  if (dup2(pipes.stdin_fd, 0) < 0 || dup2(pipes.stdout_fd, 1) < 0 ||
      dup2(pipes.stderr_fd, 2) < 0) {
    Fail(status_fd, "dup2 stdio", errno);
  }
}

}  // namespace

void RunInit(const InitPlan& plan, const InitPipes& pipes,
             const std::vector<OpenNamespace>& joined) {
  // The monitor blocked SIGCHLD for its signalfd; the user's program must
  // start with a clean signal state.
  // Handlers too: an ignored SIGPIPE (warrend's) would otherwise survive
  // execve and break pipelines such as `yes | head -1`.
  ResetSignals();
  // Until execve (which resets it), processes in the container may not
  // ptrace this init or open its /proc files (and the fds it still holds).
  prctl(PR_SET_DUMPABLE, 0);

  int status_fd = pipes.status_fd;
  // The monitor gave up if this fails. Until then the parent may be
  // CloneInit's helper; once released, the init is the monitor's child.
  absl::StatusOr<ByteAndFd> released = RecvByteAndFd(pipes.cgroup_fd);
  if (!released.ok()) _exit(1);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  pid_t monitor = getppid();
  if (absl::Status s = JoinNamespaces(joined); !s.ok()) {
    Fail(status_fd, std::string(s.message()), 0);
  }
  if (plan.in_user_ns()) {
    if (absl::Status s = BecomeUserNamespaceRoot(plan.user_ns, released->fd);
        !s.ok()) {
      Fail(status_fd, std::string(s.message()), 0);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // cleared by the uid change
    if (getppid() != monitor) _exit(1);
  } else if (released->fd >= 0) {
    close(released->fd);
  }
  if (plan.new_cgroup_ns && unshare(CLONE_NEWCGROUP) != 0) {
    Fail(status_fd, "unshare cgroup namespace", errno);
  }
  if (!plan.tty) SetupStdio(pipes, status_fd);
  ApplyMounts(plan, status_fd);
  if (!plan.hostname.empty() &&
      sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    Fail(status_fd, "sethostname", errno);
  }
  if (!plan.domainname.empty() &&
      setdomainname(plan.domainname.data(), plan.domainname.size()) != 0) {
    Fail(status_fd, "setdomainname", errno);
  }
  if (plan.loopback_up) {
    if (absl::Status s = netns::BringUpLoopback(); !s.ok()) {
      Fail(status_fd, std::string(s.message()), 0);
    }
  }
  if (absl::Status s = ApplyContainerMounts(plan); !s.ok()) {
    Fail(status_fd, std::string(s.message()), 0);
  }
  PivotRoot(plan, status_fd);
  if (plan.tty) {
    if (absl::Status s = AttachNewTerminal(pipes.cgroup_fd); !s.ok()) {
      Fail(status_fd, std::string(s.message()), 0);
    }
  }
  InitSecurity security(plan.security);
  if (absl::Status s = security.BeforeIdentity(); !s.ok()) {
    Fail(status_fd, std::string(s.message()), 0);
  }
  ApplyInitIdentity(plan, status_fd);
  // Changing uid cleared the parent-death signal: set it again, and catch a
  // monitor that died in between.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != monitor) _exit(1);
  if (absl::Status s = security.AfterIdentity(); !s.ok()) {
    Fail(status_fd, std::string(s.message()), 0);
  }

  clearenv();
  for (const std::string& kv : plan.env) putenv(const_cast<char*>(kv.c_str()));
  std::vector<char*> argv;
  for (const std::string& a : plan.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  if (write(status_fd, "R", 1) != 1) _exit(1);
  close(status_fd);
  char go = 0;
  ssize_t n;
  do {
    n = read(pipes.start_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) _exit(1);  // the monitor went away without Start
  prctl(PR_SET_PDEATHSIG, 0);

  CloseOtherFds(pipes.exec_err_fd);
  if (absl::Status s = security.LoadSeccomp(); !s.ok()) {
    ssize_t ignored =
        write(pipes.exec_err_fd, s.message().data(), s.message().size());
    (void)ignored;
    _exit(127);
  }
  execvp(argv[0], argv.data());
  std::string msg = absl::StrCat("exec ", plan.argv[0], ": ", strerror(errno));
  ssize_t ignored = write(pipes.exec_err_fd, msg.data(), msg.size());
  (void)ignored;
  _exit(127);
}

}  // namespace warren::runtime
