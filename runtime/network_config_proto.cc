#include "runtime/network_config_proto.h"

namespace warren::runtime {

netns::NetworkConfig NetworkConfigFromProto(const v1::NetworkConfig& p) {
  netns::NetworkConfig c;
  c.name = p.name();
  c.bridge = p.bridge().empty() ? "wbr-" + p.name().substr(0, 11) : p.bridge();
  c.subnet = p.subnet();
  c.gateway = p.gateway();
  if (c.gateway.empty()) {
    absl::StatusOr<netns::Ipv4Cidr> cidr =
        netns::ParseIpv4Cidr(p.subnet(), "config.subnet");
    // A bad subnet is reported by validation; the gateway stays empty.
    if (cidr.ok()) c.gateway = netns::FormatIpv4(cidr->address + 1);
  }
  c.mtu = p.mtu() == 0 ? 1500 : static_cast<int>(p.mtu());
  c.outbound_nat = !p.disable_outbound_nat();
  c.dns_servers.assign(p.dns_servers().begin(), p.dns_servers().end());
  c.dns_search.assign(p.dns_search().begin(), p.dns_search().end());
  return c;
}

v1::NetworkConfig NetworkConfigToProto(const netns::NetworkConfig& c) {
  v1::NetworkConfig p;
  p.set_name(c.name);
  p.set_bridge(c.bridge);
  p.set_subnet(c.subnet);
  p.set_gateway(c.gateway);
  p.set_mtu(static_cast<uint32_t>(c.mtu));
  p.set_disable_outbound_nat(!c.outbound_nat);
  for (const std::string& s : c.dns_servers) p.add_dns_servers(s);
  for (const std::string& s : c.dns_search) p.add_dns_search(s);
  return p;
}

}  // namespace warren::runtime
