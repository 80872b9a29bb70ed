// What an Exec runs, as plain data: the caller's process over the
// container's (environment merged by key, working directory, ids and
// rlimits inherited when unset) and the container's hardening unless the
// caller overrides it, as `docker exec` and `runc exec` do. Pure, so the
// merge and its validation are unit-tested without a container.
#ifndef WARREN_RUNTIME_EXEC_SPEC_H_
#define WARREN_RUNTIME_EXEC_SPEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/warren/v1/spec.pb.h"

namespace warren::runtime {

// An ExecRequest without its gRPC wrapping.
struct ExecOptions {
  std::string exec_id;  // empty: generated
  v1::ProcessSpec process;
  bool has_security = false;
  v1::SecuritySpec security;
  bool sync = false;
  absl::Duration timeout = absl::InfiniteDuration();  // with sync
  bool log_output = false;
};

struct ExecSpec {
  v1::ProcessSpec process;    // complete
  v1::SecuritySpec security;  // the container's or the override
};

// The most an exec's arguments and environment may hold, counted as
// execve counts them (strings, their NULs and pointers): 2 MiB, the
// kernel's ARG_MAX under the usual 8 MiB stack limit; a smaller stack
// rlimit in the container lowers the kernel's own limit (E2BIG at execve,
// FAILED_PRECONDITION). And one string's, with its NUL (MAX_ARG_STRLEN).
inline constexpr size_t kMaxExecArgBytes = 2 << 20;
inline constexpr size_t kMaxExecStringBytes = 128 << 10;

// INVALID_ARGUMENT naming the field ("process.args", "process.env[2]",
// "process.cwd", "exec_id", "process" when args and env exceed
// kMaxExecArgBytes, "process.args[1]" or "process.env" for a string over
// kMaxExecStringBytes) for bad input; otherwise the merged spec.
absl::StatusOr<ExecSpec> BuildExecSpec(const v1::ContainerSpec& container,
                                       const ExecOptions& options);

// A fresh exec id: 12 hex digits, like container ids the CLI makes.
std::string NewExecId();

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_EXEC_SPEC_H_
