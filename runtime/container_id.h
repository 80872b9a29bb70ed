// Container ids end up in file names, cgroup names and socket paths, so they
// are limited to a charset and length that is safe in all of them.
#ifndef WARREN_RUNTIME_CONTAINER_ID_H_
#define WARREN_RUNTIME_CONTAINER_ID_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warren::runtime {

inline constexpr size_t kMaxContainerIdLength = 64;

// INVALID_ARGUMENT naming `field` unless `id` is 1-64 characters of
// [A-Za-z0-9_.-] starting with a letter or digit.
absl::Status ValidateContainerId(absl::string_view id,
                                 absl::string_view field = "id");

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_CONTAINER_ID_H_
