#include "tools/cli/cli_commands.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "grpcpp/client_context.h"
#include "tools/cli/cli_args.h"
#include "tools/cli/cli_exec_commands.h"
#include "tools/cli/cli_format.h"
#include "tools/cli/cli_logs_commands.h"
#include "tools/cli/cli_network_commands.h"
#include "tools/cli/cli_resource_commands.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/cli_usage.h"
#include "tools/cli/runner_base.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

int ExitStatusOf(int code) { return code < 0 || code > 255 ? 255 : code; }

// Implements the commands for one invocation; holds the command name for
// error lines.
class Runner : public RunnerBase {
 public:
  Runner(const CommandEnv& env, std::string command)
      : RunnerBase(env, std::move(command)) {}

  int Dispatch(const std::vector<std::string>& args);

 private:
  int Create(const std::vector<std::string>& args);
  int Run(const std::vector<std::string>& args);
  int Start(const std::vector<std::string>& args);
  int Wait(const std::vector<std::string>& args);
  int Kill(const std::vector<std::string>& args);
  int Rm(const std::vector<std::string>& args);
  int Inspect(const std::vector<std::string>& args);
  int Ps(const std::vector<std::string>& args);
  int Version();
  int Help(const std::vector<std::string>& args);

  // Sends CreateRequest{id, spec}; fills `id` (generated if empty).
  grpc::Status DoCreate(std::string* id, const v1::ContainerSpec& spec,
                        v1::Container* out);
};

int Runner::Dispatch(const std::vector<std::string>& args) {
  if (command_ == "create") return Create(args);
  if (command_ == "run") return Run(args);
  if (command_ == "start") return Start(args);
  if (command_ == "wait") return Wait(args);
  if (command_ == "kill") return Kill(args);
  if (command_ == "rm") return Rm(args);
  if (command_ == "inspect") return Inspect(args);
  if (command_ == "ps") return Ps(args);
  if (command_ == "version") return Version();
  if (command_ == "help") return Help(args);
  fprintf(env_.err, "warren: unknown command \"%s\" (see 'warren help')\n",
          command_.c_str());
  return kExitUsage;
}

grpc::Status Runner::DoCreate(std::string* id, const v1::ContainerSpec& spec,
                              v1::Container* out) {
  if (id->empty()) *id = GenerateId();
  v1::CreateRequest request;
  request.set_id(*id);
  *request.mutable_spec() = spec;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx, env_.timeout);
  v1::CreateResponse response;
  grpc::Status s = env_.stub->Create(&ctx, request, &response);
  *out = response.container();
  return s;
}

int Runner::Create(const std::vector<std::string>& args) {
  absl::StatusOr<CreateOptions> opts = ParseCreateArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::Container c;
  if (grpc::Status s = DoCreate(&opts->id, opts->spec, &c); !s.ok()) {
    return Fail(s);
  }
  if (env_.json) return PrintJson(c, true) ? kExitOk : kExitError;
  PrintLine(opts->id);
  return kExitOk;
}

int Runner::Run(const std::vector<std::string>& args) {
  absl::StatusOr<RunOptions> opts = ParseRunArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->create.help) return ShowHelp();
  std::string id = opts->create.id;
  v1::Container c;
  if (grpc::Status s = DoCreate(&id, opts->create.spec, &c); !s.ok()) {
    return Fail(s);
  }
  auto remove = [&](bool force) -> grpc::Status {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx, env_.timeout * (force ? 2 : 1));
    v1::DeleteRequest request;
    request.set_id(id);
    request.set_force(force);
    v1::DeleteResponse response;
    return env_.stub->Delete(&ctx, request, &response);
  };
  v1::StartRequest start;
  start.set_id(id);
  v1::StartResponse started;
  grpc::ClientContext start_ctx;
  Prepare(&start_ctx);
  SetDeadline(&start_ctx, env_.timeout);
  if (grpc::Status s = env_.stub->Start(&start_ctx, start, &started); !s.ok()) {
    int rc = Fail(s, "start: ");
    if (opts->rm) {
      if (grpc::Status d = remove(true); !d.ok()) Fail(d, "rm: ");
    }
    return rc;
  }
  if (opts->detach) {
    if (env_.json) return PrintJson(started.container(), true) ? 0 : 1;
    PrintLine(id);
    return kExitOk;
  }

  const v1::ProcessSpec& process = opts->create.spec.process();
  if (process.tty() || process.open_stdin()) {
    // Its output comes through the stream, not the log afterwards.
    int rc =
        StreamToInit(env_, command_, id, process.tty(), process.open_stdin());
    if (opts->rm) {
      if (grpc::Status s = remove(true); !s.ok()) rc = Fail(s, "rm: ");
    }
    return rc;
  }
  v1::WaitResponse waited;
  {
    std::unique_ptr<SignalForwarder> forwarder;
    if (env_.forward_signals) {
      forwarder = std::make_unique<SignalForwarder>(env_.stub, id, env_.target,
                                                    env_.tenant, env_.err);
    }
    v1::WaitRequest request;
    request.set_id(id);
    grpc::ClientContext ctx;  // no deadline: the container may run for days
    Prepare(&ctx);
    if (grpc::Status s = env_.stub->Wait(&ctx, request, &waited); !s.ok()) {
      return Fail(s, "wait: ");
    }
  }
  int rc = ExitStatusOf(waited.status().exit_code());
  v1::LogsRequest logs;
  logs.set_id(id);
  if (grpc::Status s = PrintLogs(env_, command_, logs); !s.ok()) {
    rc = Fail(s, "logs: ");
  }
  if (opts->rm) {
    if (grpc::Status s = remove(false); !s.ok()) rc = Fail(s, "rm: ");
  }
  return rc;
}

