// ExecTemplate on the host (no namespaces to join): its clones are the
// caller's children, carry the template's identity and loaded seccomp
// filter, report setup errors on their error pipe, and the template goes
// when it is dropped. Needs root (setresuid); runs outside the sandbox.
#include "runtime/monitor/exec_template.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/seccomp_bpf.h"
#include "runtime/security_plan.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  return out;
}

// A template with the default profile for `uid`, the test's own
// namespaces (nothing to join).
std::unique_ptr<ExecTemplate> StartOrDie(
    uid_t uid, absl::Duration answer_timeout = absl::Seconds(5)) {
  absl::StatusOr<SecurityPlan> security =
      BuildSecurityPlan(v1::SecuritySpec(), uid);
  EXPECT_TRUE(security.ok()) << security.status();
  absl::StatusOr<std::string> program = CompileSeccompBpf(security->seccomp);
  EXPECT_TRUE(program.ok()) << program.status();
  ExecTemplatePlan plan;
  plan.identity.uid = uid;
  plan.identity.gid = uid;
  plan.security = *security;
  plan.security.seccomp_program = *program;
  absl::StatusOr<std::unique_ptr<ExecTemplate>> t =
      ExecTemplate::Start(-1, plan, answer_timeout);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

// One exec through `t`: its stdout, its error pipe's text and its exit.
struct Ran {
  pid_t pid = -1;
  std::string out, error;
  int wstatus = -1;
};
Ran RunThrough(ExecTemplate* t, std::vector<std::string> argv,
               const std::string& cwd = "/",
               std::vector<std::pair<int, rlimit>> rlimits = {}) {
  int out[2], go[2], err[2];
  EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(pipe2(go, O_CLOEXEC), 0);
  EXPECT_EQ(pipe2(err, O_CLOEXEC), 0);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  TemplateExec exec;
  exec.argv = std::move(argv);
  exec.env = {"PATH=/usr/bin:/bin", "WHO=template"};
  exec.cwd = cwd;
  exec.rlimits = std::move(rlimits);
  exec.stdio[0] = null;
  exec.stdio[1] = out[1];
  exec.stdio[2] = out[1];
  exec.go_fd = go[0];
  exec.err_fd = err[1];
  absl::StatusOr<pid_t> pid = t->Spawn(exec);
  for (int fd : {null, out[1], go[0], err[1]}) close(fd);
  Ran ran;
  if (pid.ok()) {
    ran.pid = *pid;
    // As in the monitor: a clone that failed its set-up has closed its end
    // (EPIPE, and SIGPIPE is ignored).
    signal(SIGPIPE, SIG_IGN);
    ssize_t released = write(go[1], "G", 1);
    EXPECT_TRUE(released == 1 || errno == EPIPE);
  } else {
    ADD_FAILURE() << pid.status();
  }
  close(go[1]);
  ran.error = ReadAll(err[0]);
  ran.out = ReadAll(out[0]);
  close(err[0]);
  close(out[0]);
  // The clone is our child (CLONE_PARENT), not the template's.
  if (pid.ok()) {
    EXPECT_EQ(waitpid(*pid, &ran.wstatus, 0), *pid);
  }
  return ran;
}

TEST(ExecTemplateTest, ClonesAreOurChildrenWithItsIdentityAndFilter) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(1000);
  ASSERT_NE(t, nullptr);
  for (int i = 0; i < 2; ++i) {  // one template, several execs
    Ran ran = RunThrough(t.get(),
                         {"sh", "-c",
                          "id -u; echo $WHO; pwd; echo ppid=$PPID; "
                          "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"},
                         "/tmp");
    EXPECT_EQ(ran.error, "");
    ASSERT_TRUE(WIFEXITED(ran.wstatus) && WEXITSTATUS(ran.wstatus) == 0)
        << ran.out;
    EXPECT_THAT(ran.out, HasSubstr("1000\ntemplate\n/tmp\n"));
    EXPECT_THAT(ran.out, HasSubstr("Seccomp:\t2"));
    EXPECT_THAT(ran.out, HasSubstr("NoNewPrivs:\t1"));
    // The exec's parent is the caller (CLONE_PARENT), not the template.
    EXPECT_THAT(ran.out, HasSubstr(absl::StrCat("ppid=", getpid(), "\n")));
  }
}

TEST(ExecTemplateTest, SetupErrorsComeBackOnTheErrorPipe) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(0);
  ASSERT_NE(t, nullptr);
  Ran ran = RunThrough(t.get(), {"true"}, "/no/such/dir");
  EXPECT_EQ(ran.error, "chdir /no/such/dir: No such file or directory");
  EXPECT_TRUE(WIFEXITED(ran.wstatus) && WEXITSTATUS(ran.wstatus) == 127);
  ran = RunThrough(t.get(), {"no-such-program"});
  EXPECT_EQ(ran.error, "exec no-such-program: No such file or directory");
  // The template is still there for the next one.
  ran = RunThrough(t.get(), {"true"});
  EXPECT_EQ(ran.error, "");
  EXPECT_TRUE(WIFEXITED(ran.wstatus) && WEXITSTATUS(ran.wstatus) == 0);
}

