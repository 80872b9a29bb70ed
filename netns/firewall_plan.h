// Outbound NAT and port mappings as plain data, and the nftables ruleset
// that implements them, rendered purely (like the attachment plan): the whole
// of warren's table is computed from the desired state and replaced
// atomically on every change, so what is in the kernel is always exactly
// what this data says, with nothing stale left by deleted containers or a
// crashed warrend. Unit-tested as text, without root.
#ifndef WARREN_NETNS_FIREWALL_PLAN_H_
#define WARREN_NETNS_FIREWALL_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warren::netns {

// warren's own nftables table (family ip) in production.
inline constexpr absl::string_view kDefaultFirewallTable = "warren";
// nftables' NFT_NAME_MAXLEN (256) minus the terminating NUL.
inline constexpr size_t kMaxTableNameLength = 255;

// A bridge network as the firewall sees it. Networks with outbound_nat get
// their traffic to outside their subnet masqueraded; every network is needed
// to find the bridge a port forward's container sits behind.
struct NatNetwork {
  std::string name;          // e.g. "warren"
  std::string subnet;        // CIDR, network address only, e.g. 10.88.0.0/16
  std::string bridge;        // kernel link name, e.g. "warren0"
  bool outbound_nat = true;  // masquerade subnet -> outside
};

// One published port: connections to host_ip:host_port go to
// container_ip:container_port.
struct PortForward {
  std::string container_id;  // whose mapping this is
  std::string protocol;      // "tcp" or "udp"
  std::string host_ip;       // "" or "0.0.0.0": every local address
  int host_port = 0;         // 1..65535
  std::string container_ip;  // the container's address on its network
  int container_port = 0;    // 1..65535
};

// A /proc/sys write the ruleset relies on.
struct SysctlWrite {
  std::string path;  // e.g. "/proc/sys/net/ipv4/ip_forward"
  std::string value;
};

// Everything one sync does: first the sysctls, then the script as one
// libnftables transaction.
struct FirewallPlan {
  std::vector<SysctlWrite> sysctls;
  std::string script;
};

// Whether `host_ip` means "every local address" ("" or "0.0.0.0").
bool IsAnyHostIp(absl::string_view host_ip);

// nftables identifier rules for the table name ([A-Za-z_][A-Za-z0-9_]*, at
// most kMaxTableNameLength): INVALID_ARGUMENT "<field>: ...".
absl::Status ValidateTableName(absl::string_view name, absl::string_view field);

// Checks networks before they are rendered: valid name, subnet (network
// address only), a link name that can be quoted in a rule, and no name or
// bridge twice. INVALID_ARGUMENT "<field_prefix>[i].<field>: ...".
absl::Status ValidateNatNetworks(const std::vector<NatNetwork>& networks,
                                 absl::string_view field_prefix);

// Checks `requested` forwards against each other and against `existing`
// (every forward already in place, of any container). INVALID_ARGUMENT for a
// port 0 or > 65535, an unknown protocol or a bad host or container address;
// ALREADY_EXISTS when (protocol, host_ip, host_port) is already taken, where
// "every address" conflicts with any specific address on the same port.
// Messages start with "<field_prefix>[i].<field>: ", e.g.
// "spec.network.ports[1].host_port: ".
absl::Status ValidatePortForwards(const std::vector<PortForward>& existing,
                                  const std::vector<PortForward>& requested,
                                  absl::string_view field_prefix);

// Whether `ip` (IPv4) is inside the subnet of one of `networks`: a forward
// to any other address would have no bridge to go out through.
bool OnSomeNetwork(const std::vector<NatNetwork>& networks,
                   absl::string_view ip);

// The nftables script that atomically replaces table `ip <table_name>` by
// one that masquerades the outbound traffic of networks with outbound_nat,
// DNATs each forward (from other hosts in prerouting, from the host itself
// in output, both only to local destination addresses) and masquerades
// loopback-sourced and hairpin traffic leaving through bridges that have
// forwards. The inputs must have passed the validations above. Output is
// deterministic: networks by name, forwards by (host_port, protocol,
// host_ip), regardless of input order.
std::string RenderRuleset(absl::string_view table_name,
                          const std::vector<NatNetwork>& networks,
                          const std::vector<PortForward>& forwards);

// The script that deletes table `ip <table_name>` (also when it is absent).
std::string RenderDeleteTable(absl::string_view table_name);

// RenderRuleset plus the sysctls the rules need: route_localnet=1 on each
// bridge that has forwards (so 127.0.0.1 can be DNATed out through it), and
// ip_forward=1 when anything is forwarded or masqueraded. None otherwise.
FirewallPlan BuildFirewallPlan(absl::string_view table_name,
                               const std::vector<NatNetwork>& networks,
                               const std::vector<PortForward>& forwards);

}  // namespace warren::netns

#endif  // WARREN_NETNS_FIREWALL_PLAN_H_
