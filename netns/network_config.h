// Bridge networks as plain data, and their validation. The config is what a
// user asks for (or the built-in default); everything derived from it (names,
// addresses, MACs) is computed elsewhere from this, so it is checked once
// here and every later step can trust it.
#ifndef WARREN_NETNS_NETWORK_CONFIG_H_
#define WARREN_NETNS_NETWORK_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::netns {

// The default network: every networked container without an explicit one.
inline constexpr absl::string_view kDefaultNetworkName = "warren";
inline constexpr absl::string_view kDefaultBridgeName = "warren0";
inline constexpr absl::string_view kDefaultSubnet = "10.88.0.0/16";
inline constexpr absl::string_view kDefaultGateway = "10.88.0.1";

// Host-side veth names start with this (see attachment_plan.h); bridge names
// may not, so recovery never mistakes a bridge for a stale veth.
inline constexpr absl::string_view kHostVethPrefix = "wv";

inline constexpr int kMinMtu = 68;  // IPv4's minimum (RFC 791)
inline constexpr int kMaxMtu = 65535;
// IFNAMSIZ (16) minus the terminating NUL.
inline constexpr int kMaxIfNameLength = 15;

// One named bridge network (IPv4). Plain data: no behaviour, copyable.
struct NetworkConfig {
  std::string name;     // [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 chars
  std::string bridge;   // kernel link name of the bridge, e.g. "warren0"
  std::string subnet;   // CIDR, network address only, e.g. "10.88.0.0/16"
  std::string gateway;  // the bridge's address inside subnet, e.g. 10.88.0.1
  int mtu = 1500;       // bridge and both veth ends
  bool outbound_nat = true;              // masquerade traffic leaving host
  std::vector<std::string> dns_servers;  // IPv4 or IPv6 literals
  std::vector<std::string> dns_search;   // search domains
};

// The built-in "warren" network (bridge warren0, 10.88.0.0/16, .1).
NetworkConfig DefaultNetwork();

// An IPv4 prefix in host byte order, e.g. {0x0a580000, 16}.
struct Ipv4Cidr {
  uint32_t address = 0;
  int prefix_len = 0;
};

// Dotted-quad IPv4 address (inet_pton); INVALID_ARGUMENT "<field>: ...".
absl::StatusOr<uint32_t> ParseIpv4(absl::string_view text,
                                   absl::string_view field);
// "a.b.c.d/n" with 0 <= n <= 32. Host bits may be set (an interface
// address such as 10.88.0.2/16 is a valid CIDR); see NetworkAddress.
absl::StatusOr<Ipv4Cidr> ParseIpv4Cidr(absl::string_view text,
                                       absl::string_view field);
std::string FormatIpv4(uint32_t address);
std::string FormatIpv4Cidr(Ipv4Cidr cidr);

uint32_t PrefixMask(int prefix_len);
uint32_t NetworkAddress(Ipv4Cidr cidr);
uint32_t BroadcastAddress(Ipv4Cidr cidr);
bool CidrContains(Ipv4Cidr cidr, uint32_t address);
bool CidrsOverlap(Ipv4Cidr a, Ipv4Cidr b);

// Checks a network name: also a file name in the IPAM directory.
absl::Status ValidateNetworkName(absl::string_view name,
                                 absl::string_view field);

// Checks a kernel link name the way the kernel's dev_valid_name() does (1..15
// bytes, not "." or "..", no '/', ':' or whitespace) and also rejects '%'
// (the kernel would treat "br%d" as a template and pick a different name).
absl::Status ValidateLinkName(absl::string_view name, absl::string_view field);

// Checks one network config and that it does not clash with `existing`
// (which must not contain the config itself when re-validating). Errors:
// INVALID_ARGUMENT for bad fields, overlapping subnets or a bridge already
// used by another network, ALREADY_EXISTS for a duplicate network name.
// Every message starts with "<field_prefix>.<field>: ", e.g.
// "network.subnet: ...".
absl::Status ValidateNetworkConfig(const NetworkConfig& config,
                                   const std::vector<NetworkConfig>& existing,
                                   absl::string_view field_prefix);

// Checks a requested static address for a container on a (valid) network:
// inside the subnet and not its network, gateway or broadcast address.
// INVALID_ARGUMENT "<field>: ...".
absl::Status ValidateContainerIp(const NetworkConfig& network,
                                 absl::string_view ip, absl::string_view field);

}  // namespace warren::netns

#endif  // WARREN_NETNS_NETWORK_CONFIG_H_
