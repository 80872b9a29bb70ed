#include "netns/firewall.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace warren::netns {
namespace {

absl::Status Prefixed(absl::string_view prefix, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(prefix, ": ", status.message()));
}

std::string NetworkNames(const std::vector<NatNetwork>& networks) {
  if (networks.empty()) return "none";
  return absl::StrJoin(networks, ", ",
                       [](std::string* out, const NatNetwork& n) {
                         absl::StrAppend(out, n.name, " ", n.subnet);
                       });
}

}  // namespace

Firewall::Firewall(FirewallOps* ops, std::string table_name)
    : ops_(ops), table_name_(std::move(table_name)) {}

std::vector<PortForward> Firewall::AllForwardsLocked() const {
  std::vector<PortForward> all;
  for (const auto& [id, forwards] : forwards_) {
    all.insert(all.end(), forwards.begin(), forwards.end());
  }
  return all;
}

absl::Status Firewall::SyncLocked() {
  if (absl::Status s = ValidateTableName(table_name_, "table name"); !s.ok()) {
    return s;
  }
  synced_ = false;
  const std::vector<PortForward> all = AllForwardsLocked();
  const FirewallPlan plan = BuildFirewallPlan(table_name_, networks_, all);
  const std::string what = absl::StrCat("sync nftables table ip ", table_name_,
                                        " (", networks_.size(), " networks, ",
                                        all.size(), " port forwards)");
  // Sysctls first: if one fails, no rule changed yet.
  for (const SysctlWrite& sysctl : plan.sysctls) {
    if (absl::Status s = ops_->WriteSysctl(sysctl.path, sysctl.value);
        !s.ok()) {
      return Prefixed(what, s);
    }
  }
  if (absl::Status s = ops_->Run(plan.script); !s.ok()) {
    return Prefixed(what, s);
  }
  synced_ = true;
  return absl::OkStatus();
}

absl::Status Firewall::SyncOrRollBack(std::vector<NatNetwork> networks,
                                      ForwardMap forwards) {
  absl::Status status = SyncLocked();
  if (!status.ok()) {
    networks_ = std::move(networks);
    forwards_ = std::move(forwards);
  }
  return status;
}

absl::Status Firewall::SetNetworks(std::vector<NatNetwork> networks) {
  if (absl::Status s = ValidateNatNetworks(networks, "networks"); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [id, forwards] : forwards_) {
    for (const PortForward& f : forwards) {
      if (!OnSomeNetwork(networks, f.container_ip)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "networks: container \"", id, "\" still forwards ", f.protocol,
            " port ", f.host_port, " to ", f.container_ip,
            ", which would be on none of the networks (",
            NetworkNames(networks), "); remove its forwards first"));
      }
    }
  }
  std::vector<NatNetwork> old = std::exchange(networks_, std::move(networks));
  return SyncOrRollBack(std::move(old), forwards_);
}

absl::Status Firewall::AddForwards(absl::string_view container_id,
                                   std::vector<PortForward> forwards,
                                   absl::string_view field_prefix) {
  if (container_id.empty()) {
    return absl::InvalidArgumentError("container_id: is required");
  }
  for (PortForward& f : forwards) f.container_id = std::string(container_id);
  absl::MutexLock lock(&mu_);
  if (absl::Status s =
          ValidatePortForwards(AllForwardsLocked(), forwards, field_prefix);
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < forwards.size(); ++i) {
    if (!OnSomeNetwork(networks_, forwards[i].container_ip)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field_prefix, "[", i, "].container_ip: ", forwards[i].container_ip,
          " is on none of the networks (", NetworkNames(networks_), ")"));
    }
  }
  ForwardMap old = forwards_;
  std::vector<PortForward>& mine = forwards_[std::string(container_id)];
  mine.insert(mine.end(), forwards.begin(), forwards.end());
  return SyncOrRollBack(networks_, std::move(old));
}

absl::Status Firewall::RemoveContainer(absl::string_view container_id) {
  absl::MutexLock lock(&mu_);
  // Most containers publish no ports: their delete must not pay for
  // replacing the whole table (RCU waits of ~15 ms).
  // A failed sync earlier leaves the kernel behind: then always sync.
  if (forwards_.erase(std::string(container_id)) == 0 && synced_) {
    return absl::OkStatus();
  }
  return SyncLocked();
}

absl::Status Firewall::Reconcile(
    std::vector<NatNetwork> networks,
    std::map<std::string, std::vector<PortForward>> forwards_by_container) {
  if (absl::Status s = ValidateNatNetworks(networks, "networks"); !s.ok()) {
    return s;
  }
  std::vector<PortForward> accepted;
  for (auto& [id, forwards] : forwards_by_container) {
    if (id.empty()) {
      return absl::InvalidArgumentError("forwards: a container id is empty");
    }
    const std::string prefix = absl::StrCat("forwards[", id, "]");
    for (PortForward& f : forwards) f.container_id = id;
    if (absl::Status s = ValidatePortForwards(accepted, forwards, prefix);
        !s.ok()) {
      return s;
    }
    for (size_t i = 0; i < forwards.size(); ++i) {
      if (!OnSomeNetwork(networks, forwards[i].container_ip)) {
        return absl::InvalidArgumentError(absl::StrCat(
            prefix, "[", i, "].container_ip: ", forwards[i].container_ip,
            " is on none of the networks (", NetworkNames(networks), ")"));
      }
    }
    accepted.insert(accepted.end(), forwards.begin(), forwards.end());
  }
  absl::MutexLock lock(&mu_);
  std::vector<NatNetwork> old_networks =
      std::exchange(networks_, std::move(networks));
  ForwardMap old_forwards =
      std::exchange(forwards_, std::move(forwards_by_container));
  return SyncOrRollBack(std::move(old_networks), std::move(old_forwards));
}

absl::Status Firewall::Sync() {
  absl::MutexLock lock(&mu_);
  return SyncLocked();
}

absl::Status Firewall::Clear() {
  if (absl::Status s = ValidateTableName(table_name_, "table name"); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  if (absl::Status s = ops_->Run(RenderDeleteTable(table_name_)); !s.ok()) {
    return Prefixed(absl::StrCat("delete nftables table ip ", table_name_), s);
  }
  networks_.clear();
  forwards_.clear();
  return absl::OkStatus();
}

std::vector<NatNetwork> Firewall::networks() const {
  absl::ReaderMutexLock lock(&mu_);
  return networks_;
}

std::vector<PortForward> Firewall::forwards() const {
  absl::ReaderMutexLock lock(&mu_);
  return AllForwardsLocked();
}

}  // namespace warren::netns
