// The attachment plan is pure: names fit IFNAMSIZ, are stable per container,
// and MACs follow Docker's 02:42:<ip> scheme.
#include "netns/attachment_plan.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/netns/status_matchers.h"

namespace warren::netns {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

TEST(AttachmentPlanTest, DefaultNetworkPlan) {
  absl::StatusOr<AttachmentPlan> plan =
      BuildAttachmentPlan(DefaultNetwork(), "web-1", "10.88.0.2");
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->network, "warren");
  EXPECT_EQ(plan->container_id, "web-1");
  EXPECT_EQ(plan->bridge, "warren0");
  EXPECT_EQ(plan->bridge_cidr, "10.88.0.1/16");
  EXPECT_EQ(plan->bridge_mac, "02:42:0a:58:00:01");
  EXPECT_EQ(plan->mtu, 1500);
  EXPECT_EQ(plan->host_veth, HostVethName("web-1"));
  EXPECT_EQ(plan->container_ifname, "eth0");
  EXPECT_EQ(plan->container_mac, "02:42:0a:58:00:02");
  EXPECT_EQ(plan->address_cidr, "10.88.0.2/16");
  EXPECT_EQ(plan->gateway, "10.88.0.1");
  EXPECT_TRUE(plan->outbound_nat);
}

TEST(AttachmentPlanTest, HostVethNamesAreShortStableAndDistinct) {
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    const std::string id =
        i % 2 ? "c" + std::to_string(i)
              : std::string(64, 'a' + i % 26) + std::to_string(i);
    const std::string name = HostVethName(id);
    EXPECT_LE(name.size(), 15u) << name;
    EXPECT_THAT(name, MatchesRegex("wv[0-9a-f]{8}"));
    EXPECT_TRUE(IsHostVethName(name));
    EXPECT_EQ(name, HostVethName(id));  // stable
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 1000u);
  // Fixed value: the hash must never change between releases, or recovery
  // would not recognise veths made by an older warrend.
  EXPECT_EQ(HostVethName(""), "wv811c9dc5");  // FNV-1a offset basis
  EXPECT_EQ(HostVethName("a"), "wve40c292c");
}

TEST(AttachmentPlanTest, IsHostVethNameIsExact) {
  EXPECT_TRUE(IsHostVethName("wv0123abcd"));
  EXPECT_FALSE(IsHostVethName("wv0123abc"));
  EXPECT_FALSE(IsHostVethName("wv0123abcde"));
  EXPECT_FALSE(IsHostVethName("wv0123ABCD"));
  EXPECT_FALSE(IsHostVethName("xv0123abcd"));
  EXPECT_FALSE(IsHostVethName("warren0"));
}

TEST(AttachmentPlanTest, MacIsDerivedFromTheAddress) {
  EXPECT_EQ(MacForIp(0x0a580002), "02:42:0a:58:00:02");
  EXPECT_EQ(MacForIp(0xac1100ff), "02:42:ac:11:00:ff");
  NetworkConfig net = DefaultNetwork();
  net.mtu = 9000;
  EXPECT_EQ(BuildAttachmentPlan(net, "x", "10.88.1.200")->container_mac,
            "02:42:0a:58:01:c8");
  EXPECT_EQ(BuildAttachmentPlan(net, "x", "10.88.1.200")->mtu, 9000);
  // Same address, other container: same MAC (neighbours' ARP stays right).
  EXPECT_EQ(BuildAttachmentPlan(net, "y", "10.88.1.200")->container_mac,
            "02:42:0a:58:01:c8");
}

TEST(AttachmentPlanTest, RejectsUnusableAddresses) {
  for (const char* bad :
       {"10.88.0.0", "10.88.0.1", "10.88.255.255", "10.89.0.2", "x"}) {
    EXPECT_THAT(
        BuildAttachmentPlan(DefaultNetwork(), "c", bad),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("ip: ")))
        << bad;
  }
  EXPECT_THAT(BuildAttachmentPlan(DefaultNetwork(), "", "10.88.0.2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("container_id: ")));
}

TEST(AttachmentPlanTest, ResolvConf) {
  NetworkConfig net = DefaultNetwork();
  EXPECT_EQ(RenderResolvConf(*BuildAttachmentPlan(net, "c", "10.88.0.2")), "");
  net.dns_servers = {"10.88.0.1", "1.1.1.1"};
  net.dns_search = {"svc.local", "example.com"};
  AttachmentPlan plan = *BuildAttachmentPlan(net, "c", "10.88.0.2");
  EXPECT_THAT(plan.dns_servers, ElementsAre("10.88.0.1", "1.1.1.1"));
  EXPECT_EQ(RenderResolvConf(plan),
            "# written by warren for network \"warren\"\n"
            "nameserver 10.88.0.1\n"
            "nameserver 1.1.1.1\n"
            "search svc.local example.com\n");
}

}  // namespace
}  // namespace warren::netns
