// The seam between the container lifecycle and container networking (named
// bridge networks, addresses, veth pairs, NAT and port rules), so the
// manager's ordering and undo logic is unit-tested with a fake. Only main
// wires in the real one (BridgeNetworking, over netns/).
#ifndef WARREN_RUNTIME_NETWORK_CONTROL_H_
#define WARREN_RUNTIME_NETWORK_CONTROL_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/warren/v1/container.pb.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

// Whether `spec` asks for a veth on a bridge network.
bool WantsBridge(const v1::NetworkSpec& spec);

class NetworkControl {
 public:
  virtual ~NetworkControl() = default;

  // Before the container's monitor starts: takes an address on the
  // network `spec` names (NOT_FOUND for an unknown network or one of
  // another tenant than the key `id`'s, ALREADY_EXISTS
  // for a taken static IP or host port, RESOURCE_EXHAUSTED for a full
  // subnet) and returns where the container will be: ip, mac, gateway,
  // host veth, ports. Persisted, so a crash after it is reconciled.
  virtual absl::StatusOr<v1::NetworkInfo> Reserve(
      const std::string& id, const v1::NetworkSpec& spec) = 0;
  // Once the init exists (blocked before execve): connects its network
  // namespace to the bridge and installs its port mappings.
  virtual absl::Status Attach(const std::string& id, pid_t init_pid) = 0;
  // Undoes Reserve and Attach for container `id` on `network`: host veth
  // deleted, port rules removed, address released, all before it returns.
  // Nothing held is OK.
  virtual absl::Status Release(const std::string& id,
                               const std::string& network) = 0;
  // Release for Delete, once every process of the container is gone: the
  // port rules go at once; the kernel is then tearing the network
  // namespace down with the veth in it, so the address may be freed in the
  // background once the veth has gone (a new container of the same id,
  // and DeleteNetwork, wait for it).
  virtual absl::Status ReleaseExited(const std::string& id,
                                     const std::string& network) = 0;
  // warrend start: frees what belongs to no container in `live` (id ->
  // its NetworkInfo), gives the live ones back the addresses their records
  // name if the allocations were lost (they are on a tmpfs: a reboot), and
  // restores the port rules of the live ones.
  virtual absl::Status Reconcile(
      const absl::flat_hash_map<std::string, v1::NetworkInfo>& live) = 0;
  // The network's /etc/resolv.conf for containers ("" means the host's).
  virtual std::string ResolvConf(const std::string& network) = 0;

  // Networks belong to the tenant that created them, or with `tenant` ""
  // to every tenant (as the default network does). A network of another
  // tenant is unknown to a tenant: Reserve, List and Delete do not see it.
  virtual absl::StatusOr<v1::Network> CreateNetwork(
      const v1::NetworkConfig& config, const std::string& tenant) = 0;
  // The networks `tenant` sees, with its own containers (bare ids) on them;
  // "" for every network and container (keys).
  virtual std::vector<v1::Network> ListNetworks(const std::string& tenant) = 0;
  // `tenant` as for ListNetworks.
  virtual absl::Status DeleteNetwork(const std::string& name,
                                     const std::string& tenant) = 0;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_NETWORK_CONTROL_H_
