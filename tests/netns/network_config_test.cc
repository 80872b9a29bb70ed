// Pure checks of network configs and CIDR helpers: every bad input gets the
// exact status code and a message that starts with the field's name.
#include "netns/network_config.h"

#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/netns/status_matchers.h"

namespace warren::netns {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

NetworkConfig Valid() {
  NetworkConfig c;
  c.name = "web";
  c.bridge = "wbr-web";
  c.subnet = "10.89.0.0/24";
  c.gateway = "10.89.0.1";
  c.mtu = 1400;
  c.dns_servers = {"1.1.1.1", "2606:4700:4700::1111"};
  c.dns_search = {"svc.local", "example.com."};
  return c;
}

TEST(CidrTest, ParsesAndFormats) {
  absl::StatusOr<Ipv4Cidr> c = ParseIpv4Cidr("10.88.0.0/16", "f");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->address, 0x0a580000u);
  EXPECT_EQ(c->prefix_len, 16);
  EXPECT_EQ(FormatIpv4Cidr(*c), "10.88.0.0/16");
  EXPECT_EQ(FormatIpv4(BroadcastAddress(*c)), "10.88.255.255");
  EXPECT_EQ(FormatIpv4(NetworkAddress({0x0a580102, 16})), "10.88.0.0");
  EXPECT_TRUE(CidrContains(*c, 0x0a58ff01));
  EXPECT_FALSE(CidrContains(*c, 0x0a590001));
  EXPECT_EQ(PrefixMask(0), 0u);
  EXPECT_EQ(PrefixMask(32), 0xffffffffu);
  EXPECT_EQ(PrefixMask(24), 0xffffff00u);
}

TEST(CidrTest, Overlaps) {
  auto cidr = [](const char* s) { return *ParseIpv4Cidr(s, "f"); };
  EXPECT_TRUE(CidrsOverlap(cidr("10.0.0.0/8"), cidr("10.88.0.0/16")));
  EXPECT_TRUE(CidrsOverlap(cidr("10.88.0.0/16"), cidr("10.0.0.0/8")));
  EXPECT_TRUE(CidrsOverlap(cidr("10.88.0.0/16"), cidr("10.88.0.0/16")));
  EXPECT_FALSE(CidrsOverlap(cidr("10.88.0.0/16"), cidr("10.89.0.0/16")));
  EXPECT_FALSE(CidrsOverlap(cidr("10.88.0.0/24"), cidr("10.88.1.0/24")));
}

TEST(CidrTest, RejectsBadText) {
  for (const char* bad :
       {"", "10.0.0.0", "10.0.0/8", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/",
        "10.0.0.0/8x", "::1/64", "10.0.0.0/ 8", "300.0.0.0/8", "a.b.c.d/8"}) {
    EXPECT_THAT(
        ParseIpv4Cidr(bad, "x.subnet"),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("x.subnet: ")))
        << bad;
  }
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", " 1.2.3.4",
                          "::1", "1.2.3.4/32"}) {
    EXPECT_THAT(
        ParseIpv4(bad, "ip"),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("ip: ")))
        << bad;
  }
}

TEST(NetworkConfigTest, AcceptsValidAndDefault) {
  EXPECT_THAT(ValidateNetworkConfig(Valid(), {}, "network"), IsOk());
  NetworkConfig def = DefaultNetwork();
  EXPECT_EQ(def.name, "warren");
  EXPECT_EQ(def.bridge, "warren0");
  EXPECT_EQ(def.subnet, "10.88.0.0/16");
  EXPECT_EQ(def.gateway, "10.88.0.1");
  EXPECT_THAT(ValidateNetworkConfig(def, {}, "network"), IsOk());
  // Both may coexist.
  EXPECT_THAT(ValidateNetworkConfig(Valid(), {def}, "network"), IsOk());
}

struct BadCase {
  const char* what;
  std::function<void(NetworkConfig&)> mutate;
  const char* field;
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
};

