#include "runtime/bridge_networking.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "netns/firewall_plan.h"
#include "runtime/container_id.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

netns::NetworkConfig FromProto(const v1::NetworkConfig& p) {
  netns::NetworkConfig c;
  c.name = p.name();
  c.bridge = p.bridge().empty() ? "wbr-" + p.name().substr(0, 11) : p.bridge();
  c.subnet = p.subnet();
  c.gateway = p.gateway();
  if (c.gateway.empty()) {
    absl::StatusOr<netns::Ipv4Cidr> cidr =
        netns::ParseIpv4Cidr(p.subnet(), "config.subnet");
    // A bad subnet is reported by validation; the gateway stays empty.
    if (cidr.ok()) c.gateway = netns::FormatIpv4(cidr->address + 1);
  }
  c.mtu = p.mtu() == 0 ? 1500 : static_cast<int>(p.mtu());
  c.outbound_nat = !p.disable_outbound_nat();
  c.dns_servers.assign(p.dns_servers().begin(), p.dns_servers().end());
  c.dns_search.assign(p.dns_search().begin(), p.dns_search().end());
  return c;
}

v1::NetworkConfig ToProto(const netns::NetworkConfig& c) {
  v1::NetworkConfig p;
  p.set_name(c.name);
  p.set_bridge(c.bridge);
  p.set_subnet(c.subnet);
  p.set_gateway(c.gateway);
  p.set_mtu(static_cast<uint32_t>(c.mtu));
  p.set_disable_outbound_nat(!c.outbound_nat);
  for (const std::string& s : c.dns_servers) p.add_dns_servers(s);
  for (const std::string& s : c.dns_search) p.add_dns_search(s);
  return p;
}

// "spec.network.ip: ..." instead of the IPAM's own field name.
absl::Status Renamed(const absl::Status& s, absl::string_view field) {
  std::string message(s.message());
  if (size_t colon = message.find(": ");
      colon != std::string::npos &&
      message.substr(0, colon).find(' ') == std::string::npos) {
    message = message.substr(colon + 2);
  }
  return absl::Status(s.code(), absl::StrCat(field, ": ", message));
}

std::vector<netns::PortForward> Forwards(const std::string& id,
                                         const v1::NetworkSpec& spec,
                                         const std::string& ip) {
  std::vector<netns::PortForward> out;
  for (const v1::PortMapping& p : spec.ports()) {
    netns::PortForward f;
    f.container_id = id;
    f.protocol = p.protocol().empty() ? "tcp" : p.protocol();
    f.host_ip = p.host_ip();
    f.host_port = static_cast<int>(p.host_port());
    f.container_ip = ip;
    f.container_port = static_cast<int>(
        p.container_port() == 0 ? p.host_port() : p.container_port());
    out.push_back(f);
  }
  return out;
}

}  // namespace

BridgeNetworking::BridgeNetworking(BridgeNetworkingOptions options,
                                   netns::NetlinkOps* ops,
                                   netns::Firewall* firewall,
                                   std::unique_ptr<netns::IpamStore> ipam)
    : options_(std::move(options)),
      ops_(ops),
      firewall_(firewall),
      ipam_(std::move(ipam)),
      attacher_(ops) {}

