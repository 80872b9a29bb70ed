#include "netns/attachment_plan.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace warren::netns {
namespace {

uint32_t Fnv1a32(absl::string_view data) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

}  // namespace

std::string HostVethName(absl::string_view container_id) {
  return absl::StrFormat("%s%08x", kHostVethPrefix, Fnv1a32(container_id));
}

bool IsHostVethName(absl::string_view name) {
  if (name.size() != kHostVethPrefix.size() + 8 ||
      !absl::StartsWith(name, kHostVethPrefix)) {
    return false;
  }
  for (char c : name.substr(kHostVethPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string MacForIp(uint32_t ip) {
  return absl::StrFormat("02:42:%02x:%02x:%02x:%02x", ip >> 24,
                         (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

absl::StatusOr<AttachmentPlan> BuildAttachmentPlan(
    const NetworkConfig& network, absl::string_view container_id,
    absl::string_view ip) {
  if (container_id.empty()) {
    return absl::InvalidArgumentError("container_id: is required");
  }
  if (absl::Status s = ValidateContainerIp(network, ip, "ip"); !s.ok()) {
    return s;
  }
  absl::StatusOr<Ipv4Cidr> subnet =
      ParseIpv4Cidr(network.subnet, "network.subnet");
  if (!subnet.ok()) return subnet.status();
  absl::StatusOr<uint32_t> address = ParseIpv4(ip, "ip");
  if (!address.ok()) return address.status();
  absl::StatusOr<uint32_t> gateway =
      ParseIpv4(network.gateway, "network.gateway");
  if (!gateway.ok()) return gateway.status();

  AttachmentPlan plan;
  plan.network = network.name;
  plan.container_id = std::string(container_id);
  plan.bridge = network.bridge;
  plan.bridge_cidr = FormatIpv4Cidr({*gateway, subnet->prefix_len});
  plan.bridge_mac = MacForIp(*gateway);
  plan.mtu = network.mtu;
  plan.host_veth = HostVethName(container_id);
  plan.container_ifname = std::string(kContainerIfName);
  plan.container_mac = MacForIp(*address);
  plan.address_cidr = FormatIpv4Cidr({*address, subnet->prefix_len});
  plan.gateway = FormatIpv4(*gateway);
  plan.outbound_nat = network.outbound_nat;
  plan.dns_servers = network.dns_servers;
  plan.dns_search = network.dns_search;
  return plan;
}

std::string RenderResolvConf(const AttachmentPlan& plan) {
  if (plan.dns_servers.empty() && plan.dns_search.empty()) return "";
  std::string out =
      absl::StrCat("# written by warren for network \"", plan.network, "\"\n");
  for (const std::string& server : plan.dns_servers) {
    absl::StrAppend(&out, "nameserver ", server, "\n");
  }
  if (!plan.dns_search.empty()) {
    absl::StrAppend(&out, "search ", absl::StrJoin(plan.dns_search, " "), "\n");
  }
  return out;
}

}  // namespace warren::netns
