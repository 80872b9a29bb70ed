// The narrow seam between the firewall's bookkeeping and the kernel: run one
// nftables script as a transaction, write one sysctl. Firewall is tested
// without root against a recording fake (tests/netns/fake_firewall_ops.h);
// the real one (nft_firewall_ops.h) uses libnftables in-process, never an
// `nft` or `iptables` child process.
#ifndef WARREN_NETNS_FIREWALL_OPS_H_
#define WARREN_NETNS_FIREWALL_OPS_H_

#include <string>

#include "absl/status/status.h"

namespace warren::netns {

class FirewallOps {
 public:
  virtual ~FirewallOps() = default;

  // Runs `nft_script` (nft's own syntax, several commands) as ONE
  // transaction: either every command takes effect or none does. The error
  // carries the nftables error text.
  virtual absl::Status Run(const std::string& nft_script) = 0;

  // Writes `value` to the sysctl file `path` (under /proc/sys), e.g.
  // ("/proc/sys/net/ipv4/ip_forward", "1"). NOT_FOUND if the file does not
  // exist (e.g. a bridge that is not there yet).
  virtual absl::Status WriteSysctl(const std::string& path,
                                   const std::string& value) = 0;
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_FIREWALL_OPS_H_
