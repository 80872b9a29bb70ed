#include "runtime/id_map.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warren::runtime {

std::string IdMapText(const IdMappings& mappings) {
  std::string text;
  for (const v1::IdMapping& m : mappings) {
    absl::StrAppend(&text, m.container_id(), " ", m.host_id(), " ", m.size(),
                    "\n");
  }
  return text;
}

absl::StatusOr<IdMappings> ParseIdMapText(absl::string_view text) {
  IdMappings out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint32_t ids[3];
    if (f.size() != 3 || !absl::SimpleAtoi(f[0], &ids[0]) ||
        !absl::SimpleAtoi(f[1], &ids[1]) || !absl::SimpleAtoi(f[2], &ids[2])) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad id map line \"", line, "\""));
    }
    v1::IdMapping* m = out.Add();
    m->set_container_id(ids[0]);
    m->set_host_id(ids[1]);
    m->set_size(ids[2]);
  }
  return out;
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
