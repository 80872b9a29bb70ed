// The BPF device program against the real kernel: attached to a test
// cgroup in the host's v2 hierarchy, it must let a process of that cgroup
// open /dev/null and mknod any node, but not open a disk or /dev/kmsg.
// Needs root (tags "local", "no-sandbox"). On a hybrid host the test's v1
// devices cgroup is the root (unrestricted), so any EPERM comes from the
// program.
#include "runtime/device_bpf.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_system.h"
#include "runtime/container_cgroup.h"
#include "runtime/device_cgroup.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;

// What the child saw: 0 or the errno of each step.
struct ChildResults {
  int join = -1;
  int open_null = -1;
  int mknod_block = -1;
  int open_block = -1;
  int mknod_char = -1;
  int open_char = -1;
};

int ErrnoOf(int rc) { return rc < 0 ? errno : 0; }

// Opens and closes; 0 or errno. Async-signal-safe.
int TryOpen(const char* path, int flags) {
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

class DeviceBpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<CgroupSystem> system = CgroupSystem::Detect();
    ASSERT_TRUE(system.ok()) << system.status();
    if (system->Unified() == nullptr) {
      GTEST_SKIP() << "this host (cgroup " << system->Mode()
                   << ") has no cgroup v2 hierarchy to attach a device "
                      "program to";
    }
    v2_ = *system->Unified();
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string templ =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/devtest-XXXXXX");
    ASSERT_NE(mkdtemp(templ.data()), nullptr) << std::strerror(errno);
    temp_dir_ = templ;
  }

  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    for (const std::string& dir : cgroups_) {
      absl::Time deadline = absl::Now() + absl::Seconds(2);
      while (rmdir(dir.c_str()) != 0 && errno == EBUSY &&
             absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(10));
      }
      EXPECT_NE(access(dir.c_str(), F_OK), 0) << "left behind: " << dir;
    }
    if (!temp_dir_.empty()) {
      EXPECT_TRUE(RemoveTree(temp_dir_).ok());
    }
  }

  // A new, empty cgroup directory in the v2 hierarchy, removed at TearDown.
  std::string MakeCgroup(const std::string& suffix) {
    std::string dir =
        absl::StrCat(v2_.mount_point, "/warren-devtest-", getpid(), suffix);
    cgroups_.push_back(dir);
    EXPECT_EQ(mkdir(dir.c_str(), 0755), 0)
        << dir << ": " << std::strerror(errno);
    return dir;
  }

  // Forks a child that joins `cgroup` and tries the device operations.
  ChildResults RunChild(const std::string& cgroup) {
    // Everything the child needs is prepared here: after fork it only makes
    // async-signal-safe calls.
    std::string procs = cgroup + "/cgroup.procs";
    std::string block = temp_dir_ + "/loop0";
    std::string chr = temp_dir_ + "/kmsg";
    dev_t block_dev = makedev(7, 0);
    dev_t char_dev = makedev(1, 11);
    int fds[2];
    ChildResults results;
    if (pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe: " << std::strerror(errno);
      return results;
    }
    child_ = fork();
    if (child_ == 0) {
      ChildResults r;
      char digits[16];
      char text[16];
      int n = 0;
      int len = 0;
      for (pid_t pid = getpid(); pid > 0; pid /= 10) {
        digits[n++] = static_cast<char>('0' + pid % 10);
      }
      while (n > 0) text[len++] = digits[--n];
      int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
      r.join = fd < 0 ? errno : ErrnoOf(static_cast<int>(write(fd, text, len)));
      if (fd >= 0) close(fd);
      if (r.join == 0) {
        r.open_null = TryOpen("/dev/null", O_RDWR);
        r.mknod_block =
            ErrnoOf(mknod(block.c_str(), S_IFBLK | 0600, block_dev));
        r.open_block = TryOpen(block.c_str(), O_RDONLY);
        r.mknod_char = ErrnoOf(mknod(chr.c_str(), S_IFCHR | 0600, char_dev));
        r.open_char = TryOpen(chr.c_str(), O_RDONLY);
      }
      (void)!write(fds[1], &r, sizeof(r));
      _exit(0);
    }
    close(fds[1]);
    if (child_ < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      close(fds[0]);
      return results;
    }
    ssize_t got = read(fds[0], &results, sizeof(results));
    close(fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(child_, &status, 0), child_);
    child_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(got, static_cast<ssize_t>(sizeof(results)));
    return results;
  }

  // The checks every enforcing cgroup must pass.
  void ExpectStandardDevicesOnly(const std::string& cgroup) {
    ChildResults r = RunChild(cgroup);
    ASSERT_EQ(r.join, 0) << "join " << cgroup << ": " << std::strerror(r.join);
    EXPECT_EQ(r.open_null, 0) << "/dev/null: " << std::strerror(r.open_null);
    EXPECT_EQ(r.mknod_block, 0)
        << "mknod b 7:0: " << std::strerror(r.mknod_block);
    EXPECT_EQ(r.open_block, EPERM)
        << "open b 7:0: " << std::strerror(r.open_block);
    EXPECT_EQ(r.mknod_char, 0)
        << "mknod c 1:11: " << std::strerror(r.mknod_char);
    EXPECT_EQ(r.open_char, EPERM)
        << "open c 1:11: " << std::strerror(r.open_char);
    // Outside the cgroup the same nodes open (so the file system allows
    // device nodes and the EPERM above came from the program).
    int outside = TryOpen((temp_dir_ + "/kmsg").c_str(), O_RDONLY);
    EXPECT_EQ(outside, 0) << "kmsg outside: " << std::strerror(outside);
    outside = TryOpen((temp_dir_ + "/loop0").c_str(), O_RDONLY);
    EXPECT_NE(outside, EPERM) << "loop0 outside the test cgroup";
  }

  CgroupHierarchy v2_;
  std::string temp_dir_;
  std::vector<std::string> cgroups_;
  pid_t child_ = -1;
};