int Runner::Start(const std::vector<std::string>& args) {
  absl::StatusOr<IdOptions> opts = ParseIdArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::StartRequest request;
  request.set_id(opts->id);
  v1::StartResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx, env_.timeout);
  if (grpc::Status s = env_.stub->Start(&ctx, request, &response); !s.ok()) {
    return Fail(s);
  }
  if (env_.json) return PrintJson(response.container(), true) ? 0 : 1;
  PrintLine(opts->id);
  return kExitOk;
}

int Runner::Wait(const std::vector<std::string>& args) {
  absl::StatusOr<IdOptions> opts = ParseIdArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::WaitRequest request;
  request.set_id(opts->id);
  v1::WaitResponse response;
  grpc::ClientContext ctx;  // no deadline
  Prepare(&ctx);
  if (grpc::Status s = env_.stub->Wait(&ctx, request, &response); !s.ok()) {
    return Fail(s);
  }
  if (env_.json) {
    if (!PrintJson(response, true)) return kExitError;
  } else {
    PrintLine(absl::StrCat(response.status().exit_code()));
  }
  return ExitStatusOf(response.status().exit_code());
}

int Runner::Kill(const std::vector<std::string>& args) {
  absl::StatusOr<KillOptions> opts = ParseKillArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::KillResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx, env_.timeout);
  if (grpc::Status s = env_.stub->Kill(&ctx, opts->request, &response);
      !s.ok()) {
    return Fail(s);
  }
  PrintLine(opts->request.id());
  return kExitOk;
}

int Runner::Rm(const std::vector<std::string>& args) {
  absl::StatusOr<RmOptions> opts = ParseRmArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  int rc = kExitOk;
  for (const std::string& id : opts->ids) {
    v1::DeleteRequest request;
    request.set_id(id);
    request.set_force(opts->force);
    v1::DeleteResponse response;
    grpc::ClientContext ctx;
    Prepare(&ctx);
    // Force waits up to the container's stop timeout (10 s by default).
    SetDeadline(&ctx, env_.timeout * (opts->force ? 2 : 1));
    if (grpc::Status s = env_.stub->Delete(&ctx, request, &response); !s.ok()) {
      rc = Fail(s, opts->ids.size() > 1 ? id + ": " : "");
      continue;
    }
    PrintLine(id);
  }
  return rc;
}

int Runner::Inspect(const std::vector<std::string>& args) {
  absl::StatusOr<IdOptions> opts = ParseIdArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::InspectRequest request;
  request.set_id(opts->id);
  v1::InspectResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx, env_.timeout);
  if (grpc::Status s = env_.stub->Inspect(&ctx, request, &response); !s.ok()) {
    return Fail(s);
  }
  if (env_.json) return PrintJson(response.container(), true) ? 0 : 1;
  fputs(FormatInspect(response.container(), absl::Now()).c_str(), env_.out);
  return kExitOk;
}

int Runner::Ps(const std::vector<std::string>& args) {
  absl::StatusOr<PsOptions> opts = ParsePsArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::ListResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx, env_.timeout);
  if (grpc::Status s = env_.stub->List(&ctx, opts->request, &response);
      !s.ok()) {
    return Fail(s);
  }
  if (!opts->all) {
    auto* list = response.mutable_containers();
    list->erase(std::remove_if(list->begin(), list->end(),
                               [](const v1::Container& c) {
                                 return c.state() == v1::STOPPED;
                               }),
                list->end());
  }
  if (env_.json) return PrintJson(response, true) ? kExitOk : kExitError;
  if (opts->quiet) {
    for (const v1::Container& c : response.containers()) PrintLine(c.id());
    return kExitOk;
  }
  fputs(
      FormatPsTable(response.containers(), absl::Now(), opts->no_trunc).c_str(),
      env_.out);
  return kExitOk;
}

int Runner::Version() {
  if (env_.json) {
    google::protobuf::Struct v;
    (*v.mutable_fields())["client_version"].set_string_value(kVersion);
    (*v.mutable_fields())["api"].set_string_value("warren.v1");
    return PrintJson(v, true) ? kExitOk : kExitError;
  }
  PrintLine(absl::StrCat("warren version ", kVersion, " (API warren.v1)"));
  return kExitOk;
}

int Runner::Help(const std::vector<std::string>& args) {
  if (args.empty()) {
    fputs(MainUsage().c_str(), env_.out);
    return kExitOk;
  }
  // `help network create`: subcommands have their own usage.
  std::string name = absl::StrJoin(args, " ");
  std::string usage = CommandUsage(name);
  if (usage.empty()) {
    fprintf(env_.err, "warren: help: unknown command \"%s\"\n", name.c_str());
    return kExitUsage;
  }
  fputs(usage.c_str(), env_.out);
  return kExitOk;
}

}  // namespace

int RunCommand(const CommandEnv& env, const std::string& command,
               const std::vector<std::string>& args) {
  if (IsResourceCommand(command)) return RunResourceCommand(env, command, args);
  if (command == "network") return RunNetworkCommand(env, args);
  if (IsExecCommand(command)) return RunExecCommand(env, command, args);
  if (command == "logs") return RunLogsCommand(env, args);
  Runner runner(env, command);
  int rc = runner.Dispatch(args);
  fflush(env.out);
  fflush(env.err);
  return rc;
}

}  // namespace warren::cli
