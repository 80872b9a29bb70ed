// Container networking over netns/: named bridge networks kept as files in
// state_dir/networks (the default one comes from the options), addresses
// from the on-disk IPAM, veth pairs made by NetworkAttacher over the
// NetlinkOps seam, NAT and port rules in the Firewall. The container's
// network namespace is the one its init was cloned into, reached through
// /proc/<pid>/ns/net, so no namespace file can outlive a container.
#ifndef WARREN_RUNTIME_BRIDGE_NETWORKING_H_
#define WARREN_RUNTIME_BRIDGE_NETWORKING_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "netns/attachment_plan.h"
#include "netns/firewall.h"
#include "netns/ipam.h"
#include "netns/netlink_ops.h"
#include "netns/network_attacher.h"
#include "netns/network_config.h"
#include "runtime/deferred_releases.h"
#include "runtime/network_control.h"

namespace warren::runtime {

struct BridgeNetworkingOptions {
  // Network definitions (networks/), kept across reboots.
  std::string state_dir = "/var/lib/warren";
  // Address allocations (ipam/): they belong to containers' processes, so
  // they live with the rest of the runtime state on the tmpfs a reboot
  // empties (rewriting them costs no disk inode).
  std::string run_dir = "/run/warren";
  // The network containers get when they name none ("warren", bridge
  // warren0, 10.88.0.0/16 unless warrend's flags say otherwise).
  netns::NetworkConfig default_network = netns::DefaultNetwork();
  // How a deleted container's veth is waited for (ReleaseExited).
  DeferredReleaseOptions deferred_release;
};

class BridgeNetworking : public NetworkControl {
 public:
  // Reads the stored networks. `ops` and `firewall` must outlive it.
  static absl::StatusOr<std::unique_ptr<BridgeNetworking>> Open(
      BridgeNetworkingOptions options, netns::NetlinkOps* ops,
      netns::Firewall* firewall);

  absl::StatusOr<v1::NetworkInfo> Reserve(const std::string& id,
                                          const v1::NetworkSpec& spec) override;
  absl::Status Attach(const std::string& id, pid_t init_pid) override;
  absl::Status Release(const std::string& id,
                       const std::string& network) override;
  // Deferred (runtime/deferred_releases.h) unless the host veth is gone.
  absl::Status ReleaseExited(const std::string& id,
                             const std::string& network) override;
  absl::Status Reconcile(
      const absl::flat_hash_map<std::string, v1::NetworkInfo>& live) override;
  std::string ResolvConf(const std::string& network) override;
  absl::StatusOr<v1::Network> CreateNetwork(const v1::NetworkConfig& config,
                                            const std::string& tenant) override;
  std::vector<v1::Network> ListNetworks(const std::string& tenant) override;
  absl::Status DeleteNetwork(const std::string& name,
                             const std::string& tenant) override;

 private:
  BridgeNetworking(BridgeNetworkingOptions options, netns::NetlinkOps* ops,
                   netns::Firewall* firewall,
                   std::unique_ptr<netns::IpamStore> ipam);

  // The first part of either release: the reservation is forgotten and
  // the port rules removed.
  absl::Status Unpublish(const std::string& id);
  // The part of Release after the port rules: veth (if still there) and
  // address.
  absl::Status ReleaseVethAndAddress(const std::string& id,
                                     const std::string& network);
  std::string NetworkPath(const std::string& name) const;
  // Holds the owning tenant of a network that has one.
  std::string OwnerPath(const std::string& name) const;
  // The network `name` as `tenant` sees it ("" sees all): NOT_FOUND naming
  // `field` if it does not exist or belongs to another tenant.
  absl::StatusOr<netns::NetworkConfig> Find(const std::string& name,
                                            absl::string_view field,
                                            const std::string& tenant)
      ABSL_LOCKS_EXCLUDED(mu_);
  bool VisibleLocked(const std::string& name, const std::string& tenant) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every network as the firewall sees it (bridge, subnet, NAT or not).
  std::vector<netns::NatNetwork> NatNetworksLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The network with its owner and the containers on it that `tenant`
  // may see ("" all, as keys; else that tenant's, as bare ids).
  v1::Network Describe(const netns::NetworkConfig& config,
                       const std::string& owner, const std::string& tenant);

  const BridgeNetworkingOptions options_;
  netns::NetlinkOps* const ops_;
  netns::Firewall* const firewall_;
  const std::unique_ptr<netns::IpamStore> ipam_;
  netns::NetworkAttacher attacher_;
  absl::Mutex mu_;
  // Every network by name, the default one included.
  std::map<std::string, netns::NetworkConfig> networks_ ABSL_GUARDED_BY(mu_);
  // Network name -> owning tenant; networks not listed are everyone's.
  std::map<std::string, std::string> owners_ ABSL_GUARDED_BY(mu_);
  // Reserved and not yet attached: the plan and the port forwards, which
  // are installed once the bridge exists.
  struct Pending {
    netns::AttachmentPlan plan;
    std::vector<netns::PortForward> forwards;
  };
  absl::flat_hash_map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // Last: its destructor finishes what is queued, using the members above.
  DeferredReleases releases_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_BRIDGE_NETWORKING_H_
