#include "netns/libnl_netlink_ops.h"

#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <memory>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "netns/netns_file.h"
#include "netns/nl_util.h"

namespace warren::netns {
namespace {

struct LinkPut {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;

struct AddrPut {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
using NlAddrPtr = std::unique_ptr<nl_addr, AddrPut>;

struct CachePut {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using CachePtr = std::unique_ptr<nl_cache, CachePut>;

// The link `name` as the kernel has it now; NOT_FOUND if absent.
absl::StatusOr<LinkPtr> GetLink(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &link); err < 0) {
    return NlError(err, absl::StrCat("get link ", name));
  }
  return LinkPtr(link);
}

absl::StatusOr<NlAddrPtr> ParseAddr(absl::string_view text, int family,
                                    absl::string_view what) {
  const std::string s(text);
  nl_addr* addr = nullptr;
  if (int err = nl_addr_parse(s.c_str(), family, &addr); err < 0) {
    return NlError(err, absl::StrCat("parse ", what, " \"", s, "\""));
  }
  return NlAddrPtr(addr);
}

absl::StatusOr<CachePtr> LinkCache(nl_sock* sock) {
  nl_cache* cache = nullptr;
  if (int err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &cache); err < 0) {
    return NlError(err, "list links");
  }
  return CachePtr(cache);
}

// Sets MTU and/or IFF_UP on an existing link.
absl::Status ChangeLink(nl_sock* sock, rtnl_link* link, int mtu, bool up,
                        absl::string_view what) {
  LinkPtr change(rtnl_link_alloc());
  if (change == nullptr) return absl::ResourceExhaustedError("rtnl_link_alloc");
  if (mtu > 0) rtnl_link_set_mtu(change.get(), static_cast<unsigned>(mtu));
  if (up) rtnl_link_set_flags(change.get(), IFF_UP);
  if (int err = rtnl_link_change(sock, link, change.get(), 0); err < 0) {
    return NlError(err, what);
  }
  return absl::OkStatus();
}

// Changes the link `name` (its ifindex unknown: the kernel finds it by
// name) as `change` says, e.g. flags or per-family settings.
absl::Status ChangeLinkByName(nl_sock* sock, const std::string& name,
                              rtnl_link* change, absl::string_view what) {
  LinkPtr orig(rtnl_link_alloc());
  if (orig == nullptr) return absl::ResourceExhaustedError("rtnl_link_alloc");
  rtnl_link_set_name(orig.get(), name.c_str());
  rtnl_link_set_name(change, name.c_str());
  if (int err = rtnl_link_change(sock, orig.get(), change, 0); err < 0) {
    return NlError(err, what);
  }
  return absl::OkStatus();
}

// Brings the link `name` up without it ever getting an IPv6 link-local
// address: warren's networks are IPv4 only, so the address would only cost
// duplicate address detection, router solicitations and MLD reports that
// the bridge floods to every port. The kernel cannot set disable_ipv6 over
// netlink, but IFLA_INET6_ADDR_GEN_MODE NONE, set before IFF_UP in its own
// request, means no address is ever made. Two requests: within one the
// kernel applies the flags before IFLA_AF_SPEC.
absl::Status UpWithoutIpv6(nl_sock* sock, const std::string& name) {
  LinkPtr mode(rtnl_link_alloc());
  if (mode == nullptr) return absl::ResourceExhaustedError("rtnl_link_alloc");
  if (int err =
          rtnl_link_inet6_set_addr_gen_mode(mode.get(), IN6_ADDR_GEN_MODE_NONE);
      err < 0) {
    return NlError(err, absl::StrCat("set link ", name, " addrgenmode none"));
  }
  if (absl::Status s = ChangeLinkByName(
          sock, name, mode.get(),
          absl::StrCat("set link ", name, " addrgenmode none"));
      !s.ok()) {
    return s;
  }
  LinkPtr up(rtnl_link_alloc());
  if (up == nullptr) return absl::ResourceExhaustedError("rtnl_link_alloc");
  rtnl_link_set_flags(up.get(), IFF_UP);
  return ChangeLinkByName(sock, name, up.get(),
                          absl::StrCat("set link ", name, " up"));
}

// Adds `cidr` to the link `ifindex`; an address that is already there is OK.
absl::Status AddAddress(nl_sock* sock, int ifindex, absl::string_view cidr,
                        absl::string_view ifname) {
  const std::string what = absl::StrCat("add address ", cidr, " to ", ifname);
  absl::StatusOr<NlAddrPtr> local = ParseAddr(cidr, AF_INET, "address");
  if (!local.ok()) return local.status();
  std::unique_ptr<rtnl_addr, void (*)(rtnl_addr*)> addr(rtnl_addr_alloc(),
                                                        rtnl_addr_put);
  if (addr == nullptr) return absl::ResourceExhaustedError("rtnl_addr_alloc");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  if (int err = rtnl_addr_set_local(addr.get(), local->get()); err < 0) {
    return NlError(err, what);
  }
  rtnl_addr_set_prefixlen(addr.get(), nl_addr_get_prefixlen(local->get()));
  int err = rtnl_addr_add(sock, addr.get(), 0);
  if (err < 0 && err != -NLE_EXIST) return NlError(err, what);
  return absl::OkStatus();
}

absl::Status AddDefaultRoute(nl_sock* sock, int ifindex,
                             absl::string_view gateway,
                             absl::string_view ifname) {
  const std::string what =
      absl::StrCat("add default route via ", gateway, " dev ", ifname);
  absl::StatusOr<NlAddrPtr> dst = ParseAddr("0.0.0.0/0", AF_INET, "route");
  if (!dst.ok()) return dst.status();
  absl::StatusOr<NlAddrPtr> via = ParseAddr(gateway, AF_INET, "gateway");
  if (!via.ok()) return via.status();
  std::unique_ptr<rtnl_route, void (*)(rtnl_route*)> route(rtnl_route_alloc(),
                                                           rtnl_route_put);
  if (route == nullptr) return absl::ResourceExhaustedError("rtnl_route_alloc");
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  if (int err = rtnl_route_set_dst(route.get(), dst->get()); err < 0) {
    return NlError(err, what);
  }
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (hop == nullptr)
    return absl::ResourceExhaustedError("rtnl_route_nh_alloc");
  rtnl_route_nh_set_ifindex(hop, ifindex);
  rtnl_route_nh_set_gateway(hop, via->get());
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns it now
  int err = rtnl_route_add(sock, route.get(), NLM_F_EXCL);
  if (err < 0 && err != -NLE_EXIST) return NlError(err, what);
  return absl::OkStatus();
}

// A libnl hardware address from "aa:bb:cc:dd:ee:ff".
absl::StatusOr<NlAddrPtr> ParseMac(absl::string_view mac) {
  return ParseAddr(mac, AF_LLC, "MAC address");
}

}  // namespace

absl::Status LibnlNetlinkOps::EnsureBridge(absl::string_view name, int mtu,
                                           absl::string_view gateway_cidr,
                                           absl::string_view mac) {
  const std::string bridge(name);
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();

  absl::StatusOr<LinkPtr> link = GetLink(sock->get(), bridge);
  if (!link.ok() && absl::IsNotFound(link.status())) {
    LinkPtr created(rtnl_link_bridge_alloc());
    if (created == nullptr) {
      return absl::ResourceExhaustedError("rtnl_link_bridge_alloc");
    }
    rtnl_link_set_name(created.get(), bridge.c_str());
    rtnl_link_set_mtu(created.get(), static_cast<unsigned>(mtu));
    if (!mac.empty()) {
      absl::StatusOr<NlAddrPtr> hw = ParseMac(mac);
      if (!hw.ok()) return hw.status();
      rtnl_link_set_addr(created.get(), hw->get());
    }
    int err =
        rtnl_link_add(sock->get(), created.get(), NLM_F_CREATE | NLM_F_EXCL);
    // NLE_EXIST: another thread or process made it just now; fine.
    if (err < 0 && err != -NLE_EXIST) {
      return NlError(err, absl::StrCat("create bridge ", bridge));
    }
    link = GetLink(sock->get(), bridge);
  }
  if (!link.ok()) return link.status();

  const char* kind = rtnl_link_get_type(link->get());
  if (kind == nullptr || std::string(kind) != "bridge") {
    return absl::FailedPreconditionError(absl::StrCat(
        "link ", bridge, " exists but is ",
        kind == nullptr ? "not a bridge" : absl::StrCat("a ", kind),
        ", not a bridge"));
  }
  const bool mtu_differs =
      rtnl_link_get_mtu(link->get()) != static_cast<unsigned>(mtu);
  const bool down = !(rtnl_link_get_flags(link->get()) & IFF_UP);
  if (mtu_differs || down) {
    if (absl::Status s = ChangeLink(
            sock->get(), link->get(), mtu_differs ? mtu : 0, down,
            absl::StrCat("set bridge ", bridge, " mtu ", mtu, " up"));
        !s.ok()) {
      return s;
    }
  }
  return AddAddress(sock->get(), rtnl_link_get_ifindex(link->get()),
                    gateway_cidr, bridge);
}

absl::StatusOr<std::vector<std::string>> LibnlNetlinkOps::BridgePorts(
    absl::string_view name) {
  const std::string bridge(name);
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();
  absl::StatusOr<LinkPtr> link = GetLink(sock->get(), bridge);
  if (!link.ok()) return link.status();
  absl::StatusOr<CachePtr> cache = LinkCache(sock->get());
  if (!cache.ok()) return cache.status();
  const int master = rtnl_link_get_ifindex(link->get());
  std::vector<std::string> ports;
  for (nl_object* obj = nl_cache_get_first(cache->get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* port = reinterpret_cast<rtnl_link*>(obj);
    const char* port_name = rtnl_link_get_name(port);
    if (rtnl_link_get_master(port) == master && port_name != nullptr) {
      ports.emplace_back(port_name);
    }
  }
  return ports;
}

absl::Status LibnlNetlinkOps::CreateVethIntoNetns(absl::string_view host_name,
                                                  absl::string_view peer_name,
                                                  int netns_fd, int mtu,
                                                  absl::string_view peer_mac,
                                                  absl::string_view bridge) {
  const std::string host(host_name), peer_ifname(peer_name), br(bridge);
  const std::string what =
      absl::StrCat("create veth ", host, " (peer ", peer_ifname,
                   " in netns fd ", netns_fd, ", bridge ", br, ")");
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();
  absl::StatusOr<LinkPtr> master = GetLink(sock->get(), br);
  if (!master.ok()) {
    return absl::Status(master.status().code(),
                        absl::StrCat(what, ": ", master.status().message()));
  }
  absl::StatusOr<NlAddrPtr> hw = ParseMac(peer_mac);
  if (!hw.ok()) return hw.status();

  LinkPtr veth(rtnl_link_veth_alloc());
  if (veth == nullptr)
    return absl::ResourceExhaustedError("rtnl_link_veth_alloc");
  rtnl_link_set_name(veth.get(), host.c_str());
  rtnl_link_set_mtu(veth.get(), static_cast<unsigned>(mtu));
  rtnl_link_set_master(veth.get(), rtnl_link_get_ifindex(master->get()));
  {
    // The peer is created by the kernel directly in the target namespace
    // (IFLA_NET_NS_FD inside VETH_INFO_PEER): it never exists in ours, so
    // its name cannot clash with a host link.
    LinkPtr peer(rtnl_link_veth_get_peer(veth.get()));
    rtnl_link_set_name(peer.get(), peer_ifname.c_str());
    rtnl_link_set_mtu(peer.get(), static_cast<unsigned>(mtu));
    rtnl_link_set_addr(peer.get(), hw->get());
    rtnl_link_set_ns_fd(peer.get(), netns_fd);
  }
  if (int err =
          rtnl_link_add(sock->get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL);
      err < 0) {
    return NlError(err, what);
  }
  // The kernel made the pair atomically; bringing the host end up is a
  // second step, so undo the pair if it fails (all-or-nothing contract).
  absl::Status up = UpWithoutIpv6(sock->get(), host);
  if (!up.ok()) {
    if (absl::StatusOr<LinkPtr> made = GetLink(sock->get(), host); made.ok()) {
      rtnl_link_delete(sock->get(), made->get());
    }
    return absl::Status(up.code(), absl::StrCat(what, ": ", up.message()));
  }
  return absl::OkStatus();
}

absl::Status LibnlNetlinkOps::ConfigureInNetns(int netns_fd,
                                               absl::string_view ifname,
                                               absl::string_view address_cidr,
                                               absl::string_view gateway) {
  const std::string name(ifname);
  const std::string in = absl::StrCat(" (in netns fd ", netns_fd, ")");
  // Open the socket inside the namespace on a throwaway thread; it stays
  // bound there, so the rest runs on this thread without any setns.
  absl::StatusOr<NlSocket> sock = absl::InternalError("not connected");
  if (absl::Status s = RunInNetns(netns_fd,
                                  [&sock] {
                                    sock = ConnectRouteSocket();
                                    return sock.status();
                                  });
      !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), in));
  }
  auto with_ns = [&in](const absl::Status& s) {
    return s.ok() ? s : absl::Status(s.code(), absl::StrCat(s.message(), in));
  };
  if (absl::Status s = SetLinkUp(sock->get(), "lo"); !s.ok()) return with_ns(s);
  absl::StatusOr<LinkPtr> link = GetLink(sock->get(), name);
  if (!link.ok()) return with_ns(link.status());
  const int ifindex = rtnl_link_get_ifindex(link->get());
  if (!(rtnl_link_get_flags(link->get()) & IFF_UP)) {
    if (absl::Status s = UpWithoutIpv6(sock->get(), name); !s.ok()) {
      return with_ns(s);
    }
  }
  if (absl::Status s = AddAddress(sock->get(), ifindex, address_cidr, name);
      !s.ok()) {
    return with_ns(s);
  }
  return with_ns(AddDefaultRoute(sock->get(), ifindex, gateway, name));
}

