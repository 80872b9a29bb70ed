#include "tools/cli/cli_network_commands.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "tools/cli/cli_network_args.h"
#include "tools/cli/cli_network_format.h"
#include "tools/cli/cli_usage.h"
#include "tools/cli/runner_base.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

// Runs one `network` subcommand; the command name in error lines is
// "network SUB" so they say which one failed.
class NetworkRunner : public RunnerBase {
 public:
  explicit NetworkRunner(const CommandEnv& env) : RunnerBase(env, "network") {}

  int Dispatch(const std::vector<std::string>& args) {
    absl::StatusOr<NetworkCommand> cmd = SplitNetworkCommand(args);
    if (!cmd.ok()) return UsageError(cmd.status());
    if (cmd->help) return ShowHelp();
    if (cmd->sub.empty()) {
      fputs(CommandUsage("network").c_str(), env_.err);
      return kExitUsage;
    }
    command_ = "network " + cmd->sub;
    if (cmd->sub == "create") return Create(cmd->args);
    if (cmd->sub == "ls") return Ls(cmd->args);
    if (cmd->sub == "rm") return Rm(cmd->args);
    return Inspect(cmd->args);
  }

 private:
  int Create(const std::vector<std::string>& args);
  int Ls(const std::vector<std::string>& args);
  int Rm(const std::vector<std::string>& args);
  int Inspect(const std::vector<std::string>& args);

  // ListNetworks, sorted by name.
  grpc::Status List(v1::ListNetworksResponse* out);
};

int NetworkRunner::Create(const std::vector<std::string>& args) {
  absl::StatusOr<NetworkCreateOptions> opts = ParseNetworkCreateArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::CreateNetworkResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx);
  if (grpc::Status s = env_.stub->CreateNetwork(&ctx, opts->request, &response);
      !s.ok()) {
    return Fail(s);
  }
  if (env_.json) return PrintJson(response.network(), true) ? 0 : 1;
  PrintLine(opts->request.config().name());
  return kExitOk;
}

grpc::Status NetworkRunner::List(v1::ListNetworksResponse* out) {
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx);
  grpc::Status s =
      env_.stub->ListNetworks(&ctx, v1::ListNetworksRequest(), out);
  std::stable_sort(out->mutable_networks()->begin(),
                   out->mutable_networks()->end(),
                   [](const v1::Network& a, const v1::Network& b) {
                     return a.config().name() < b.config().name();
                   });
  return s;
}

int NetworkRunner::Ls(const std::vector<std::string>& args) {
  absl::StatusOr<NetworkLsOptions> opts = ParseNetworkLsArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  v1::ListNetworksResponse response;
  if (grpc::Status s = List(&response); !s.ok()) return Fail(s);
  if (env_.json) return PrintJson(response, true) ? kExitOk : kExitError;
  if (opts->quiet) {
    for (const v1::Network& n : response.networks()) {
      PrintLine(n.config().name());
    }
    return kExitOk;
  }
  fputs(FormatNetworkTable(response.networks()).c_str(), env_.out);
  return kExitOk;
}

int NetworkRunner::Rm(const std::vector<std::string>& args) {
  absl::StatusOr<NetworkNamesOptions> opts = ParseNetworkRmArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  int rc = kExitOk;
  for (const std::string& name : opts->names) {
    v1::DeleteNetworkRequest request;
    request.set_name(name);
    v1::DeleteNetworkResponse response;
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx);
    if (grpc::Status s = env_.stub->DeleteNetwork(&ctx, request, &response);
        !s.ok()) {
      rc = Fail(s, opts->names.size() > 1 ? name + ": " : "");
      continue;
    }
    PrintLine(name);
  }
  return rc;
}

int NetworkRunner::Inspect(const std::vector<std::string>& args) {
  absl::StatusOr<NetworkNamesOptions> opts = ParseNetworkInspectArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  const std::string& name = opts->names[0];
  // There is no GetNetwork RPC; the list is short.
  v1::ListNetworksResponse response;
  if (grpc::Status s = List(&response); !s.ok()) return Fail(s);
  for (const v1::Network& n : response.networks()) {
    if (n.config().name() != name) continue;
    if (env_.json) return PrintJson(n, true) ? kExitOk : kExitError;
    fputs(FormatNetworkInspect(n).c_str(), env_.out);
    return kExitOk;
  }
  return Error(absl::StrCat("NOT_FOUND: no network \"", name, "\""));
}

}  // namespace

int RunNetworkCommand(const CommandEnv& env,
                      const std::vector<std::string>& args) {
  NetworkRunner runner(env);
  int rc = runner.Dispatch(args);
  fflush(env.out);
  fflush(env.err);
  return rc;
}

}  // namespace warren::cli
