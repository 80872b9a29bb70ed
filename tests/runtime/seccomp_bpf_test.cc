// Compiling seccomp plans to BPF, the shared file cache, and loading a
// program (in a forked child, so the test process stays unfiltered).
#include "runtime/seccomp_bpf.h"

#include <linux/filter.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "runtime/capabilities.h"
#include "runtime/seccomp_profile.h"

namespace warren::runtime {
namespace {

// Everything allowed except getppid, which fails with `err`.
SeccompPlan DenyGetppid(int err) {
  SeccompPlan plan;
  plan.enabled = true;
  plan.default_action = SeccompAction::kAllow;
  plan.rules.push_back({"getppid", SeccompAction::kErrno, err, {}});
  return plan;
}

std::string TempDir() {
  char tmpl[] = "/tmp/seccomp_bpf_test.XXXXXX";
  std::string dir = mkdtemp(tmpl);
  return dir + "/cache";  // not there yet: the cache makes it
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `body` in a child with no_new_privs under `program` and returns
// its exit code; -1 when loading failed, -2 when the child was killed.
int ExitCodeUnder(const std::string& program, int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!LoadSeccompBpf(program).ok()) _exit(255);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return -2;
  int code = WEXITSTATUS(status);
  return code == 255 ? -1 : code;
}

// What getppid did under `program`: its errno, or 0 when it succeeded.
int GetppidErrnoUnder(const std::string& program) {
  return ExitCodeUnder(program, [] {
    errno = 0;
    return syscall(SYS_getppid) < 0 ? errno : 0;
  });
}

TEST(SeccompBpfTest, DefaultProfileCompilesToWholeInstructions) {
  absl::StatusOr<std::string> program =
      CompileSeccompBpf(DefaultSeccompProfile(DefaultCapabilities()));
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_GT(program->size(), 100 * sizeof(sock_filter));
  EXPECT_EQ(program->size() % sizeof(sock_filter), 0u);
}

// 0 if every verdict of the default profile holds in this process, else
// the number of the first check that failed.
int DefaultProfileVerdicts() {
  auto denied = [](long rc, int err) { return rc == -1 && errno == err; };
  if (syscall(SYS_getpid) <= 0) return 1;
  if (!denied(syscall(SYS_reboot, 0, 0, 0, 0), EPERM)) return 2;
  if (syscall(SYS_personality, 0xffffffffUL) < 0) return 3;
  if (!denied(syscall(SYS_personality, 0x0400000UL), EPERM)) return 4;
  if (syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0) < 0) return 5;
  if (!denied(syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0), EPERM)) return 6;
  if (!denied(syscall(SYS_unshare, CLONE_NEWUTS), EPERM)) return 7;
  if (!denied(syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0), EPERM)) {
    return 8;
  }
  if (!denied(syscall(SYS_clone3, nullptr, 0), ENOSYS)) return 9;
  if (!denied(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM)) return 10;
  // The tree's ends: the lowest number and one of the highest.
  if (!denied(syscall(SYS_read, -1, nullptr, 0), EBADF)) return 11;
  if (!denied(syscall(SYS_faccessat2, -1, "x", 0, 0), EBADF)) return 12;
  return 0;
}

// The program is a binary tree (loading a linear chain of ~1,000
// instructions cost 0.5 ms per process): the verdicts are the profile's,
// for allowed calls, refused ones, argument checks and the ENOSYS of
// clone3 alike.
TEST(SeccompBpfTest, DefaultProfileVerdictsHoldInTheTree) {
  absl::StatusOr<std::string> program =
      CompileSeccompBpf(DefaultSeccompProfile(DefaultCapabilities()));
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(ExitCodeUnder(*program, DefaultProfileVerdicts), 0);
}

TEST(SeccompBpfTest, LoadedProgramFiltersTheProcess) {
  absl::StatusOr<std::string> program = CompileSeccompBpf(DenyGetppid(42));
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(GetppidErrnoUnder(*program), 42);
}

TEST(SeccompBpfTest, RefusedRuleNamesTheSyscall) {
  SeccompPlan plan = DenyGetppid(1);
  // Syscalls have six arguments: index 9 does not exist.
  plan.rules[0].args.push_back({9, SeccompArg::kEqual, 1, 0});
  absl::StatusOr<std::string> program = CompileSeccompBpf(plan);
  EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(program.status().message().find("getppid"), std::string::npos)
      << program.status();
}

TEST(SeccompBpfTest, LoadRefusesBytesThatAreNotAProgram) {
  EXPECT_EQ(LoadSeccompBpf("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadSeccompBpf("12345").code(), absl::StatusCode::kInvalidArgument);
}

TEST(SeccompBpfTest, KeyTellsPlansApart) {
  EXPECT_EQ(SeccompPlanKey(DenyGetppid(1)), SeccompPlanKey(DenyGetppid(1)));
  EXPECT_NE(SeccompPlanKey(DenyGetppid(1)), SeccompPlanKey(DenyGetppid(2)));
  SeccompPlan with_arg = DenyGetppid(1);
  with_arg.rules[0].args.push_back({0, SeccompArg::kEqual, 1, 0});
  EXPECT_NE(SeccompPlanKey(DenyGetppid(1)), SeccompPlanKey(with_arg));
}

TEST(SeccompBpfTest, CacheStoresAFileAnotherMonitorReuses) {
  std::string dir = TempDir();
  SeccompPlan plan = DenyGetppid(7);
  std::string path = SeccompBpfCache(dir).PathFor(SeccompPlanKey(plan));
  absl::StatusOr<std::string> first = SeccompBpfCache(dir).Get(plan);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A second cache (another monitor) reads the file: make its program
  // recognisably different to prove the bytes came from there.
  std::string file = Slurp(path);
  ASSERT_GE(file.size(), first->size());
  std::string other = *CompileSeccompBpf(DenyGetppid(9));
  std::string header = file.substr(0, file.size() - first->size());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << header << other;
  absl::StatusOr<std::string> second = SeccompBpfCache(dir).Get(plan);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, other);
  EXPECT_EQ(GetppidErrnoUnder(*second), 9);
}

TEST(SeccompBpfTest, FileForAnotherPlanIsRecompiledNotLoaded) {
  std::string dir = TempDir();
  SeccompPlan plan = DenyGetppid(7);
  SeccompBpfCache cache(dir);
  ASSERT_TRUE(cache.Get(DenyGetppid(3)).ok());
  // As if two keys had the same hash: the file holds the other plan.
  std::string path = cache.PathFor(SeccompPlanKey(plan));
  std::string foreign = Slurp(cache.PathFor(SeccompPlanKey(DenyGetppid(3))));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << foreign;
  absl::StatusOr<std::string> program = SeccompBpfCache(dir).Get(plan);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(GetppidErrnoUnder(*program), 7);
  EXPECT_EQ(*program, *CompileSeccompBpf(plan));
}

TEST(SeccompBpfTest, UnwritableDirectoryStillCompiles) {
  SeccompBpfCache cache("/proc/no/such/dir");
  absl::StatusOr<std::string> program = cache.Get(DenyGetppid(5));
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(GetppidErrnoUnder(*program), 5);
}

}  // namespace
}  // namespace warren::runtime