TEST_F(DeviceBpfTest, DefaultRulesEnforcedInTheCgroup) {
  std::string cgroup = MakeCgroup("");
  absl::StatusOr<std::vector<bpf_insn>> program =
      BuildDeviceProgram(DefaultDeviceRules());
  ASSERT_TRUE(program.ok()) << program.status();
  absl::Status attached = AttachDeviceProgram(cgroup, *program);
  ASSERT_TRUE(attached.ok()) << attached;
  ExpectStandardDevicesOnly(cgroup);
}

TEST_F(DeviceBpfTest, RestrictDevicesAttachesWithoutAV1DevicesController) {
  // The host's v2 hierarchy alone, as a pure v2 host would be.
  std::string rel = absl::StrCat("warren-devtest-", getpid(), "-cc");
  std::string cgroup = absl::StrCat(v2_.mount_point, "/", rel);
  cgroups_.push_back(cgroup);
  ContainerCgroup container(CgroupSystem({v2_}), rel);
  ASSERT_TRUE(container.Create().ok());
  absl::Status restricted = container.RestrictDevices();
  ASSERT_TRUE(restricted.ok()) << restricted;

  int dir_fd = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir_fd, 0) << std::strerror(errno);
  bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = static_cast<uint32_t>(dir_fd);
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  int rc =
      static_cast<int>(syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)));
  int err = errno;
  close(dir_fd);
  ASSERT_EQ(rc, 0) << std::strerror(err);
  EXPECT_EQ(attr.query.prog_cnt, 1u);

  ExpectStandardDevicesOnly(cgroup);
  EXPECT_TRUE(container.Remove().ok());
}

TEST_F(DeviceBpfTest, VerifierRejectionIsReportedWithItsLog) {
  std::string cgroup = MakeCgroup("-bad");
  // "exit" without setting R0: the verifier refuses it.
  bpf_insn exit_only;
  std::memset(&exit_only, 0, sizeof(exit_only));
  exit_only.code = BPF_JMP | BPF_EXIT;
  absl::Status s = AttachDeviceProgram(cgroup, {exit_only});
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("load the device program for " + cgroup));
  EXPECT_THAT(std::string(s.message()), HasSubstr("R0"));
}

TEST_F(DeviceBpfTest, MissingCgroupDirectoryIsNotFound) {
  std::string missing = absl::StrCat(v2_.mount_point, "/warren-devtest-none");
  absl::Status s =
      AttachDeviceProgram(missing, *BuildDeviceProgram(DefaultDeviceRules()));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(missing));
}

}  // namespace
}  // namespace warren::runtime
