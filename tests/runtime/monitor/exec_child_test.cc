// The shared tail of every exec (DieWithMonitor, ReleaseAndExec): an exec
// that changed its uid (which clears the parent-death signal) still dies
// with the monitor once released, one whose monitor gave up never runs,
// and one whose monitor is already gone stops. Needs root (setresuid);
// runs outside the sandbox.
#include "runtime/monitor/exec_child.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

// Forks a stand-in monitor that forks an exec child as uid 1000 (its
// parent-death signal set, then cleared by the uid change, as in the
// monitor's fork path). With `release` the stand-in releases the child,
// sends its pid through `report` and exits; the test process is the
// subreaper that inherits the child. Without, it gives up (closes the
// release pipe), reaps the child and exits with the child's exit code.
pid_t StartThroughMonitorThatExits(bool release, int report) {
  pid_t monitor = fork();
  if (monitor != 0) return monitor;
  int go[2], err[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) _exit(1);
  const pid_t self = MonitorAsSeenByChild(0, getpid());
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(go[1]);
    if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) {
      _exit(2);
    }
    DieWithMonitor(self);
    ReleaseAndExec({"sleep", "100"}, {"PATH=/usr/bin:/bin"}, go[0], err[1]);
  }
  close(go[0]);
  if (!release) {
    close(go[1]);
    int wstatus = 0;
    if (waitpid(child, &wstatus, 0) != child) _exit(1);
    (void)write(report, &child, sizeof(child));
    _exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 200);
  }
  if (write(go[1], "G", 1) != 1) _exit(1);
  // Give the child the time to reach execve when released.
  char buf[1];
  close(err[1]);
  (void)read(err[0], buf, 1);  // EOF at its execve
  if (write(report, &child, sizeof(child)) != sizeof(child)) _exit(1);
  _exit(0);
}

void ExpectKilledOrExited(bool release) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  pid_t monitor = StartThroughMonitorThatExits(release, report[1]);
  close(report[1]);
  pid_t child = -1;
  ASSERT_EQ(read(report[0], &child, sizeof(child)), sizeof(child));
  close(report[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(monitor, &wstatus, 0), monitor);
  if (!release) {  // the child's own exit, before the monitor's
    EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) << wstatus;
    return;
  }
  pid_t reaped = 0;  // reparented to us
  for (int i = 0; i < 500 && reaped == 0; ++i) {
    reaped = waitpid(child, &wstatus, WNOHANG);
    if (reaped == 0) usleep(10000);
  }
  if (reaped == 0) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    FAIL() << "the exec outlived its monitor by 5 s";
  }
  ASSERT_EQ(reaped, child);
  // It was sleeping: only the parent-death signal ends it this soon.
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << wstatus;
}

TEST(ExecChildTest, AReleasedExecDiesWithItsMonitorAfterAUidChange) {
  ExpectKilledOrExited(/*release=*/true);
}

TEST(ExecChildTest, AnExecWhoseMonitorGaveUpNeverRuns) {
  ExpectKilledOrExited(/*release=*/false);
}

TEST(ExecChildTest, AnExecWhoseMonitorIsGoneAlreadyStops) {
  pid_t child = fork();
  if (child == 0) {
    DieWithMonitor(getppid() + 1);  // not its parent: as if reparented
    _exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) << wstatus;
  EXPECT_EQ(MonitorAsSeenByChild(CLONE_NEWPID | CLONE_NEWNET, 42), 0);
  EXPECT_EQ(MonitorAsSeenByChild(CLONE_NEWNET, 42), 42);
}

}  // namespace
}  // namespace warren::runtime
