#include "netns/firewall_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "netns/network_config.h"

namespace warren::netns {
namespace {

constexpr int kMaxPort = 65535;
constexpr absl::string_view kForwardsChain = "port_forwards";
// nftables keeps at most 128 bytes of a rule comment.
constexpr size_t kMaxCommentLength = 120;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

std::string Indexed(absl::string_view prefix, size_t i,
                    absl::string_view field) {
  return absl::StrCat(prefix, "[", i, "].", field);
}

absl::Status ValidatePort(int port, absl::string_view field) {
  if (port < 1 || port > kMaxPort) {
    return Invalid(field, absl::StrCat("must be 1-", kMaxPort, ", got ", port));
  }
  return absl::OkStatus();
}

std::string DescribeHostIp(absl::string_view host_ip) {
  return IsAnyHostIp(host_ip) ? "every host address" : std::string(host_ip);
}

bool Conflicts(const PortForward& a, const PortForward& b) {
  return a.protocol == b.protocol && a.host_port == b.host_port &&
         (IsAnyHostIp(a.host_ip) || IsAnyHostIp(b.host_ip) ||
          a.host_ip == b.host_ip);
}

// Only [A-Za-z0-9_.:-] and spaces survive, so a comment can never end the
// quoted string early (container ids are already restricted to that set).
std::string Comment(absl::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxCommentLength)) {
    const bool safe = absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                      c == '_' || c == '.' || c == '-' || c == ':' || c == ' ';
    out.push_back(safe ? c : '_');
  }
  return absl::StrCat(" comment \"", out, "\"");
}

// The network whose subnet holds `ip`, or nullptr (networks sorted by name,
// so with overlapping subnets the first name wins, deterministically).
const NatNetwork* NetworkOf(const std::vector<const NatNetwork*>& networks,
                            absl::string_view ip) {
  absl::StatusOr<uint32_t> address = ParseIpv4(ip, "ip");
  if (!address.ok()) return nullptr;
  for (const NatNetwork* network : networks) {
    absl::StatusOr<Ipv4Cidr> cidr = ParseIpv4Cidr(network->subnet, "subnet");
    if (cidr.ok() && CidrContains(*cidr, *address)) return network;
  }
  return nullptr;
}

std::vector<const NatNetwork*> SortedNetworks(
    const std::vector<NatNetwork>& networks) {
  std::vector<const NatNetwork*> out;
  for (const NatNetwork& n : networks) out.push_back(&n);
  std::sort(
      out.begin(), out.end(), [](const NatNetwork* a, const NatNetwork* b) {
        return std::tie(a->name, a->bridge) < std::tie(b->name, b->bridge);
      });
  return out;
}

std::vector<const PortForward*> SortedForwards(
    const std::vector<PortForward>& forwards) {
  std::vector<const PortForward*> out;
  for (const PortForward& f : forwards) out.push_back(&f);
  std::sort(
      out.begin(), out.end(), [](const PortForward* a, const PortForward* b) {
        return std::tie(a->host_port, a->protocol, a->host_ip, a->container_id,
                        a->container_ip, a->container_port) <
               std::tie(b->host_port, b->protocol, b->host_ip, b->container_id,
                        b->container_ip, b->container_port);
      });
  return out;
}

// Bridges (with their networks) that some forward's container sits behind.
std::vector<const NatNetwork*> NetworksWithForwards(
    const std::vector<const NatNetwork*>& networks,
    const std::vector<PortForward>& forwards) {
  std::set<const NatNetwork*> used;
  for (const PortForward& f : forwards) {
    if (const NatNetwork* n = NetworkOf(networks, f.container_ip)) {
      used.insert(n);
    }
  }
  std::vector<const NatNetwork*> out;
  for (const NatNetwork* n : networks) {
    if (used.count(n) > 0) out.push_back(n);
  }
  return out;
}

}  // namespace

bool IsAnyHostIp(absl::string_view host_ip) {
  return host_ip.empty() || host_ip == "0.0.0.0";
}