TEST(ExecTemplateTest, LargeRequestsFitAndTooLargeOnesAreRefusedUnstarted) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(0);
  ASSERT_NE(t, nullptr);
  // 120 KiB of arguments, near the largest request the socket is sized for.
  Ran ran = RunThrough(
      t.get(), {"sh", "-c", "echo ${#1}", "sh", std::string(120 << 10, 'x')});
  EXPECT_EQ(ran.error, "");
  EXPECT_EQ(ran.out, absl::StrCat(120 << 10, "\n"));
  // Bigger than a request may be: UNAVAILABLE (fork it another way), no
  // child, and the template stays usable.
  TemplateExec big;
  big.argv = {"echo", std::string(200 << 10, 'x')};
  absl::StatusOr<pid_t> pid = t->Spawn(big);
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(t->gone());
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), 0);  // only the template
  ran = RunThrough(t.get(), {"true"});
  EXPECT_TRUE(WIFEXITED(ran.wstatus) && WEXITSTATUS(ran.wstatus) == 0);
}

TEST(ExecTemplateTest, RlimitsAreTheClonesNotTheTemplates) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(1000);
  ASSERT_NE(t, nullptr);
  // So low that the template itself could not take a request's five
  // descriptors, had it applied it to itself.
  Ran ran = RunThrough(t.get(), {"sh", "-c", "ulimit -n; ulimit -Hn"}, "/",
                       {{RLIMIT_NOFILE, rlimit{4, 6}}});
  EXPECT_EQ(ran.error, "");
  EXPECT_EQ(ran.out, "4\n6\n");
  rlimit own;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  std::ifstream limits(absl::StrCat("/proc/", t->pid(), "/limits"));
  std::string text((std::istreambuf_iterator<char>(limits)),
                   std::istreambuf_iterator<char>());
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        absl::StrCat("Max open files +", own.rlim_cur, " +")));
  // The next exec is not affected, and a hard limit it cannot raise any
  // more (capabilities dropped) is its error, reported on its pipe.
  ran = RunThrough(t.get(), {"sh", "-c", "ulimit -n"}, "/",
                   {{RLIMIT_NOFILE, rlimit{64, own.rlim_max + 1}}});
  EXPECT_THAT(ran.error, HasSubstr("setrlimit 7: Operation not permitted"));
  ran = RunThrough(t.get(), {"sh", "-c", "ulimit -n"});
  EXPECT_EQ(ran.out, absl::StrCat(own.rlim_cur, "\n"));
}

TEST(ExecTemplateTest, AStuckTemplateIsAbortedAndKilled) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(0, absl::Milliseconds(200));
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(kill(t->pid(), SIGSTOP), 0);
  int go[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  TemplateExec exec;
  exec.argv = {"true"};
  exec.stdio[0] = exec.stdio[1] = exec.stdio[2] = exec.err_fd = go[1];
  exec.go_fd = go[0];
  absl::StatusOr<pid_t> pid = t->Spawn(exec);
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(t->gone());
  // Killed, though stopped: the caller reaps it, and there is nothing else.
  int wstatus = 0;
  ASSERT_EQ(waitpid(t->pid(), &wstatus, 0), t->pid());
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
  t->Reaped();
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  close(go[0]);
  close(go[1]);
}

TEST(ExecTemplateTest, ADeadButUnreapedTemplateIsUnavailable) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(0);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(kill(t->pid(), SIGKILL), 0);
  siginfo_t info;
  ASSERT_EQ(waitid(P_PID, t->pid(), &info, WEXITED | WNOWAIT), 0);  // a zombie
  TemplateExec exec;
  exec.argv = {"true"};
  absl::StatusOr<pid_t> pid = t->Spawn(exec);
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(t->gone());
  t.reset();  // reaps the zombie
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ExecTemplateTest, AGoneTemplateIsUnavailableAndStartsNothing) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(0);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(kill(t->pid(), SIGKILL), 0);
  ASSERT_EQ(waitpid(t->pid(), nullptr, 0), t->pid());
  t->Reaped();
  TemplateExec exec;
  exec.argv = {"true"};
  absl::StatusOr<pid_t> pid = t->Spawn(exec);
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(t->gone());
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);  // no child of ours at all
  EXPECT_EQ(errno, ECHILD);
}

TEST(ExecTemplateTest, DroppingItKillsAndReapsIt) {
  std::unique_ptr<ExecTemplate> t = StartOrDie(0);
  ASSERT_NE(t, nullptr);
  pid_t pid = t->pid();
  ASSERT_EQ(kill(pid, 0), 0);
  t.reset();
  EXPECT_EQ(kill(pid, 0), -1);  // reaped, not a zombie
  EXPECT_EQ(errno, ESRCH);
}

TEST(ExecTemplateTest, AFailedSetupIsAnErrorAndLeavesNoProcess) {
  ExecTemplatePlan plan;
  plan.ns_flags = CLONE_NEWNET;  // with no pidfd to join through
  absl::StatusOr<std::unique_ptr<ExecTemplate>> t =
      ExecTemplate::Start(-1, plan);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(t.status().message(),
              HasSubstr("join the container's namespaces: Bad file"));
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace warren::runtime
