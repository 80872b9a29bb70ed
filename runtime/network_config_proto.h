// Network configurations as stored (state_dir/networks/<name>.pb) and as
// the API shows them, and the plain netns::NetworkConfig networking uses:
// defaults (bridge name, gateway, MTU) are filled in on the way in.
#ifndef WARREN_RUNTIME_NETWORK_CONFIG_PROTO_H_
#define WARREN_RUNTIME_NETWORK_CONFIG_PROTO_H_

#include "netns/network_config.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

// The bridge defaults to "wbr-" + the first 11 characters of the name, the
// gateway to the subnet's first address, the MTU to 1500.
netns::NetworkConfig NetworkConfigFromProto(const v1::NetworkConfig& p);
v1::NetworkConfig NetworkConfigToProto(const netns::NetworkConfig& c);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_NETWORK_CONFIG_PROTO_H_
