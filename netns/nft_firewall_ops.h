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
// say what failed and then libnftables' or the kernel's reason, e.g.
// "nftables transaction failed (nothing applied): Error: Could not process
// rule: No such file or directory"; Firewall prefixes the table.
class NftFirewallOps : public FirewallOps {
 public:
  // One libnftables context per call, output and errors buffered (nothing
  // reaches warrend's stdout/stderr). PERMISSION_DENIED without
  // CAP_NET_ADMIN, INTERNAL for anything else nftables refuses.
  absl::Status Run(const std::string& nft_script) override;
  // Skips the write when the file already holds `value`, so an unchanged
  // setting is never rewritten.
  absl::Status WriteSysctl(const std::string& path,
                           const std::string& value) override;
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_NFT_FIREWALL_OPS_H_
