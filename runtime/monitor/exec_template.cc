#include "runtime/monitor/exec_template.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "runtime/monitor/apply_security.h"
#include "runtime/monitor/exec_child.h"
#include "runtime/monitor/fd_passing.h"
#include "runtime/monitor/monitor.pb.h"

namespace warren::runtime {
namespace {

constexpr int kSpawnFds = 5;  // stdin, stdout, stderr, go, err
// A request's largest message; the monitor's send buffer is sized for it
// (a unix datagram bigger than the buffer fails with EMSGSIZE). Execs
// with more arguments and environment than this are forked the old way.
constexpr size_t kMaxSpawnBytes = 128 << 10;
constexpr char kReady = 'R';

// Reports a setup failure to the monitor (it becomes Start's error).
[[noreturn]] void TemplateFail(int socket, const std::string& what) {
  (void)SendWithFds(socket, what, {});
  _exit(127);
}

// The template's clone: its own directory and stdio, then the shared tail.
[[noreturn]] void RunClone(const TemplateSpawn& spawn, const int fds[],
                           pid_t monitor) {
  // The parent is the monitor (CLONE_PARENT); clone cleared the signal.
  DieWithMonitor(monitor);
  const int err_fd = fds[4];
  for (int fd = 0; fd < 3; ++fd) {
    if (dup2(fds[fd], fd) < 0) ExecChildFail(err_fd, "dup2 stdio");
  }
  for (const TemplateSpawn::Rlimit& r : spawn.rlimits()) {
    rlimit limit{r.cur(), r.max()};
    if (setrlimit(static_cast<__rlimit_resource>(r.resource()), &limit) != 0) {
      ExecChildFail(err_fd, absl::StrCat("setrlimit ", r.resource(), ": ",
                                         strerror(errno)));
    }
  }
  const std::string cwd = spawn.cwd().empty() ? "/" : spawn.cwd();
  if (chdir(cwd.c_str()) != 0) {
    ExecChildFail(err_fd, absl::StrCat("chdir ", cwd, ": ", strerror(errno)));
  }
  CloseOtherFds(err_fd, fds[3]);
  std::vector<std::string> argv(spawn.argv().begin(), spawn.argv().end());
  std::vector<std::string> env(spawn.env().begin(), spawn.env().end());
  if (argv.empty()) ExecChildFail(err_fd, "exec: no program");
  ReleaseAndExec(argv, env, fds[3], err_fd);
}

// One request: the message and its descriptors. False at EOF (the monitor
// closed the socket or went away) or when the socket fails.
bool ReceiveSpawn(int socket, char* buf, TemplateSpawn* spawn, int fds[]) {
  std::vector<int> received;
  absl::StatusOr<size_t> n =
      RecvWithFds(socket, buf, kMaxSpawnBytes, kSpawnFds, &received);
  if (!n.ok() || *n == 0) return false;
  for (int i = 0; i < kSpawnFds; ++i) fds[i] = -1;
  spawn->Clear();
  if (received.size() != kSpawnFds ||
      !spawn->ParseFromArray(buf, static_cast<int>(*n))) {
    for (int fd : received) close(fd);  // answered as EINVAL
    return true;
  }
  for (int i = 0; i < kSpawnFds; ++i) fds[i] = received[i];
  return true;
}

// Runs in the template: joins the container, takes the exec's identity and
// hardening once, then clones an exec per request until EOF.
[[noreturn]] void RunTemplate(int pidfd, const ExecTemplatePlan& plan,
                              pid_t monitor, int socket) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0);
  ResetSignals();
  // All of them, PID and time included: those two apply to its clones.
  if (plan.ns_flags != 0 && setns(pidfd, plan.ns_flags) != 0) {
    TemplateFail(socket, absl::StrCat("join the container's namespaces: ",
                                      strerror(errno)));
  }
  close(pidfd);
  InitSecurity security(plan.security);
  if (absl::Status s = security.BeforeIdentity(); !s.ok()) {
    TemplateFail(socket, std::string(s.message()));
  }
  ProcessIdentity identity = plan.identity;
  identity.cwd = "/";
  identity.rlimits.clear();  // each clone sets its own
  if (absl::Status s = ApplyIdentity(identity); !s.ok()) {
    TemplateFail(socket, std::string(s.message()));
  }
  if (absl::Status s = security.AfterIdentity(); !s.ok()) {
    TemplateFail(socket, std::string(s.message()));
  }
  // A new uid cleared both: it dies with the monitor, and no process of
  // that uid on the host may ptrace it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0);
  CloseOtherFds(socket);
  if (absl::Status s = security.LoadSeccomp(); !s.ok()) {
    TemplateFail(socket, std::string(s.message()));
  }
  if (!SendWithFds(socket, absl::string_view(&kReady, 1), {}).ok()) _exit(0);
  // Not zeroed: only the pages a request fills become resident.
  std::unique_ptr<char[]> buf(new char[kMaxSpawnBytes]);
  TemplateSpawn spawn;
  int fds[kSpawnFds];
  while (ReceiveSpawn(socket, buf.get(), &spawn, fds)) {
    int32_t reply = -EINVAL;
    if (fds[0] >= 0) {
      long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr,
                         nullptr, 0);
      if (pid == 0) RunClone(spawn, fds, monitor);
      reply = pid > 0 ? static_cast<int32_t>(pid) : -errno;
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
    absl::string_view answer(reinterpret_cast<const char*>(&reply),
                             sizeof(reply));
    if (!SendWithFds(socket, answer, {}).ok()) break;
  }
  _exit(0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ExecTemplate>> ExecTemplate::Start(
    int pidfd, const ExecTemplatePlan& plan, absl::Duration answer_timeout) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return absl::ErrnoToStatus(errno, "socketpair for the exec template");
  }
  const int sndbuf = static_cast<int>(kMaxSpawnBytes) + 4096;
  if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) != 0) {
    absl::Status s = absl::ErrnoToStatus(errno, "size the template socket");
    close(sv[0]);
    close(sv[1]);
    return s;
  }
  const timeval timeout = absl::ToTimeval(answer_timeout);
  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  // Its clones' parent, as they see it from the container's PID namespace.
  const pid_t monitor = MonitorAsSeenByChild(plan.ns_flags, getpid());
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    RunTemplate(pidfd, plan, monitor, sv[1]);
  }
  int fork_errno = errno;
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    return absl::ErrnoToStatus(fork_errno, "fork the exec template");
  }
  auto result = std::unique_ptr<ExecTemplate>(new ExecTemplate(pid, sv[0]));
  char answer[4096];
  std::vector<int> no_fds;
  absl::StatusOr<size_t> n =
      RecvWithFds(sv[0], answer, sizeof(answer), 0, &no_fds);
  if (n.ok() && *n == 1 && answer[0] == kReady) return result;
  if (n.ok() && *n > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("exec template: ", absl::string_view(answer, *n)));
  }
  // (The destructor kills it if it is only slow.)
  return absl::UnavailableError(
      !n.ok() ? absl::StrCat("exec template did not get ready: ",
                             n.status().message())
              : "exec template died during setup");
}

