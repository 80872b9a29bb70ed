// CloseOtherFds in a forked child (the test process keeps its own
// descriptors): exactly 0-2 and the kept ones stay open, whatever their
// order, and kept numbers among the standard streams close nothing else.
#include "runtime/monitor/process_setup.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

constexpr int kHighest = 9;  // descriptors 3..kHighest are opened

struct Case {
  int keep;
  int also_keep;
  std::set<int> open_after;
};

class CloseOtherFdsTest : public ::testing::TestWithParam<Case> {};

// In a child: opens 3..kHighest, closes all but the kept, exits 0 when
// exactly the expected ones are open (1 + the first wrong descriptor).
TEST_P(CloseOtherFdsTest, KeepsExactlyTheStandardStreamsAndTheKept) {
  const Case& c = GetParam();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (int fd = 3; fd <= kHighest; ++fd) {
      int opened = open("/dev/null", O_RDONLY);
      if (opened < 0 || dup2(opened, fd) < 0) _exit(100);
      if (opened != fd) close(opened);
    }
    CloseOtherFds(c.keep, c.also_keep);
    for (int fd = 0; fd <= kHighest + 5; ++fd) {
      bool open_now = fcntl(fd, F_GETFD) != -1;
      if (open_now != (fd < 3 || c.open_after.count(fd) > 0)) _exit(1 + fd);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "descriptor " << WEXITSTATUS(status) - 1 << " is wrong";
}

INSTANTIATE_TEST_SUITE_P(Keeps, CloseOtherFdsTest,
                         ::testing::Values(Case{5, 7, {5, 7}},
                                           Case{7, 5, {5, 7}},
                                           Case{3, 4, {3, 4}}, Case{6, 6, {6}},
                                           Case{1, 6, {6}}, Case{0, 2, {}},
                                           Case{kHighest, 3, {3, kHighest}}));

}  // namespace
}  // namespace warren::runtime
