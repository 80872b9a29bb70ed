// The narrow seam between attach/detach logic and the kernel: the handful of
// link operations bridge networking needs, so NetworkAttacher can be tested
// without root against a recording fake (tests/netns/fake_netlink_ops.h),
// and the real libnl code (libnl_netlink_ops.h) stays small and flat.
//
// Contract for implementations: each operation is all-or-nothing (on error
// it leaves nothing half-made that the caller would have to know about), and
// all names refer to the host's network namespace unless a netns fd is
// given. netns fds are borrowed, never closed.
#ifndef WARREN_NETNS_NETLINK_OPS_H_
#define WARREN_NETNS_NETLINK_OPS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::netns {

// The Linux bridge's port limit: BR_MAX_PORTS (1 << 10) minus port 0.
inline constexpr int kMaxBridgePorts = 1023;

// One link of the host's network namespace, as ListLinks reports it.
struct LinkInfo {
  std::string name;
  std::string kind;    // rtnetlink IFLA_INFO_KIND: "veth", "bridge", "" ...
  std::string master;  // name of the bridge it is a port of, or ""
};

class NetlinkOps {
 public:
  virtual ~NetlinkOps() = default;

  // Makes sure bridge `name` exists with `mtu` and `mac`, carries address
  // `gateway_cidr` (e.g. "10.88.0.1/16") and is up. Idempotent; an existing
  // link of another kind is FAILED_PRECONDITION.
  virtual absl::Status EnsureBridge(absl::string_view name, int mtu,
                                    absl::string_view gateway_cidr,
                                    absl::string_view mac) = 0;

  // Names of the links that have bridge `name` as master. NOT_FOUND if it
  // is absent. Dumps every link of the host, so NetworkAttacher asks once per
  // bridge and keeps count itself after that.
  virtual absl::StatusOr<std::vector<std::string>> BridgePorts(
      absl::string_view name) = 0;

  // Creates a veth pair: `host_name` in the host namespace, a port of
  // `bridge` and up; its peer `peer_name` created directly inside the
  // namespace `netns_fd` (never visible in the host's) with `peer_mac`.
  // Both ends get `mtu`, and no IPv6 link-local address (warren's networks
  // are IPv4 only: no DAD, router solicitations or MLD on them). ALREADY_EXISTS
  // if either name is taken.
  virtual absl::Status CreateVethIntoNetns(absl::string_view host_name,
                                           absl::string_view peer_name,
                                           int netns_fd, int mtu,
                                           absl::string_view peer_mac,
                                           absl::string_view bridge) = 0;

  // Inside the namespace `netns_fd`: brings `lo` and `ifname` up (`ifname`
  // without an IPv6 link-local address), adds `address_cidr` to `ifname` and
  // a default route via `gateway`.
  // Idempotent (an existing address or route is fine).
  virtual absl::Status ConfigureInNetns(int netns_fd, absl::string_view ifname,
                                        absl::string_view address_cidr,
                                        absl::string_view gateway) = 0;

  // Deletes host link `name` (for a veth, its peer goes with it, wherever it
  // is). An absent link is OK.
  virtual absl::Status DeleteLink(absl::string_view name) = 0;

  // Whether host link `name` exists (a single RTM_GETLINK: the kernel
  // answers it without the rtnl lock, so it is cheap while namespaces are
  // being torn down).
  virtual absl::StatusOr<bool> LinkExists(absl::string_view name) = 0;

  // Host links whose name starts with `prefix`, in no particular order.
  virtual absl::StatusOr<std::vector<LinkInfo>> ListLinks(
      absl::string_view prefix) = 0;
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_NETLINK_OPS_H_