TEST(NetworkConfigTest, EachBadFieldIsNamedWithItsCode) {
  const std::vector<BadCase> cases = {
      {"empty name", [](NetworkConfig& c) { c.name = ""; }, "network.name"},
      {"name with slash", [](NetworkConfig& c) { c.name = "a/b"; },
       "network.name"},
      {"name starting with dot", [](NetworkConfig& c) { c.name = ".x"; },
       "network.name"},
      {"long name", [](NetworkConfig& c) { c.name = std::string(65, 'n'); },
       "network.name"},
      {"empty bridge", [](NetworkConfig& c) { c.bridge = ""; },
       "network.bridge"},
      {"16-char bridge",
       [](NetworkConfig& c) { c.bridge = "abcdefghijklmnop"; },
       "network.bridge"},
      {"bridge with slash", [](NetworkConfig& c) { c.bridge = "br/0"; },
       "network.bridge"},
      {"bridge with space", [](NetworkConfig& c) { c.bridge = "br 0"; },
       "network.bridge"},
      {"bridge with tab", [](NetworkConfig& c) { c.bridge = "br\t0"; },
       "network.bridge"},
      {"bridge with colon", [](NetworkConfig& c) { c.bridge = "br:0"; },
       "network.bridge"},
      {"bridge template", [](NetworkConfig& c) { c.bridge = "br%d"; },
       "network.bridge"},
      {"bridge dot", [](NetworkConfig& c) { c.bridge = "."; },
       "network.bridge"},
      {"bridge dotdot", [](NetworkConfig& c) { c.bridge = ".."; },
       "network.bridge"},
      {"bridge with veth prefix", [](NetworkConfig& c) { c.bridge = "wvbr"; },
       "network.bridge"},
      {"empty subnet", [](NetworkConfig& c) { c.subnet = ""; },
       "network.subnet"},
      {"subnet not a CIDR", [](NetworkConfig& c) { c.subnet = "10.89.0.0"; },
       "network.subnet"},
      {"subnet garbage", [](NetworkConfig& c) { c.subnet = "x/24"; },
       "network.subnet"},
      {"subnet host bits",
       [](NetworkConfig& c) {
         c.subnet = "10.89.0.5/24";
         c.gateway = "10.89.0.1";
       },
       "network.subnet"},
      {"subnet /31", [](NetworkConfig& c) { c.subnet = "10.89.0.0/31"; },
       "network.subnet"},
      {"subnet /4", [](NetworkConfig& c) { c.subnet = "0.0.0.0/4"; },
       "network.subnet"},
      {"empty gateway", [](NetworkConfig& c) { c.gateway = ""; },
       "network.gateway"},
      {"gateway garbage", [](NetworkConfig& c) { c.gateway = "gw"; },
       "network.gateway"},
      {"gateway outside", [](NetworkConfig& c) { c.gateway = "10.89.1.1"; },
       "network.gateway"},
      {"gateway is network", [](NetworkConfig& c) { c.gateway = "10.89.0.0"; },
       "network.gateway"},
      {"gateway is broadcast",
       [](NetworkConfig& c) { c.gateway = "10.89.0.255"; }, "network.gateway"},
      {"mtu 67", [](NetworkConfig& c) { c.mtu = 67; }, "network.mtu"},
      {"mtu 65536", [](NetworkConfig& c) { c.mtu = 65536; }, "network.mtu"},
      {"mtu 0", [](NetworkConfig& c) { c.mtu = 0; }, "network.mtu"},
      {"bad dns server",
       [](NetworkConfig& c) { c.dns_servers.push_back("dns.google"); },
       "network.dns_servers[2]"},
      {"empty search domain", [](NetworkConfig& c) { c.dns_search = {""}; },
       "network.dns_search[0]"},
      {"search domain with space",
       [](NetworkConfig& c) {
         c.dns_search = {"a.b", "a b"};
       },
       "network.dns_search[1]"},
  };
  for (const BadCase& bad : cases) {
    NetworkConfig config = Valid();
    bad.mutate(config);
    EXPECT_THAT(ValidateNetworkConfig(config, {}, "network"),
                StatusIs(bad.code, StartsWith(std::string(bad.field) + ": ")))
        << bad.what;
  }
}

TEST(NetworkConfigTest, BoundaryValuesPass) {
  NetworkConfig c = Valid();
  c.mtu = 68;
  EXPECT_THAT(ValidateNetworkConfig(c, {}, "network"), IsOk());
  c.mtu = 65535;
  EXPECT_THAT(ValidateNetworkConfig(c, {}, "network"), IsOk());
  c.bridge = "abcdefghijklmno";  // exactly 15
  EXPECT_THAT(ValidateNetworkConfig(c, {}, "network"), IsOk());
  c.subnet = "10.89.0.0/30";
  c.gateway = "10.89.0.2";  // any host address may be the gateway
  EXPECT_THAT(ValidateNetworkConfig(c, {}, "network"), IsOk());
}

TEST(NetworkConfigTest, ClashesWithExistingNetworks) {
  const NetworkConfig def = DefaultNetwork();

  NetworkConfig overlapping = Valid();
  overlapping.subnet = "10.88.5.0/24";  // inside 10.88.0.0/16
  overlapping.gateway = "10.88.5.1";
  EXPECT_THAT(ValidateNetworkConfig(overlapping, {def}, "network"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(StartsWith("network.subnet: "),
                                        HasSubstr("overlaps 10.88.0.0/16"),
                                        HasSubstr("\"warren\""))));

  NetworkConfig wider = Valid();
  wider.subnet = "10.0.0.0/8";  // contains 10.88.0.0/16
  wider.gateway = "10.0.0.1";
  EXPECT_THAT(
      ValidateNetworkConfig(wider, {def}, "net"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("net.subnet: ")));

  NetworkConfig same_bridge = Valid();
  same_bridge.bridge = "warren0";
  EXPECT_THAT(ValidateNetworkConfig(same_bridge, {def}, "network"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("network.bridge: ")));

  NetworkConfig same_name = Valid();
  same_name.name = "warren";
  EXPECT_THAT(
      ValidateNetworkConfig(same_name, {def}, "network"),
      StatusIs(absl::StatusCode::kAlreadyExists, StartsWith("network.name: ")));
}

TEST(ContainerIpTest, RequestedAddressMustBeAUsableHost) {
  const NetworkConfig net = Valid();  // 10.89.0.0/24, gateway .1
  EXPECT_THAT(ValidateContainerIp(net, "10.89.0.2", "spec.ip"), IsOk());
  EXPECT_THAT(ValidateContainerIp(net, "10.89.0.254", "spec.ip"), IsOk());
  for (const char* bad : {"10.89.1.2", "10.89.0.0", "10.89.0.1", "10.89.0.255",
                          "10.89.0", "", "10.89.0.2/24"}) {
    EXPECT_THAT(
        ValidateContainerIp(net, bad, "spec.ip"),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("spec.ip: ")))
        << bad;
  }
  EXPECT_THAT(
      ValidateContainerIp(net, "10.89.0.1", "ip"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gateway")));
}

}  // namespace
}  // namespace warren::netns
