#include "netns/nl_util.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace warren::netns {

absl::Status NlError(int err, absl::string_view what) {
  if (err < 0) err = -err;
  absl::StatusCode code = absl::StatusCode::kInternal;
  switch (err) {
    case NLE_EXIST:
      code = absl::StatusCode::kAlreadyExists;
      break;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      code = absl::StatusCode::kNotFound;
      break;
    case NLE_PERM:
    case NLE_NOACCESS:
      code = absl::StatusCode::kPermissionDenied;
      break;
    case NLE_INVAL:
    case NLE_RANGE:
      code = absl::StatusCode::kInvalidArgument;
      break;
    default:
      break;
  }
  return absl::Status(code, absl::StrCat(what, ": ", nl_geterror(err)));
}

void NlSocketDeleter::operator()(nl_sock* sock) const { nl_socket_free(sock); }

absl::StatusOr<NlSocket> ConnectRouteSocket() {
  NlSocket sock(nl_socket_alloc());
  if (sock == nullptr) return absl::ResourceExhaustedError("nl_socket_alloc");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return NlError(err, "connect rtnetlink");
  }
  return sock;
}

absl::Status SetLinkUp(nl_sock* sock, absl::string_view name) {
  const std::string ifname(name);
  rtnl_link* link = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, ifname.c_str(), &link); err < 0) {
    return NlError(err, absl::StrCat("get link ", ifname));
  }
  absl::Cleanup put_link = [link] { rtnl_link_put(link); };
  if (rtnl_link_get_flags(link) & IFF_UP) return absl::OkStatus();
  rtnl_link* change = rtnl_link_alloc();
  if (change == nullptr) return absl::ResourceExhaustedError("rtnl_link_alloc");
  absl::Cleanup put_change = [change] { rtnl_link_put(change); };
  rtnl_link_set_flags(change, IFF_UP);
  if (int err = rtnl_link_change(sock, link, change, 0); err < 0) {
    return NlError(err, absl::StrCat("set link ", ifname, " up"));
  }
  return absl::OkStatus();
}

}  // namespace warren::netns