absl::Status ValidateTableName(absl::string_view name,
                               absl::string_view field) {
  if (name.empty()) return Invalid(field, "is required");
  if (name.size() > kMaxTableNameLength) {
    return Invalid(field, absl::StrCat("is longer than ", kMaxTableNameLength,
                                       " characters"));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!(absl::ascii_isalpha(c) || c == '_' ||
          (i > 0 && absl::ascii_isdigit(c)))) {
      return Invalid(field, absl::StrCat("\"", absl::CEscape(name),
                                         "\" must be a letter or '_' followed "
                                         "by letters, digits or '_'"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNatNetworks(const std::vector<NatNetwork>& networks,
                                 absl::string_view field_prefix) {
  std::map<std::string, size_t> names, bridges;
  for (size_t i = 0; i < networks.size(); ++i) {
    const NatNetwork& n = networks[i];
    const std::string name_field = Indexed(field_prefix, i, "name");
    const std::string subnet_field = Indexed(field_prefix, i, "subnet");
    const std::string bridge_field = Indexed(field_prefix, i, "bridge");
    if (absl::Status s = ValidateNetworkName(n.name, name_field); !s.ok()) {
      return s;
    }
    absl::StatusOr<Ipv4Cidr> cidr = ParseIpv4Cidr(n.subnet, subnet_field);
    if (!cidr.ok()) return cidr.status();
    if (NetworkAddress(*cidr) != cidr->address) {
      return Invalid(
          subnet_field,
          absl::StrCat(
              "\"", n.subnet, "\" has host bits set (use ",
              FormatIpv4Cidr({NetworkAddress(*cidr), cidr->prefix_len}), ")"));
    }
    if (absl::Status s = ValidateLinkName(n.bridge, bridge_field); !s.ok()) {
      return s;
    }
    // The kernel allows quotes and backslashes in link names; a rule
    // cannot quote them.
    if (n.bridge.find_first_of("\"\\'") != std::string::npos) {
      return Invalid(bridge_field,
                     absl::StrCat("\"", absl::CEscape(n.bridge),
                                  "\" may not contain quotes or backslashes"));
    }
    if (auto [it, added] = names.emplace(n.name, i); !added) {
      return Invalid(name_field,
                     absl::StrCat("network \"", n.name, "\" is also ",
                                  Indexed(field_prefix, it->second, "name")));
    }
    if (auto [it, added] = bridges.emplace(n.bridge, i); !added) {
      return Invalid(bridge_field,
                     absl::StrCat("bridge \"", n.bridge, "\" is also ",
                                  Indexed(field_prefix, it->second, "bridge")));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePortForwards(const std::vector<PortForward>& existing,
                                  const std::vector<PortForward>& requested,
                                  absl::string_view field_prefix) {
  for (size_t i = 0; i < requested.size(); ++i) {
    const PortForward& f = requested[i];
    if (f.protocol != "tcp" && f.protocol != "udp") {
      return Invalid(Indexed(field_prefix, i, "protocol"),
                     absl::StrCat("must be \"tcp\" or \"udp\", got \"",
                                  absl::CEscape(f.protocol), "\""));
    }
    const std::string host_ip_field = Indexed(field_prefix, i, "host_ip");
    if (f.host_ip.find(':') != std::string::npos) {
      return Invalid(host_ip_field,
                     absl::StrCat("\"", absl::CEscape(f.host_ip),
                                  "\": IPv6 host addresses are not supported"));
    }
    if (!f.host_ip.empty()) {
      if (absl::Status s = ParseIpv4(f.host_ip, host_ip_field).status();
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s =
            ValidatePort(f.host_port, Indexed(field_prefix, i, "host_port"));
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            ParseIpv4(f.container_ip, Indexed(field_prefix, i, "container_ip"))
                .status();
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ValidatePort(
            f.container_port, Indexed(field_prefix, i, "container_port"));
        !s.ok()) {
      return s;
    }
    const std::string what =
        absl::StrCat(f.protocol, " port ", f.host_port, " on ",
                     DescribeHostIp(f.host_ip), " is already mapped ");
    for (const PortForward& other : existing) {
      if (Conflicts(f, other)) {
        return absl::AlreadyExistsError(
            absl::StrCat(Indexed(field_prefix, i, "host_port"), ": ", what,
                         "by container \"", other.container_id, "\" (on ",
                         DescribeHostIp(other.host_ip), ")"));
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (Conflicts(f, requested[j])) {
        return absl::AlreadyExistsError(
            absl::StrCat(Indexed(field_prefix, i, "host_port"), ": ", what,
                         "by ", field_prefix, "[", j, "] (on ",
                         DescribeHostIp(requested[j].host_ip), ")"));
      }
    }
  }
  return absl::OkStatus();
}

bool OnSomeNetwork(const std::vector<NatNetwork>& networks,
                   absl::string_view ip) {
  return NetworkOf(SortedNetworks(networks), ip) != nullptr;
}

std::string RenderDeleteTable(absl::string_view table_name) {
  // "add" first makes the delete succeed when the table is absent.
  return absl::StrCat("add table ip ", table_name, "\ndelete table ip ",
                      table_name, "\n");
}

std::string RenderRuleset(absl::string_view table_name,
                          const std::vector<NatNetwork>& networks,
                          const std::vector<PortForward>& forwards) {
  const std::vector<const NatNetwork*> sorted_networks =
      SortedNetworks(networks);
  std::string out = absl::StrCat(
      "# Generated by warren: the whole table is replaced atomically on "
      "every change.\n",
      RenderDeleteTable(table_name), "table ip ", table_name, " {\n");

  // Only destinations that are this host's own addresses are forwarded, so
  // traffic routed through the host to elsewhere is never redirected.
  absl::StrAppend(&out,
                  "\tchain prerouting {\n"
                  "\t\ttype nat hook prerouting priority dstnat; policy "
                  "accept;\n"
                  "\t\tfib daddr type local jump ",
                  kForwardsChain,
                  "\n\t}\n"
                  "\tchain output {\n"
                  "\t\ttype nat hook output priority -100; policy accept;\n"
                  "\t\tfib daddr type local jump ",
                  kForwardsChain, "\n\t}\n");

  absl::StrAppend(&out,
                  "\tchain postrouting {\n"
                  "\t\ttype nat hook postrouting priority srcnat; policy "
                  "accept;\n");
  for (const NatNetwork* n : sorted_networks) {
    if (!n->outbound_nat) continue;
    absl::StrAppend(&out, "\t\tip saddr ", n->subnet,
                    " ip daddr != ", n->subnet, " masquerade",
                    Comment(absl::StrCat("network ", n->name, ": outbound")),
                    "\n");
  }
  for (const NatNetwork* n : NetworksWithForwards(sorted_networks, forwards)) {
    // From the host via 127.0.0.1: the container must see a source it can
    // answer (needs route_localnet on the bridge).
    absl::StrAppend(
        &out, "\t\toifname \"", n->bridge, "\" ip saddr 127.0.0.0/8 masquerade",
        Comment(absl::StrCat("network ", n->name, ": forwards from loopback")),
        "\n");
    // A container reaching a published port of its own network through a
    // host address: the reply must come back through the host.
    absl::StrAppend(
        &out, "\t\toifname \"", n->bridge, "\" ip saddr ", n->subnet,
        " ct status dnat masquerade",
        Comment(absl::StrCat("network ", n->name, ": forwards hairpin")), "\n");
  }
  absl::StrAppend(&out, "\t}\n");

  absl::StrAppend(&out, "\tchain ", kForwardsChain, " {\n");
  for (const PortForward* f : SortedForwards(forwards)) {
    absl::StrAppend(&out, "\t\t");
    if (!IsAnyHostIp(f->host_ip)) {
      absl::StrAppend(&out, "ip daddr ", f->host_ip, " ");
    }
    absl::StrAppend(&out, f->protocol, " dport ", f->host_port, " dnat to ",
                    f->container_ip, ":", f->container_port,
                    Comment(absl::StrCat("container ", f->container_id)), "\n");
  }
  absl::StrAppend(&out, "\t}\n}\n");
  return out;
}

FirewallPlan BuildFirewallPlan(absl::string_view table_name,
                               const std::vector<NatNetwork>& networks,
                               const std::vector<PortForward>& forwards) {
  FirewallPlan plan;
  plan.script = RenderRuleset(table_name, networks, forwards);
  const std::vector<const NatNetwork*> sorted_networks =
      SortedNetworks(networks);
  for (const NatNetwork* n : NetworksWithForwards(sorted_networks, forwards)) {
    plan.sysctls.push_back(
        {absl::StrCat("/proc/sys/net/ipv4/conf/", n->bridge, "/route_localnet"),
         "1"});
  }
  const bool any_nat =
      std::any_of(networks.begin(), networks.end(),
                  [](const NatNetwork& n) { return n.outbound_nat; });
  if (any_nat || !forwards.empty()) {
    plan.sysctls.push_back({"/proc/sys/net/ipv4/ip_forward", "1"});
  }
  return plan;
}

}  // namespace warren::netns