absl::StatusOr<std::unique_ptr<BridgeNetworking>> BridgeNetworking::Open(
    BridgeNetworkingOptions options, netns::NetlinkOps* ops,
    netns::Firewall* firewall) {
  std::string dir = options.state_dir + "/networks";
  if (absl::Status s = MakeDirs(dir, 0700); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<netns::IpamStore>> ipam =
      netns::IpamStore::Open(options.state_dir + "/ipam");
  if (!ipam.ok()) return ipam.status();
  std::unique_ptr<BridgeNetworking> n(new BridgeNetworking(
      std::move(options), ops, firewall, *std::move(ipam)));
  absl::MutexLock lock(&n->mu_);
  const netns::NetworkConfig& def = n->options_.default_network;
  n->networks_[def.name] = def;
  for (const std::string& file : ListDir(dir)) {
    if (!absl::EndsWith(file, ".pb")) continue;
    v1::NetworkConfig config;
    if (absl::Status s = ReadProto(dir + "/" + file, &config); !s.ok()) {
      return s;
    }
    n->networks_[config.name()] = FromProto(config);
    absl::StatusOr<std::string> owner = ReadFile(n->OwnerPath(config.name()));
    if (owner.ok() && !owner->empty()) n->owners_[config.name()] = *owner;
  }
  return n;
}

std::string BridgeNetworking::NetworkPath(const std::string& name) const {
  return absl::StrCat(options_.state_dir, "/networks/", name, ".pb");
}

std::string BridgeNetworking::OwnerPath(const std::string& name) const {
  return absl::StrCat(options_.state_dir, "/networks/", name, ".tenant");
}

bool BridgeNetworking::VisibleLocked(const std::string& name,
                                     const std::string& tenant) const {
  if (tenant.empty()) return true;
  auto it = owners_.find(name);
  return it == owners_.end() || it->second == tenant;
}

absl::StatusOr<netns::NetworkConfig> BridgeNetworking::Find(
    const std::string& name, absl::string_view field,
    const std::string& tenant) {
  absl::MutexLock lock(&mu_);
  auto it = networks_.find(name);
  if (it == networks_.end() || !VisibleLocked(name, tenant)) {
    return absl::NotFoundError(
        absl::StrCat(field, ": no network \"", name, "\""));
  }
  return it->second;
}

absl::StatusOr<v1::NetworkInfo> BridgeNetworking::Reserve(
    const std::string& id, const v1::NetworkSpec& spec) {
  std::string name =
      spec.network().empty() ? options_.default_network.name : spec.network();
  absl::StatusOr<netns::NetworkConfig> net =
      Find(name, "spec.network.network", SplitContainerKey(id).tenant);
  if (!net.ok()) return net.status();
  absl::StatusOr<std::string> ip = ipam_->Allocate(*net, id, spec.ip());
  if (!ip.ok()) {
    if (absl::IsResourceExhausted(ip.status())) return ip.status();
    return Renamed(ip.status(), "spec.network.ip");
  }
  auto release = absl::MakeCleanup([&] { (void)ipam_->Release(name, id); });
  absl::StatusOr<netns::AttachmentPlan> plan =
      netns::BuildAttachmentPlan(*net, id, *ip);
  if (!plan.ok()) return plan.status();
  // Checked now, so a taken port fails before any process exists; the
  // rules go in at Attach (they need the bridge).
  std::vector<netns::PortForward> forwards = Forwards(id, spec, *ip);
  if (absl::Status s = netns::ValidatePortForwards(
          firewall_->forwards(), forwards, "spec.network.ports");
      !s.ok()) {
    return s;
  }
  v1::NetworkInfo info;
  info.set_network(name);
  info.set_ip(plan->address_cidr);
  info.set_mac(plan->container_mac);
  info.set_gateway(plan->gateway);
  info.set_host_veth(plan->host_veth);
  *info.mutable_ports() = spec.ports();
  absl::MutexLock lock(&mu_);
  pending_[id] = {*std::move(plan), std::move(forwards)};
  std::move(release).Cancel();
  return info;
}

absl::Status BridgeNetworking::Attach(const std::string& id, pid_t init_pid) {
  Pending pending;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("container \"", id, "\" has no reserved address"));
    }
    pending = it->second;
  }
  const netns::AttachmentPlan& plan = pending.plan;
  std::string path = absl::StrCat("/proc/", init_pid, "/ns/net");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open " + path);
  absl::Status attached = attacher_.Attach(plan, fd);
  close(fd);
  if (!attached.ok()) {
    return absl::Status(
        attached.code(),
        absl::StrCat("attach container \"", id, "\" to network \"",
                     plan.network, "\": ", attached.message()));
  }
  if (!pending.forwards.empty()) {
    // Release (the caller's undo) deletes the veth if this fails.
    if (absl::Status s =
            firewall_->AddForwards(id, pending.forwards, "spec.network.ports");
        !s.ok()) {
      return s;
    }
  }
  absl::MutexLock lock(&mu_);
  pending_.erase(id);
  return absl::OkStatus();
}

absl::Status BridgeNetworking::Release(const std::string& id,
                                       const std::string& network) {
  {
    absl::MutexLock lock(&mu_);
    pending_.erase(id);
  }
  // The veth usually died with the container's network namespace.
  netns::AttachmentPlan plan;
  plan.network = network;
  plan.container_id = id;
  plan.host_veth = netns::HostVethName(id);
  absl::Status status = attacher_.Detach(plan);
  if (absl::Status s = firewall_->RemoveContainer(id); !s.ok() && status.ok()) {
    status = s;
  }
  if (absl::Status s = ipam_->Release(network, id); !s.ok() && status.ok()) {
    status = s;
  }
  return status;
}

absl::Status BridgeNetworking::Reconcile(
    const absl::flat_hash_map<std::string, v1::NetworkInfo>& live) {
  absl::flat_hash_set<std::string> ids;
  for (const auto& [id, info] : live) ids.insert(id);
  absl::Status status;
  absl::StatusOr<std::vector<netns::IpAllocation>> freed =
      ipam_->Reconcile(ids);
  if (!freed.ok()) status = freed.status();
  absl::flat_hash_set<std::string> bridges;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, c] : networks_) bridges.insert(c.bridge);
  }
  absl::StatusOr<std::vector<std::string>> stale =
      attacher_.StaleHostVeths(ids, bridges);
  if (stale.ok()) {
    for (const std::string& veth : *stale) {
      if (absl::Status s = attacher_.DeleteHostVeth(veth);
          !s.ok() && status.ok()) {
        status = s;
      }
    }
  } else if (status.ok()) {
    status = stale.status();
  }
  std::map<std::string, std::vector<netns::PortForward>> rules;
  for (const auto& [id, info] : live) {
    if (info.ports().empty()) continue;
    v1::NetworkSpec spec;
    *spec.mutable_ports() = info.ports();
    rules[id] = Forwards(id, spec, info.ip().substr(0, info.ip().find('/')));
  }
  absl::MutexLock lock(&mu_);
  if (absl::Status s = firewall_->Reconcile(NatNetworksLocked(), rules);
      !s.ok() && status.ok()) {
    status = s;
  }
  return status;
}

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
  *n.mutable_config() = ToProto(config);
  n.set_tenant(owner);
  absl::StatusOr<std::vector<netns::IpAllocation>> held =
      ipam_->List(config.name);
  if (held.ok()) {
    for (const netns::IpAllocation& a : *held) {
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
  netns::NetworkConfig config = FromProto(proto);
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
  if (absl::Status s =
          WriteProtoAtomic(NetworkPath(config.name), ToProto(config));
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
