// Tests of the real terminal code (FdTerminal, RawModeScope) on a
// pseudo-terminal pair the test opens itself, and on a pipe (not a
// terminal). Needs no controlling terminal.
#include "tools/cli/cli_terminal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace warren::cli {
namespace {

class PtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0) GTEST_SKIP() << "no /dev/ptmx here";
    ASSERT_EQ(grantpt(master_), 0);
    ASSERT_EQ(unlockpt(master_), 0);
    slave_ = open(ptsname(master_), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave_, 0);
  }
  void TearDown() override {
    if (slave_ >= 0) close(slave_);
    if (master_ >= 0) close(master_);
  }
  termios Mode() {
    termios t{};
    EXPECT_EQ(tcgetattr(slave_, &t), 0);
    return t;
  }

  int master_ = -1;
  int slave_ = -1;
};

TEST_F(PtyTest, SizeAndRawModeRoundTrip) {
  winsize ws{};
  ws.ws_row = 33;
  ws.ws_col = 111;
  ASSERT_EQ(ioctl(master_, TIOCSWINSZ, &ws), 0);
  FdTerminal terminal(slave_, slave_);
  EXPECT_TRUE(terminal.InputIsTerminal());
  EXPECT_TRUE(terminal.OutputIsTerminal());
  std::optional<WindowSize> size = terminal.Size();
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->rows, 33u);
  EXPECT_EQ(size->cols, 111u);

  termios before = Mode();
  ASSERT_TRUE(before.c_lflag & ICANON);
  {
    RawModeScope raw(&terminal);
    ASSERT_TRUE(raw.status().ok()) << raw.status();
    termios now = Mode();
    EXPECT_FALSE(now.c_lflag & (ICANON | ECHO | ISIG));
    EXPECT_FALSE(now.c_iflag & ICRNL);
  }
  termios after = Mode();
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
}

TEST_F(PtyTest, DestructorRestoresToo) {
  termios before = Mode();
  {
    FdTerminal terminal(slave_, slave_);
    ASSERT_TRUE(terminal.MakeRaw().ok());
    EXPECT_FALSE(Mode().c_lflag & ICANON);
  }
  EXPECT_EQ(Mode().c_lflag, before.c_lflag);
}

TEST(FdTerminalTest, PipeIsNoTerminal) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  FdTerminal terminal(p[0], p[1]);
  EXPECT_FALSE(terminal.InputIsTerminal());
  EXPECT_FALSE(terminal.OutputIsTerminal());
  EXPECT_FALSE(terminal.Size().has_value());
  absl::Status s = terminal.MakeRaw();
  EXPECT_EQ(s.message(),
            "reading the terminal mode: Inappropriate ioctl for device");
  terminal.Restore();  // harmless when not raw
  RawModeScope none(nullptr);
  EXPECT_TRUE(none.status().ok());
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace warren::cli
