#include "runtime/spec_validation.h"

#include <arpa/inet.h>
#include <sys/resource.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "netns/network_config.h"
#include "runtime/cgroup_plan.h"
#include "runtime/id_map.h"
#include "runtime/mount_options.h"
#include "runtime/network_control.h"
#include "runtime/rlimits.h"
#include "runtime/security_plan.h"
#include "runtime/signals.h"
#include "runtime/sysctls.h"

namespace warren::runtime {
namespace {

using v1::NamespaceSpec;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status ValidateHostname(absl::string_view value,
                              absl::string_view field) {
  if (value.size() > 64) return Invalid(field, "longer than 64 characters");
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.') {
      return Invalid(field, "may contain only letters, digits, '-' and '.'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateProcess(const v1::ProcessSpec& p) {
  if (p.args().empty() || p.args(0).empty()) {
    return Invalid("spec.process.args", "is required (the program to run)");
  }
  for (int i = 0; i < p.env_size(); ++i) {
    const std::string& kv = p.env(i);
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid(absl::StrCat("spec.process.env[", i, "]"),
                     "must be KEY=value");
    }
  }
  if (!p.cwd().empty() && p.cwd()[0] != '/') {
    return Invalid("spec.process.cwd", "must be an absolute path");
  }
  for (int i = 0; i < p.rlimits_size(); ++i) {
    std::string field = absl::StrCat("spec.process.rlimits[", i, "]");
    const v1::Rlimit& r = p.rlimits(i);
    if (!ParseRlimitName(r.type()).ok()) {
      return Invalid(field, absl::StrCat("unknown type \"", r.type(), "\""));
    }
    if (r.soft() > r.hard()) return Invalid(field, "soft exceeds hard");
  }
  return absl::OkStatus();
}

absl::Status ValidateNamespace(const NamespaceSpec& ns,
                               absl::string_view field) {
  if (ns.mode() == NamespaceSpec::MODE_JOIN) {
    if (ns.path().empty() || ns.path()[0] != '/') {
      return Invalid(absl::StrCat(field, ".path"),
                     "an absolute path is required to join a namespace");
    }
    return absl::OkStatus();
  }
  if (!ns.path().empty()) {
    return Invalid(absl::StrCat(field, ".path"), "is only used with MODE_JOIN");
  }
  return absl::OkStatus();
}

absl::Status ValidateUserNamespaceNeighbours(const v1::NamespacesSpec& n);

// One uid_map or gid_map: 1..340 lines (the kernel's limit), no empty or
// wrapping range, and no two ranges overlapping on either side.
absl::Status ValidateIdMap(const IdMappings& maps, absl::string_view field) {
  if (maps.empty()) {
    return Invalid(field, "is required with a new user namespace");
  }
  if (maps.size() > 340) return Invalid(field, "at most 340 mappings");
  constexpr uint64_t kIds = 1ULL << 32;
  for (int i = 0; i < maps.size(); ++i) {
    const v1::IdMapping& m = maps[i];
    std::string item = absl::StrCat(field, "[", i, "]");
    if (m.size() == 0) return Invalid(item, "size must be at least 1");
    if (uint64_t{m.container_id()} + m.size() > kIds ||
        uint64_t{m.host_id()} + m.size() > kIds) {
      return Invalid(item, "range exceeds 32-bit ids");
    }
    for (int j = 0; j < i; ++j) {
      const v1::IdMapping& o = maps[j];
      auto overlap = [](uint64_t a, uint64_t an, uint64_t b, uint64_t bn) {
        return a < b + bn && b < a + an;
      };
      if (overlap(m.container_id(), m.size(), o.container_id(), o.size()) ||
          overlap(m.host_id(), m.size(), o.host_id(), o.size())) {
        return Invalid(item, absl::StrCat("overlaps ", field, "[", j, "]"));
      }
    }
  }
  return absl::OkStatus();
}

// A new user namespace needs both maps, a mapped root (the init becomes uid
// and gid 0 of the namespace to set the container up, as with runc) and a
// mapped identity for the process; the container's own PID namespace (proc
// can only be mounted by its owner) and no joined namespaces (they would
// belong to the host's user namespace).
absl::Status ValidateUserNamespace(const v1::ContainerSpec& spec) {
  if (absl::Status s = ValidateIdMap(spec.uid_mappings(), "spec.uid_mappings");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateIdMap(spec.gid_mappings(), "spec.gid_mappings");
      !s.ok()) {
    return s;
  }
  if (!MapToHost(spec.uid_mappings(), 0) ||
      !MapToHost(spec.gid_mappings(), 0)) {
    return Invalid("spec.uid_mappings",
                   "container uid 0 and gid 0 must be mapped");
  }
  const v1::ProcessSpec& p = spec.process();
  if (!MapToHost(spec.uid_mappings(), p.uid())) {
    return Invalid("spec.process.uid",
                   absl::StrCat(p.uid(), " is not in spec.uid_mappings"));
  }
  if (!MapToHost(spec.gid_mappings(), p.gid())) {
    return Invalid("spec.process.gid",
                   absl::StrCat(p.gid(), " is not in spec.gid_mappings"));
  }
  for (int i = 0; i < p.additional_gids_size(); ++i) {
    if (!MapToHost(spec.gid_mappings(), p.additional_gids(i))) {
      return Invalid(absl::StrCat("spec.process.additional_gids[", i, "]"),
                     "is not in spec.gid_mappings");
    }
  }
  return ValidateUserNamespaceNeighbours(spec.namespaces());
}

// In a new or joined user namespace the container needs its own PID
// namespace (proc can only be mounted by its owner) and may join no other
// namespace (it would belong to another user namespace).
absl::Status ValidateUserNamespaceNeighbours(const v1::NamespacesSpec& n) {
  if (n.pid().mode() == NamespaceSpec::MODE_HOST ||
      n.pid().mode() == NamespaceSpec::MODE_JOIN) {
    return Invalid("spec.namespaces.pid",
                   "a user namespace needs the container's own PID "
                   "namespace");
  }
  for (const auto& [ns, field] : {std::pair{&n.uts(), "spec.namespaces.uts"},
                                  {&n.ipc(), "spec.namespaces.ipc"},
                                  {&n.network(), "spec.namespaces.network"},
                                  {&n.cgroup(), "spec.namespaces.cgroup"},
                                  {&n.time(), "spec.namespaces.time"}}) {
    if (ns->mode() == NamespaceSpec::MODE_JOIN) {
      return Invalid(field, "cannot be joined together with a user namespace");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNamespaces(const v1::ContainerSpec& spec) {
  const v1::NamespacesSpec& n = spec.namespaces();
  const std::pair<const NamespaceSpec*, const char*> all[] = {
      {&n.mount(), "spec.namespaces.mount"},
      {&n.uts(), "spec.namespaces.uts"},
      {&n.ipc(), "spec.namespaces.ipc"},
      {&n.pid(), "spec.namespaces.pid"},
      {&n.network(), "spec.namespaces.network"},
      {&n.user(), "spec.namespaces.user"},
      {&n.cgroup(), "spec.namespaces.cgroup"},
      {&n.time(), "spec.namespaces.time"},
  };
  for (const auto& [ns, field] : all) {
    if (absl::Status s = ValidateNamespace(*ns, field); !s.ok()) return s;
  }
  if (n.mount().mode() == NamespaceSpec::MODE_HOST ||
      n.mount().mode() == NamespaceSpec::MODE_JOIN) {
    return Invalid("spec.namespaces.mount",
                   "a container needs its own mount namespace for its rootfs");
  }
  if (n.user().mode() == NamespaceSpec::MODE_JOIN) {
    if (!spec.uid_mappings().empty() || !spec.gid_mappings().empty()) {
      return Invalid("spec.uid_mappings",
                     "a joined user namespace already has its id maps");
    }
    return ValidateUserNamespaceNeighbours(n);
  }
  if (n.time().mode() == NamespaceSpec::MODE_NEW) {
    for (const auto* d :
         {&spec.time_offsets().monotonic(), &spec.time_offsets().boottime()}) {
      // The kernel keeps offsets within about +-146 years; a day-scale
      // bound catches unit mistakes (seconds meant as nanoseconds) early.
      if (d->seconds() > 100LL * 365 * 86400 ||
          d->seconds() < -100LL * 365 * 86400 || d->nanos() <= -1000000000 ||
          d->nanos() >= 1000000000) {
        return Invalid("spec.time_offsets", "offsets must be within 100 years");
      }
    }
  } else if (spec.has_time_offsets()) {
    return Invalid("spec.time_offsets", "requires a new time namespace");
  }
  bool own_uts = n.uts().mode() == NamespaceSpec::MODE_DEFAULT ||
                 n.uts().mode() == NamespaceSpec::MODE_NEW;
  if (!own_uts && (!spec.hostname().empty() || !spec.domainname().empty())) {
    return Invalid("spec.hostname",
                   "cannot be set unless the container has its own UTS "
                   "namespace");
  }
  if (n.user().mode() == NamespaceSpec::MODE_NEW) {
    return ValidateUserNamespace(spec);
  }
  if (!spec.uid_mappings().empty() || !spec.gid_mappings().empty()) {
    return Invalid("spec.uid_mappings", "requires a new user namespace");
  }
  return absl::OkStatus();
}

// Masked and read-only paths name places inside the container.
absl::Status ValidatePaths(const v1::SecuritySpec& sec) {
  for (int i = 0; i < sec.masked_paths_size(); ++i) {
    if (sec.masked_paths(i).empty() || sec.masked_paths(i)[0] != '/') {
      return Invalid(absl::StrCat("spec.security.masked_paths[", i, "]"),
                     "must be an absolute path");
    }
  }
  for (int i = 0; i < sec.readonly_paths_size(); ++i) {
    if (sec.readonly_paths(i).empty() || sec.readonly_paths(i)[0] != '/') {
      return Invalid(absl::StrCat("spec.security.readonly_paths[", i, "]"),
                     "must be an absolute path");
    }
  }
  return absl::OkStatus();
}

// Bridge mode: a known-looking network name, an IPv4 address, ports in
// range; the network itself, the address and host ports are checked when
// they are reserved (NOT_FOUND, ALREADY_EXISTS).
absl::Status ValidateNetwork(const v1::ContainerSpec& spec) {
  const v1::NetworkSpec& net = spec.network();
  bool bridge = WantsBridge(net);
  NamespaceSpec::Mode ns = spec.namespaces().network().mode();
  if (net.mode() == v1::NetworkSpec::MODE_HOST &&
      ns == NamespaceSpec::MODE_NEW) {
    return Invalid("spec.network.mode",
                   "MODE_HOST conflicts with a new network namespace");
  }
  if (!bridge) {
    if (!net.network().empty() || !net.ip().empty()) {
      return Invalid("spec.network.network",
                     "a network or ip needs bridge mode");
    }
    if (!net.ports().empty()) {
      return Invalid("spec.network.ports",
                     "port mappings need a bridge network (set "
                     "spec.network.network or mode MODE_BRIDGE)");
    }
    return absl::OkStatus();
  }
  if (ns == NamespaceSpec::MODE_HOST || ns == NamespaceSpec::MODE_JOIN) {
    return Invalid("spec.namespaces.network",
                   "a bridge network needs the container's own network "
                   "namespace");
  }
  if (!net.network().empty()) {
    if (absl::Status s =
            netns::ValidateNetworkName(net.network(), "spec.network.network");
        !s.ok()) {
      return s;
    }
  }
  if (!net.ip().empty()) {
    if (absl::StatusOr<uint32_t> ip =
            netns::ParseIpv4(net.ip(), "spec.network.ip");
        !ip.ok()) {
      return ip.status();
    }
  }
  for (int i = 0; i < net.ports_size(); ++i) {
    const v1::PortMapping& p = net.ports(i);
    std::string field = absl::StrCat("spec.network.ports[", i, "]");
    if (p.host_port() == 0 || p.host_port() > 65535) {
      return Invalid(field + ".host_port", "must be 1-65535");
    }
    if (p.container_port() > 65535) {
      return Invalid(field + ".container_port", "must be 1-65535");
    }
    if (!p.protocol().empty() && p.protocol() != "tcp" &&
        p.protocol() != "udp") {
      return Invalid(field + ".protocol", "must be \"tcp\" or \"udp\"");
    }
    if (!p.host_ip().empty()) {
      if (absl::StatusOr<uint32_t> ip =
              netns::ParseIpv4(p.host_ip(), field + ".host_ip");
          !ip.ok()) {
        return ip.status();
      }
    }
  }
  for (int i = 0; i < net.dns_servers_size(); ++i) {
    unsigned char buf[sizeof(in6_addr)];
    const std::string& server = net.dns_servers(i);
    if (inet_pton(AF_INET, server.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, server.c_str(), buf) != 1) {
      return Invalid(absl::StrCat("spec.network.dns_servers[", i, "]"),
                     absl::StrCat("\"", server, "\" is not an IP address"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSpec(const v1::ContainerSpec& spec) {
  if (spec.rootfs().empty()) return Invalid("spec.rootfs", "is required");
  if (spec.rootfs()[0] != '/') {
    return Invalid("spec.rootfs", "must be an absolute path");
  }
  if (!spec.has_process()) return Invalid("spec.process", "is required");
  if (absl::Status s = ValidateProcess(spec.process()); !s.ok()) return s;
  if (absl::Status s = ValidateHostname(spec.hostname(), "spec.hostname");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateHostname(spec.domainname(), "spec.domainname");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateNamespaces(spec); !s.ok()) return s;
  for (int i = 0; i < spec.mounts_size(); ++i) {
    if (absl::Status s = ValidateMount(spec.mounts(i), i); !s.ok()) return s;
  }
  if (absl::Status s = ValidatePaths(spec.security()); !s.ok()) return s;
  if (absl::Status s = ValidateResources(spec.resources()); !s.ok()) return s;
  if (absl::Status s = ValidateSecurity(spec.security()); !s.ok()) return s;
  if (absl::Status s = ValidateNetwork(spec); !s.ok()) return s;
  if (absl::Status s = ValidateSysctls(spec); !s.ok()) return s;
  for (const auto& [key, value] : spec.labels()) {
    if (key.empty() || key.size() > 253) {
      return Invalid("spec.labels", "keys must be 1-253 bytes");
    }
    if (value.size() > 4096) {
      return Invalid(absl::StrCat("spec.labels[", key, "]"),
                     "values must be at most 4096 bytes");
    }
  }
  if (!spec.stop_signal().empty()) {
    if (absl::StatusOr<int> s =
            ParseSignal(spec.stop_signal(), "spec.stop_signal");
        !s.ok()) {
      return s.status();
    }
  }
  if (spec.has_stop_timeout()) {
    const auto& t = spec.stop_timeout();
    if (t.seconds() < 0 || t.nanos() < 0 || t.seconds() > 3600) {
      return Invalid("spec.stop_timeout", "must be between 0 and 1 hour");
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
