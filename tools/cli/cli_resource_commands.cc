#include "tools/cli/cli_resource_commands.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "tools/cli/cli_format.h"
#include "tools/cli/cli_resource_args.h"
#include "tools/cli/cli_resource_format.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/cli_usage.h"
#include "tools/cli/runner_base.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

class ResourceRunner : public RunnerBase {
 public:
  ResourceRunner(const CommandEnv& env, std::string command)
      : RunnerBase(env, std::move(command)) {}

  int Dispatch(const std::vector<std::string>& args) {
    if (command_ == "stats") return Stats(args);
    if (command_ == "pause" || command_ == "resume" || command_ == "unpause") {
      return PauseResume(args);
    }
    if (command_ == "update") return Update(args);
    return Events(args);
  }

 private:
  int Stats(const std::vector<std::string>& args);
  int PauseResume(const std::vector<std::string>& args);
  int Update(const std::vector<std::string>& args);
  int Events(const std::vector<std::string>& args);
};

int ResourceRunner::Stats(const std::vector<std::string>& args) {
  absl::StatusOr<IdsOptions> opts = ParseIdsArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  int rc = kExitOk;
  std::vector<std::pair<std::string, v1::StatsResponse>> rows;
  for (const std::string& id : opts->ids) {
    v1::StatsRequest request;
    request.set_id(id);
    v1::StatsResponse response;
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx);
    if (grpc::Status s = env_.stub->Stats(&ctx, request, &response); !s.ok()) {
      rc = Fail(s, opts->ids.size() > 1 ? id + ": " : "");
      continue;
    }
    rows.emplace_back(id, response);
  }
  if (env_.json) {
    // One object per line: {"id": ..., "stats": StatsResponse}.
    for (const auto& [id, stats] : rows) {
      absl::StatusOr<std::string> json = ToJson(stats, false);
      google::protobuf::Struct obj;
      if (!json.ok() ||
          !google::protobuf::util::JsonStringToMessage(
               *json, (*obj.mutable_fields())["stats"].mutable_struct_value())
               .ok()) {
        return Error("cannot print JSON");
      }
      (*obj.mutable_fields())["id"].set_string_value(id);
      if (!PrintJson(obj, false)) return kExitError;
    }
    return rc;
  }
  if (!rows.empty()) fputs(FormatStatsTable(rows).c_str(), env_.out);
  return rc;
}

int ResourceRunner::PauseResume(const std::vector<std::string>& args) {
  absl::StatusOr<IdsOptions> opts = ParseIdsArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  int rc = kExitOk;
  for (const std::string& id : opts->ids) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx);
    grpc::Status s;
    if (command_ == "pause") {
      v1::PauseRequest request;
      request.set_id(id);
      v1::PauseResponse response;
      s = env_.stub->Pause(&ctx, request, &response);
    } else {
      v1::ResumeRequest request;
      request.set_id(id);
      v1::ResumeResponse response;
      s = env_.stub->Resume(&ctx, request, &response);
    }
    if (!s.ok()) {
      rc = Fail(s, opts->ids.size() > 1 ? id + ": " : "");
      continue;
    }
    PrintLine(id);
  }
  return rc;
}

int ResourceRunner::Update(const std::vector<std::string>& args) {
  absl::StatusOr<UpdateOptions> opts = ParseUpdateArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::UpdateResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx);
  if (grpc::Status s = env_.stub->Update(&ctx, opts->request, &response);
      !s.ok()) {
    return Fail(s);
  }
  if (env_.json) return PrintJson(response.container(), true) ? 0 : 1;
  PrintLine(opts->request.id());
  return kExitOk;
}

int ResourceRunner::Events(const std::vector<std::string>& args) {
  absl::StatusOr<EventsOptions> opts = ParseEventsArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  grpc::ClientContext ctx;  // no deadline: follows until cancelled
  Prepare(&ctx);
  std::unique_ptr<grpc::ClientReaderInterface<v1::Event>> reader =
      env_.stub->Events(&ctx, opts->request);
  v1::Event event;
  while (reader->Read(&event)) {
    if (env_.json) {
      if (!PrintJson(event, false)) {
        ctx.TryCancel();
        break;
      }
    } else {
      PrintLine(FormatEvent(event));
    }
    fflush(env_.out);  // a line as soon as it happens, also into a pipe
  }
  grpc::Status s = reader->Finish();
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace

bool IsResourceCommand(const std::string& command) {
  return command == "stats" || command == "pause" || command == "resume" ||
         command == "unpause" || command == "update" || command == "events";
}

int RunResourceCommand(const CommandEnv& env, const std::string& command,
                       const std::vector<std::string>& args) {
  ResourceRunner runner(env, command);
  int rc = runner.Dispatch(args);
  fflush(env.out);
  fflush(env.err);
  return rc;
}

}  // namespace warren::cli
