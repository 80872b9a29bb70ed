// Tests of the exact networking output: port mappings, the network section
// of `inspect`, the PORTS column of `ps`, and the `network ls` table and
// `network inspect` text.
#include "tools/cli/cli_network_format.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_format.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

v1::PortMapping Port(const std::string& ip, uint32_t host, uint32_t container,
                     const std::string& protocol) {
  v1::PortMapping m;
  m.set_host_ip(ip);
  m.set_host_port(host);
  m.set_container_port(container);
  m.set_protocol(protocol);
  return m;
}

TEST(FormatPortMappingTest, DockerForm) {
  EXPECT_EQ(FormatPortMapping(Port("", 8080, 80, "tcp")),
            "0.0.0.0:8080->80/tcp");
  EXPECT_EQ(FormatPortMapping(Port("127.0.0.1", 5353, 53, "udp")),
            "127.0.0.1:5353->53/udp");
  // Defaults from the API: container port = host port, protocol tcp.
  EXPECT_EQ(FormatPortMapping(Port("", 443, 0, "")), "0.0.0.0:443->443/tcp");
  google::protobuf::RepeatedPtrField<v1::PortMapping> ports;
  EXPECT_EQ(FormatPorts(ports), "");
  *ports.Add() = Port("", 8080, 80, "tcp");
  *ports.Add() = Port("127.0.0.1", 5353, 53, "udp");
  EXPECT_EQ(FormatPorts(ports), "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp");
}

