// Firewall over the recording fake: what it syncs when, that a failed sync
// or a bad request changes nothing, and that removing a container removes
// exactly its rules. No root.
#include "netns/firewall.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netns/firewall_plan.h"
#include "tests/netns/fake_firewall_ops.h"
#include "tests/netns/status_matchers.h"

namespace warren::netns {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::warren::netns::testing::FakeFirewallOps;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

constexpr char kIpForward[] = "/proc/sys/net/ipv4/ip_forward";
constexpr char kLocalnet[] = "/proc/sys/net/ipv4/conf/warren0/route_localnet";

NatNetwork DefaultNat() { return {"warren", "10.88.0.0/16", "warren0", true}; }

PortForward Fwd(std::string proto, std::string host_ip, int host_port,
                std::string ip, int port) {
  return {"",        std::move(proto), std::move(host_ip),
          host_port, std::move(ip),    port};
}

class FirewallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(fw_.SetNetworks({DefaultNat()}), IsOk());
  }

  FakeFirewallOps ops_;
  Firewall fw_{&ops_, "warren_t"};
};

TEST_F(FirewallTest, SetNetworksWritesIpForwardThenReplacesTheTable) {
  EXPECT_THAT(ops_.calls(),
              ElementsAre(absl::StrCat("sysctl ", kIpForward, "=1"), "run"));
  EXPECT_EQ(ops_.applied(), RenderRuleset("warren_t", {DefaultNat()}, {}));
  EXPECT_THAT(ops_.applied(), HasSubstr("ip saddr 10.88.0.0/16 ip daddr != "
                                        "10.88.0.0/16 masquerade"));
}

TEST_F(FirewallTest, AddForwardsSyncsTheRulesAndRouteLocalnet) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  EXPECT_THAT(ops_.applied(),
              HasSubstr("tcp dport 8080 dnat to 10.88.0.2:80 comment "
                        "\"container web\""));
  EXPECT_THAT(
      ops_.sysctl_writes(),
      ElementsAre(absl::StrCat(kIpForward, "=1"), absl::StrCat(kLocalnet, "=1"),
                  absl::StrCat(kIpForward, "=1")));
  ASSERT_THAT(fw_.forwards(), SizeIs(1));
  EXPECT_EQ(fw_.forwards()[0].container_id, "web");
}

TEST_F(FirewallTest, BadRequestsChangeNothing) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  const size_t runs = ops_.scripts().size();
  EXPECT_THAT(
      fw_.AddForwards("db",
                      {Fwd("tcp", "", 5432, "10.88.0.3", 5432),
                       Fwd("tcp", "127.0.0.1", 8080, "10.88.0.3", 1)},
                      "spec.network.ports"),
      StatusIs(absl::StatusCode::kAlreadyExists,
               AllOf(HasSubstr("spec.network.ports[1].host_port: tcp port "
                               "8080 on 127.0.0.1"),
                     HasSubstr("container \"web\""))));
  EXPECT_THAT(fw_.AddForwards("db", {Fwd("tcp", "", 0, "10.88.0.3", 1)},
                              "spec.network.ports"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("spec.network.ports[0].host_port")));
  EXPECT_THAT(
      fw_.AddForwards("db", {Fwd("tcp", "", 5432, "10.99.0.3", 1)}, "ports"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "ports[0].container_ip: 10.99.0.3 is on none of the networks "
               "(warren 10.88.0.0/16)"));
  EXPECT_THAT(
      fw_.AddForwards("", {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("container_id")));
  // The same container may not map the same port twice either.
  EXPECT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 81)}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("8080")));
  EXPECT_EQ(ops_.scripts().size(), runs) << "nothing was synced";
  EXPECT_THAT(fw_.forwards(), SizeIs(1));
}

