// NetworkAttacher over the recording fake: the order of operations on the
// success path, the bridge port limit, and that a failure at any step leaves
// no veth of the container behind.
#include "netns/network_attacher.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/netns/fake_netlink_ops.h"
#include "tests/netns/status_matchers.h"

namespace warren::netns {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::warren::netns::testing::FakeNetlinkOps;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

constexpr int kNetnsFd = 42;

AttachmentPlan Plan(const std::string& id, const std::string& ip) {
  NetworkConfig net = DefaultNetwork();
  net.mtu = 1400;
  return *BuildAttachmentPlan(net, id, ip);
}

TEST(NetworkAttacherTest, AttachCallsInOrder) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  const AttachmentPlan plan = Plan("web", "10.88.0.2");
  ASSERT_THAT(attacher.Attach(plan, kNetnsFd), IsOk());
  const std::string veth = HostVethName("web");
  EXPECT_THAT(
      ops.calls(),
      ElementsAre("EnsureBridge warren0 1400 10.88.0.1/16 02:42:0a:58:00:01",
                  "BridgePorts warren0",
                  "CreateVethIntoNetns " + veth +
                      " eth0 42 1400 02:42:0a:58:00:02 warren0",
                  "ConfigureInNetns 42 eth0 10.88.0.2/16 10.88.0.1"));
  const FakeNetlinkOps::Link& link = ops.links().at(veth);
  EXPECT_EQ(link.master, "warren0");
  EXPECT_TRUE(link.peer_configured);
  EXPECT_EQ(link.peer_address, "10.88.0.2/16");

  // A second container reuses the bridge, and its ports are counted in
  // memory: no second dump of every link.
  const size_t before = ops.calls().size();
  ASSERT_THAT(attacher.Attach(Plan("db", "10.88.0.3"), 43), IsOk());
  EXPECT_THAT(
      std::vector<std::string>(ops.calls().begin() + before, ops.calls().end()),
      ElementsAre(::testing::StartsWith("EnsureBridge warren0"),
                  ::testing::StartsWith("CreateVethIntoNetns"),
                  ::testing::StartsWith("ConfigureInNetns 43")));
  EXPECT_THAT(ops.LinksOfKind("veth"),
              UnorderedElementsAre(veth, HostVethName("db")));
  EXPECT_THAT(ops.LinksOfKind("bridge"), ElementsAre("warren0"));
}

TEST(NetworkAttacherTest, DetachRemovesTheVethAndIsIdempotent) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  const AttachmentPlan plan = Plan("web", "10.88.0.2");
  ASSERT_THAT(attacher.Attach(plan, kNetnsFd), IsOk());
  ASSERT_THAT(attacher.Detach(plan), IsOk());
  EXPECT_THAT(ops.LinksOfKind("veth"), IsEmpty());
  EXPECT_THAT(ops.calls().back(), "DeleteLink " + HostVethName("web"));
  EXPECT_THAT(attacher.Detach(plan), IsOk());
}

TEST(NetworkAttacherTest, FailureAtEachStepLeavesNothingOfTheContainer) {
  const std::vector<absl::StatusCode> codes = {
      absl::StatusCode::kPermissionDenied, absl::StatusCode::kInternal,
      absl::StatusCode::kAlreadyExists, absl::StatusCode::kNotFound};
  for (int step = 1; step <= 4; ++step) {
    SCOPED_TRACE(::testing::Message() << "failing step " << step);
    FakeNetlinkOps ops;
    NetworkAttacher attacher(&ops);
    ops.FailAt(step, absl::Status(codes[step - 1], "injected"));
    EXPECT_THAT(attacher.Attach(Plan("web", "10.88.0.2"), kNetnsFd),
                StatusIs(codes[step - 1],
                         AllOf(HasSubstr("attach container web to network "
                                         "\"warren\""),
                               HasSubstr("injected"))));
    EXPECT_THAT(ops.LinksOfKind("veth"), IsEmpty());
    // No step after the failing one ran (the undo aside).
    ASSERT_GE(ops.calls().size(), static_cast<size_t>(step));
    if (step == 4) {
      EXPECT_EQ(ops.calls().back(), "DeleteLink " + HostVethName("web"));
    } else {
      EXPECT_EQ(ops.calls().size(), static_cast<size_t>(step));
    }
    // The bridge is the network's, shared: kept when it was made.
    EXPECT_EQ(ops.LinksOfKind("bridge").size(), step == 1 ? 0u : 1u);
  }
}

