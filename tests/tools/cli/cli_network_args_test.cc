// Tests of the parsing of the network flags of create/run (--network, --ip,
// -p/--publish, --dns, --dns-search) and of the `network` subcommands:
// what each command line turns into, and the exact usage errors.
#include "tools/cli/cli_network_args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;

std::string CreateError(const std::vector<std::string>& args) {
  return std::string(ParseCreateArgs(args).status().message());
}

v1::NetworkSpec CreateNetwork(const std::vector<std::string>& args) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs(args);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? c->spec.network() : v1::NetworkSpec();
}

TEST(NetworkFlagTest, Modes) {
  EXPECT_EQ(CreateNetwork({"--network", "none", "sh"}).mode(),
            v1::NetworkSpec::MODE_NONE);
  v1::NetworkSpec host = CreateNetwork({"--network=host", "sh"});
  EXPECT_EQ(host.mode(), v1::NetworkSpec::MODE_HOST);
  EXPECT_EQ(host.network(), "");
  // "bridge" is Docker's name of its default network: ours is "warren".
  v1::NetworkSpec bridge = CreateNetwork({"--network", "bridge", "sh"});
  EXPECT_EQ(bridge.mode(), v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(bridge.network(), "warren");
  v1::NetworkSpec named = CreateNetwork({"--network", "back-end.1", "sh"});
  EXPECT_EQ(named.mode(), v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(named.network(), "back-end.1");
  EXPECT_EQ(CreateNetwork({"--network", "warren", "sh"}).network(), "warren");
  // The same value twice is harmless.
  EXPECT_EQ(CreateNetwork({"--network", "a", "--network", "a", "sh"}).network(),
            "a");
}

TEST(NetworkFlagTest, NoNetworkFlagsLeaveSpecUnset) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs({"sh", "-p", "80:80"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->spec.has_network());  // -p after CMD belongs to CMD
  EXPECT_THAT(c->spec.process().args(), ElementsAre("sh", "-p", "80:80"));
}

TEST(NetworkFlagTest, BadNetwork) {
  EXPECT_EQ(CreateError({"--network", "", "sh"}),
            "--network must not be empty");
  EXPECT_EQ(CreateError({"--network", "-x", "sh"}),
            "--network \"-x\": want none, host, bridge or a network name (1 "
            "to 64 letters, digits, '_', '.' or '-', starting with a letter "
            "or digit)");
  EXPECT_EQ(CreateError({"--network", std::string(65, 'n'), "sh"}),
            "--network \"" + std::string(65, 'n') +
                "\": want none, host, bridge or a network name (1 to 64 "
                "letters, digits, '_', '.' or '-', starting with a letter or "
                "digit)");
  EXPECT_EQ(CreateError({"--network", "a", "--network", "b", "sh"}),
            "--network can be given only once (a container joins one "
            "network)");
}

TEST(PublishTest, DockerForms) {
  v1::NetworkSpec n =
      CreateNetwork({"-p", "8080:80", "--publish", "127.0.0.1:5353:53/udp",
                     "-p9000:9000/TCP", "--publish=10.0.0.1:8081:80", "sh"});
  ASSERT_EQ(n.ports_size(), 4);
  EXPECT_EQ(n.ports(0).host_port(), 8080u);
  EXPECT_EQ(n.ports(0).container_port(), 80u);
  EXPECT_EQ(n.ports(0).protocol(), "tcp");
  EXPECT_EQ(n.ports(0).host_ip(), "");
  EXPECT_EQ(n.ports(1).host_ip(), "127.0.0.1");
  EXPECT_EQ(n.ports(1).host_port(), 5353u);
  EXPECT_EQ(n.ports(1).container_port(), 53u);
  EXPECT_EQ(n.ports(1).protocol(), "udp");
  EXPECT_EQ(n.ports(2).protocol(), "tcp");
  EXPECT_EQ(n.ports(3).host_ip(), "10.0.0.1");
  EXPECT_EQ(n.ports(3).host_port(), 8081u);
}

TEST(PublishTest, ImpliesDefaultBridgeNetwork) {
  v1::NetworkSpec n = CreateNetwork({"-p", "8080:80", "sh"});
  EXPECT_EQ(n.mode(), v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(n.network(), "warren");
  n = CreateNetwork({"--network", "web", "-p", "1:2", "sh"});
  EXPECT_EQ(n.network(), "web");
  absl::StatusOr<RunOptions> r = ParseRunArgs({"-d", "-p", "80:80", "httpd"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->create.spec.network().mode(), v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(r->create.spec.network().ports(0).host_port(), 80u);
}

TEST(PublishTest, BadValues) {
  const std::string form =
      "\": want [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp], e.g. 8080:80";
  EXPECT_EQ(CreateError({"-p", "80", "sh"}),
            "--publish \"80\": a port alone is not enough (no random host "
            "ports); write HOST_PORT:CONTAINER_PORT, e.g. 80:80");
  EXPECT_EQ(CreateError({"-p", "80/udp", "sh"}),
            "--publish \"80/udp\": a port alone is not enough (no random host "
            "ports); write HOST_PORT:CONTAINER_PORT, e.g. 80:80");
  for (const char* bad : {"", "web", "1.2.3.4:1:2:3"}) {
    EXPECT_EQ(CreateError({"-p", bad, "sh"}),
              std::string("--publish \"") + bad + form)
        << bad;
  }
  EXPECT_EQ(CreateError({"-p", "0:80", "sh"}),
            "--publish \"0:80\": host port \"0\" must be a number from 1 to "
            "65535");
  EXPECT_EQ(CreateError({"-p", "65536:80", "sh"}),
            "--publish \"65536:80\": host port \"65536\" must be a number "
            "from 1 to 65535");
  EXPECT_EQ(CreateError({"-p", "8080:0", "sh"}),
            "--publish \"8080:0\": container port \"0\" must be a number from "
            "1 to 65535");
  EXPECT_EQ(CreateError({"-p", "8080:99999", "sh"}),
            "--publish \"8080:99999\": container port \"99999\" must be a "
            "number from 1 to 65535");
  EXPECT_EQ(CreateError({"-p", "+80:80", "sh"}),
            "--publish \"+80:80\": host port \"+80\" must be a number from 1 "
            "to 65535");
  EXPECT_EQ(CreateError({"-p", "8000-8010:80", "sh"}),
            "--publish \"8000-8010:80\": host port \"8000-8010\" must be a "
            "number from 1 to 65535");
  EXPECT_EQ(CreateError({"-p", ":80", "sh"}),
            "--publish \":80\": host port \"\" must be a number from 1 to "
            "65535");
  EXPECT_EQ(CreateError({"-p", "8080:80/sctp", "sh"}),
            "--publish \"8080:80/sctp\": protocol \"sctp\" must be tcp or udp");
  EXPECT_EQ(CreateError({"-p", "8080:80/", "sh"}),
            "--publish \"8080:80/\": protocol \"\" must be tcp or udp");
  EXPECT_EQ(CreateError({"-p", "1.2.3:8080:80", "sh"}),
            "--publish \"1.2.3:8080:80\": host IP \"1.2.3\" is not an IPv4 "
            "address");
  EXPECT_EQ(CreateError({"-p", "localhost:8080:80", "sh"}),
            "--publish \"localhost:8080:80\": host IP \"localhost\" is not an "
            "IPv4 address");
  EXPECT_EQ(CreateError({"-p"}), "flag -p needs a value");
}

TEST(PublishTest, SameHostPortTwice) {
  EXPECT_EQ(CreateError({"-p", "8080:80", "-p", "8080:81", "sh"}),
            "--publish \"8080:81\": host port 8080/tcp is already published");
  // An empty host IP means every address.
  EXPECT_EQ(CreateError({"-p", "8080:80", "-p", "127.0.0.1:8080:81", "sh"}),
            "--publish \"127.0.0.1:8080:81\": host port 8080/tcp is already "
            "published");
  // Another protocol, or two distinct addresses, do not clash.
  EXPECT_EQ(
      CreateNetwork({"-p", "53:53", "-p", "53:53/udp", "sh"}).ports_size(), 2);
  EXPECT_EQ(
      CreateNetwork({"-p", "127.0.0.1:80:80", "-p", "10.0.0.1:80:80", "sh"})
          .ports_size(),
      2);
}

TEST(PublishTest, NeedsBridgeNetwork) {
  EXPECT_EQ(CreateError({"--network", "host", "-p", "80:80", "sh"}),
            "--publish needs a bridge network, not --network host");
  EXPECT_EQ(CreateError({"-p", "80:80", "--network", "none", "sh"}),
            "--publish needs a bridge network, not --network none");
}

TEST(IpFlagTest, OnBridgeNetworks) {
  v1::NetworkSpec n =
      CreateNetwork({"--network", "web", "--ip", "10.89.0.5", "sh"});
  EXPECT_EQ(n.ip(), "10.89.0.5");
  EXPECT_EQ(n.network(), "web");
  n = CreateNetwork({"--ip", "10.88.0.9", "--network", "bridge", "sh"});
  EXPECT_EQ(n.ip(), "10.88.0.9");
  // -p already selects the default network.
  n = CreateNetwork({"--ip", "10.88.0.9", "-p", "80:80", "sh"});
  EXPECT_EQ(n.ip(), "10.88.0.9");
  EXPECT_EQ(n.network(), "warren");
}

TEST(IpFlagTest, Errors) {
  EXPECT_EQ(CreateError({"--ip", "10.88.0.9", "sh"}),
            "--ip needs a bridge network (--network NAME or --network bridge)");
  EXPECT_EQ(CreateError({"--network", "host", "--ip", "10.88.0.9", "sh"}),
            "--ip needs a bridge network, not --network host");
  for (const char* bad :
       {"", "10.88.0", "10.88.0.256", "fd00::1", "a.b.c.d", "10.88.0.5/16"}) {
    EXPECT_EQ(CreateError({"--network", "web", "--ip", bad, "sh"}),
              std::string("--ip \"") + bad + "\": want an IPv4 address " +
                  "(a.b.c.d)")
        << bad;
  }
}

TEST(DnsFlagTest, ServersAndSearch) {
  v1::NetworkSpec n = CreateNetwork(
      {"--dns", "1.1.1.1", "--dns", "2001:4860:4860::8888", "--dns-search",
       "example.com", "--dns-search", "corp", "sh"});
  EXPECT_THAT(n.dns_servers(), ElementsAre("1.1.1.1", "2001:4860:4860::8888"));
  EXPECT_THAT(n.dns_search(), ElementsAre("example.com", "corp"));
  // DNS alone does not choose a network (the daemon's default applies).
  EXPECT_EQ(n.mode(), v1::NetworkSpec::MODE_DEFAULT);
  EXPECT_EQ(n.network(), "");
  EXPECT_EQ(CreateError({"--dns", "dns.google", "sh"}),
            "--dns \"dns.google\": want an IPv4 or IPv6 address");
  EXPECT_EQ(CreateError({"--dns-search", "a b", "sh"}),
            "--dns-search \"a b\": want a domain name (letters, digits, '_', "
            "'.' and '-')");
  EXPECT_EQ(CreateError({"--dns-search", "", "sh"}),
            "--dns-search \"\": want a domain name (letters, digits, '_', '.' "
            "and '-')");
}

TEST(ParsePortMappingTest, Direct) {
  absl::StatusOr<v1::PortMapping> m = ParsePortMapping("0.0.0.0:1:65535/udp");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->host_ip(), "0.0.0.0");
  EXPECT_EQ(m->host_port(), 1u);
  EXPECT_EQ(m->container_port(), 65535u);
  EXPECT_EQ(m->protocol(), "udp");
}

TEST(NetworkNameTest, Rules) {
  EXPECT_TRUE(IsNetworkName("a"));
  EXPECT_TRUE(IsNetworkName("9net_work.x-y"));
  EXPECT_TRUE(IsNetworkName(std::string(64, 'n')));
  EXPECT_FALSE(IsNetworkName(""));
  EXPECT_FALSE(IsNetworkName(std::string(65, 'n')));
  EXPECT_FALSE(IsNetworkName("_x"));
  EXPECT_FALSE(IsNetworkName("a/b"));
  EXPECT_FALSE(IsNetworkName("a b"));
  EXPECT_TRUE(IsIpv4("10.0.0.1"));
  EXPECT_FALSE(IsIpv4("10.0.0.01"));
  EXPECT_FALSE(IsIpv4("::1"));
}

TEST(SplitNetworkCommandTest, SubcommandsAndAliases) {
  absl::StatusOr<NetworkCommand> c =
      SplitNetworkCommand({"create", "--subnet", "10.89.0.0/24", "n"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sub, "create");
  EXPECT_THAT(c->args, ElementsAre("--subnet", "10.89.0.0/24", "n"));
  EXPECT_EQ(SplitNetworkCommand({"list"})->sub, "ls");
  EXPECT_EQ(SplitNetworkCommand({"remove", "x"})->sub, "rm");
  EXPECT_EQ(SplitNetworkCommand({"inspect", "x"})->sub, "inspect");
  EXPECT_TRUE(SplitNetworkCommand({"--help"})->help);
  EXPECT_TRUE(SplitNetworkCommand({"-h"})->help);
  EXPECT_EQ(SplitNetworkCommand({})->sub, "");
  EXPECT_EQ(SplitNetworkCommand({"connect", "n", "c"}).status().message(),
            "unknown subcommand \"connect\" (want create, ls, rm or inspect)");
  EXPECT_EQ(SplitNetworkCommand({"-q"}).status().message(),
            "unknown flag -q (want a subcommand: create, ls, rm or inspect)");
}

TEST(NetworkCreateArgsTest, AllFlags) {
  absl::StatusOr<NetworkCreateOptions> o = ParseNetworkCreateArgs(
      {"--subnet", "10.89.0.0/24", "--gateway", "10.89.0.254", "--bridge",
       "br-web", "--mtu=9000", "--disable-nat", "--dns", "10.89.0.254", "--dns",
       "fd00::53", "--dns-search", "web.internal", "web"});
  ASSERT_TRUE(o.ok()) << o.status();
  const v1::NetworkConfig& c = o->request.config();
  EXPECT_EQ(c.name(), "web");
  EXPECT_EQ(c.subnet(), "10.89.0.0/24");
  EXPECT_EQ(c.gateway(), "10.89.0.254");
  EXPECT_EQ(c.bridge(), "br-web");
  EXPECT_EQ(c.mtu(), 9000u);
  EXPECT_TRUE(c.disable_outbound_nat());
  EXPECT_THAT(c.dns_servers(), ElementsAre("10.89.0.254", "fd00::53"));
  EXPECT_THAT(c.dns_search(), ElementsAre("web.internal"));
}

TEST(NetworkCreateArgsTest, DefaultsLeftToTheDaemon) {
  absl::StatusOr<NetworkCreateOptions> o =
      ParseNetworkCreateArgs({"db", "--subnet=10.90.0.0/16"});
  ASSERT_TRUE(o.ok()) << o.status();
  const v1::NetworkConfig& c = o->request.config();
  EXPECT_EQ(c.name(), "db");
  EXPECT_EQ(c.gateway(), "");
  EXPECT_EQ(c.bridge(), "");
  EXPECT_EQ(c.mtu(), 0u);
  EXPECT_FALSE(c.disable_outbound_nat());
  EXPECT_TRUE(c.dns_servers().empty());
  EXPECT_TRUE(
      ParseNetworkCreateArgs({"--internal", "--subnet", "10.1.0.0/24", "i"})
          ->request.config()
          .disable_outbound_nat());
}

TEST(NetworkCreateArgsTest, Errors) {
  auto msg = [](const std::vector<std::string>& args) {
    return std::string(ParseNetworkCreateArgs(args).status().message());
  };
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24"}), "requires a network name");
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "a", "b"}),
            "takes exactly 1 network name, got 2");
  EXPECT_EQ(msg({"web"}), "--subnet is required (e.g. --subnet 10.89.0.0/24)");
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "bad/name"}),
            "network name \"bad/name\": want 1 to 64 letters, digits, '_', "
            "'.' or '-', starting with a letter or digit");
  for (const char* bad : {"", "10.89.0.0", "10.89.0.0/33", "10.89.0/24",
                          "10.89.0.0/x", "fd00::/64", "10.89.0.0/24/1"}) {
    EXPECT_EQ(msg({"--subnet", bad, "web"}),
              std::string("--subnet \"") + bad +
                  "\": want an IPv4 subnet in CIDR form, e.g. 10.89.0.0/24")
        << bad;
  }
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "--gateway", "10.89.0", "web"}),
            "--gateway \"10.89.0\": want an IPv4 address (a.b.c.d)");
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "--bridge", "", "web"}),
            "--bridge \"\": want a link name of 1 to 15 characters without "
            "'/', ':', '%' or spaces");
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "--bridge", "a-very-long-bridge",
                 "web"}),
            "--bridge \"a-very-long-bridge\": want a link name of 1 to 15 "
            "characters without '/', ':', '%' or spaces");
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "--bridge", "br%d", "web"}),
            "--bridge \"br%d\": want a link name of 1 to 15 characters "
            "without '/', ':', '%' or spaces");
  for (const char* bad : {"67", "65536", "1500b", "-1", ""}) {
    EXPECT_EQ(
        msg({"--subnet", "10.89.0.0/24", "--mtu", bad, "web"}),
        std::string("--mtu \"") + bad + "\": want a number from 68 to 65535")
        << bad;
  }
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "--dns", "x", "web"}),
            "--dns \"x\": want an IPv4 or IPv6 address");
  EXPECT_EQ(msg({"--subnet", "10.89.0.0/24", "--dns-search", "a;b", "web"}),
            "--dns-search \"a;b\": want a domain name (letters, digits, '_', "
            "'.' and '-')");
  EXPECT_EQ(msg({"--driver", "bridge", "web"}), "unknown flag --driver");
  EXPECT_EQ(msg({"--internal=yes", "web"}),
            "flag --internal takes no value (or =true/=false)");
}

