// ReleaseAndExec, the shared tail of every exec: an exec that changed its
// uid (which clears the parent-death signal) still dies with the monitor
// once released, and one whose monitor gave up never runs. Needs root
// (setresuid); runs outside the sandbox.
#include "runtime/monitor/exec_child.h"

#include <fcntl.h>
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
// monitor's fork path). The stand-in releases the child when `release`,
// sends its pid through `report` and exits. The test process is the
// subreaper that inherits the child.
pid_t StartThroughMonitorThatExits(bool release, int report) {
  pid_t monitor = fork();
  if (monitor != 0) return monitor;
  int go[2], err[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) _exit(1);
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(go[1]);
    if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) {
      _exit(2);
    }
    ReleaseAndExec({"sleep", "100"}, {"PATH=/usr/bin:/bin"}, go[0], err[1]);
  }
  close(go[0]);
  if (release && write(go[1], "G", 1) != 1) _exit(1);
  // Give the child the time to reach execve when released.
  char buf[1];
  close(err[1]);
  if (release) (void)read(err[0], buf, 1);  // EOF at its execve
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
  ASSERT_EQ(waitpid(monitor, nullptr, 0), monitor);
  int wstatus = 0;
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
  if (release) {
    // It was sleeping: only the parent-death signal ends it this soon.
    EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << wstatus;
  } else {
    EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) << wstatus;
  }
}

TEST(ExecChildTest, AReleasedExecDiesWithItsMonitorAfterAUidChange) {
  ExpectKilledOrExited(/*release=*/true);
}

TEST(ExecChildTest, AnExecWhoseMonitorGaveUpNeverRuns) {
  ExpectKilledOrExited(/*release=*/false);
}

}  // namespace
}  // namespace warren::runtime
