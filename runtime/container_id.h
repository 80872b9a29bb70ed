// Container ids end up in file names, cgroup names and socket paths, so they
// are limited to a charset and length that is safe in all of them.
//
// Ids are scoped per tenant (as containerd's namespaces scope them): the
// runtime names a container by its *key*, the bare id for a container of
// the default tenant and "<tenant>/<id>" for any other tenant. Keeping the
// default tenant's key bare keeps messages, events and tests of the
// single-tenant case exactly as they were.
#ifndef WARREN_RUNTIME_CONTAINER_ID_H_
#define WARREN_RUNTIME_CONTAINER_ID_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

inline constexpr size_t kMaxContainerIdLength = 64;
inline constexpr size_t kMaxTenantLength = 63;
// The tenant of unix-socket callers that name none, and of bare keys.
inline constexpr absl::string_view kDefaultTenant = "default";

// INVALID_ARGUMENT naming `field` unless `id` is 1-64 characters of
// [A-Za-z0-9_.-] starting with a letter or digit.
absl::Status ValidateContainerId(absl::string_view id,
                                 absl::string_view field = "id");

// INVALID_ARGUMENT naming `field` unless `tenant` is 1-63 characters of
// [A-Za-z0-9_.-] starting with a letter or digit (it becomes a directory
// and cgroup name).
absl::Status ValidateTenant(absl::string_view tenant,
                            absl::string_view field = "tenant");

// The key of container `id` of `tenant` (both valid): `id` itself for the
// default tenant, else "<tenant>/<id>".
std::string ContainerKey(absl::string_view tenant, absl::string_view id);

// A key taken apart again.
struct ScopedId {
  std::string tenant;
  std::string id;
};
// Splits a key made by ContainerKey (a key without '/' is the default
// tenant's). Does not validate.
ScopedId SplitContainerKey(absl::string_view key);

// Validates a key: its id part as ValidateContainerId(…, field), its tenant
// part as a tenant other than the default one (whose keys are bare).
absl::Status ValidateContainerKey(absl::string_view key,
                                  absl::string_view field = "id");

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CONTAINER_ID_H_
