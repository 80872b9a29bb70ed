#include "netns/network_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace warren::netns {
namespace {

constexpr int kMinSubnetPrefix = 8;   // anything wider is surely a mistake
constexpr int kMaxSubnetPrefix = 30;  // network + gateway + host + broadcast
constexpr size_t kMaxNetworkNameLength = 64;
constexpr size_t kMaxDomainLength = 253;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

absl::Status ValidateNetworkName(absl::string_view name,
                                 absl::string_view field) {
  if (name.empty()) return Invalid(field, "is required");
  if (name.size() > kMaxNetworkNameLength) {
    return Invalid(field, absl::StrCat("\"", name, "\" is longer than ",
                                       kMaxNetworkNameLength, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return Invalid(field, absl::StrCat("\"", name,
                                       "\" must start with a letter or digit"));
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return Invalid(field, absl::StrCat("\"", name,
                                         "\" may only contain letters, digits, "
                                         "'_', '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status ValidateDnsServer(absl::string_view server,
                               absl::string_view field) {
  const std::string text(server);
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1 ||
      inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    return absl::OkStatus();
  }
  return Invalid(
      field, absl::StrCat("\"", server, "\" is not an IPv4 or IPv6 address"));
}

absl::Status ValidateSearchDomain(absl::string_view domain,
                                  absl::string_view field) {
  if (domain.empty()) return Invalid(field, "is empty");
  if (domain.size() > kMaxDomainLength) {
    return Invalid(field, absl::StrCat("is longer than ", kMaxDomainLength,
                                       " characters"));
  }
  for (char c : domain) {
    if (!IsNameChar(c)) {
      return Invalid(field,
                     absl::StrCat("\"", domain,
                                  "\" may only contain letters, digits, '_', "
                                  "'.' and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

NetworkConfig DefaultNetwork() {
  NetworkConfig config;
  config.name = std::string(kDefaultNetworkName);
  config.bridge = std::string(kDefaultBridgeName);
  config.subnet = std::string(kDefaultSubnet);
  config.gateway = std::string(kDefaultGateway);
  return config;
}

absl::StatusOr<uint32_t> ParseIpv4(absl::string_view text,
                                   absl::string_view field) {
  const std::string s(text);
  in_addr addr{};
  if (s.empty() || inet_pton(AF_INET, s.c_str(), &addr) != 1) {
    return Invalid(
        field, absl::StrCat("\"", text, "\" is not an IPv4 address (a.b.c.d)"));
  }
  return ntohl(addr.s_addr);
}

absl::StatusOr<Ipv4Cidr> ParseIpv4Cidr(absl::string_view text,
                                       absl::string_view field) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return Invalid(
        field, absl::StrCat("\"", text, "\" is not a CIDR (a.b.c.d/prefix)"));
  }
  absl::StatusOr<uint32_t> address = ParseIpv4(text.substr(0, slash), field);
  if (!address.ok()) {
    return Invalid(field,
                   absl::StrCat("\"", text, "\" is not a CIDR: the address \"",
                                text.substr(0, slash), "\" is not IPv4"));
  }
  absl::string_view prefix = text.substr(slash + 1);
  int prefix_len = -1;
  const bool digits = !prefix.empty() && prefix.size() <= 2 &&
                      std::all_of(prefix.begin(), prefix.end(), [](char c) {
                        return absl::ascii_isdigit(c);
                      });
  if (!digits || !absl::SimpleAtoi(prefix, &prefix_len) || prefix_len > 32) {
    return Invalid(field,
                   absl::StrCat("\"", text,
                                "\" is not a CIDR: the prefix length must be "
                                "0..32"));
  }
  return Ipv4Cidr{*address, prefix_len};
}

std::string FormatIpv4(uint32_t address) {
  return absl::StrFormat("%u.%u.%u.%u", address >> 24, (address >> 16) & 0xff,
                         (address >> 8) & 0xff, address & 0xff);
}

std::string FormatIpv4Cidr(Ipv4Cidr cidr) {
  return absl::StrCat(FormatIpv4(cidr.address), "/", cidr.prefix_len);
}

uint32_t PrefixMask(int prefix_len) {
  if (prefix_len <= 0) return 0;
  if (prefix_len >= 32) return 0xffffffffu;
  return ~((uint32_t{1} << (32 - prefix_len)) - 1);
}

uint32_t NetworkAddress(Ipv4Cidr cidr) {
  return cidr.address & PrefixMask(cidr.prefix_len);
}

uint32_t BroadcastAddress(Ipv4Cidr cidr) {
  return NetworkAddress(cidr) | ~PrefixMask(cidr.prefix_len);
}

bool CidrContains(Ipv4Cidr cidr, uint32_t address) {
  return (address & PrefixMask(cidr.prefix_len)) == NetworkAddress(cidr);
}

bool CidrsOverlap(Ipv4Cidr a, Ipv4Cidr b) {
  // Two prefixes overlap iff the shorter one contains the other's network.
  const int shorter = std::min(a.prefix_len, b.prefix_len);
  const uint32_t mask = PrefixMask(shorter);
  return (a.address & mask) == (b.address & mask);
}

absl::Status ValidateLinkName(absl::string_view name, absl::string_view field) {
  if (name.empty()) return Invalid(field, "is required");
  if (name.size() > static_cast<size_t>(kMaxIfNameLength)) {
    return Invalid(
        field, absl::StrCat("\"", name, "\" is longer than ", kMaxIfNameLength,
                            " characters (the kernel's IFNAMSIZ limit)"));
  }
  if (name == "." || name == "..") {
    return Invalid(field, absl::StrCat("\"", name, "\" is not a link name"));
  }
  for (char c : name) {
    if (c == '/' || c == ':' || c == '%' ||
        absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return Invalid(field, absl::StrCat("\"", absl::CEscape(name),
                                         "\" may not contain '/', ':', '%', "
                                         "whitespace or control characters"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNetworkConfig(const NetworkConfig& config,
                                   const std::vector<NetworkConfig>& existing,
                                   absl::string_view field_prefix) {
  auto field = [&](absl::string_view name) {
    return absl::StrCat(field_prefix, ".", name);
  };
  if (absl::Status s = ValidateNetworkName(config.name, field("name"));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateLinkName(config.bridge, field("bridge"));
      !s.ok()) {
    return s;
  }
  if (absl::StartsWith(config.bridge, kHostVethPrefix)) {
    return Invalid(
        field("bridge"),
        absl::StrCat("\"", config.bridge, "\" starts with \"", kHostVethPrefix,
                     "\", which is reserved for warren's veths"));
  }

  if (config.subnet.empty()) return Invalid(field("subnet"), "is required");
  absl::StatusOr<Ipv4Cidr> subnet =
      ParseIpv4Cidr(config.subnet, field("subnet"));
  if (!subnet.ok()) return subnet.status();
  if (subnet->prefix_len < kMinSubnetPrefix ||
      subnet->prefix_len > kMaxSubnetPrefix) {
    return Invalid(field("subnet"),
                   absl::StrCat("\"", config.subnet,
                                "\": the prefix length must be between ",
                                kMinSubnetPrefix, " and ", kMaxSubnetPrefix));
  }
  if (NetworkAddress(*subnet) != subnet->address) {
    return Invalid(
        field("subnet"),
        absl::StrCat(
            "\"", config.subnet, "\" has host bits set; did you mean ",
            FormatIpv4Cidr({NetworkAddress(*subnet), subnet->prefix_len}),
            "?"));
  }

  if (config.gateway.empty()) {
    return Invalid(field("gateway"),
                   absl::StrCat("is required (e.g. ",
                                FormatIpv4(subnet->address + 1), ")"));
  }
  absl::StatusOr<uint32_t> gateway =
      ParseIpv4(config.gateway, field("gateway"));
  if (!gateway.ok()) return gateway.status();
  if (!CidrContains(*subnet, *gateway)) {
    return Invalid(
        field("gateway"),
        absl::StrCat(config.gateway, " is outside the subnet ", config.subnet));
  }
  if (*gateway == NetworkAddress(*subnet) ||
      *gateway == BroadcastAddress(*subnet)) {
    return Invalid(
        field("gateway"),
        absl::StrCat(config.gateway, " is the network or broadcast address of ",
                     config.subnet));
  }

  if (config.mtu < kMinMtu || config.mtu > kMaxMtu) {
    return Invalid(field("mtu"), absl::StrCat(config.mtu, " is outside ",
                                              kMinMtu, "..", kMaxMtu));
  }
  for (size_t i = 0; i < config.dns_servers.size(); ++i) {
    if (absl::Status s =
            ValidateDnsServer(config.dns_servers[i],
                              absl::StrCat(field("dns_servers"), "[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < config.dns_search.size(); ++i) {
    if (absl::Status s = ValidateSearchDomain(
            config.dns_search[i],
            absl::StrCat(field("dns_search"), "[", i, "]"));
        !s.ok()) {
      return s;
    }
  }

  for (const NetworkConfig& other : existing) {
    if (other.name == config.name) {
      return absl::AlreadyExistsError(absl::StrCat(
          field("name"), ": network \"", config.name, "\" already exists"));
    }
    if (other.bridge == config.bridge) {
      return Invalid(field("bridge"),
                     absl::StrCat("\"", config.bridge,
                                  "\" is already the bridge of network \"",
                                  other.name, "\""));
    }
    absl::StatusOr<Ipv4Cidr> other_subnet = ParseIpv4Cidr(other.subnet, "");
    if (other_subnet.ok() && CidrsOverlap(*subnet, *other_subnet)) {
      return Invalid(field("subnet"),
                     absl::StrCat(config.subnet, " overlaps ", other.subnet,
                                  " of network \"", other.name, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateContainerIp(const NetworkConfig& network,
                                 absl::string_view ip,
                                 absl::string_view field) {
  absl::StatusOr<uint32_t> address = ParseIpv4(ip, field);
  if (!address.ok()) return address.status();
  absl::StatusOr<Ipv4Cidr> subnet = ParseIpv4Cidr(network.subnet, field);
  if (!subnet.ok()) return subnet.status();
  if (!CidrContains(*subnet, *address)) {
    return Invalid(field,
                   absl::StrCat(ip, " is outside the subnet ", network.subnet,
                                " of network \"", network.name, "\""));
  }
  if (*address == NetworkAddress(*subnet)) {
    return Invalid(
        field, absl::StrCat(ip, " is the network address of ", network.subnet));
  }
  if (*address == BroadcastAddress(*subnet)) {
    return Invalid(field, absl::StrCat(ip, " is the broadcast address of ",
                                       network.subnet));
  }
  absl::StatusOr<uint32_t> gateway = ParseIpv4(network.gateway, field);
  if (gateway.ok() && *address == *gateway) {
    return Invalid(field, absl::StrCat(ip, " is the gateway of network \"",
                                       network.name, "\""));
  }
  return absl::OkStatus();
}

}  // namespace warren::netns
