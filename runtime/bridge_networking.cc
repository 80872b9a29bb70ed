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
#include "runtime/ipam_takeover.h"
#include "runtime/network_config_proto.h"

namespace warren::runtime {
namespace {

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
      attacher_(ops),
      releases_(
          [this](const DeferredRelease& r) {
            absl::StatusOr<bool> present = ops_->LinkExists(r.host_veth);
            return present.ok() && !*present;
          },
          [this](const DeferredRelease& r) {
            (void)ReleaseVethAndAddress(r.id, r.network);
          },
          options_.deferred_release) {}

absl::StatusOr<std::unique_ptr<BridgeNetworking>> BridgeNetworking::Open(
    BridgeNetworkingOptions options, netns::NetlinkOps* ops,
    netns::Firewall* firewall) {
  std::string dir = options.state_dir + "/networks";
  if (absl::Status s = MakeDirs(dir, 0700); !s.ok()) return s;
  const std::string ipam_dir = options.run_dir + "/ipam";
  if (absl::Status s = MakeDirs(ipam_dir, 0700); !s.ok()) return s;
  // Before the store reads anything: it caches what it has read.
  if (absl::Status s =
          TakeOverLegacyIpam(options.state_dir + "/ipam", ipam_dir);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::unique_ptr<netns::IpamStore>> ipam =
      netns::IpamStore::Open(ipam_dir);
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
    n->networks_[config.name()] = NetworkConfigFromProto(config);
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
  // A deleted container of the same id may still hold its veth name and
  // address record.
  releases_.FinishNow(id);
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
  absl::Status status = Unpublish(id);
  if (absl::Status s = ReleaseVethAndAddress(id, network);
      !s.ok() && status.ok()) {
    status = s;
  }
  return status;
}

absl::Status BridgeNetworking::ReleaseExited(const std::string& id,
                                             const std::string& network) {
  // At once, so the host ports are free for the next container.
  absl::Status status = Unpublish(id);
  const std::string veth = netns::HostVethName(id);
  absl::StatusOr<bool> present = ops_->LinkExists(veth);
  if (!present.ok() || *present) {
    releases_.Add({id, network, veth});
    return status;
  }
  if (absl::Status s = ReleaseVethAndAddress(id, network);
      !s.ok() && status.ok()) {
    status = s;
  }
  return status;
}

absl::Status BridgeNetworking::Unpublish(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    pending_.erase(id);
  }
  return firewall_->RemoveContainer(id);
}

absl::Status BridgeNetworking::ReleaseVethAndAddress(
    const std::string& id, const std::string& network) {
  netns::AttachmentPlan plan;
  plan.network = network;
  plan.container_id = id;
  plan.host_veth = netns::HostVethName(id);
  absl::Status status = attacher_.Detach(plan);
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
  // After a reboot the store (on the tmpfs) is empty, while the records of
  // the containers, all stopped then, name the addresses they keep until
  // Delete: each gets its own back. A holder already recorded costs
  // nothing; a clash or a network that is gone leaves that one without.
  for (const auto& [id, info] : live) {
    if (info.network().empty() || info.ip().empty()) continue;
    netns::NetworkConfig config;
    {
      absl::MutexLock lock(&mu_);
      auto it = networks_.find(info.network());
      if (it == networks_.end()) continue;
      config = it->second;
    }
    (void)ipam_->Allocate(config, id, info.ip().substr(0, info.ip().find('/')));
  }
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

}  // namespace warren::runtime
