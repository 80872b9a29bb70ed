#include "tools/cli/cli_logs_commands.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/client_context.h"
#include "tools/cli/cli_exec_args.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/runner_base.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

// Reconnect attempts after losing warrend: 100 ms, doubling up to 2 s.
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
// A failed call that lasted this long had reached the daemon (a call to a
// socket nobody listens on fails at once).
constexpr absl::Duration kConnectedAfter = absl::Seconds(1);

// `ts` plus one nanosecond: where a resumed follow starts (log timestamps
// are strictly increasing, so nothing is missed or printed twice).
google::protobuf::Timestamp NextNanosecond(google::protobuf::Timestamp ts) {
  if (ts.nanos() >= 999999999) {
    ts.set_seconds(ts.seconds() + 1);
    ts.set_nanos(0);
  } else {
    ts.set_nanos(ts.nanos() + 1);
  }
  return ts;
}

class LogsRunner : public RunnerBase {
 public:
  LogsRunner(const CommandEnv& env, std::string command)
      : RunnerBase(env, std::move(command)) {}

  int Logs(const std::vector<std::string>& args);

  // One Logs call, printing each record; counts them in `*received` and
  // keeps the last one's time in `*last`.
  grpc::Status ReadOnce(const v1::LogsRequest& request, int64_t* received,
                        google::protobuf::Timestamp* last);

 private:
  // ReadOnce, reconnecting after UNAVAILABLE for up to env_.logs_reconnect
  // once the daemon had been reached. `*gave_up`: the last error is one of
  // those retries.
  grpc::Status Follow(v1::LogsRequest request, bool* gave_up);
};

grpc::Status LogsRunner::ReadOnce(const v1::LogsRequest& request,
                                  int64_t* received,
                                  google::protobuf::Timestamp* last) {
  grpc::ClientContext ctx;
  Prepare(&ctx);
  if (!request.follow()) SetDeadline(&ctx, env_.timeout);
  std::unique_ptr<grpc::ClientReaderInterface<v1::LogsResponse>> reader =
      env_.stub->Logs(&ctx, request);
  v1::LogsResponse record;
  FILE* last_file = nullptr;
  while (reader->Read(&record)) {
    if (record.has_gap()) {  // no record: nothing to print or resume from
      if (last_file != nullptr) fflush(last_file);
      fflush(env_.out);
      WarnOutputGap(env_.err, record.gap());
      continue;
    }
    ++*received;
    *last = record.time();
    if (env_.json) {
      if (!PrintJson(record, false)) {
        ctx.TryCancel();
        break;
      }
      if (request.follow()) fflush(env_.out);
      continue;
    }
    FILE* f = record.stream() == "stderr" ? env_.err : env_.out;
    // Keep the interleaving when both streams go to one terminal.
    if (last_file != nullptr && last_file != f) fflush(last_file);
    last_file = f;
    fwrite(record.data().data(), 1, record.data().size(), f);
    if (record.line_end()) fputc('\n', f);
    if (request.follow()) fflush(f);  // as it happens, also into a pipe
  }
  if (last_file != nullptr) fflush(last_file);
  return reader->Finish();
}

grpc::Status LogsRunner::Follow(v1::LogsRequest request, bool* gave_up) {
  *gave_up = false;
  bool reached = false;       // some call got through to the daemon
  bool received_any = false;  // so `last` is where to resume
  google::protobuf::Timestamp last;
  absl::Time outage_start = absl::Now();
  absl::Duration backoff = kFirstBackoff;
  for (;;) {
    absl::Time started = absl::Now();
    int64_t received = 0;
    grpc::Status s = ReadOnce(request, &received, &last);
    if (s.error_code() != grpc::StatusCode::UNAVAILABLE) return s;
    absl::Time now = absl::Now();
    if (received > 0 || now - started >= kConnectedAfter) {
      // It was streaming: a new outage starts now.
      reached = true;
      outage_start = now;
      backoff = kFirstBackoff;
    }
    // Never reached: warrend is not running, not restarting. Say so now.
    if (!reached) return s;
    received_any = received_any || received > 0;
    absl::Duration left = outage_start + env_.logs_reconnect - now;
    if (left <= absl::ZeroDuration()) {
      *gave_up = true;
      return s;
    }
    absl::SleepFor(std::min(backoff, left));
    backoff = std::min(backoff * 2, kMaxBackoff);
    if (received_any) {
      // Only what came after the last record printed; the tail is done.
      request.set_tail(0);
      *request.mutable_since() = NextNanosecond(last);
    }
  }
}

int LogsRunner::Logs(const std::vector<std::string>& args) {
  absl::StatusOr<LogsOptions> opts = ParseLogsArgs(args, absl::Now());
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::LogsRequest request = opts->request;
  if (opts->no_lines) {
    // --tail 0 prints nothing, but still reports an unknown container.
    request.set_tail(1);
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx, env_.timeout);
    auto reader = env_.stub->Logs(&ctx, request);
    v1::LogsResponse ignored;
    while (reader->Read(&ignored)) {
    }
    grpc::Status s = reader->Finish();
    return s.ok() ? kExitOk : Fail(s);
  }
  if (!request.follow()) {
    int64_t received = 0;
    google::protobuf::Timestamp last;
    grpc::Status s = ReadOnce(request, &received, &last);
    return s.ok() ? kExitOk : Fail(s);
  }
  bool gave_up = false;
  grpc::Status s = Follow(request, &gave_up);
  if (s.ok()) return kExitOk;
  return Fail(
      s, gave_up ? absl::StrCat("gave up reconnecting after ",
                                absl::FormatDuration(env_.logs_reconnect), ": ")
                 : "");
}

}  // namespace

int RunLogsCommand(const CommandEnv& env,
                   const std::vector<std::string>& args) {
  LogsRunner runner(env, "logs");
  int rc = runner.Logs(args);
  fflush(env.out);
  fflush(env.err);
  return rc;
}

grpc::Status PrintLogs(const CommandEnv& env, const std::string& command,
                       const v1::LogsRequest& request) {
  LogsRunner runner(env, command);
  int64_t received = 0;
  google::protobuf::Timestamp last;
  return runner.ReadOnce(request, &received, &last);
}

}  // namespace warren::cli
