// uid/gid mappings of a user namespace (spec.uid_mappings, gid_mappings):
// the text the kernel's uid_map/gid_map files take, and lookups used to
// validate a spec and to find the host ids of the container's root.
#ifndef WARREN_RUNTIME_ID_MAP_H_
#define WARREN_RUNTIME_ID_MAP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

using IdMappings = google::protobuf::RepeatedPtrField<v1::IdMapping>;

// The uid_map / gid_map text for `mappings` ("container host size" lines).
std::string IdMapText(const IdMappings& mappings);

// Parses uid_map / gid_map text as the kernel shows it (whitespace-separated
// "container host size" lines). INVALID_ARGUMENT for anything else.
absl::StatusOr<IdMappings> ParseIdMapText(absl::string_view text);

// The host id that container id `id` maps to, or nullopt if unmapped.
absl::optional<uint32_t> MapToHost(const IdMappings& mappings, uint32_t id);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_ID_MAP_H_
