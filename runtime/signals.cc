#include "runtime/signals.h"

#include <csignal>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace warren::runtime {
namespace {

struct NamedSignal {
  const char* name;
  int number;
};

constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},
    {"ILL", SIGILL},       {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},
    {"BUS", SIGBUS},       {"FPE", SIGFPE},       {"KILL", SIGKILL},
    {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},       {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

}  // namespace

absl::StatusOr<int> ParseSignal(absl::string_view text,
                                absl::string_view field) {
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) {
    if (number < 1 || number > SIGRTMAX) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": signal number ", number, " is out of range 1..", SIGRTMAX));
    }
    return number;
  }
  std::string name = absl::AsciiStrToUpper(text);
  absl::string_view bare = name;
  absl::ConsumePrefix(&bare, "SIG");
  for (const NamedSignal& s : kSignals) {
    if (bare == s.name) return s.number;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown signal \"", text, "\""));
}

std::string SignalName(int signo) {
  for (const NamedSignal& s : kSignals) {
    if (s.number == signo) return absl::StrCat("SIG", s.name);
  }
  return absl::StrCat("SIG", signo);
}

}  // namespace warren::runtime
