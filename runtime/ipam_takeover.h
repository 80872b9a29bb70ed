// Address allocations moved from state_dir/ipam to run_dir/ipam (a tmpfs):
// a warrend started after the move takes over what an older one wrote, so
// containers that kept running across the upgrade keep their addresses.
#ifndef WARREN_RUNTIME_IPAM_TAKEOVER_H_
#define WARREN_RUNTIME_IPAM_TAKEOVER_H_

#include <string>

#include "absl/status/status.h"

namespace warren::runtime {

// Moves every `<network>.ips` file of `legacy` into `dir` (which exists),
// merging line by line with a file `dir` already has (after a downgrade and
// an upgrade both can exist), then removes `legacy`. Nothing to do if
// `legacy` does not exist or is `dir` itself (state_dir == run_dir).
// FAILED_PRECONDITION naming both files if one address has two holders;
// then nothing is removed.
absl::Status TakeOverLegacyIpam(const std::string& legacy,
                                const std::string& dir);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_IPAM_TAKEOVER_H_
