// What attaching one container to one bridge network means, computed up
// front as plain data (like the runtime's init plan): every name, address
// and MAC is decided here, purely and testably, before any netlink call, so
// attach, detach and recovery all agree on the same names.
#ifndef WARREN_NETNS_ATTACHMENT_PLAN_H_
#define WARREN_NETNS_ATTACHMENT_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "netns/network_config.h"

namespace warren::netns {

inline constexpr absl::string_view kContainerIfName = "eth0";

struct AttachmentPlan {
  std::string network;       // network name, e.g. "warren"
  std::string container_id;  // whose attachment this is
  std::string bridge;        // e.g. "warren0"
  std::string bridge_cidr;   // the gateway on the bridge, e.g. "10.88.0.1/16"
  std::string bridge_mac;    // fixed, so the bridge's MAC never follows ports
  int mtu = 1500;            // bridge and both veth ends
  std::string host_veth;     // host end, HostVethName(container_id)
  std::string container_ifname;  // "eth0", created inside the netns
  std::string container_mac;     // MacForIp(ip): 02:42:<ip bytes>
  std::string address_cidr;      // e.g. "10.88.0.2/16"
  std::string gateway;           // default route via, e.g. "10.88.0.1"
  bool outbound_nat = true;
  std::vector<std::string> dns_servers;
  std::vector<std::string> dns_search;
};

// "wv" + 8 hex digits of a stable hash (FNV-1a) of the id: 10 characters,
// always within IFNAMSIZ and the same in every process and after restarts,
// so recovery can find a container's host veth from its id alone.
std::string HostVethName(absl::string_view container_id);

// Whether `name` has HostVethName's exact shape ("wv" + 8 lowercase hex).
bool IsHostVethName(absl::string_view name);

// Docker's scheme: locally administered 02:42 followed by the four address
// bytes, e.g. 10.88.0.2 -> "02:42:0a:58:00:02". Stable per address, so
// neighbours' ARP caches stay right when an address is reused.
std::string MacForIp(uint32_t ip);

// The plan for `container_id` holding `ip` (from IpamStore) on `network`
// (a config that passed ValidateNetworkConfig). INVALID_ARGUMENT "ip: ..." if
// `ip` is not a usable host address of the subnet.
absl::StatusOr<AttachmentPlan> BuildAttachmentPlan(
    const NetworkConfig& network, absl::string_view container_id,
    absl::string_view ip);

// The container's /etc/resolv.conf for the plan's DNS settings ("" when the
// network sets none, meaning: keep the host's).
std::string RenderResolvConf(const AttachmentPlan& plan);

}  // namespace warren::netns

#endif  // WARREN_NETNS_ATTACHMENT_PLAN_H_