absl::Status ExecTemplate::Abandon(absl::string_view why) {
  gone_ = true;
  if (!reaped_) kill(pid_, SIGKILL);
  return absl::AbortedError(
      absl::StrCat("exec template did not answer a request: ", why));
}

ExecTemplate::~ExecTemplate() {
  close(socket_);  // it exits at EOF; the kill makes that immediate
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::StatusOr<pid_t> ExecTemplate::Spawn(const TemplateExec& exec) {
  if (gone_) return absl::UnavailableError("exec template gone");
  TemplateSpawn spawn;
  for (const std::string& a : exec.argv) spawn.add_argv(a);
  for (const std::string& e : exec.env) spawn.add_env(e);
  spawn.set_cwd(exec.cwd);
  for (const auto& [resource, limit] : exec.rlimits) {
    TemplateSpawn::Rlimit* r = spawn.add_rlimits();
    r->set_resource(resource);
    r->set_cur(limit.rlim_cur);
    r->set_max(limit.rlim_max);
  }
  std::string bytes = spawn.SerializeAsString();
  if (bytes.size() > kMaxSpawnBytes) {
    return absl::UnavailableError(absl::StrCat(
        "exec arguments and environment of ", bytes.size(),
        " bytes do not fit a template request of at most ", kMaxSpawnBytes));
  }
  absl::Status sent = SendWithFds(
      socket_, bytes,
      {exec.stdio[0], exec.stdio[1], exec.stdio[2], exec.go_fd, exec.err_fd});
  if (absl::IsResourceExhausted(sent)) {  // ENOBUFS, ENOMEM: try it later
    return absl::UnavailableError(sent.message());
  }
  if (!sent.ok()) {
    gone_ = true;
    return absl::UnavailableError(
        absl::StrCat("exec template gone: ", sent.message()));
  }
  int32_t reply = 0;
  std::vector<int> no_fds;
  absl::StatusOr<size_t> n = RecvWithFds(
      socket_, reinterpret_cast<char*>(&reply), sizeof(reply), 0, &no_fds);
  if (!n.ok()) return Abandon(n.status().message());  // EAGAIN: the timeout
  if (*n != sizeof(reply)) return Abandon("it went away");
  if (reply <= 0) {
    return absl::ErrnoToStatus(-reply, "clone the exec from its template");
  }
  return static_cast<pid_t>(reply);
}

}  // namespace warren::runtime
