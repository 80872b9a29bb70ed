#include "runtime/id_map.h"

#include "absl/strings/str_cat.h"

namespace warren::runtime {

std::string IdMapText(const IdMappings& mappings) {
  std::string text;
  for (const v1::IdMapping& m : mappings) {
    absl::StrAppend(&text, m.container_id(), " ", m.host_id(), " ", m.size(),
                    "\n");
  }
  return text;
}

absl::optional<uint32_t> MapToHost(const IdMappings& mappings, uint32_t id) {
  for (const v1::IdMapping& m : mappings) {
    if (id >= m.container_id() && id - m.container_id() < m.size()) {
      return m.host_id() + (id - m.container_id());
    }
  }
  return absl::nullopt;
}

}  // namespace warren::runtime