TEST_F(FirewallTest, FailedSyncRollsBackSoNothingIsHalfApplied) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  const std::string before = ops_.applied();
  ops_.FailRuns(
      absl::PermissionDeniedError("nftables: Operation not permitted"), 1);
  EXPECT_THAT(fw_.AddForwards("db", {Fwd("tcp", "", 5432, "10.88.0.3", 5432),
                                     Fwd("udp", "", 5432, "10.88.0.3", 5432)}),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("sync nftables table ip warren_t"),
                             HasSubstr("Operation not permitted"))));
  EXPECT_EQ(ops_.applied(), before);
  EXPECT_THAT(fw_.forwards(), SizeIs(1)) << "db's forwards were rolled back";
  // No phantom conflict: the port is free again, and the retry applies.
  ASSERT_THAT(fw_.AddForwards("db", {Fwd("tcp", "", 5432, "10.88.0.3", 5432)}),
              IsOk());
  EXPECT_THAT(ops_.applied(), HasSubstr("tcp dport 5432 dnat to"));
  EXPECT_THAT(ops_.applied(), Not(HasSubstr("udp dport 5432")));
}

TEST_F(FirewallTest, FailedSysctlRunsNoScriptAndRollsBack) {
  ops_.FailSysctl(kLocalnet, absl::NotFoundError("no such bridge"));
  const size_t runs = ops_.scripts().size();
  EXPECT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("sync nftables table ip warren_t")));
  EXPECT_EQ(ops_.scripts().size(), runs);
  EXPECT_THAT(fw_.forwards(), IsEmpty());
}

TEST_F(FirewallTest, RemoveContainerRemovesExactlyItsRules) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80),
                                      Fwd("udp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  ASSERT_THAT(fw_.AddForwards("db", {Fwd("tcp", "", 5432, "10.88.0.3", 5432)}),
              IsOk());
  ASSERT_THAT(fw_.RemoveContainer("web"), IsOk());
  EXPECT_THAT(ops_.applied(), Not(HasSubstr("container web")));
  EXPECT_THAT(ops_.applied(), HasSubstr("container db"));
  ASSERT_THAT(fw_.RemoveContainer("db"), IsOk());
  EXPECT_EQ(ops_.applied(), RenderRuleset("warren_t", {DefaultNat()}, {}));
  // Unknown containers are fine (idempotent delete) and cost nothing while
  // the table is in sync.
  const size_t runs = ops_.scripts().size();
  EXPECT_THAT(fw_.RemoveContainer("nobody"), IsOk());
  EXPECT_EQ(ops_.scripts().size(), runs);
}

TEST_F(FirewallTest, RemoveAfterFailedSyncIsRepairedByTheRetry) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  ops_.FailRuns(absl::InternalError("nftables: boom"), 1);
  EXPECT_THAT(fw_.RemoveContainer("web"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("boom")));
  EXPECT_THAT(ops_.applied(), HasSubstr("container web")) << "kernel unchanged";
  EXPECT_THAT(fw_.forwards(), IsEmpty()) << "but the container is forgotten";
  ASSERT_THAT(fw_.RemoveContainer("web"), IsOk());
  EXPECT_THAT(ops_.applied(), Not(HasSubstr("container web")));
}

TEST_F(FirewallTest, ScriptDoesNotDependOnTheOrderOfChanges) {
  FakeFirewallOps other_ops;
  Firewall other(&other_ops, "warren_t");
  ASSERT_THAT(other.SetNetworks({DefaultNat()}), IsOk());
  ASSERT_THAT(fw_.AddForwards("a", {Fwd("tcp", "", 1000, "10.88.0.2", 1)}),
              IsOk());
  ASSERT_THAT(fw_.AddForwards("b", {Fwd("udp", "", 999, "10.88.0.3", 1)}),
              IsOk());
  ASSERT_THAT(other.AddForwards("b", {Fwd("udp", "", 999, "10.88.0.3", 1)}),
              IsOk());
  ASSERT_THAT(other.AddForwards("a", {Fwd("tcp", "", 1000, "10.88.0.2", 1)}),
              IsOk());
  EXPECT_EQ(ops_.applied(), other_ops.applied());
}

