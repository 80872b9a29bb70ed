#include "tools/cli/cli_exec_commands.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "tools/cli/cli_exec_args.h"
#include "tools/cli/cli_signal_watcher.h"
#include "tools/cli/cli_stream_session.h"
#include "tools/cli/cli_terminal.h"
#include "tools/cli/runner_base.h"

namespace warren::cli {
namespace {

namespace v1 = warren::v1;

// What happened while the terminal may have been raw; printed only after
// it is restored, so error lines are not garbled.
struct Outcome {
  std::string local_error;  // a failure of the CLI itself
  std::string prefix;       // names the failed call in the error line
  grpc::Status status;
  std::optional<v1::ExitStatus> exit;
};

class ExecRunner : public RunnerBase {
 public:
  ExecRunner(const CommandEnv& env, std::string command)
      : RunnerBase(env, std::move(command)) {}

  int Dispatch(const std::vector<std::string>& args) {
    return command_ == "exec" ? Exec(args) : Attach(args);
  }
  int ToInit(const std::string& id, bool tty, bool open_stdin);

 private:
  int Exec(const std::vector<std::string>& args);
  int Attach(const std::vector<std::string>& args);

  // Exec, then Stream to it with `terminal` raw when `raw`.
  Outcome ExecAndStream(const v1::ExecRequest& request, Terminal* terminal,
                        bool raw);
  // Sends `sig` (received by the CLI) to the exec `exec_id` ("" = init) of
  // container `id`; a failure is one "forwarding SIG..." line.
  void Forward(const std::string& id, const std::string& exec_id, int sig);
  // The exit code, or the error line for a failed outcome.
  int Report(const Outcome& outcome);
};

int ExecRunner::Exec(const std::vector<std::string>& args) {
  absl::StatusOr<ExecOptions> opts = ParseExecArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  if (opts->detach) {
    v1::ExecResponse response;
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx);
    if (grpc::Status s = env_.stub->Exec(&ctx, opts->request, &response);
        !s.ok()) {
      return Fail(s);
    }
    if (env_.json) return PrintJson(response, true) ? kExitOk : kExitError;
    PrintLine(response.exec_id());
    return kExitOk;
  }
  std::unique_ptr<FdTerminal> own_terminal;
  Terminal* terminal = env_.terminal;
  if (terminal == nullptr) {
    own_terminal = std::make_unique<FdTerminal>(env_.stdin_fd, STDOUT_FILENO);
    terminal = own_terminal.get();
  }
  const v1::ProcessSpec& process = opts->request.process();
  // As docker: raw mode only when the keys go to the process (-i with -t).
  bool raw = process.tty() && process.open_stdin();
  if (raw && !terminal->InputIsTerminal()) {
    return Error(
        "the input device is not a TTY: -it needs a terminal on stdin "
        "(drop -t to pipe input)");
  }
  return Report(ExecAndStream(opts->request, terminal, raw));
}

Outcome ExecRunner::ExecAndStream(const v1::ExecRequest& request,
                                  Terminal* terminal, bool raw) {
  Outcome outcome;
  RawModeScope raw_mode(raw ? terminal : nullptr);
  if (!raw_mode.status().ok()) {
    outcome.local_error = std::string(raw_mode.status().message());
    return outcome;
  }
  v1::ExecResponse started;
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    SetDeadline(&ctx);
    outcome.status = env_.stub->Exec(&ctx, request, &started);
    if (!outcome.status.ok()) return outcome;
  }
  const std::string& id = request.container_id();
  const std::string exec_id = started.exec_id();
  // The window size matters whenever either side is the user's terminal
  // (`exec -it c sh | tee log` too, unlike docker).
  bool follow_size = request.process().tty() && (terminal->OutputIsTerminal() ||
                                                 terminal->InputIsTerminal());
  StreamSession session(env_.stub, env_.tenant, env_.out, env_.err,
                        follow_size ? terminal : nullptr);
  // Declared after the session, so it stops before the session goes away.
  std::unique_ptr<SignalWatcher> watcher;
  if (env_.forward_signals) {
    // Signals that arrived since the start are pending and come now: a
    // Ctrl-C during Exec still kills the process.
    watcher = std::make_unique<SignalWatcher>(
        std::vector<int>{SIGINT, SIGTERM, SIGHUP, SIGWINCH}, [&](int sig) {
          if (sig == SIGWINCH) {
            session.Resize();
          } else {
            Forward(id, exec_id, sig);
          }
        });
  }
  v1::StreamTarget target;
  target.set_container_id(id);
  target.set_exec_id(exec_id);
  target.set_from_start(true);  // nothing it wrote before we attach is lost
  int stdin_fd = request.process().open_stdin() ? env_.stdin_fd : -1;
  outcome.prefix = "stream: ";
  outcome.status = session.Run(target, stdin_fd, &outcome.exit);
  return outcome;
}

