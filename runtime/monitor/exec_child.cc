#include "runtime/monitor/exec_child.h"

#include <sched.h>
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

pid_t MonitorAsSeenByChild(int ns_flags, pid_t monitor) {
  return (ns_flags & CLONE_NEWPID) != 0 ? 0 : monitor;
}

void DieWithMonitor(pid_t monitor_as_seen_here) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != monitor_as_seen_here) _exit(127);  // it went already
}

void ReleaseAndExec(const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, int go_fd,
                    int err_fd) {
  char go = 0;
  ssize_t released = read(go_fd, &go, 1);
  if (released < 0) {  // e.g. a seccomp profile that refuses read(2)
    ExecChildFail(err_fd, absl::StrCat("wait to be released into the cgroups: ",
                                       strerror(errno)));
  }
  if (released != 1) _exit(127);  // the monitor gave up
  close(go_fd);
  clearenv();
  for (const std::string& kv : env) putenv(const_cast<char*>(kv.c_str()));
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  ExecChildFail(err_fd, absl::StrCat("exec ", argv[0], ": ", strerror(errno)));
}

}  // namespace warren::runtime
