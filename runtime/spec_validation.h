// Checks a ContainerSpec before anything is created, so bad input fails
// fast with INVALID_ARGUMENT naming the field, and features that a later
// milestone implements fail with UNIMPLEMENTED instead of being ignored.
#ifndef WARREN_RUNTIME_SPEC_VALIDATION_H_
#define WARREN_RUNTIME_SPEC_VALIDATION_H_

#include "absl/status/status.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

// Pure checks only (no file system access). Field names in messages are
// full paths such as "spec.process.args".
absl::Status ValidateSpec(const v1::ContainerSpec& spec);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SPEC_VALIDATION_H_
