// Outbound NAT and port mappings of warren's bridge networks. Firewall holds
// the desired state (networks and each container's forwards) and after
// every change replaces warren's whole nftables table with the one rendered
// from it, in one transaction. So the kernel never holds a half-applied
// change, a deleted container's rules go with the next sync, and after a
// crash or restart one Reconcile with the live containers removes whatever
// is stale: there are no per-rule handles to track or leak.
#ifndef WARREN_NETNS_FIREWALL_H_
#define WARREN_NETNS_FIREWALL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "netns/firewall_ops.h"
#include "netns/firewall_plan.h"

namespace warren::netns {

// Thread-safe. Every mutator validates first (nothing changes on a bad
// request), then syncs; if the sync fails, the in-memory state is rolled
// back to what the kernel still has (the transaction applied nothing), so
// memory and kernel agree. Syncs are serialised, so the last one always
// reflects the latest state. One Firewall per table and process.
class Firewall {
 public:
  // `ops` must outlive the firewall. `table_name` is the nftables table
  // (family ip) it owns entirely; tests use a unique one.
  explicit Firewall(FirewallOps* ops, std::string table_name =
                                          std::string(kDefaultFirewallTable));

  Firewall(const Firewall&) = delete;
  Firewall& operator=(const Firewall&) = delete;

  // Replaces the set of networks (ValidateNatNetworks, "networks[i]...")
  // and syncs. FAILED_PRECONDITION if a container still forwards ports to
  // an address that would be on none of them.
  absl::Status SetNetworks(std::vector<NatNetwork> networks);

  // Adds `forwards` to the container's mappings and syncs. The forwards'
  // container_id is set to `container_id`. Errors are those of
  // ValidatePortForwards against every mapping in place (messages start
  // with "<field_prefix>[i]."), or INVALID_ARGUMENT for a container_ip on
  // none of the networks, or the sync's; on any error nothing changes.
  absl::Status AddForwards(absl::string_view container_id,
                           std::vector<PortForward> forwards,
                           absl::string_view field_prefix = "ports");

  // Drops every mapping of the container (for Delete) and syncs. OK if it
  // has none; the sync still runs, so a retry after a failed sync also
  // removes the rules. On a failed sync the container stays forgotten: the
  // next successful sync removes its rules.
  absl::Status RemoveContainer(absl::string_view container_id);

  // Replaces the whole desired state at once (after a warrend restart, with
  // the live containers' forwards, keyed by container id) in one sync, so
  // live mappings never drop out and stale ones are gone. Validation errors
  // name "networks[i]..." or "forwards[<id>][i]...". Rolls back on failure.
  absl::Status Reconcile(
      std::vector<NatNetwork> networks,
      std::map<std::string, std::vector<PortForward>> forwards_by_container);

  // Writes the sysctls the rules need and replaces the table with the one
  // rendered from the current state. Also repairs a table someone changed.
  absl::Status Sync();

  // Deletes the table (OK if absent) and forgets all state, e.g. when
  // warren's networking is switched off. Containers keep running, so
  // warrend does not call this on a normal stop. Sysctls stay as they are.
  absl::Status Clear();

  // The current desired state (forwards in container id order).
  std::vector<NatNetwork> networks() const;
  std::vector<PortForward> forwards() const;
  const std::string& table_name() const { return table_name_; }

 private:
  using ForwardMap = std::map<std::string, std::vector<PortForward>>;

  std::vector<PortForward> AllForwardsLocked() const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status SyncLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Syncs; on failure restores `networks` and `forwards`.
  absl::Status SyncOrRollBack(std::vector<NatNetwork> networks,
                              ForwardMap forwards)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FirewallOps* const ops_;
  const std::string table_name_;
  mutable absl::Mutex mu_;
  std::vector<NatNetwork> networks_ ABSL_GUARDED_BY(mu_);
  ForwardMap forwards_ ABSL_GUARDED_BY(mu_);
  // The kernel's table matches networks_ and forwards_ (the last sync
  // succeeded).
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_FIREWALL_H_
