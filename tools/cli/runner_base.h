// What every command runner shares: the environment, the command name for
// error lines, and the one way to print errors, usage, help and JSON.
#ifndef WARREN_TOOLS_CLI_RUNNER_BASE_H_
#define WARREN_TOOLS_CLI_RUNNER_BASE_H_

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_format.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/cli_usage.h"

namespace warren::cli {

class RunnerBase {
 protected:
  RunnerBase(const CommandEnv& env, std::string command)
      : env_(env), command_(std::move(command)) {}

  // Every context a runner creates starts here (tenant metadata).
  void Prepare(grpc::ClientContext* ctx) const {
    PrepareContext(ctx, env_.tenant);
  }
  void SetDeadline(grpc::ClientContext* ctx, absl::Duration d) const {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(d)));
  }
  void SetDeadline(grpc::ClientContext* ctx) const {
    SetDeadline(ctx, env_.timeout);
  }
  int Fail(const grpc::Status& s, const std::string& what = "") {
    return Error(absl::StrCat(what, DescribeRpcError(s, env_.target)));
  }
  int Error(const std::string& message) {
    fprintf(env_.err, "warren: %s: %s\n", command_.c_str(), message.c_str());
    return kExitError;
  }
  int UsageError(const absl::Status& s) {
    fprintf(env_.err, "warren: %s: %s (see 'warren help %s')\n",
            command_.c_str(), std::string(s.message()).c_str(),
            command_.c_str());
    return kExitUsage;
  }
  int ShowHelp() {
    fputs(CommandUsage(command_).c_str(), env_.out);
    return kExitOk;
  }
  // Prints `m` as JSON; returns false (after an error line) if it cannot.
  bool PrintJson(const google::protobuf::Message& m, bool pretty) {
    absl::StatusOr<std::string> json = ToJson(m, pretty);
    if (!json.ok()) {
      Error(std::string(json.status().message()));
      return false;
    }
    fputs(json->c_str(), env_.out);
    return true;
  }
  void PrintLine(const std::string& s) { fprintf(env_.out, "%s\n", s.c_str()); }

  const CommandEnv& env_;
  std::string command_;
};

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_RUNNER_BASE_H_
