#include "runtime/monitor/exec_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/file_util.h"
#include "runtime/monitor/apply_security.h"
#include "runtime/monitor/exec_child.h"
#include "runtime/monitor/fd_passing.h"
#include "runtime/monitor/join_namespaces.h"
#include "runtime/rlimits.h"

namespace warren::runtime {
namespace {

constexpr struct {
  const char* name;
  int flag;
} kNamespaces[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},
    {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},
    {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP},
    {"pid", CLONE_NEWPID},   {"time", CLONE_NEWTIME},
};

ino_t Inode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

int DifferentNamespaces(pid_t init_pid) {
  int flags = 0;
  for (const auto& ns : kNamespaces) {
    ino_t theirs = Inode(absl::StrCat("/proc/", init_pid, "/ns/", ns.name));
    ino_t ours = Inode(absl::StrCat("/proc/self/ns/", ns.name));
    // A kind this kernel lacks is missing for both; one missing for the
    // init alone means the init is exiting: joining nothing would run the
    // exec in the monitor's (the host's) namespaces.
    if (theirs == 0 && ours != 0) return -1;
    if (theirs != ours) flags |= ns.flag;
  }
  return flags;
}

namespace {

// What the child wrote to its error pipe, up to its exec or exit.
std::string ReadToEnd(int fd) {
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

[[noreturn]] void RunExecChild(const ExecPlan& plan, int pidfd, int ns_flags,
                               pid_t monitor, int go_fd, int err_fd,
                               int pty_socket, const int stdio[3]) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Inside the container's namespaces nothing may open this process's
  // /proc files (and the descriptors it still holds) until execve.
  prctl(PR_SET_DUMPABLE, 0);
  ResetSignals();
  int joined = ns_flags & ~(CLONE_NEWPID | CLONE_NEWTIME);
  if (joined != 0 && setns(pidfd, joined) != 0) {
    ExecChildFail(err_fd, absl::StrCat("join the container's namespaces: ",
                                       strerror(errno)));
  }
  close(pidfd);
  if (plan.tty) {
    if (absl::Status s = AttachNewTerminal(pty_socket); !s.ok()) {
      ExecChildFail(err_fd, std::string(s.message()));
    }
  } else {
    for (int fd = 0; fd < 3; ++fd) {
      if (dup2(stdio[fd], fd) < 0) ExecChildFail(err_fd, "dup2 stdio");
    }
  }
  InitSecurity security(plan.security);
  if (absl::Status s = security.BeforeIdentity(); !s.ok()) {
    ExecChildFail(err_fd, std::string(s.message()));
  }
  if (absl::Status s = ApplyIdentity(plan.identity); !s.ok()) {
    ExecChildFail(err_fd, std::string(s.message()));
  }
  if (absl::Status s = security.AfterIdentity(); !s.ok()) {
    ExecChildFail(err_fd, std::string(s.message()));
  }
  DieWithMonitor(monitor);  // the uid change cleared the signal set above
  CloseOtherFds(err_fd, go_fd);
  if (absl::Status s = security.LoadSeccomp(); !s.ok()) {
    ExecChildFail(err_fd, std::string(s.message()));
  }
  // All of the above ran while the monitor moved this process into the
  // container's cgroups: nothing of the container's runs before that.
  ReleaseAndExec(plan.argv, plan.env, go_fd, err_fd);
}

// Joins the init's PID and time namespaces for the monitor's next child;
// RestoreAfterClone goes back to the monitor's own ones.
absl::StatusOr<SavedNamespaces> EnterForChildren(int pidfd, int ns_flags) {
  SavedNamespaces saved;
  int flags = ns_flags & (CLONE_NEWPID | CLONE_NEWTIME);
  if (flags == 0) return saved;
  if (flags & CLONE_NEWPID) {
    saved.pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  }
  if (flags & CLONE_NEWTIME) {
    saved.time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
  }
  if (setns(pidfd, flags) != 0) {
    int err = errno;
    if (saved.pid >= 0) close(saved.pid);
    if (saved.time >= 0) close(saved.time);
    return absl::ErrnoToStatus(err, "join the container's PID namespace");
  }
  return saved;
}

}  // namespace

absl::StatusOr<ExecPlan> BuildExecPlan(const v1::ProcessSpec& process,
                                       const SecurityPlan& security) {
  ExecPlan plan;
  plan.argv.assign(process.args().begin(), process.args().end());
  bool has_path = false;
  for (const std::string& kv : process.env()) {
    has_path |= absl::StartsWith(kv, "PATH=");
    plan.env.push_back(kv);
  }
  if (!has_path) {
    plan.env.push_back(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
  if (process.tty()) plan.env.push_back("TERM=xterm");
  plan.identity.uid = process.uid();
  plan.identity.gid = process.gid();
  plan.identity.groups.assign(process.additional_gids().begin(),
                              process.additional_gids().end());
  plan.identity.cwd = process.cwd().empty() ? "/" : process.cwd();
  bool has_nofile = false;
  for (const v1::Rlimit& r : process.rlimits()) {
    absl::StatusOr<int> resource = ParseRlimitName(r.type());
    if (!resource.ok()) return resource.status();
    has_nofile |= *resource == RLIMIT_NOFILE;
    plan.identity.rlimits.push_back({*resource, rlimit{r.soft(), r.hard()}});
  }
  if (!has_nofile) {
    plan.identity.rlimits.push_back({RLIMIT_NOFILE, rlimit{1024, 1024}});
  }
  plan.security = security;
  plan.tty = process.tty();
  plan.open_stdin = process.open_stdin();
  return plan;
}

absl::StatusOr<ExecChild> SpawnExec(
    pid_t init_pid, int ns_flags, const CgroupProcsFiles& cgroup,
    const ExecPlan& plan,
    const std::function<absl::Status()>& while_child_starts,
    ExecTemplate* from_template) {
  if (plan.tty) from_template = nullptr;  // its terminal is made in the child
  int pidfd = -1;                         // only a fork from here needs it
  absl::Cleanup close_pidfd = [&pidfd] {
    if (pidfd >= 0) close(pidfd);
  };

  // Descriptors: [0] read end, [1] write end.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int go[2] = {-1, -1}, fail[2] = {-1, -1}, pty[2] = {-1, -1};
  std::vector<int> all;
  auto close_all = [&] {
    for (int fd : all) close(fd);
  };
  auto make_pipe = [&](int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    all.push_back(fds[0]);
    all.push_back(fds[1]);
    return true;
  };
  bool ok = make_pipe(go) && make_pipe(fail);
  if (ok && plan.tty) {
    ok = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pty) == 0;
    if (ok) {
      all.push_back(pty[0]);
      all.push_back(pty[1]);
    }
  } else if (ok) {
    ok = make_pipe(out) && make_pipe(err);
    if (ok) {
      EnlargePipe(out[0]);
      EnlargePipe(err[0]);
    }
    if (ok && plan.open_stdin) {
      ok = make_pipe(in);
    } else if (ok) {
      in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
      all.push_back(in[0]);
      ok = in[0] >= 0;
    }
  }
  if (!ok) {
    absl::Status s = absl::ErrnoToStatus(errno, "exec pipes");
    close_all();
    return s;
  }
  pid_t pid = -1;
  if (from_template != nullptr) {
    TemplateExec exec;
    exec.argv = plan.argv;
    exec.env = plan.env;
    exec.cwd = plan.identity.cwd;
    exec.rlimits = plan.identity.rlimits;
    exec.stdio[0] = in[0];
    exec.stdio[1] = out[1];
    exec.stdio[2] = err[1];
    exec.go_fd = go[0];
    exec.err_fd = fail[1];
    absl::StatusOr<pid_t> cloned = from_template->Spawn(exec);
    if (absl::IsAborted(cloned.status())) {
      // A clone may be waiting on these pipes: at their EOF it exits (the
      // monitor reaps it like any child). Fork the exec from fresh ones.
      close_all();
      return SpawnExec(init_pid, ns_flags, cgroup, plan, while_child_starts,
                       nullptr);
    }
    if (!cloned.ok() && !absl::IsUnavailable(cloned.status())) {
      close_all();
      return cloned.status();
    }
    if (cloned.ok()) pid = *cloned;
  }
  if (pid < 0) {  // no template, or it is gone: fork the exec from here
    pidfd = static_cast<int>(syscall(SYS_pidfd_open, init_pid, 0));
    if (pidfd < 0) {
      absl::Status s = absl::ErrnoToStatus(errno, "pidfd_open of the init");
      close_all();
      return s;
    }
    absl::StatusOr<SavedNamespaces> saved = EnterForChildren(pidfd, ns_flags);
    if (!saved.ok()) {
      close_all();
      return saved.status();
    }
    const pid_t monitor = MonitorAsSeenByChild(ns_flags, getpid());
    pid = fork();
    if (pid == 0) {
      for (int fd : {go[1], fail[0], pty[0], in[1], out[0], err[0]}) {
        if (fd >= 0) close(fd);
      }
      const int stdio[3] = {in[0], out[1], err[1]};
      RunExecChild(plan, pidfd, ns_flags, monitor, go[0], fail[1], pty[1],
                   stdio);
    }
    int fork_errno = errno;
    RestoreAfterClone(*saved);
    if (pid < 0) {
      close_all();
      return absl::ErrnoToStatus(fork_errno, "fork exec process");
    }
  }
  // Only the monitor's ends stay open here.
  ExecChild child;
  child.pid = pid;
  for (int fd : {go[0], fail[1], pty[1], in[0], out[1], err[1]}) {
    if (fd >= 0) close(fd);
  }
  auto kill_child = [&](absl::Status s) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    // The child sets itself up before it waits to be released: a setup
    // error it reported (a missing cwd, a bad user) is what went wrong, not
    // the broken pipe it left the release with.
    if (fail[0] >= 0) {
      std::string reported = ReadToEnd(fail[0]);
      if (!reported.empty()) s = absl::FailedPreconditionError(reported);
    }
    for (int fd : {go[1], fail[0], pty[0], in[1], out[0], err[0]}) {
      if (fd >= 0) close(fd);
    }
    return s;
  };
  if (absl::Status s = cgroup.Add(pid); !s.ok()) return kill_child(s);
  if (write(go[1], "G", 1) != 1) {
    return kill_child(absl::ErrnoToStatus(errno, "release exec process"));
  }
  close(go[1]);
  go[1] = -1;
  if (while_child_starts) {
    if (absl::Status s = while_child_starts(); !s.ok()) return kill_child(s);
  }
  if (plan.tty) {
    absl::StatusOr<ByteAndFd> master = RecvByteAndFd(pty[0]);
    close(pty[0]);
    pty[0] = -1;
    if (master.ok() && master->fd >= 0) {
      child.pty_fd = master->fd;
      child.stdout_fd = master->fd;
      child.stdin_fd = plan.open_stdin ? master->fd : -1;
    }
  }
  std::string error = ReadToEnd(fail[0]);
  close(fail[0]);
  fail[0] = -1;
  if (!error.empty() || (plan.tty && child.pty_fd < 0)) {
    if (child.pty_fd >= 0) close(child.pty_fd);
    if (error.empty()) error = "exec process died during setup";
    return kill_child(absl::FailedPreconditionError(error));
  }
  if (!plan.tty) {
    child.stdout_fd = out[0];
    child.stderr_fd = err[0];
    child.stdin_fd = in[1];
  }
  for (int fd : {child.stdout_fd, child.stderr_fd}) {
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  if (child.stdin_fd >= 0 && child.stdin_fd != child.pty_fd) {
    fcntl(child.stdin_fd, F_SETFL, fcntl(child.stdin_fd, F_GETFL) | O_NONBLOCK);
  }
  return child;
}

}  // namespace warren::runtime
