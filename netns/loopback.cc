#include "netns/loopback.h"

#include "netns/nl_util.h"

namespace warren::netns {

absl::Status BringUpLoopback() {
  absl::StatusOr<NlSocket> sock = ConnectRouteSocket();
  if (!sock.ok()) return sock.status();
  return SetLinkUp(sock->get(), "lo");
}

}  // namespace warren::netns
