#include "tools/cli/cli_network_args.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warren::cli {
namespace {

using warren::v1::NetworkSpec;
using warren::v1::PortMapping;

constexpr size_t kMaxNetworkName = 64;
constexpr size_t kMaxLinkName = 15;  // IFNAMSIZ minus the NUL
constexpr size_t kMaxDomain = 253;
constexpr char kPublishForm[] =
    "want [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp], e.g. 8080:80";
constexpr char kNameRule[] =
    "1 to 64 letters, digits, '_', '.' or '-', starting with a letter or "
    "digit";

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.' || c == '-';
}

bool IsIp(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// A port number: plain digits, 1..65535.
bool ParsePort(const std::string& text, uint32_t* port) {
  return !text.empty() && text.size() <= 5 &&
         text.find_first_not_of("0123456789") == std::string::npos &&
         absl::SimpleAtoi(text, port) && *port >= 1 && *port <= 65535;
}

bool IsDomain(const std::string& text) {
  if (text.empty() || text.size() > kMaxDomain) return false;
  for (char c : text) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// "a.b.c.d/N" with 0 <= N <= 32; the daemon checks the range it accepts.
bool IsIpv4Cidr(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  uint32_t prefix = 0;
  return parts.size() == 2 && IsIpv4(parts[0]) && !parts[1].empty() &&
         parts[1].size() <= 2 &&
         parts[1].find_first_not_of("0123456789") == std::string::npos &&
         absl::SimpleAtoi(parts[1], &prefix) && prefix <= 32;
}

// What the kernel accepts as a link name, minus '%' (a name template).
bool IsLinkName(const std::string& text) {
  if (text.empty() || text.size() > kMaxLinkName || text == "." ||
      text == "..") {
    return false;
  }
  for (char c : text) {
    if (c == '/' || c == ':' || c == '%' ||
        absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// --dns and --dns-search values, shared by create/run and network create.
absl::Status ParseDnsFlags(
    const ParsedArgs& p, google::protobuf::RepeatedPtrField<std::string>* dns,
    google::protobuf::RepeatedPtrField<std::string>* search) {
  for (const std::string& v : p.All("dns")) {
    if (!IsIp(v)) {
      return Usage(
          absl::StrCat("--dns \"", v, "\": want an IPv4 or IPv6 address"));
    }
    *dns->Add() = v;
  }
  for (const std::string& v : p.All("dns-search")) {
    if (!IsDomain(v)) {
      return Usage(absl::StrCat("--dns-search \"", v,
                                "\": want a domain name (letters, digits, "
                                "'_', '.' and '-')"));
    }
    *search->Add() = v;
  }
  return absl::OkStatus();
}

// Two mappings clash if they would bind the same host port and protocol
// on a common address (an empty or 0.0.0.0 host IP means every address).
bool Clash(const PortMapping& a, const PortMapping& b) {
  auto any = [](const std::string& ip) {
    return ip.empty() || ip == "0.0.0.0";
  };
  return a.host_port() == b.host_port() && a.protocol() == b.protocol() &&
         (any(a.host_ip()) || any(b.host_ip()) || a.host_ip() == b.host_ip());
}

// The mode part of an error for --ip/--publish without a bridge network.
std::string NotBridge(const ParsedArgs& p) {
  if (p.flags.count("network")) {
    return absl::StrCat(", not --network ", p.Last("network"));
  }
  return " (--network NAME or --network bridge)";
}

absl::StatusOr<NetworkNamesOptions> ParseNames(
    const std::vector<std::string>& args, bool exactly_one) {
  absl::StatusOr<ParsedArgs> p = ParseFlags({}, args, true);
  if (!p.ok()) return p.status();
  NetworkNamesOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (exactly_one) {
    if (p->positional.empty()) return Usage("requires a network name");
    if (p->positional.size() > 1) {
      return Usage(absl::StrCat("takes exactly 1 network name, got ",
                                p->positional.size()));
    }
  } else if (p->positional.empty()) {
    return Usage("requires at least 1 network name");
  }
  out.names = p->positional;
  return out;
}

}  // namespace

std::vector<FlagSpec> ContainerNetworkFlags() {
  return {{"network", 0, true},
          {"ip", 0, true},
          {"publish", 'p', true},
          {"dns", 0, true},
          {"dns-search", 0, true}};
}

bool IsIpv4(const std::string& text) {
  in_addr addr{};
  return inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool IsNetworkName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNetworkName ||
      !absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

absl::StatusOr<PortMapping> ParsePortMapping(const std::string& value) {
  const std::string prefix = absl::StrCat("--publish \"", value, "\": ");
  PortMapping out;
  std::string rest = value;
  std::string protocol = "tcp";
  if (size_t slash = value.rfind('/'); slash != std::string::npos) {
    rest = value.substr(0, slash);
    protocol = absl::AsciiStrToLower(value.substr(slash + 1));
    if (protocol != "tcp" && protocol != "udp") {
      return Usage(absl::StrCat(prefix, "protocol \"", value.substr(slash + 1),
                                "\" must be tcp or udp"));
    }
  }
  std::vector<std::string> parts = absl::StrSplit(rest, ':');
  uint32_t port = 0;
  if (parts.size() == 1 && ParsePort(parts[0], &port)) {
    return Usage(absl::StrCat(prefix,
                              "a port alone is not enough (no random host "
                              "ports); write HOST_PORT:CONTAINER_PORT, e.g. ",
                              parts[0], ":", parts[0]));
  }
  if (parts.size() < 2 || parts.size() > 3) {
    return Usage(absl::StrCat(prefix, kPublishForm));
  }
  if (parts.size() == 3) {
    if (!IsIpv4(parts[0])) {
      return Usage(absl::StrCat(prefix, "host IP \"", parts[0],
                                "\" is not an IPv4 address"));
    }
    out.set_host_ip(parts[0]);
  }
  const std::string& host = parts[parts.size() - 2];
  const std::string& container = parts[parts.size() - 1];
  if (!ParsePort(host, &port)) {
    return Usage(absl::StrCat(prefix, "host port \"", host,
                              "\" must be a number from 1 to 65535"));
  }
  out.set_host_port(port);
  if (!ParsePort(container, &port)) {
    return Usage(absl::StrCat(prefix, "container port \"", container,
                              "\" must be a number from 1 to 65535"));
  }
  out.set_container_port(port);
  out.set_protocol(protocol);
  return out;
}

absl::Status ApplyContainerNetworkFlags(const ParsedArgs& p,
                                        warren::v1::ContainerSpec* spec) {
  bool any = false;
  for (const FlagSpec& f : ContainerNetworkFlags()) {
    any = any || p.flags.count(f.name) > 0;
  }
  if (!any) return absl::OkStatus();
  NetworkSpec* net = spec->mutable_network();
  if (p.flags.count("network")) {
    for (const std::string& v : p.All("network")) {
      if (v != p.Last("network")) {
        return Usage(
            "--network can be given only once (a container joins one "
            "network)");
      }
    }
    const std::string v = p.Last("network");
    if (v.empty()) return Usage("--network must not be empty");
    if (v == "none") {
      net->set_mode(NetworkSpec::MODE_NONE);
    } else if (v == "host") {
      net->set_mode(NetworkSpec::MODE_HOST);
    } else if (v == "bridge") {
      net->set_mode(NetworkSpec::MODE_BRIDGE);
      net->set_network(kDefaultNetwork);
    } else if (IsNetworkName(v)) {
      net->set_mode(NetworkSpec::MODE_BRIDGE);
      net->set_network(v);
    } else {
      return Usage(absl::StrCat("--network \"", v,
                                "\": want none, host, bridge or a network "
                                "name (",
                                kNameRule, ")"));
    }
  }
  for (const std::string& v : p.All("publish")) {
    absl::StatusOr<PortMapping> m = ParsePortMapping(v);
    if (!m.ok()) return m.status();
    for (const PortMapping& other : net->ports()) {
      if (Clash(*m, other)) {
        return Usage(absl::StrCat("--publish \"", v, "\": host port ",
                                  m->host_port(), "/", m->protocol(),
                                  " is already published"));
      }
    }
    *net->add_ports() = *std::move(m);
  }
  if (net->ports_size() > 0) {
    if (!p.flags.count("network")) {
      // As Docker's default bridge: publishing implies a network.
      net->set_mode(NetworkSpec::MODE_BRIDGE);
      net->set_network(kDefaultNetwork);
    } else if (net->mode() != NetworkSpec::MODE_BRIDGE) {
      return Usage(
          absl::StrCat("--publish needs a bridge network", NotBridge(p)));
    }
  }
  if (p.flags.count("ip")) {
    const std::string v = p.Last("ip");
    if (!IsIpv4(v)) {
      return Usage(
          absl::StrCat("--ip \"", v, "\": want an IPv4 address (a.b.c.d)"));
    }
    if (net->mode() != NetworkSpec::MODE_BRIDGE) {
      return Usage(absl::StrCat("--ip needs a bridge network", NotBridge(p)));
    }
    net->set_ip(v);
  }
  return ParseDnsFlags(p, net->mutable_dns_servers(),
                       net->mutable_dns_search());
}

absl::StatusOr<NetworkCommand> SplitNetworkCommand(
    const std::vector<std::string>& args) {
  NetworkCommand out;
  if (args.empty()) return out;
  const std::string& first = args[0];
  if (first == "-h" || first == "--help") {
    out.help = true;
    return out;
  }
  if (!first.empty() && first[0] == '-') {
    return Usage(absl::StrCat("unknown flag ", first,
                              " (want a subcommand: create, ls, rm or "
                              "inspect)"));
  }
  if (first == "create" || first == "ls" || first == "rm" ||
      first == "inspect") {
    out.sub = first;
  } else if (first == "list") {
    out.sub = "ls";
  } else if (first == "remove") {
    out.sub = "rm";
  } else {
    return Usage(absl::StrCat("unknown subcommand \"", first,
                              "\" (want create, ls, rm or inspect)"));
  }
  out.args.assign(args.begin() + 1, args.end());
  return out;
}

absl::StatusOr<NetworkCreateOptions> ParseNetworkCreateArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p = ParseFlags({{"subnet", 0, true},
                                             {"gateway", 0, true},
                                             {"bridge", 0, true},
                                             {"mtu", 0, true},
                                             {"internal", 0, false},
                                             {"disable-nat", 0, false},
                                             {"dns", 0, true},
                                             {"dns-search", 0, true}},
                                            args, true);
  if (!p.ok()) return p.status();
  NetworkCreateOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (p->positional.empty()) return Usage("requires a network name");
  if (p->positional.size() > 1) {
    return Usage(absl::StrCat("takes exactly 1 network name, got ",
                              p->positional.size()));
  }
  const std::string& name = p->positional[0];
  if (!IsNetworkName(name)) {
    return Usage(absl::StrCat("network name \"", name, "\": want ", kNameRule));
  }
  warren::v1::NetworkConfig* config = out.request.mutable_config();
  config->set_name(name);
  if (!p->flags.count("subnet")) {
    return Usage("--subnet is required (e.g. --subnet 10.89.0.0/24)");
  }
  const std::string subnet = p->Last("subnet");
  if (!IsIpv4Cidr(subnet)) {
    return Usage(absl::StrCat("--subnet \"", subnet,
                              "\": want an IPv4 subnet in CIDR form, e.g. "
                              "10.89.0.0/24"));
  }
  config->set_subnet(subnet);
  if (p->flags.count("gateway")) {
    const std::string v = p->Last("gateway");
    if (!IsIpv4(v)) {
      return Usage(absl::StrCat("--gateway \"", v,
                                "\": want an IPv4 address (a.b.c.d)"));
    }
    config->set_gateway(v);
  }
  if (p->flags.count("bridge")) {
    const std::string v = p->Last("bridge");
    if (!IsLinkName(v)) {
      return Usage(absl::StrCat("--bridge \"", v,
                                "\": want a link name of 1 to 15 characters "
                                "without '/', ':', '%' or spaces"));
    }
    config->set_bridge(v);
  }
  if (p->flags.count("mtu")) {
    const std::string v = p->Last("mtu");
    uint32_t mtu = 0;
    if (v.empty() || v.size() > 5 ||
        v.find_first_not_of("0123456789") != std::string::npos ||
        !absl::SimpleAtoi(v, &mtu) || mtu < 68 || mtu > 65535) {
      return Usage(
          absl::StrCat("--mtu \"", v, "\": want a number from 68 to 65535"));
    }
    config->set_mtu(mtu);
  }
  config->set_disable_outbound_nat(p->Bool("internal") ||
                                   p->Bool("disable-nat"));
  if (absl::Status s = ParseDnsFlags(*p, config->mutable_dns_servers(),
                                     config->mutable_dns_search());
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<NetworkLsOptions> ParseNetworkLsArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"quiet", 'q', false}}, args, true);
  if (!p.ok()) return p.status();
  NetworkLsOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (!p->positional.empty()) {
    return Usage(absl::StrCat("unexpected argument \"", p->positional[0],
                              "\" (network ls takes only flags)"));
  }
  out.quiet = p->Bool("quiet");
  return out;
}

absl::StatusOr<NetworkNamesOptions> ParseNetworkRmArgs(
    const std::vector<std::string>& args) {
  return ParseNames(args, /*exactly_one=*/false);
}

absl::StatusOr<NetworkNamesOptions> ParseNetworkInspectArgs(
    const std::vector<std::string>& args) {
  return ParseNames(args, /*exactly_one=*/true);
}

}  // namespace warren::cli