TEST_F(FirewallTest, SetNetworksRefusesToStrandForwards) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  const size_t runs = ops_.scripts().size();
  EXPECT_THAT(fw_.SetNetworks({{"other", "10.89.0.0/24", "br1", true}}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container \"web\" still forwards tcp port "
                                 "8080 to 10.88.0.2")));
  EXPECT_THAT(fw_.SetNetworks({{"a", "10.89.0.1/24", "br1", true}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("networks[0].subnet")));
  EXPECT_EQ(ops_.scripts().size(), runs);
  // Switching NAT off keeps the forwards.
  NatNetwork no_nat = DefaultNat();
  no_nat.outbound_nat = false;
  ASSERT_THAT(fw_.SetNetworks({no_nat}), IsOk());
  EXPECT_THAT(ops_.applied(), Not(HasSubstr("ip daddr != 10.88.0.0/16")));
  EXPECT_THAT(ops_.applied(), HasSubstr("tcp dport 8080"));
}

TEST_F(FirewallTest, ReconcileReplacesEverythingInOneSync) {
  ASSERT_THAT(fw_.AddForwards("gone", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  const size_t runs = ops_.scripts().size();
  ASSERT_THAT(
      fw_.Reconcile({DefaultNat()},
                    {{"live", {Fwd("tcp", "", 8080, "10.88.0.9", 80)}}}),
      IsOk());
  EXPECT_EQ(ops_.scripts().size(), runs + 1);
  EXPECT_THAT(ops_.applied(), Not(HasSubstr("container gone")));
  EXPECT_THAT(ops_.applied(), HasSubstr("dnat to 10.88.0.9:80 comment "
                                        "\"container live\""));
  // Conflicts between live containers are named; nothing changes.
  EXPECT_THAT(fw_.Reconcile({DefaultNat()},
                            {{"a", {Fwd("tcp", "", 1, "10.88.0.2", 1)}},
                             {"b", {Fwd("tcp", "", 1, "10.88.0.3", 1)}}}),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("forwards[b][0].host_port")));
  // A failed sync rolls back to the previous state.
  ops_.FailRuns(absl::InternalError("boom"), 1);
  EXPECT_THAT(fw_.Reconcile({DefaultNat()}, {}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("boom")));
  ASSERT_THAT(fw_.forwards(), SizeIs(1));
  EXPECT_EQ(fw_.forwards()[0].container_id, "live");
}

TEST_F(FirewallTest, ClearDeletesTheTableAndForgets) {
  ASSERT_THAT(fw_.AddForwards("web", {Fwd("tcp", "", 8080, "10.88.0.2", 80)}),
              IsOk());
  ASSERT_THAT(fw_.Clear(), IsOk());
  EXPECT_EQ(ops_.scripts().back(), RenderDeleteTable("warren_t"));
  EXPECT_THAT(fw_.forwards(), IsEmpty());
  EXPECT_THAT(fw_.networks(), IsEmpty());
  ops_.FailRuns(absl::InternalError("boom"), 1);
  EXPECT_THAT(fw_.Clear(),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("delete nftables table ip warren_t: boom")));
}

TEST(FirewallTableNameTest, BadTableNameIsRefusedBeforeAnyCall) {
  FakeFirewallOps ops;
  Firewall fw(&ops, "bad name; flush ruleset");
  EXPECT_THAT(fw.Sync(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("table name")));
  EXPECT_THAT(fw.Clear(), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("table name")));
  EXPECT_THAT(ops.calls(), IsEmpty());
}

TEST_F(FirewallTest, ConcurrentAddsAllEndUpInTheTable) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string id = absl::StrCat("c", t, "-", i);
        EXPECT_THAT(fw_.AddForwards(id, {Fwd("tcp", "", 10000 + t * 10 + i,
                                             "10.88.1.1", 80)}),
                    IsOk());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(fw_.forwards(), SizeIs(80));
  EXPECT_EQ(ops_.applied(),
            RenderRuleset("warren_t", {DefaultNat()}, fw_.forwards()));
}

}  // namespace
}  // namespace warren::netns
