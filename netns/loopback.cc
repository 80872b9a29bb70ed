#include "netns/loopback.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace warren::netns {
namespace {

// libnl reports its own error numbers; map the common ones to status codes.
absl::Status NlError(int err, absl::string_view what) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (err == -NLE_PERM) code = absl::StatusCode::kPermissionDenied;
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) {
    code = absl::StatusCode::kNotFound;
  }
  return absl::Status(code, absl::StrCat(what, ": ", nl_geterror(err)));
}

}  // namespace

absl::Status BringUpLoopback() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return absl::ResourceExhaustedError("nl_socket_alloc");
  absl::Cleanup free_sock = [sock] { nl_socket_free(sock); };
  if (int err = nl_connect(sock, NETLINK_ROUTE); err < 0) {
    return NlError(err, "connect rtnetlink");
  }
  rtnl_link* lo = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, "lo", &lo); err < 0) {
    return NlError(err, "get link lo");
  }
  absl::Cleanup put_lo = [lo] { rtnl_link_put(lo); };
  if (rtnl_link_get_flags(lo) & IFF_UP) return absl::OkStatus();
  rtnl_link* change = rtnl_link_alloc();
  if (change == nullptr) return absl::ResourceExhaustedError("rtnl_link_alloc");
  absl::Cleanup put_change = [change] { rtnl_link_put(change); };
  rtnl_link_set_flags(change, IFF_UP);
  if (int err = rtnl_link_change(sock, lo, change, 0); err < 0) {
    return NlError(err, "set lo up");
  }
  return absl::OkStatus();
}

}  // namespace warren::netns
