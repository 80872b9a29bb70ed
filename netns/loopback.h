// Brings up `lo` in the calling thread's network namespace. A new network
// namespace starts with `lo` down, which breaks localhost inside the
// container; every container with its own network namespace needs it up.
#ifndef WARREN_NETNS_LOOPBACK_H_
#define WARREN_NETNS_LOOPBACK_H_

#include "absl/status/status.h"

namespace warren::netns {

// Sets IFF_UP on "lo" over rtnetlink (libnl-route). Idempotent.
absl::Status BringUpLoopback();

}  // namespace warren::netns

#endif  // WARREN_NETNS_LOOPBACK_H_
