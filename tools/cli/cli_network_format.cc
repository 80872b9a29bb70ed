#include "tools/cli/cli_network_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/cli/cli_format.h"
#include "tools/cli/cli_network_args.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

constexpr size_t kLabelWidth = 14;  // as `inspect`

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

void AppendLine(std::string* out, const std::string& key,
                const std::string& value) {
  std::string label = key + ":";
  if (label.size() < kLabelWidth) label.resize(kLabelWidth, ' ');
  absl::StrAppend(out, label, value, "\n");
}

std::string Netns(const v1::NetworkInfo& info) {
  if (info.netns_path().empty() && info.netns_inode() == 0) return "";
  if (info.netns_inode() == 0) return info.netns_path();
  if (info.netns_path().empty()) {
    return absl::StrCat("inode ", info.netns_inode());
  }
  return absl::StrCat(info.netns_path(), " (inode ", info.netns_inode(), ")");
}

}  // namespace

std::string FormatPortMapping(const v1::PortMapping& m) {
  return absl::StrCat(
      m.host_ip().empty() ? "0.0.0.0" : m.host_ip(), ":", m.host_port(), "->",
      m.container_port() == 0 ? m.host_port() : m.container_port(), "/",
      m.protocol().empty() ? "tcp" : m.protocol());
}

std::string FormatPorts(
    const google::protobuf::RepeatedPtrField<v1::PortMapping>& ports) {
  return absl::StrJoin(ports, ", ",
                       [](std::string* out, const v1::PortMapping& m) {
                         out->append(FormatPortMapping(m));
                       });
}

std::string NetworkModeName(const v1::ContainerSpec& spec) {
  const v1::NetworkSpec& net = spec.network();
  switch (net.mode()) {
    case v1::NetworkSpec::MODE_NONE:
      return "none";
    case v1::NetworkSpec::MODE_HOST:
      return "host";
    case v1::NetworkSpec::MODE_BRIDGE:
      return absl::StrCat(
          "bridge ", net.network().empty() ? kDefaultNetwork : net.network());
    default:
      // The API: "none" unless a network is named, then bridge.
      return net.network().empty() ? "none (default)"
                                   : absl::StrCat("bridge ", net.network());
  }
}

std::vector<std::pair<std::string, std::string>> NetworkInspectLines(
    const v1::Container& c) {
  const v1::NetworkSpec& spec = c.spec().network();
  const v1::NetworkInfo& info = c.network();
  std::vector<std::pair<std::string, std::string>> lines;
  lines.push_back({"Network", info.network().empty()
                                  ? NetworkModeName(c.spec())
                                  : absl::StrCat("bridge ", info.network())});
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) lines.push_back({key, value});
  };
  if (c.has_network()) {
    add("IP", info.ip());
    add("MAC", info.mac());
    add("Gateway", info.gateway());
    add("Host veth", info.host_veth());
    add("Netns", Netns(info));
    add("Ports", FormatPorts(info.ports()));
  } else {
    // Nothing in force (not attached, or stopped): show what was asked.
    if (!spec.ip().empty()) add("IP", spec.ip() + " (requested)");
    if (spec.ports_size() > 0) {
      add("Ports", FormatPorts(spec.ports()) + " (requested)");
    }
  }
  add("DNS", absl::StrJoin(spec.dns_servers(), ", "));
  add("DNS search", absl::StrJoin(spec.dns_search(), ", "));
  return lines;
}

std::string FormatNetworkTable(
    const google::protobuf::RepeatedPtrField<v1::Network>& networks) {
  std::vector<const v1::Network*> sorted;
  for (const v1::Network& n : networks) sorted.push_back(&n);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const v1::Network* a, const v1::Network* b) {
                     return a->config().name() < b->config().name();
                   });
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "BRIDGE", "SUBNET", "GATEWAY", "NAT", "CONTAINERS"}};
  for (const v1::Network* n : sorted) {
    const v1::NetworkConfig& cfg = n->config();
    rows.push_back({OrDash(cfg.name()), OrDash(cfg.bridge()),
                    OrDash(cfg.subnet()), OrDash(cfg.gateway()),
                    cfg.disable_outbound_nat() ? "off" : "on",
                    absl::StrCat(n->containers_size())});
  }
  return FormatTable(rows);
}

std::string FormatNetworkInspect(const v1::Network& n) {
  const v1::NetworkConfig& cfg = n.config();
  std::string out;
  AppendLine(&out, "Name", cfg.name());
  AppendLine(&out, "Bridge", OrDash(cfg.bridge()));
  AppendLine(&out, "Subnet", OrDash(cfg.subnet()));
  AppendLine(&out, "Gateway", OrDash(cfg.gateway()));
  AppendLine(&out, "MTU",
             cfg.mtu() == 0 ? "1500 (default)" : absl::StrCat(cfg.mtu()));
  AppendLine(&out, "Outbound NAT", cfg.disable_outbound_nat() ? "off" : "on");
  AppendLine(&out, "DNS",
             cfg.dns_servers().empty()
                 ? "the host's"
                 : absl::StrJoin(cfg.dns_servers(), ", "));
  if (!cfg.dns_search().empty()) {
    AppendLine(&out, "DNS search", absl::StrJoin(cfg.dns_search(), ", "));
  }
  if (n.containers().empty()) {
    AppendLine(&out, "Containers", "none");
  } else {
    out += "Containers:\n";
    for (const std::string& id : n.containers()) {
      absl::StrAppend(&out, "  ", id, "\n");
    }
  }
  return out;
}

}  // namespace warren::cli
