// NetlinkOps over the kernel, with libnl-route. The only code in warren that
// creates bridges and veths; everything above it goes through NetlinkOps.
#ifndef WARREN_NETNS_LIBNL_NETLINK_OPS_H_
#define WARREN_NETNS_LIBNL_NETLINK_OPS_H_

#include "netns/netlink_ops.h"

namespace warren::netns {

// Each call opens its own rtnetlink socket (in the calling thread's, i.e.
// the host's, namespace; or inside the target namespace via RunInNetns), so
// the object has no state and is safe to share between threads. Errors name
// the operation and object, then libnl's error text, e.g.
// "create veth wv1234abcd (peer eth0 in netns fd 7, bridge warren0):
// Object exists".
class LibnlNetlinkOps : public NetlinkOps {
 public:
  absl::Status EnsureBridge(absl::string_view name, int mtu,
                            absl::string_view gateway_cidr,
                            absl::string_view mac) override;
  absl::StatusOr<std::vector<std::string>> BridgePorts(
      absl::string_view name) override;
  absl::Status CreateVethIntoNetns(absl::string_view host_name,
                                   absl::string_view peer_name, int netns_fd,
                                   int mtu, absl::string_view peer_mac,
                                   absl::string_view bridge) override;
  absl::Status ConfigureInNetns(int netns_fd, absl::string_view ifname,
                                absl::string_view address_cidr,
                                absl::string_view gateway) override;
  absl::Status DeleteLink(absl::string_view name) override;
  absl::StatusOr<bool> LinkExists(absl::string_view name) override;
  absl::StatusOr<std::vector<LinkInfo>> ListLinks(
      absl::string_view prefix) override;
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_LIBNL_NETLINK_OPS_H_
