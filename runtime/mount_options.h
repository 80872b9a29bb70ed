// mount(8)-style option strings ("ro", "nosuid", "size=64m") split into the
// flags mount(2) takes and the filesystem data string it passes through.
#ifndef WARREN_RUNTIME_MOUNT_OPTIONS_H_
#define WARREN_RUNTIME_MOUNT_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

struct ParsedMountOptions {
  unsigned long flags = 0;        // MS_* for the mount itself
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SLAVE... (separate call)
  std::string data;               // unknown options, comma-joined
  bool bind = false;              // type "bind" or option bind/rbind
  bool recursive = false;         // rbind
};

// Parses `options`; INVALID_ARGUMENT naming `field` for an empty option.
absl::StatusOr<ParsedMountOptions> ParseMountOptions(
    const std::vector<std::string>& options, const std::string& field);

// INVALID_ARGUMENT naming "spec.mounts[i]..." for a malformed mount.
absl::Status ValidateMount(const v1::Mount& mount, int index);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MOUNT_OPTIONS_H_
