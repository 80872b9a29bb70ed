// Attaches containers to bridge networks and detaches them, as a short
// sequence of NetlinkOps calls driven by an AttachmentPlan. It owns the
// ordering and the undo-on-failure, which is where partial setups (a veth
// left on the bridge with no container) would otherwise come from.
#ifndef WARREN_NETNS_NETWORK_ATTACHER_H_
#define WARREN_NETNS_NETWORK_ATTACHER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "netns/attachment_plan.h"
#include "netns/netlink_ops.h"

namespace warren::netns {

class NetworkAttacher {
 public:
  // `ops` must outlive the attacher.
  explicit NetworkAttacher(NetlinkOps* ops) : ops_(ops) {}

  // Connects the network namespace `netns_fd` (borrowed) to the plan's
  // bridge: ensures the bridge, checks it has a free port
  // (RESOURCE_EXHAUSTED at kMaxBridgePorts), creates the veth pair with the
  // container end inside the netns and configures it. On failure the
  // container's veth is removed again, so nothing of this container is left;
  // the bridge stays, as it belongs to the network and other containers may
  // be attaching to it at the same time.
  absl::Status Attach(const AttachmentPlan& plan, int netns_fd);

  // Removes the container's veth pair (the container end and its address
  // and route go with it). OK if it is already gone. The address itself is
  // released by the caller (IpamStore::Release). Only `container_id`,
  // `network` and `host_veth` of the plan are used.
  absl::Status Detach(const AttachmentPlan& plan);

  // Deletes host veth `name` (e.g. one StaleHostVeths found) and stops
  // counting it as a port. OK if it is already gone.
  absl::Status DeleteHostVeth(absl::string_view name);

  // Forgets what it knew of `bridge`'s ports (the bridge was deleted); the
  // next Attach to it reads them from the kernel again.
  void ForgetBridge(absl::string_view bridge);

  // Host veths named exactly like warren's (IsHostVethName), ports of one of
  // `bridges` (this warrend's networks: other warrends and tools on the
  // host keep theirs), that belong to none of `live_ids`, for the caller to
  // DeleteLink after a crash or restart. Only links of kind "veth" count.
  absl::StatusOr<std::vector<std::string>> StaleHostVeths(
      const absl::flat_hash_set<std::string>& live_ids,
      const absl::flat_hash_set<std::string>& bridges);

 private:
  using PortSet = absl::flat_hash_set<std::string>;

  // The ports of `bridge`: read from the kernel (NetlinkOps::BridgePorts,
  // a dump of every link) on first use or when `reread`, else as kept.
  absl::StatusOr<PortSet*> PortsLocked(const std::string& bridge, bool reread)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stops counting host veth `name` on any bridge.
  void ForgetPort(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);

  NetlinkOps* const ops_;
  // Serialises port counting with veth creation, so concurrent attaches in
  // this process cannot together overshoot the bridge's port limit.
  absl::Mutex mu_;
  // Bridge name -> names of its ports, learned once from the kernel (so a
  // restarted warrend counts the veths of the containers it found) and then
  // kept by Attach and Detach: no O(links) dump per attach. Ports removed
  // behind warren's back are only noticed at the limit, where the kernel is
  // asked again before refusing.
  absl::flat_hash_map<std::string, PortSet> ports_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_NETWORK_ATTACHER_H_
