// Output formatting for the networking side of the `warren` client: port
// mappings as Docker writes them, the network lines of `inspect`, and the
// `network ls` / `network inspect` views. Pure functions of their inputs so
// the exact output is unit-testable.
#ifndef WARREN_TOOLS_CLI_CLI_NETWORK_FORMAT_H_
#define WARREN_TOOLS_CLI_CLI_NETWORK_FORMAT_H_

#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/repeated_field.h"
#include "proto/warren/v1/container.pb.h"
#include "proto/warren/v1/service.pb.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::cli {

// Docker's form of one mapping, "0.0.0.0:8080->80/tcp": an empty host IP is
// 0.0.0.0, an unset container port is the host port, an unset protocol tcp.
std::string FormatPortMapping(const warren::v1::PortMapping& m);

// Every mapping, ", "-separated (as `docker ps` shows them); "" if none.
std::string FormatPorts(
    const google::protobuf::RepeatedPtrField<warren::v1::PortMapping>& ports);

// The network a spec asks for: "none", "host", "bridge NAME" (the default
// network when no name is given) or "none (default)".
std::string NetworkModeName(const warren::v1::ContainerSpec& spec);

// The network part of `inspect` as "Key", "value" pairs: Network, then what
// the daemon reports in force (IP, MAC, Gateway, Host veth, Netns, Ports),
// or else the requested IP and ports marked "(requested)", then DNS and DNS
// search if the spec sets them. Only lines with a value are included.
std::vector<std::pair<std::string, std::string>> NetworkInspectLines(
    const warren::v1::Container& c);

// The `network ls` table (NAME, BRIDGE, SUBNET, GATEWAY, NAT, CONTAINERS),
// sorted by name; NAT is "on" or "off", CONTAINERS the number attached and
// unset fields "-".
std::string FormatNetworkTable(
    const google::protobuf::RepeatedPtrField<warren::v1::Network>& networks);

// The human-readable `network inspect` output: "Key:  value" lines like
// `inspect`, with the attached containers indented below "Containers:".
std::string FormatNetworkInspect(const warren::v1::Network& n);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_NETWORK_FORMAT_H_