void ExecRunner::Forward(const std::string& id, const std::string& exec_id,
                         int sig) {
  v1::KillRequest request;
  request.set_id(id);
  request.set_exec_id(exec_id);
  request.set_signal(SignalName(sig));
  v1::KillResponse response;
  grpc::ClientContext ctx;
  Prepare(&ctx);
  SetDeadline(&ctx, absl::Seconds(10));
  grpc::Status s = env_.stub->Kill(&ctx, request, &response);
  if (!s.ok()) {
    fprintf(env_.err, "warren: %s: forwarding %s: %s\n", command_.c_str(),
            SignalName(sig).c_str(), DescribeRpcError(s, env_.target).c_str());
    fflush(env_.err);
  }
}

int ExecRunner::Report(const Outcome& outcome) {
  if (!outcome.local_error.empty()) return Error(outcome.local_error);
  // The process's exit wins over a late transport error.
  if (outcome.exit.has_value()) return ExitCodeOf(*outcome.exit);
  return Fail(outcome.status, outcome.prefix);
}

int ExecRunner::Attach(const std::vector<std::string>& args) {
  absl::StatusOr<AttachOptions> opts = ParseAttachArgs(args);
  if (!opts.ok()) return UsageError(opts.status());
  if (opts->help) return ShowHelp();
  StreamSession session(env_.stub, env_.tenant, env_.out, env_.err, nullptr);
  std::atomic<int> detached_by{0};
  std::unique_ptr<SignalWatcher> watcher;
  if (env_.forward_signals) {
    watcher = std::make_unique<SignalWatcher>(
        std::vector<int>{SIGINT, SIGTERM, SIGHUP}, [&](int sig) {
          if (opts->sig_proxy) {
            Forward(opts->id, "", sig);
          } else {
            detached_by = sig;
            session.Cancel();
          }
        });
  }
  v1::StreamTarget target;
  target.set_container_id(opts->id);
  // From now on: `logs` shows the history. No stdin: the init has none yet.
  target.set_from_start(false);
  Outcome outcome;
  outcome.status = session.Run(target, -1, &outcome.exit);
  watcher.reset();
  if (!outcome.exit.has_value() && detached_by != 0) {
    return 128 + detached_by;  // detached, as a shell reports a signal
  }
  return Report(outcome);
}

int ExecRunner::ToInit(const std::string& id, bool tty, bool open_stdin) {
  std::unique_ptr<FdTerminal> own_terminal;
  Terminal* terminal = env_.terminal;
  if (terminal == nullptr) {
    own_terminal = std::make_unique<FdTerminal>(env_.stdin_fd, STDOUT_FILENO);
    terminal = own_terminal.get();
  }
  bool raw = tty && open_stdin;
  if (raw && !terminal->InputIsTerminal()) {
    return Error(
        "the input device is not a TTY: -it needs a terminal on stdin "
        "(drop -t to pipe input)");
  }
  Outcome outcome;
  {
    RawModeScope raw_mode(raw ? terminal : nullptr);
    if (!raw_mode.status().ok()) {
      return Error(std::string(raw_mode.status().message()));
    }
    bool follow_size =
        tty && (terminal->OutputIsTerminal() || terminal->InputIsTerminal());
    StreamSession session(env_.stub, env_.tenant, env_.out, env_.err,
                          follow_size ? terminal : nullptr);
    std::unique_ptr<SignalWatcher> watcher;
    if (env_.forward_signals) {
      watcher = std::make_unique<SignalWatcher>(
          std::vector<int>{SIGINT, SIGTERM, SIGHUP, SIGWINCH}, [&](int sig) {
            if (sig == SIGWINCH) {
              session.Resize();
            } else {
              Forward(id, "", sig);
            }
          });
    }
    v1::StreamTarget target;
    target.set_container_id(id);
    target.set_from_start(true);
    outcome.prefix = "stream: ";
    outcome.status =
        session.Run(target, open_stdin ? env_.stdin_fd : -1, &outcome.exit);
  }
  return Report(outcome);
}

}  // namespace

int StreamToInit(const CommandEnv& env, const std::string& command,
                 const std::string& id, bool tty, bool open_stdin) {
  return ExecRunner(env, command).ToInit(id, tty, open_stdin);
}

bool IsExecCommand(const std::string& command) {
  return command == "exec" || command == "attach";
}

int RunExecCommand(const CommandEnv& env, const std::string& command,
                   const std::vector<std::string>& args) {
  ExecRunner runner(env, command);
  int rc = runner.Dispatch(args);
  fflush(env.out);
  fflush(env.err);
  return rc;
}

}  // namespace warren::cli
