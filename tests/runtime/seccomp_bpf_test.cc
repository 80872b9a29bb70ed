// Compiling seccomp plans to BPF, the shared file cache, and loading a
// program (in a forked child, so the test process stays unfiltered).
#include "runtime/seccomp_bpf.h"

#include <linux/filter.h>
#include <sys/prctl.h>
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

// Runs `program` in a child with no_new_privs and returns what getppid
// did there: its errno, or 0 when it succeeded; -1 when loading failed.
int GetppidErrnoUnder(const std::string& program) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!LoadSeccompBpf(program).ok()) _exit(255);
    errno = 0;
    long rc = syscall(SYS_getppid);
    _exit(rc < 0 ? errno : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return -2;
  int code = WEXITSTATUS(status);
  return code == 255 ? -1 : code;
}

TEST(SeccompBpfTest, DefaultProfileCompilesToWholeInstructions) {
  absl::StatusOr<std::string> program =
      CompileSeccompBpf(DefaultSeccompProfile(DefaultCapabilities()));
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_GT(program->size(), 100 * sizeof(sock_filter));
  EXPECT_EQ(program->size() % sizeof(sock_filter), 0u);
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