TEST(NetworkLsArgsTest, QuietAndErrors) {
  EXPECT_FALSE(ParseNetworkLsArgs({})->quiet);
  EXPECT_TRUE(ParseNetworkLsArgs({"-q"})->quiet);
  EXPECT_EQ(ParseNetworkLsArgs({"web"}).status().message(),
            "unexpected argument \"web\" (network ls takes only flags)");
}

TEST(NetworkNamesArgsTest, RmAndInspect) {
  EXPECT_THAT(ParseNetworkRmArgs({"a", "b"})->names, ElementsAre("a", "b"));
  EXPECT_EQ(ParseNetworkRmArgs({}).status().message(),
            "requires at least 1 network name");
  EXPECT_EQ(ParseNetworkRmArgs({"-f", "a"}).status().message(),
            "unknown flag -f");
  EXPECT_THAT(ParseNetworkInspectArgs({"a"})->names, ElementsAre("a"));
  EXPECT_EQ(ParseNetworkInspectArgs({}).status().message(),
            "requires a network name");
  EXPECT_EQ(ParseNetworkInspectArgs({"a", "b"}).status().message(),
            "takes exactly 1 network name, got 2");
}

TEST(NetworkArgsHelpTest, EverySubcommandAcceptsHelp) {
  EXPECT_TRUE(ParseNetworkCreateArgs({"--help"})->help);
  EXPECT_TRUE(ParseNetworkLsArgs({"-h"})->help);
  EXPECT_TRUE(ParseNetworkRmArgs({"-h"})->help);
  EXPECT_TRUE(ParseNetworkInspectArgs({"--help"})->help);
}

}  // namespace
}  // namespace warren::cli