TEST(NetworkModeNameTest, Modes) {
  v1::ContainerSpec spec;
  EXPECT_EQ(NetworkModeName(spec), "none (default)");
  spec.mutable_network()->set_network("web");
  EXPECT_EQ(NetworkModeName(spec), "bridge web");
  spec.mutable_network()->set_mode(v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(NetworkModeName(spec), "bridge web");
  spec.mutable_network()->clear_network();
  EXPECT_EQ(NetworkModeName(spec), "bridge warren");
  spec.mutable_network()->set_mode(v1::NetworkSpec::MODE_NONE);
  EXPECT_EQ(NetworkModeName(spec), "none");
  spec.mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  EXPECT_EQ(NetworkModeName(spec), "host");
}

// A running container on network "web" as the daemon reports it.
v1::Container Attached() {
  v1::Container c;
  c.set_id("web1");
  c.set_state(v1::RUNNING);
  c.set_pid(4242);
  c.mutable_created_at()->set_seconds(1700000000 - 5);
  c.mutable_started_at()->set_seconds(1700000000 - 4);
  v1::ContainerSpec* spec = c.mutable_spec();
  spec->set_rootfs("/img");
  spec->mutable_process()->add_args("httpd");
  v1::NetworkSpec* net = spec->mutable_network();
  net->set_mode(v1::NetworkSpec::MODE_BRIDGE);
  net->set_network("web");
  *net->add_ports() = Port("", 8080, 80, "tcp");
  net->add_dns_servers("1.1.1.1");
  net->add_dns_servers("fd00::53");
  net->add_dns_search("example.com");
  v1::NetworkInfo* info = c.mutable_network();
  info->set_network("web");
  info->set_ip("10.89.0.2/24");
  info->set_mac("02:42:0a:59:00:02");
  info->set_gateway("10.89.0.1");
  info->set_host_veth("wv3f2a1c");
  info->set_netns_path("/proc/4242/ns/net");
  info->set_netns_inode(4026532650);
  *info->add_ports() = Port("", 8080, 80, "tcp");
  *info->add_ports() = Port("127.0.0.1", 5353, 53, "udp");
  return c;
}

TEST(InspectNetworkTest, ExactTextWhenAttached) {
  EXPECT_EQ(FormatInspect(Attached(), kNow),
            "ID:           web1\n"
            "State:        running\n"
            "Pid:          4242\n"
            "Created:      2023-11-14T22:13:15Z (5 seconds ago)\n"
            "Started:      2023-11-14T22:13:16Z (4 seconds ago)\n"
            "Finished:     -\n"
            "Command:      httpd\n"
            "Rootfs:       /img\n"
            "Hostname:     web1\n"
            "Working dir:  /\n"
            "User:         0:0\n"
            "Network:      bridge web\n"
            "IP:           10.89.0.2/24\n"
            "MAC:          02:42:0a:59:00:02\n"
            "Gateway:      10.89.0.1\n"
            "Host veth:    wv3f2a1c\n"
            "Netns:        /proc/4242/ns/net (inode 4026532650)\n"
            "Ports:        0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp\n"
            "DNS:          1.1.1.1, fd00::53\n"
            "DNS search:   example.com\n"
            "Stop signal:  SIGTERM\n");
}

TEST(InspectNetworkTest, RequestedWhenNotAttached) {
  v1::Container c = Attached();
  c.set_state(v1::STOPPED);
  c.clear_network();
  c.mutable_spec()->mutable_network()->set_ip("10.89.0.7");
  c.mutable_spec()->mutable_network()->clear_dns_servers();
  c.mutable_spec()->mutable_network()->clear_dns_search();
  EXPECT_THAT(NetworkInspectLines(c),
              ElementsAre(Pair("Network", "bridge web"),
                          Pair("IP", "10.89.0.7 (requested)"),
                          Pair("Ports", "0.0.0.0:8080->80/tcp (requested)")));
}

TEST(InspectNetworkTest, PartialInfoAndOtherModes) {
  v1::Container c;
  c.mutable_network()->set_netns_inode(4026531840);
  EXPECT_THAT(NetworkInspectLines(c),
              ElementsAre(Pair("Network", "none (default)"),
                          Pair("Netns", "inode 4026531840")));
  c.mutable_network()->set_netns_path("/proc/1/ns/net");
  c.mutable_network()->set_netns_inode(0);
  c.mutable_spec()->mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  EXPECT_THAT(
      NetworkInspectLines(c),
      ElementsAre(Pair("Network", "host"), Pair("Netns", "/proc/1/ns/net")));
  EXPECT_THAT(NetworkInspectLines(v1::Container()),
              ElementsAre(Pair("Network", "none (default)")));
}

TEST(PsPortsTest, ColumnOnlyWhenPortsArePublished) {
  google::protobuf::RepeatedPtrField<v1::Container> list;
  *list.Add() = Attached();
  v1::Container* plain = list.Add();
  plain->set_id("job");
  plain->set_state(v1::STOPPED);
  plain->mutable_created_at()->set_seconds(1700000000 - 180);
  plain->mutable_spec()->mutable_process()->add_args("true");
  EXPECT_EQ(FormatPsTable(list, kNow, false),
            "ID     STATE     PID    EXIT   CREATED         COMMAND   PORTS\n"
            "web1   running   4242   -      5 seconds ago   httpd     "
            "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp\n"
            "job    stopped   -      0      3 minutes ago   true\n");
  list.RemoveLast();
  list.Mutable(0)->mutable_network()->clear_ports();
  EXPECT_EQ(FormatPsTable(list, kNow, false),
            "ID     STATE     PID    EXIT   CREATED         COMMAND\n"
            "web1   running   4242   -      5 seconds ago   httpd\n");
}

v1::Network MakeNetwork(const std::string& name, const std::string& bridge,
                        const std::string& subnet, const std::string& gateway) {
  v1::Network n;
  n.mutable_config()->set_name(name);
  n.mutable_config()->set_bridge(bridge);
  n.mutable_config()->set_subnet(subnet);
  n.mutable_config()->set_gateway(gateway);
  return n;
}

TEST(NetworkTableTest, ExactTextSortedByName) {
  google::protobuf::RepeatedPtrField<v1::Network> list;
  v1::Network* web = list.Add();
  *web = MakeNetwork("web", "wbr-web", "10.89.0.0/24", "10.89.0.1");
  web->add_containers("web1");
  web->add_containers("web2");
  v1::Network* iso = list.Add();
  *iso = MakeNetwork("isolated", "", "10.90.0.0/16", "");
  iso->mutable_config()->set_disable_outbound_nat(true);
  *list.Add() = MakeNetwork("warren", "warren0", "10.88.0.0/16", "10.88.0.1");
  EXPECT_EQ(FormatNetworkTable(list),
            "NAME       BRIDGE    SUBNET         GATEWAY     NAT   CONTAINERS\n"
            "isolated   -         10.90.0.0/16   -           off   0\n"
            "warren     warren0   10.88.0.0/16   10.88.0.1   on    0\n"
            "web        wbr-web   10.89.0.0/24   10.89.0.1   on    2\n");
  EXPECT_EQ(FormatNetworkTable({}),
            "NAME   BRIDGE   SUBNET   GATEWAY   NAT   CONTAINERS\n");
}

TEST(NetworkInspectTest, ExactText) {
  v1::Network n = MakeNetwork("web", "wbr-web", "10.89.0.0/24", "10.89.0.1");
  n.mutable_config()->set_mtu(9000);
  n.mutable_config()->set_disable_outbound_nat(true);
  n.mutable_config()->add_dns_servers("10.89.0.1");
  n.mutable_config()->add_dns_search("web.internal");
  n.mutable_config()->add_dns_search("corp");
  n.add_containers("web1");
  n.add_containers("web2");
  EXPECT_EQ(FormatNetworkInspect(n),
            "Name:         web\n"
            "Bridge:       wbr-web\n"
            "Subnet:       10.89.0.0/24\n"
            "Gateway:      10.89.0.1\n"
            "MTU:          9000\n"
            "Outbound NAT: off\n"
            "DNS:          10.89.0.1\n"
            "DNS search:   web.internal, corp\n"
            "Containers:\n"
            "  web1\n"
            "  web2\n");
  EXPECT_EQ(FormatNetworkInspect(
                MakeNetwork("warren", "warren0", "10.88.0.0/16", "10.88.0.1")),
            "Name:         warren\n"
            "Bridge:       warren0\n"
            "Subnet:       10.88.0.0/16\n"
            "Gateway:      10.88.0.1\n"
            "MTU:          1500 (default)\n"
            "Outbound NAT: on\n"
            "DNS:          the host's\n"
            "Containers:   none\n");
}

}  // namespace
}  // namespace warren::cli
