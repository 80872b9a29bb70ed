// Monitor packets over a socketpair: small ones inline, big ones (an exec
// with large arguments) in a sealed memfd, too big ones refused before
// anything is sent.
#include "runtime/monitor_protocol.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/monitor/fd_passing.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;

class MonitorProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv_), 0);
  }
  void TearDown() override {
    for (int fd : sv_) {
      if (fd >= 0) close(fd);
    }
  }

  MonitorRequest ExecWithArg(size_t bytes) {
    MonitorRequest request;
    request.mutable_exec()->set_exec_id("e1");
    request.mutable_exec()->mutable_process()->add_args(
        std::string(bytes, 'a'));
    return request;
  }

  // How many descriptors this process has open.
  static int OpenFds() {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) >= 0;
    return n;
  }

  int sv_[2] = {-1, -1};
};

TEST_F(MonitorProtocolTest, SmallAndBigMessagesArriveWhole) {
  const int fds_before = OpenFds();
  // Empty (all defaults), inline, just over inline, and well past what one
  // unix datagram carries with the default send buffer.
  for (size_t bytes :
       {size_t{0}, size_t{1000}, size_t{64 << 10}, size_t{3 << 20}}) {
    MonitorRequest sent = bytes == 0 ? MonitorRequest() : ExecWithArg(bytes);
    ASSERT_TRUE(SendPacket(sv_[0], sent).ok()) << bytes;
    MonitorRequest got;
    absl::Status s = ReceivePacket(sv_[1], &got);
    ASSERT_TRUE(s.ok()) << bytes << ": " << s;
    EXPECT_EQ(got.SerializeAsString(), sent.SerializeAsString()) << bytes;
  }
  EXPECT_EQ(OpenFds(), fds_before);  // no memfd left on either side
}

TEST_F(MonitorProtocolTest, TooBigIsResourceExhaustedAndSendsNothing) {
  absl::Status s = SendPacket(sv_[0], ExecWithArg(kMaxMonitorPacket));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("at most"));
  close(sv_[0]);
  sv_[0] = -1;
  MonitorRequest got;
  EXPECT_EQ(ReceivePacket(sv_[1], &got).code(), absl::StatusCode::kUnavailable);
}

TEST_F(MonitorProtocolTest, APacketWithoutTheMarkerIsDataLoss) {
  ASSERT_EQ(send(sv_[0], "x", 1, 0), 1);
  MonitorRequest got;
  EXPECT_EQ(ReceivePacket(sv_[1], &got).code(), absl::StatusCode::kDataLoss);
  // A memfd marker with no memfd attached is malformed too.
  ASSERT_EQ(send(sv_[0], "M", 1, 0), 1);
  EXPECT_EQ(ReceivePacket(sv_[1], &got).code(), absl::StatusCode::kDataLoss);
  // So is a memfd its sender could still change, and it is not kept open.
  const int fds_before = OpenFds();
  int memfd = memfd_create("unsealed", MFD_CLOEXEC);
  ASSERT_GE(memfd, 0);
  ASSERT_EQ(write(memfd, "W", 1), 1);
  ASSERT_TRUE(SendWithFds(sv_[0], "M", {memfd}).ok());
  close(memfd);
  absl::Status s = ReceivePacket(sv_[1], &got);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("unsealed"));
  EXPECT_EQ(OpenFds(), fds_before);
}

TEST_F(MonitorProtocolTest, RecvWithFdsRefusesWhatDidNotFit) {
  const int fds_before = OpenFds();
  ASSERT_TRUE(SendWithFds(sv_[0], "abcdef", {}).ok());
  char buf[4];
  std::vector<int> fds;
  absl::StatusOr<size_t> n = RecvWithFds(sv_[1], buf, sizeof(buf), 1, &fds);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kDataLoss);
  // Two descriptors where one was expected: neither is kept.
  ASSERT_TRUE(SendWithFds(sv_[0], "ab", {sv_[0], sv_[1]}).ok());
  n = RecvWithFds(sv_[1], buf, sizeof(buf), 1, &fds);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(fds.empty());
  EXPECT_EQ(OpenFds(), fds_before);
  ASSERT_TRUE(SendWithFds(sv_[0], "ab", {sv_[0]}).ok());
  n = RecvWithFds(sv_[1], buf, sizeof(buf), 1, &fds);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2u);
  ASSERT_EQ(fds.size(), 1u);
  close(fds[0]);
}

}  // namespace
}  // namespace warren::runtime
