// IP address management for bridge networks: which container holds which
// address. Kept in files so that a restarted warrend hands out neither an
// address that a running container still uses nor leaks ones of containers
// that are gone (see Reconcile). warrend keeps them in its run directory.
#ifndef WARREN_NETNS_IPAM_H_
#define WARREN_NETNS_IPAM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "netns/network_config.h"

namespace warren::netns {

// One address held by one container on one network.
struct IpAllocation {
  std::string network;
  std::string container_id;
  std::string ip;  // dotted quad, no prefix
};

// Allocations of all networks under one directory: one text file per network
// (`<dir>/<network>.ips`, lines "<ip> <container_id>"), each replaced
// atomically (write a temporary file, rename; no fsync, see ipam.cc) so a
// crash of warrend leaves either the old or the new set, never a torn one. The
// file is the truth: memory is only a cache of what was written successfully.
// Thread-safe. One process per directory.
class IpamStore {
 public:
  // Creates `dir` (0700) if needed. Files are read lazily, per network.
  static absl::StatusOr<std::unique_ptr<IpamStore>> Open(std::string dir);

  // Returns the address of `container_id` on `network` (a valid config).
  // With `requested_ip` empty: the lowest free host address (skipping the
  // network, gateway and broadcast addresses); RESOURCE_EXHAUSTED if none is
  // left. With `requested_ip`: that address (INVALID_ARGUMENT
  // "requested_ip: ..." if it is not a usable host address of the subnet,
  // ALREADY_EXISTS if another container holds it). Idempotent: a container
  // that already holds an address gets it again (ALREADY_EXISTS if it asks
  // for a different one).
  absl::StatusOr<std::string> Allocate(const NetworkConfig& network,
                                       absl::string_view container_id,
                                       absl::string_view requested_ip = "");

  // Frees the container's address on `network`; OK if it holds none.
  absl::Status Release(absl::string_view network,
                       absl::string_view container_id);

  // The container's address on `network`; NOT_FOUND if it holds none.
  absl::StatusOr<std::string> Lookup(absl::string_view network,
                                     absl::string_view container_id);

  // Every allocation on `network`, in address order.
  absl::StatusOr<std::vector<IpAllocation>> List(absl::string_view network);

  // Frees every allocation (on every network in the directory) whose
  // container is not in `live_ids`, e.g. after warrend restarts and some
  // containers were deleted while it was down. Returns what it freed.
  absl::StatusOr<std::vector<IpAllocation>> Reconcile(
      const absl::flat_hash_set<std::string>& live_ids);

  // Forgets a network that is being deleted. FAILED_PRECONDITION if a
  // container still holds an address on it; OK if it has no file.
  absl::Status DropNetwork(absl::string_view network);

 private:
  // ip (host byte order) -> container id.
  using Allocations = std::map<uint32_t, std::string>;

  explicit IpamStore(std::string dir) : dir_(std::move(dir)) {}

  std::string PathOf(absl::string_view network) const;
  absl::StatusOr<Allocations*> Load(absl::string_view network)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Store(absl::string_view network, const Allocations& allocations)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Allocations> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warren::netns

#endif  // WARREN_NETNS_IPAM_H_
