// Linux capabilities for a container: parsing names as the API accepts them
// ("CHOWN", "cap_chown", "ALL"), the default set containerd and Docker give
// a container, and the cap_add/cap_drop arithmetic on top of it. Pure data
// (names are resolved through libcap's table, nothing is applied here), so
// it is unit-tested without root; the init applies the result.
#ifndef WARREN_RUNTIME_CAPABILITIES_H_
#define WARREN_RUNTIME_CAPABILITIES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

// Capability numbers (CAP_CHOWN = 0, ...), sorted and without duplicates.
using CapabilityList = std::vector<int>;

// The capabilities a container gets unless told otherwise: containerd's
// (and Docker's) default set, CapEff 0x00000000a80425fb.
CapabilityList DefaultCapabilities();

// Every capability this build knows (0 .. CAP_LAST_CAP of the headers). The
// init later keeps only those the running kernel and the monitor have.
CapabilityList AllCapabilities();

// One capability name, with or without "CAP_", in any case. Not "ALL" and
// not numbers: the API speaks names.
absl::StatusOr<int> ParseCapabilityName(absl::string_view name);

// "CAP_CHOWN" for 0; "CAP_<n>" for numbers libcap has no name for.
std::string CapabilityName(int cap);

// The bit mask of `caps`, as /proc/<pid>/status prints CapEff.
uint64_t CapabilityMask(const CapabilityList& caps);

// What the container's processes hold, computed like Docker's
// TweakCapabilities: cap_add "ALL" means every capability but the dropped
// ones; cap_drop "ALL" means only the added ones; otherwise the default set
// minus cap_drop plus cap_add. `privileged` means every capability.
struct CapabilityPlan {
  // Bounding, permitted and effective set of the init before execve.
  CapabilityList granted;
  // Raised as ambient (and inheritable) capabilities so that a non-root
  // user keeps them across execve: the explicitly added ones only, so a
  // non-root process does not silently get the root defaults (as with
  // Podman; Docker gives non-root users none at all).
  CapabilityList ambient;
};

// Errors are INVALID_ARGUMENT naming the field, e.g.
// `spec.security.cap_add[0]: unknown capability "FOO"`.
absl::StatusOr<CapabilityPlan> BuildCapabilityPlan(
    const v1::SecuritySpec& security, uid_t uid);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CAPABILITIES_H_
