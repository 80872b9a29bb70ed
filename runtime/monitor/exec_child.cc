#include "runtime/monitor/exec_child.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

void ExecChildFail(int err_fd, const std::string& what) {
  ssize_t ignored = write(err_fd, what.data(), what.size());
  (void)ignored;
  _exit(127);
}

void ReleaseAndExec(const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, int go_fd,
                    int err_fd) {
  const pid_t monitor = getppid();  // 0 when it is outside our PID namespace
  char go = 0;
  ssize_t released = read(go_fd, &go, 1);
  if (released < 0) {  // e.g. a seccomp profile that refuses read(2)
    ExecChildFail(err_fd, absl::StrCat("wait to be released into the cgroups: ",
                                       strerror(errno)));
  }
  if (released != 1) _exit(127);  // the monitor gave up
  // An exec ends with its monitor, whichever way it started: nothing else
  // owns its stdio or records its exit. A uid change cleared the signal a
  // fork set; a monitor that died since the release is caught here.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != monitor) _exit(127);
  close(go_fd);
  clearenv();
  for (const std::string& kv : env) putenv(const_cast<char*>(kv.c_str()));
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  ExecChildFail(err_fd, absl::StrCat("exec ", argv[0], ": ", strerror(errno)));
}

}  // namespace warren::runtime