TEST(NetworkAttacherTest, ExistingHostVethIsNotDeleted) {
  // Someone else's link under our name (e.g. a hash collision): Attach fails
  // and must not remove it.
  FakeNetlinkOps ops;
  FakeNetlinkOps::Link other;
  other.kind = "veth";
  ops.AddLink(HostVethName("web"), other);
  NetworkAttacher attacher(&ops);
  EXPECT_THAT(attacher.Attach(Plan("web", "10.88.0.2"), kNetnsFd),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("exists")));
  EXPECT_THAT(ops.LinksOfKind("veth"), ElementsAre(HostVethName("web")));
  for (const std::string& call : ops.calls()) {
    EXPECT_THAT(call, ::testing::Not(HasSubstr("DeleteLink")));
  }
}

TEST(NetworkAttacherTest, UndoFailureIsReportedToo) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  ops.FailAt(4, absl::InternalError("configure broke"));
  ops.FailDeletes(absl::InternalError("delete broke"));
  EXPECT_THAT(
      attacher.Attach(Plan("web", "10.88.0.2"), kNetnsFd),
      StatusIs(absl::StatusCode::kInternal,
               AllOf(HasSubstr("configure broke"), HasSubstr("delete broke"))));
}

// How often the attacher dumped the links of a bridge.
int PortDumps(const FakeNetlinkOps& ops) {
  int n = 0;
  for (const std::string& call : ops.calls()) {
    n += ::testing::Value(call, ::testing::StartsWith("BridgePorts ")) ? 1 : 0;
  }
  return n;
}

TEST(NetworkAttacherTest, FullBridgeIsResourceExhausted) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  ASSERT_THAT(ops.EnsureBridge("warren0", 1400, "10.88.0.1/16", ""), IsOk());
  ops.SetExtraPorts("warren0", kMaxBridgePorts - 2);
  ASSERT_THAT(attacher.Attach(Plan("a", "10.88.0.2"), kNetnsFd), IsOk());
  ASSERT_THAT(attacher.Attach(Plan("b", "10.88.0.3"), 43), IsOk());  // 1023
  EXPECT_EQ(PortDumps(ops), 1);
  EXPECT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("warren0"), HasSubstr("1023"))));
  // At the limit the kernel is asked again before refusing.
  EXPECT_EQ(PortDumps(ops), 2);
  EXPECT_THAT(ops.LinksOfKind("veth"),
              UnorderedElementsAre(HostVethName("a"), HostVethName("b")));

  // Detach frees a port without asking the kernel; twice counts once.
  ASSERT_THAT(attacher.Detach(Plan("a", "10.88.0.2")), IsOk());
  ASSERT_THAT(attacher.Detach(Plan("a", "10.88.0.2")), IsOk());
  ASSERT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44), IsOk());
  EXPECT_EQ(PortDumps(ops), 2);
  EXPECT_THAT(
      attacher.Attach(Plan("d", "10.88.0.5"), 45),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("1023")));
  EXPECT_THAT(ops.LinksOfKind("veth"),
              UnorderedElementsAre(HostVethName("b"), HostVethName("c")));
}

TEST(NetworkAttacherTest, PortsGoneBehindItsBackAreFoundAtTheLimit) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  ASSERT_THAT(ops.EnsureBridge("warren0", 1400, "10.88.0.1/16", ""), IsOk());
  ops.SetExtraPorts("warren0", kMaxBridgePorts - 1);
  ASSERT_THAT(attacher.Attach(Plan("a", "10.88.0.2"), kNetnsFd), IsOk());
  // Someone removes the other ports; the attacher still counts 1023 but
  // asks the kernel before refusing, and finds room.
  ops.SetExtraPorts("warren0", 0);
  ASSERT_THAT(attacher.Attach(Plan("b", "10.88.0.3"), 43), IsOk());
  EXPECT_EQ(PortDumps(ops), 2);
  ASSERT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44), IsOk());
  EXPECT_EQ(PortDumps(ops), 2);
}

