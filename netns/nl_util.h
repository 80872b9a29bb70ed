// Small helpers shared by the libnl-based code in netns/: one mapping from
// libnl's error numbers to absl::Status, and an owning socket handle, so
// every netlink call site reports "what failed on which object: why" alike.
#ifndef WARREN_NETNS_NL_UTIL_H_
#define WARREN_NETNS_NL_UTIL_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct nl_sock;

namespace warren::netns {

// Maps a (negative) libnl error number to a status whose message is
// "<what>: <libnl's error text>". NLE_EXIST -> ALREADY_EXISTS,
// NLE_OBJ_NOTFOUND/NLE_NODEV -> NOT_FOUND, NLE_PERM/NLE_NOACCESS ->
// PERMISSION_DENIED, NLE_INVAL/NLE_RANGE -> INVALID_ARGUMENT, else INTERNAL.
absl::Status NlError(int err, absl::string_view what);

struct NlSocketDeleter {
  void operator()(nl_sock* sock) const;
};
// An nl_sock that is freed (and closed) when it goes out of scope.
using NlSocket = std::unique_ptr<nl_sock, NlSocketDeleter>;

// Opens an rtnetlink socket in the calling thread's network namespace. The
// socket stays bound to that namespace for its whole life, whichever thread
// uses it later.
absl::StatusOr<NlSocket> ConnectRouteSocket();

// Sets IFF_UP on the link `name` in the socket's namespace (no-op if up).
absl::Status SetLinkUp(nl_sock* sock, absl::string_view name);

}  // namespace warren::netns

#endif  // WARREN_NETNS_NL_UTIL_H_
