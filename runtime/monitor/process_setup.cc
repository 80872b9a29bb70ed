#include "runtime/monitor/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "absl/strings/str_cat.h"
#include "runtime/monitor/fd_passing.h"

namespace warren::runtime {

void ResetSignals() {
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

absl::Status ApplyIdentity(const ProcessIdentity& id) {
  for (const auto& [resource, limit] : id.rlimits) {
    if (setrlimit(static_cast<__rlimit_resource>(resource), &limit) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("setrlimit ", resource));
    }
  }
  if (setgroups(id.groups.size(), id.groups.data()) != 0) {
    return absl::ErrnoToStatus(errno, "setgroups");
  }
  if (setresgid(id.gid, id.gid, id.gid) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("setgid ", id.gid));
  }
  if (setresuid(id.uid, id.uid, id.uid) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("setuid ", id.uid));
  }
  if (chdir(id.cwd.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, "chdir " + id.cwd);
  }
  return absl::OkStatus();
}

absl::Status AttachNewTerminal(int socket) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return absl::ErrnoToStatus(errno, "open /dev/ptmx");
  char name[64];
  if (unlockpt(master) != 0 || ptsname_r(master, name, sizeof(name)) != 0) {
    int err = errno;
    close(master);
    return absl::ErrnoToStatus(err, "unlock pty");
  }
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) {
    int err = errno;
    close(master);
    return absl::ErrnoToStatus(err, absl::StrCat("open ", name));
  }
  absl::Status sent = SendByteAndFd(socket, 'T', master);
  close(master);
  if (!sent.ok()) return sent;
  setsid();
  if (ioctl(slave, TIOCSCTTY, 0) != 0) {
    return absl::ErrnoToStatus(errno, "set controlling terminal");
  }
  for (int fd = 0; fd < 3; ++fd) dup2(slave, fd);
  if (slave > 2) close(slave);
  return absl::OkStatus();
}

void CloseOtherFds(int keep) { CloseOtherFds(keep, keep); }

void CloseOtherFds(int keep, int also_keep) {
  const int kept[2] = {std::min(keep, also_keep), std::max(keep, also_keep)};
  int next = 3;  // the first that may close: 0-2 always stay
  for (int fd : kept) {
    if (fd < next) continue;  // a standard stream, or both kept are one
    if (fd > next) syscall(SYS_close_range, next, fd - 1, 0);
    next = fd + 1;
  }
  syscall(SYS_close_range, next, ~0U, 0);
}

}  // namespace warren::runtime