TEST(NetworkAttacherTest, RestartedAttacherLearnsPortsFromTheKernel) {
  FakeNetlinkOps ops;
  {
    NetworkAttacher before_restart(&ops);
    ASSERT_THAT(before_restart.Attach(Plan("a", "10.88.0.2"), kNetnsFd),
                IsOk());
    ASSERT_THAT(before_restart.Attach(Plan("b", "10.88.0.3"), 43), IsOk());
  }
  ops.SetExtraPorts("warren0", kMaxBridgePorts - 3);  // 1021 + a + b
  NetworkAttacher attacher(&ops);
  ASSERT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44), IsOk());  // 1023
  EXPECT_THAT(
      attacher.Attach(Plan("d", "10.88.0.5"), 45),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("1023")));
  // A container of the previous warrend leaving frees its port here too.
  ASSERT_THAT(attacher.Detach(Plan("a", "10.88.0.2")), IsOk());
  EXPECT_THAT(attacher.Attach(Plan("d", "10.88.0.5"), 45), IsOk());
  EXPECT_THAT(
      attacher.Attach(Plan("e", "10.88.0.6"), 46),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("1023")));
}

TEST(NetworkAttacherTest, FailedAttachDoesNotTakeAPort) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  ASSERT_THAT(ops.EnsureBridge("warren0", 1400, "10.88.0.1/16", ""), IsOk());
  ops.SetExtraPorts("warren0", kMaxBridgePorts - 1);
  // ConfigureInNetns (4th call of this attach) fails: the veth is undone
  // and its port is free again, without asking the kernel.
  ops.FailAt(4, absl::InternalError("configure broke"));
  EXPECT_THAT(
      attacher.Attach(Plan("a", "10.88.0.2"), kNetnsFd),
      StatusIs(absl::StatusCode::kInternal, HasSubstr("configure broke")));
  ASSERT_THAT(attacher.Attach(Plan("b", "10.88.0.3"), 43), IsOk());
  EXPECT_EQ(PortDumps(ops), 1);
  // A refused CreateVethIntoNetns (not a taken name) makes it read the
  // bridge again on the next attach.
  ASSERT_THAT(attacher.Detach(Plan("b", "10.88.0.3")), IsOk());
  ops.FailAt(2, absl::InternalError("kernel said no"));
  EXPECT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("said no")));
  ASSERT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44), IsOk());
  EXPECT_EQ(PortDumps(ops), 2);
}

TEST(NetworkAttacherTest, StaleVethsAndDeletedBridgesAreForgotten) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  ASSERT_THAT(ops.EnsureBridge("warren0", 1400, "10.88.0.1/16", ""), IsOk());
  ops.SetExtraPorts("warren0", kMaxBridgePorts - 1);
  ASSERT_THAT(attacher.Attach(Plan("a", "10.88.0.2"), kNetnsFd), IsOk());
  ASSERT_THAT(attacher.DeleteHostVeth(HostVethName("a")), IsOk());
  EXPECT_THAT(ops.LinksOfKind("veth"), IsEmpty());
  ASSERT_THAT(attacher.Attach(Plan("b", "10.88.0.3"), 43), IsOk());
  EXPECT_EQ(PortDumps(ops), 1);
  attacher.ForgetBridge("warren0");
  ASSERT_THAT(attacher.Detach(Plan("b", "10.88.0.3")), IsOk());
  ASSERT_THAT(attacher.Attach(Plan("c", "10.88.0.4"), 44), IsOk());
  EXPECT_EQ(PortDumps(ops), 2);
}

TEST(NetworkAttacherTest, StaleHostVethsAreOnlyWarrensDeadOnes) {
  FakeNetlinkOps ops;
  NetworkAttacher attacher(&ops);
  ASSERT_THAT(attacher.Attach(Plan("live", "10.88.0.2"), kNetnsFd), IsOk());
  ASSERT_THAT(attacher.Attach(Plan("dead", "10.88.0.3"), 43), IsOk());
  FakeNetlinkOps::Link veth;
  veth.kind = "veth";
  ops.AddLink("wvnotours", veth);  // prefix, but not our shape
  FakeNetlinkOps::Link dummy;
  dummy.kind = "dummy";
  ops.AddLink("wv0000abcd", dummy);  // our shape, but not a veth
  FakeNetlinkOps::Link elsewhere;
  elsewhere.kind = "veth";
  elsewhere.master = "otherbr0";  // another warrend's bridge
  ops.AddLink(HostVethName("someone-else"), elsewhere);
  absl::StatusOr<std::vector<std::string>> stale =
      attacher.StaleHostVeths({"live"}, {"warren0"});
  ASSERT_THAT(stale, IsOk());
  EXPECT_THAT(*stale, ElementsAre(HostVethName("dead")));
}

}  // namespace
}  // namespace warren::netns
