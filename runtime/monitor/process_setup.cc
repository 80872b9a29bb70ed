#include "runtime/monitor/process_setup.h"

#include <grp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "absl/strings/str_cat.h"

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

void CloseOtherFds(int keep) {
  if (keep > 3) syscall(SYS_close_range, 3, keep - 1, 0);
  syscall(SYS_close_range, keep + 1, ~0U, 0);
}

}  // namespace warren::runtime
