// Small helpers the warren side of the benchmark shares: spawning programs
// without fork (gRPC's fork handlers can hang a forked child of a threaded
// process), reading a process's memory from /proc, container specs and
// calls with deadlines, and error accounting on a Series.
#ifndef WARREN_TOOLS_BENCH_WARREN_BENCH_UTIL_H_
#define WARREN_TOOLS_BENCH_WARREN_BENCH_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/bench/bench_types.h"

namespace warren::bench {

// Where a spawned program's standard streams go: a descriptor, or -1 for
// /dev/null.
struct SpawnIo {
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// posix_spawn of argv[0] (a path) with `io`; the pid.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const SpawnIo& io = {});
// Waits for `pid`; its wait status, or -1.
int WaitPid(pid_t pid);
// Runs argv to its end with stdout and stderr captured into *output (if
// given); the wait status (0: exited 0), or -1 if it could not start.
int RunProgram(const std::vector<std::string>& argv,
               std::string* output = nullptr);
// Runs `script` with /bin/sh -c (sbin in PATH); the wait status.
int RunShell(const std::string& script);

// /proc/PID/status field in kB ("VmRSS"); -1 if unreadable.
int64_t StatusKb(pid_t pid, const std::string& field);
// Pss of /proc/PID/smaps_rollup in kB; -1 if unreadable.
int64_t PssKb(pid_t pid);

// A client context whose deadline is `timeout` from now.
std::unique_ptr<grpc::ClientContext> CallContext(
    absl::Duration timeout = absl::Seconds(60));

// A fresh container id: kBenchIdPrefix, `tag`, a process-wide counter.
std::string NewId(const std::string& tag);

// A spec running `args` in ctx.image: new pid, ipc, uts, mount and network
// namespaces; `bridge`: a veth on the default network, else network none
// (a new netns with only lo). stop_signal SIGKILL, so Delete(force) of a
// `sleep` that ignores SIGTERM (as a namespace's pid 1) is not a 10 s wait.
v1::ContainerSpec BenchSpec(const BenchContext& ctx,
                            std::vector<std::string> args, bool bridge);

// One call each, with a deadline; the status as gRPC returned it.
grpc::Status CreateContainer(v1::ContainerService::Stub* stub,
                             const std::string& id,
                             const v1::ContainerSpec& spec,
                             v1::Container* out = nullptr);
grpc::Status StartContainer(v1::ContainerService::Stub* stub,
                            const std::string& id);
grpc::Status WaitContainer(v1::ContainerService::Stub* stub,
                           const std::string& id, v1::ExitStatus* out);
grpc::Status DeleteContainer(v1::ContainerService::Stub* stub,
                             const std::string& id, bool force = true);

// Milliseconds / microseconds between two instants.
double Ms(absl::Time from, absl::Time to);
double Us(absl::Time from, absl::Time to);

// Thread-safe failure accounting for one Series: counts each failure and
// keeps the first few distinct messages, which Finish puts in the note.
class ErrorLog {
 public:
  void Add(const std::string& what);
  void Add(const std::string& what, const grpc::Status& status);
  int count() const;
  // Adds the count to series->errors and the messages to series->note.
  void Finish(Series* series) const;

 private:
  mutable absl::Mutex mu_;
  int count_ = 0;
  std::vector<std::string> messages_;
};

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_WARREN_BENCH_UTIL_H_
