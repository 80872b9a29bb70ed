#include "netns/network_attacher.h"

#include "absl/strings/str_cat.h"

namespace warren::netns {
namespace {

// `status` with `context: ` in front of its message, same code.
absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  return absl::Status(status.code(),
                      absl::StrCat(context, ": ", status.message()));
}

}  // namespace

absl::StatusOr<NetworkAttacher::PortSet*> NetworkAttacher::PortsLocked(
    const std::string& bridge, bool reread) {
  auto it = ports_.find(bridge);
  if (it != ports_.end() && !reread) return &it->second;
  absl::StatusOr<std::vector<std::string>> names = ops_->BridgePorts(bridge);
  if (!names.ok()) return names.status();
  PortSet& ports = ports_[bridge];
  ports = PortSet(names->begin(), names->end());
  return &ports;
}

void NetworkAttacher::ForgetPort(const std::string& name) {
  absl::MutexLock lock(&mu_);
  for (auto& [bridge, ports] : ports_) ports.erase(name);
}

absl::Status NetworkAttacher::Attach(const AttachmentPlan& plan, int netns_fd) {
  const std::string context =
      absl::StrCat("attach container ", plan.container_id, " to network \"",
                   plan.network, "\"");
  if (absl::Status s = ops_->EnsureBridge(plan.bridge, plan.mtu,
                                          plan.bridge_cidr, plan.bridge_mac);
      !s.ok()) {
    return Annotate(s, context);
  }
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<PortSet*> ports = PortsLocked(plan.bridge, false);
    if (ports.ok() && (*ports)->size() >= kMaxBridgePorts) {
      // Full as far as we know: ports may have gone without us (deleted by
      // hand, or with a bridge made anew), so ask the kernel before refusing.
      ports = PortsLocked(plan.bridge, true);
    }
    if (!ports.ok()) return Annotate(ports.status(), context);
    if ((*ports)->size() >= kMaxBridgePorts) {
      return absl::ResourceExhaustedError(absl::StrCat(
          context, ": bridge ", plan.bridge, " already has ", (*ports)->size(),
          " ports, the kernel's limit is ", kMaxBridgePorts,
          " (use another network for more containers)"));
    }
    // All-or-nothing by the NetlinkOps contract: on failure there is no veth
    // of ours to remove (and ALREADY_EXISTS may be someone else's link).
    if (absl::Status s = ops_->CreateVethIntoNetns(
            plan.host_veth, plan.container_ifname, netns_fd, plan.mtu,
            plan.container_mac, plan.bridge);
        !s.ok()) {
      // Anything but a taken name may mean the bridge is not what we think
      // (e.g. ports added by others up to the kernel's limit): read it anew
      // next time.
      if (!absl::IsAlreadyExists(s)) ports_.erase(plan.bridge);
      return Annotate(s, context);
    }
    (*ports)->insert(plan.host_veth);
  }
  if (absl::Status s = ops_->ConfigureInNetns(netns_fd, plan.container_ifname,
                                              plan.address_cidr, plan.gateway);
      !s.ok()) {
    absl::Status result = Annotate(s, context);
    if (absl::Status undo = DeleteHostVeth(plan.host_veth); !undo.ok()) {
      return absl::Status(
          result.code(),
          absl::StrCat(result.message(), "; and removing veth ", plan.host_veth,
                       " again failed too: ", undo.message()));
    }
    return result;
  }
  return absl::OkStatus();
}

absl::Status NetworkAttacher::Detach(const AttachmentPlan& plan) {
  if (absl::Status s = DeleteHostVeth(plan.host_veth); !s.ok()) {
    return Annotate(s, absl::StrCat("detach container ", plan.container_id,
                                    " from network \"", plan.network, "\""));
  }
  return absl::OkStatus();
}

absl::Status NetworkAttacher::DeleteHostVeth(absl::string_view name) {
  if (absl::Status s = ops_->DeleteLink(name); !s.ok()) return s;
  ForgetPort(std::string(name));
  return absl::OkStatus();
}

void NetworkAttacher::ForgetBridge(absl::string_view bridge) {
  absl::MutexLock lock(&mu_);
  ports_.erase(std::string(bridge));
}

absl::StatusOr<std::vector<std::string>> NetworkAttacher::StaleHostVeths(
    const absl::flat_hash_set<std::string>& live_ids,
    const absl::flat_hash_set<std::string>& bridges) {
  absl::StatusOr<std::vector<LinkInfo>> links =
      ops_->ListLinks(kHostVethPrefix);
  if (!links.ok()) return Annotate(links.status(), "list host veths");
  absl::flat_hash_set<std::string> live_names;
  for (const std::string& id : live_ids) live_names.insert(HostVethName(id));
  std::vector<std::string> stale;
  for (const LinkInfo& link : *links) {
    if (link.kind == "veth" && IsHostVethName(link.name) &&
        bridges.contains(link.master) && !live_names.contains(link.name)) {
      stale.push_back(link.name);
    }
  }
  return stale;
}

}  // namespace warren::netns