absl::Status LibnlNetlinkOps::DeleteLink(absl::string_view name) {
  const std::string ifname(name);
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();
  absl::StatusOr<LinkPtr> link = GetLink(sock->get(), ifname);
  if (!link.ok()) {
    return absl::IsNotFound(link.status()) ? absl::OkStatus() : link.status();
  }
  int err = rtnl_link_delete(sock->get(), link->get());
  if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV) {
    return NlError(err, absl::StrCat("delete link ", ifname));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> LibnlNetlinkOps::LinkExists(absl::string_view name) {
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();
  absl::StatusOr<LinkPtr> link = GetLink(sock->get(), std::string(name));
  if (absl::IsNotFound(link.status())) return false;
  if (!link.ok()) return link.status();
  return true;
}

absl::StatusOr<std::vector<LinkInfo>> LibnlNetlinkOps::ListLinks(
    absl::string_view prefix) {
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();
  absl::StatusOr<CachePtr> cache = LinkCache(sock->get());
  if (!cache.ok()) return cache.status();
  std::vector<LinkInfo> links;
  for (nl_object* obj = nl_cache_get_first(cache->get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    const char* name = rtnl_link_get_name(link);
    if (name == nullptr || !absl::StartsWith(name, prefix)) continue;
    LinkInfo info;
    info.name = name;
    if (const char* kind = rtnl_link_get_type(link)) info.kind = kind;
    if (int master = rtnl_link_get_master(link); master > 0) {
      char buf[IFNAMSIZ] = {};
      if (rtnl_link_i2name(cache->get(), master, buf, sizeof(buf)) != nullptr) {
        info.master = buf;
      }
    }
    links.push_back(std::move(info));
  }
  return links;
}

}  // namespace warren::netns
