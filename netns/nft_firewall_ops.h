// FirewallOps over the kernel: nftables through libnftables in-process (one
// netlink batch per script, so a replace is atomic) and sysctls through
// /proc/sys. The only code in warren that changes firewall rules.
#ifndef WARREN_NETNS_NFT_FIREWALL_OPS_H_
#define WARREN_NETNS_NFT_FIREWALL_OPS_H_

#include <string>

#include "netns/firewall_ops.h"

namespace warren::netns {

// Each Run uses its own libnftables context, so the object has no state and
// is safe to share between threads. Needs CAP_NET_ADMIN at run time. Errors
// name the operation and then libnftables' or the kernel's reason, e.g.
// "nftables transaction failed: <cmdline>:3:1-5: Error: Could not process
// rule: Operation not permitted (at: table ip warren {)".
class NftFirewallOps : public FirewallOps {
 public:
  absl::Status Run(const std::string& nft_script) override;
  // Skips the write when the file already holds `value`, so an unchanged
  // setting is never rewritten.
  absl::Status WriteSysctl(const std::string& path,
                           const std::string& value) override;
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_NFT_FIREWALL_OPS_H_
