#include "netns/ipam.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace warren::netns {
namespace {

constexpr absl::string_view kSuffix = ".ips";

absl::Status ErrnoError(int err, absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

absl::Status ValidateContainerId(absl::string_view id) {
  if (id.empty())
    return absl::InvalidArgumentError("container_id: is required");
  for (char c : id) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          "container_id: may not contain whitespace or control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("open ", dir));
  absl::Cleanup close_fd = [fd] { close(fd); };
  if (fsync(fd) != 0) return ErrnoError(errno, absl::StrCat("fsync ", dir));
  return absl::OkStatus();
}

// The whole file, or "" if it does not exist.
absl::StatusOr<std::string> ReadFileIfExists(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return ErrnoError(errno, absl::StrCat("open ", path));
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, absl::StrCat("read ", path));
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Writes `contents` to `path` so that readers see the old or the new file.
// No fsync: allocations belong to running containers, which a host crash
// ends, and Reconcile frees the addresses of dead holders at the next start;
// a crash of warrend alone keeps the renamed file (it is in the page cache).
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("create ", tmp));
  bool renamed = false;
  absl::Cleanup remove_tmp = [&] {
    if (!renamed) unlink(tmp.c_str());
  };
  {
    absl::Cleanup close_fd = [fd] { close(fd); };
    size_t done = 0;
    while (done < contents.size()) {
      ssize_t n = write(fd, contents.data() + done, contents.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(errno, absl::StrCat("write ", tmp));
      done += static_cast<size_t>(n);
    }
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return ErrnoError(errno, absl::StrCat("rename ", tmp, " to ", path));
  }
  renamed = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IpamStore>> IpamStore::Open(std::string dir) {
  if (dir.empty()) return absl::InvalidArgumentError("ipam dir: is required");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("create ipam dir ", dir, ": ", ec.message()));
  }
  chmod(dir.c_str(), 0700);
  return std::unique_ptr<IpamStore>(new IpamStore(std::move(dir)));
}

std::string IpamStore::PathOf(absl::string_view network) const {
  return absl::StrCat(dir_, "/", network, kSuffix);
}

absl::StatusOr<IpamStore::Allocations*> IpamStore::Load(
    absl::string_view network) {
  if (absl::Status s = ValidateNetworkName(network, "network"); !s.ok()) {
    return s;
  }
  auto it = cache_.find(network);
  if (it != cache_.end()) return &it->second;

  Allocations allocations;
  const std::string path = PathOf(network);
  absl::StatusOr<std::string> contents = ReadFileIfExists(path);
  if (!contents.ok()) return contents.status();
  int number = 0;
  for (absl::string_view line : absl::StrSplit(*contents, '\n')) {
    ++number;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(text, ' ', absl::SkipEmpty());
    absl::StatusOr<uint32_t> ip =
        parts.size() == 2 ? ParseIpv4(parts[0], "ip")
                          : absl::InvalidArgumentError("not \"<ip> <id>\"");
    if (!ip.ok()) {
      return absl::DataLossError(absl::StrCat(path, ":", number,
                                              ": cannot parse \"", text,
                                              "\": ", ip.status().message()));
    }
    if (!allocations.emplace(*ip, std::string(parts[1])).second) {
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": ", parts[0], " is listed twice"));
    }
  }
  return &cache_.emplace(std::string(network), std::move(allocations))
              .first->second;
}

absl::Status IpamStore::Store(absl::string_view network,
                              const Allocations& allocations) {
  std::string contents =
      absl::StrCat("# warren IPAM: addresses of network \"", network,
                   "\", one \"<ip> <container id>\" per line\n");
  for (const auto& [ip, id] : allocations) {
    absl::StrAppend(&contents, FormatIpv4(ip), " ", id, "\n");
  }
  return WriteFileAtomically(PathOf(network), contents);
}

