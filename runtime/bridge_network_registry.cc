// BridgeNetworking's network registry: CreateNetwork, ListNetworks,
// DeleteNetwork and what they share (split from bridge_networking.cc, which
// holds the per-container half).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/bridge_networking.h"
#include "runtime/container_id.h"
#include "runtime/file_util.h"
#include "runtime/network_config_proto.h"

namespace warren::runtime {

std::string BridgeNetworking::ResolvConf(const std::string& network) {
  absl::StatusOr<netns::NetworkConfig> net = Find(network, "network", "");
  if (!net.ok()) return "";
  netns::AttachmentPlan plan;
  plan.network = net->name;
  plan.dns_servers = net->dns_servers;
  plan.dns_search = net->dns_search;
  return netns::RenderResolvConf(plan);
}

v1::Network BridgeNetworking::Describe(const netns::NetworkConfig& config,
                                       const std::string& owner,
                                       const std::string& tenant) {
  v1::Network n;
  *n.mutable_config() = NetworkConfigToProto(config);
  n.set_tenant(owner);
  absl::StatusOr<std::vector<netns::IpAllocation>> held =
      ipam_->List(config.name);
  if (held.ok()) {
    for (const netns::IpAllocation& a : *held) {
      if (releases_.Contains(a.container_id)) continue;  // deleted
      if (tenant.empty()) {
        n.add_containers(a.container_id);
        continue;
      }
      ScopedId holder = SplitContainerKey(a.container_id);
      if (holder.tenant == tenant) n.add_containers(holder.id);
    }
  }
  return n;
}

absl::StatusOr<v1::Network> BridgeNetworking::CreateNetwork(
    const v1::NetworkConfig& proto, const std::string& tenant) {
  netns::NetworkConfig config = NetworkConfigFromProto(proto);
  absl::MutexLock lock(&mu_);
  std::vector<netns::NetworkConfig> existing;
  for (const auto& [name, c] : networks_) existing.push_back(c);
  if (absl::Status s = netns::ValidateNetworkConfig(config, existing, "config");
      !s.ok()) {
    return s;
  }
  // The owner first: a crash between the files leaves an owned network
  // invisible (safe) rather than a tenant's network open to all.
  auto undo = [&] {
    (void)RemoveTree(OwnerPath(config.name));
    (void)RemoveTree(NetworkPath(config.name));
  };
  if (!tenant.empty()) {
    if (absl::Status s = WriteFileAtomic(OwnerPath(config.name), tenant, 0600);
        !s.ok()) {
      undo();
      return s;
    }
  }
  if (absl::Status s = WriteProtoAtomic(NetworkPath(config.name),
                                        NetworkConfigToProto(config));
      !s.ok()) {
    undo();
    return s;
  }
  networks_[config.name] = config;
  if (!tenant.empty()) owners_[config.name] = tenant;
  if (absl::Status s = firewall_->SetNetworks(NatNetworksLocked()); !s.ok()) {
    networks_.erase(config.name);
    owners_.erase(config.name);
    undo();
    (void)firewall_->SetNetworks(NatNetworksLocked());
    return s;
  }
  return Describe(config, tenant, tenant);
}

std::vector<v1::Network> BridgeNetworking::ListNetworks(
    const std::string& tenant) {
  std::vector<std::pair<netns::NetworkConfig, std::string>> configs;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, c] : networks_) {
      if (!VisibleLocked(name, tenant)) continue;
      auto owner = owners_.find(name);
      configs.emplace_back(c, owner == owners_.end() ? "" : owner->second);
    }
  }
  std::vector<v1::Network> out;
  for (const auto& [c, owner] : configs) {
    out.push_back(Describe(c, owner, tenant));
  }
  return out;
}

absl::Status BridgeNetworking::DeleteNetwork(const std::string& name,
                                             const std::string& tenant) {
  // Deleted containers whose veths are still going count as gone.
  releases_.FinishNetwork(name);
  absl::MutexLock lock(&mu_);
  auto it = networks_.find(name);
  if (it == networks_.end() || !VisibleLocked(name, tenant)) {
    return absl::NotFoundError(absl::StrCat("no network \"", name, "\""));
  }
  if (name == options_.default_network.name) {
    return absl::FailedPreconditionError(absl::StrCat(
        "name: the default network \"", name, "\" cannot be deleted"));
  }
  if (absl::Status s = ipam_->DropNetwork(name); !s.ok()) {
    v1::Network n = Describe(it->second, "", "");
    return absl::FailedPreconditionError(absl::StrCat(
        "network \"", name,
        "\" still has containers: ", absl::StrJoin(n.containers(), ", ")));
  }
  if (absl::Status s = ops_->DeleteLink(it->second.bridge); !s.ok()) return s;
  attacher_.ForgetBridge(it->second.bridge);
  if (absl::Status s = RemoveTree(NetworkPath(name)); !s.ok()) return s;
  (void)RemoveTree(OwnerPath(name));
  owners_.erase(name);
  networks_.erase(it);
  return firewall_->SetNetworks(NatNetworksLocked());
}

std::vector<netns::NatNetwork> BridgeNetworking::NatNetworksLocked() {
  std::vector<netns::NatNetwork> out;
  for (const auto& [name, c] : networks_) {
    out.push_back({c.name, c.subnet, c.bridge, c.outbound_nat});
  }
  return out;
}

}  // namespace warren::runtime
