// A NetlinkOps that models the links in memory, records every call in order
// and can be told to fail at the Nth call, so NetworkAttacher's ordering and
// undo paths are tested without root. It models what undo relies on:
// deleting a host veth also removes its peer (and that peer's config).
#ifndef WARREN_TESTS_NETNS_FAKE_NETLINK_OPS_H_
#define WARREN_TESTS_NETNS_FAKE_NETLINK_OPS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "netns/netlink_ops.h"

namespace warren::netns::testing {

class FakeNetlinkOps : public NetlinkOps {
 public:
  struct Link {
    std::string kind;    // "bridge" or "veth"
    std::string master;  // bridge of a host veth
    int mtu = 0;
    std::string address;  // bridge: gateway cidr
    // Host veth only: its peer inside a netns.
    std::string peer;
    int peer_netns = -1;
    std::string peer_mac;
    bool peer_configured = false;
    std::string peer_address;
    std::string peer_gateway;
  };

  // The `n`th call from now on (1-based, counted over all operations) fails
  // with `status` without changing anything.
  void FailAt(int n, absl::Status status) {
    fail_at_ = static_cast<int>(calls_.size()) + n;
    fail_status_ = std::move(status);
  }
  // Makes DeleteLink fail (for undo-failure tests).
  void FailDeletes(absl::Status status) { delete_status_ = std::move(status); }
  // Pretends `n` other ports ("other0"...) are on `bridge`, links that are
  // not warren's (BridgePorts lists them, ListLinks does not).
  void SetExtraPorts(const std::string& bridge, int n) {
    extra_ports_[bridge] = n;
  }
  // Adds a link as if something else had made it.
  void AddLink(const std::string& name, Link link) { links_[name] = link; }

  const std::vector<std::string>& calls() const { return calls_; }
  const std::map<std::string, Link>& links() const { return links_; }
  // Names of links of `kind`.
  std::vector<std::string> LinksOfKind(const std::string& kind) const {
    std::vector<std::string> out;
    for (const auto& [name, link] : links_) {
      if (link.kind == kind) out.push_back(name);
    }
    return out;
  }

  absl::Status EnsureBridge(absl::string_view name, int mtu,
                            absl::string_view gateway_cidr,
                            absl::string_view mac) override {
    if (absl::Status s = Record(absl::StrCat("EnsureBridge ", name, " ", mtu,
                                             " ", gateway_cidr, " ", mac));
        !s.ok()) {
      return s;
    }
    auto it = links_.find(std::string(name));
    if (it != links_.end() && it->second.kind != "bridge") {
      return absl::FailedPreconditionError(
          absl::StrCat("link ", name, " is not a bridge"));
    }
    Link& bridge = links_[std::string(name)];
    bridge.kind = "bridge";
    bridge.mtu = mtu;
    bridge.address = std::string(gateway_cidr);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> BridgePorts(
      absl::string_view name) override {
    if (absl::Status s = Record(absl::StrCat("BridgePorts ", name)); !s.ok()) {
      return s;
    }
    if (!links_.count(std::string(name))) {
      return absl::NotFoundError(absl::StrCat("get link ", name));
    }
    std::vector<std::string> ports;
    for (int i = 0; i < extra_ports_[std::string(name)]; ++i) {
      ports.push_back(absl::StrCat("other", i));
    }
    for (const auto& [n, link] : links_) {
      if (link.master == name) ports.push_back(n);
    }
    return ports;
  }

  absl::Status CreateVethIntoNetns(absl::string_view host_name,
                                   absl::string_view peer_name, int netns_fd,
                                   int mtu, absl::string_view peer_mac,
                                   absl::string_view bridge) override {
    if (absl::Status s = Record(absl::StrCat("CreateVethIntoNetns ", host_name,
                                             " ", peer_name, " ", netns_fd, " ",
                                             mtu, " ", peer_mac, " ", bridge));
        !s.ok()) {
      return s;
    }
    if (links_.count(std::string(host_name))) {
      return absl::AlreadyExistsError(absl::StrCat(host_name, " exists"));
    }
    if (!links_.count(std::string(bridge))) {
      return absl::NotFoundError(absl::StrCat("get link ", bridge));
    }
    Link veth;
    veth.kind = "veth";
    veth.master = std::string(bridge);
    veth.mtu = mtu;
    veth.peer = std::string(peer_name);
    veth.peer_netns = netns_fd;
    veth.peer_mac = std::string(peer_mac);
    links_[std::string(host_name)] = veth;
    return absl::OkStatus();
  }

  absl::Status ConfigureInNetns(int netns_fd, absl::string_view ifname,
                                absl::string_view address_cidr,
                                absl::string_view gateway) override {
    if (absl::Status s =
            Record(absl::StrCat("ConfigureInNetns ", netns_fd, " ", ifname, " ",
                                address_cidr, " ", gateway));
        !s.ok()) {
      return s;
    }
    for (auto& [name, link] : links_) {
      if (link.peer == ifname && link.peer_netns == netns_fd) {
        link.peer_configured = true;
        link.peer_address = std::string(address_cidr);
        link.peer_gateway = std::string(gateway);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(absl::StrCat("get link ", ifname));
  }

  absl::Status DeleteLink(absl::string_view name) override {
    if (absl::Status s = Record(absl::StrCat("DeleteLink ", name)); !s.ok()) {
      return s;
    }
    if (!delete_status_.ok()) return delete_status_;
    links_.erase(std::string(name));  // the peer lives in the entry
    return absl::OkStatus();
  }

  absl::StatusOr<bool> LinkExists(absl::string_view name) override {
    if (absl::Status s = Record(absl::StrCat("LinkExists ", name)); !s.ok()) {
      return s;
    }
    return links_.count(std::string(name)) > 0;
  }

  absl::StatusOr<std::vector<LinkInfo>> ListLinks(
      absl::string_view prefix) override {
    if (absl::Status s = Record(absl::StrCat("ListLinks ", prefix)); !s.ok()) {
      return s;
    }
    std::vector<LinkInfo> out;
    for (const auto& [name, link] : links_) {
      if (absl::StartsWith(name, prefix)) {
        out.push_back({name, link.kind, link.master});
      }
    }
    return out;
  }

 private:
  absl::Status Record(std::string call) {
    calls_.push_back(std::move(call));
    if (static_cast<int>(calls_.size()) == fail_at_) return fail_status_;
    return absl::OkStatus();
  }

  std::vector<std::string> calls_;
  std::map<std::string, Link> links_;
  std::map<std::string, int> extra_ports_;
  int fail_at_ = -1;
  absl::Status fail_status_;
  absl::Status delete_status_;
};

}  // namespace warren::netns::testing

#endif  // WARREN_TESTS_NETNS_FAKE_NETLINK_OPS_H_