absl::StatusOr<std::string> IpamStore::Allocate(
    const NetworkConfig& network, absl::string_view container_id,
    absl::string_view requested_ip) {
  if (absl::Status s = ValidateContainerId(container_id); !s.ok()) return s;
  absl::StatusOr<Ipv4Cidr> subnet =
      ParseIpv4Cidr(network.subnet, "network.subnet");
  if (!subnet.ok()) return subnet.status();
  absl::StatusOr<uint32_t> gateway =
      ParseIpv4(network.gateway, "network.gateway");
  if (!gateway.ok()) return gateway.status();
  if (!requested_ip.empty()) {
    if (absl::Status s =
            ValidateContainerIp(network, requested_ip, "requested_ip");
        !s.ok()) {
      return s;
    }
  }

  absl::MutexLock lock(&mu_);
  absl::StatusOr<Allocations*> loaded = Load(network.name);
  if (!loaded.ok()) return loaded.status();
  Allocations& allocations = **loaded;

  for (const auto& [ip, id] : allocations) {
    if (id != container_id) continue;
    const std::string held = FormatIpv4(ip);
    if (requested_ip.empty() || requested_ip == held) return held;
    return absl::AlreadyExistsError(absl::StrCat(
        "container ", container_id, " already holds ", held, " on network \"",
        network.name, "\" (asked for ", requested_ip, ")"));
  }

  uint32_t chosen = 0;
  if (!requested_ip.empty()) {
    chosen = *ParseIpv4(requested_ip, "requested_ip");
    auto holder = allocations.find(chosen);
    if (holder != allocations.end()) {
      return absl::AlreadyExistsError(absl::StrCat(
          "requested_ip: ", requested_ip, " on network \"", network.name,
          "\" is already taken by container ", holder->second));
    }
  } else {
    const uint32_t first = NetworkAddress(*subnet) + 1;
    const uint32_t last = BroadcastAddress(*subnet) - 1;
    auto it = allocations.lower_bound(first);
    bool found = false;
    for (uint32_t candidate = first; candidate <= last; ++candidate) {
      if (candidate == *gateway) continue;
      while (it != allocations.end() && it->first < candidate) ++it;
      if (it != allocations.end() && it->first == candidate) continue;
      chosen = candidate;
      found = true;
      break;
    }
    if (!found) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "network \"", network.name, "\" has no free address: all ",
          last - first, " container addresses of ", network.subnet,
          " are in use (delete containers or use a larger subnet)"));
    }
  }

  Allocations updated = allocations;
  updated.emplace(chosen, std::string(container_id));
  if (absl::Status s = Store(network.name, updated); !s.ok()) return s;
  allocations = std::move(updated);
  return FormatIpv4(chosen);
}

absl::Status IpamStore::Release(absl::string_view network,
                                absl::string_view container_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Allocations*> loaded = Load(network);
  if (!loaded.ok()) return loaded.status();
  Allocations updated = **loaded;
  bool changed = false;
  for (auto it = updated.begin(); it != updated.end();) {
    if (it->second == container_id) {
      it = updated.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (!changed) return absl::OkStatus();
  if (absl::Status s = Store(network, updated); !s.ok()) return s;
  **loaded = std::move(updated);
  return absl::OkStatus();
}

absl::StatusOr<std::string> IpamStore::Lookup(absl::string_view network,
                                              absl::string_view container_id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Allocations*> loaded = Load(network);
  if (!loaded.ok()) return loaded.status();
  for (const auto& [ip, id] : **loaded) {
    if (id == container_id) return FormatIpv4(ip);
  }
  return absl::NotFoundError(absl::StrCat("container ", container_id,
                                          " has no address on network \"",
                                          network, "\""));
}

absl::StatusOr<std::vector<IpAllocation>> IpamStore::List(
    absl::string_view network) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Allocations*> loaded = Load(network);
  if (!loaded.ok()) return loaded.status();
  std::vector<IpAllocation> out;
  for (const auto& [ip, id] : **loaded) {
    out.push_back({std::string(network), id, FormatIpv4(ip)});
  }
  return out;
}

absl::StatusOr<std::vector<IpAllocation>> IpamStore::Reconcile(
    const absl::flat_hash_set<std::string>& live_ids) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> networks;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string file = entry.path().filename().string();
    absl::string_view name = file;
    if (absl::ConsumeSuffix(&name, kSuffix) &&
        ValidateNetworkName(name, "network").ok()) {
      networks.emplace_back(name);
    }
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("list ipam dir ", dir_, ": ", ec.message()));
  }
  std::vector<IpAllocation> freed;
  for (const std::string& network : networks) {
    absl::StatusOr<Allocations*> loaded = Load(network);
    if (!loaded.ok()) return loaded.status();
    Allocations updated;
    std::vector<IpAllocation> freed_here;
    for (const auto& [ip, id] : **loaded) {
      if (live_ids.contains(id)) {
        updated.emplace(ip, id);
      } else {
        freed_here.push_back({network, id, FormatIpv4(ip)});
      }
    }
    if (freed_here.empty()) continue;
    if (absl::Status s = Store(network, updated); !s.ok()) return s;
    **loaded = std::move(updated);
    freed.insert(freed.end(), freed_here.begin(), freed_here.end());
  }
  return freed;
}

absl::Status IpamStore::DropNetwork(absl::string_view network) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Allocations*> loaded = Load(network);
  if (!loaded.ok()) return loaded.status();
  if (!(*loaded)->empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "network \"", network, "\" still has ", (*loaded)->size(),
        " allocated address(es), e.g. ", FormatIpv4((*loaded)->begin()->first),
        " of container ", (*loaded)->begin()->second));
  }
  const std::string path = PathOf(network);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, absl::StrCat("remove ", path));
  }
  cache_.erase(network);
  return FsyncDir(dir_);
}

}  // namespace warren::netns
