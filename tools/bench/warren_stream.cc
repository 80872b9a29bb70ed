// RunWarrenStream: output throughput through warren's Stream against a
// plain pipe.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/bench/warren_bench_util.h"
#include "tools/bench/warren_scenarios.h"

namespace warren::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// Writes n zero bytes to stdout in 64 KiB blocks. Not `head -c`: busybox
// head copies in 4 KiB pieces at ~150 MiB/s, which would cap both sides.
std::vector<std::string> GeneratorArgs(int64_t n) {
  return {"dd",
          "if=/dev/zero",
          "bs=65536",
          absl::StrCat("count=", n),
          "iflag=count_bytes",
          "status=none"};
}

struct Transfer {
  int64_t bytes = 0;
  absl::Duration took;
};

// A container writing `n` zero bytes, streamed from its start to its exit.
absl::StatusOr<Transfer> StreamOnce(const BenchContext& ctx,
                                    v1::ContainerService::Stub* stub,
                                    int64_t n) {
  const std::string id = NewId("stream");
  v1::ContainerSpec spec = BenchSpec(ctx, GeneratorArgs(n), false);
  if (grpc::Status s = CreateContainer(stub, id, spec); !s.ok()) {
    return absl::InternalError(absl::StrCat("create: ", s.error_message()));
  }
  // Attached before Start, so output that rotates out of the log early
  // (10 MiB go by in milliseconds) cannot be missed for lack of a reader.
  auto call = CallContext(absl::Minutes(5));
  auto stream = stub->Stream(call.get());
  v1::StreamRequest first;
  first.mutable_target()->set_container_id(id);
  first.mutable_target()->set_from_start(true);
  stream->Write(first);
  absl::SleepFor(absl::Milliseconds(50));  // the handler opens the log
  Transfer t;
  absl::Time t0 = absl::Now();
  grpc::Status s = StartContainer(stub, id);
  bool exited = false;
  if (s.ok()) {
    v1::StreamResponse msg;
    while (stream->Read(&msg)) {
      if (msg.has_exit()) {
        exited = true;
        break;
      }
      t.bytes += static_cast<int64_t>(msg.stdout().size());
    }
    t.took = absl::Now() - t0;
  } else {
    call->TryCancel();
  }
  stream->WritesDone();
  grpc::Status finished = stream->Finish();
  if (s.ok()) s = finished;
  (void)DeleteContainer(stub, id, true);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("stream: ", s.error_message()));
  }
  if (!exited) return absl::InternalError("stream ended without the exit");
  return t;
}

// The same busybox command on the host, its stdout a pipe read here.
absl::StatusOr<Transfer> PipeOnce(const BenchContext& ctx, int64_t n) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
  SpawnIo io;
  io.stdout_fd = fds[1];
  absl::Time t0 = absl::Now();
  std::vector<std::string> args = GeneratorArgs(n);
  args.insert(args.begin(), ctx.image + "/bin/busybox");
  absl::StatusOr<pid_t> pid = Spawn(args, io);
  close(fds[1]);
  Transfer t;
  if (pid.ok()) {
    std::vector<char> buf(1 << 20);
    ssize_t got;
    while ((got = read(fds[0], buf.data(), buf.size())) > 0 ||
           (got < 0 && errno == EINTR)) {
      if (got > 0) t.bytes += got;
    }
  }
  close(fds[0]);
  if (!pid.ok()) return pid.status();
  int status = WaitPid(*pid);
  t.took = absl::Now() - t0;
  if (status != 0) return absl::InternalError(absl::StrCat("status ", status));
  return t;
}

// Fills `series` from `runs` transfers of `n` bytes (one small warm-up).
void Measure(int runs, int64_t n,
             const std::function<absl::StatusOr<Transfer>(int64_t)>& once,
             Series* series) {
  ErrorLog errors;
  (void)once(std::min<int64_t>(n, 16 << 20));
  int64_t short_by = 0;
  for (int r = 0; r < runs; ++r) {
    absl::StatusOr<Transfer> t = once(n);
    if (!t.ok()) {
      errors.Add(std::string(t.status().message()));
      continue;
    }
    series->values.push_back(t->bytes / kMiB /
                             std::max(1e-9, absl::ToDoubleSeconds(t->took)));
    if (t->bytes != n) {
      errors.Add(absl::StrCat("received ", t->bytes, " of ", n, " bytes"));
      short_by = std::max(short_by, n - t->bytes);
    }
  }
  errors.Finish(series);
  if (short_by > 0) {
    absl::StrAppend(&series->note, "; up to ", short_by,
                    " bytes missing (rate counts received bytes)");
  }
}

}  // namespace

void RunWarrenStream(const BenchContext& ctx, BenchWarrend& warrend,
                     std::vector<Series>* out) {
  const int64_t n = std::max<int64_t>(1, ctx.stream_bytes);
  const int runs = std::max(1, std::min(3, ctx.runs));
  auto stub = warrend.UnixStub();
  Series warren{kStream,
                "warren",
                "MiB/s",
                {},
                0,
                absl::StrFormat("`dd if=/dev/zero bs=64k` of %d bytes in a "
                                "container, a "
                                "Stream client (from_start) counting stdout "
                                "bytes from Start to the exit message; "
                                "--log_max_bytes default",
                                n)};
  Measure(
      runs, n,
      [&](int64_t bytes) { return StreamOnce(ctx, stub.get(), bytes); },
      &warren);
  out->push_back(std::move(warren));
  Series pipe{kStream,
              "pipe",
              "MiB/s",
              {},
              0,
              absl::StrFormat("the image's busybox `dd if=/dev/zero bs=64k` of "
                              "%d bytes on the host, stdout a pipe read in "
                              "1 MiB reads",
                              n)};
  Measure(
      runs, n, [&](int64_t bytes) { return PipeOnce(ctx, bytes); }, &pipe);
  out->push_back(std::move(pipe));
}

}  // namespace warren::bench
