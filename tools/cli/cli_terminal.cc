#include "tools/cli/cli_terminal.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace warren::cli {
namespace {

// The mode to restore from a fatal-signal handler. Only one terminal is
// raw at a time in this process.
int g_raw_fd = -1;
termios g_saved_mode;
constexpr int kFatalSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGQUIT};
struct sigaction g_previous[sizeof(kFatalSignals) / sizeof(int)];

// Async-signal-safe: restores the terminal, puts the previous action back
// and lets the signal do what it would have done.
void RestoreOnFatalSignal(int sig) {
  if (g_raw_fd >= 0) tcsetattr(g_raw_fd, TCSANOW, &g_saved_mode);
  for (size_t i = 0; i < sizeof(kFatalSignals) / sizeof(int); ++i) {
    if (kFatalSignals[i] == sig) sigaction(sig, &g_previous[i], nullptr);
  }
  raise(sig);
}

void InstallFatalSignalRestore(int fd, const termios& saved) {
  g_raw_fd = fd;
  g_saved_mode = saved;
  struct sigaction sa {};
  sa.sa_handler = RestoreOnFatalSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_NODEFER;
  for (size_t i = 0; i < sizeof(kFatalSignals) / sizeof(int); ++i) {
    sigaction(kFatalSignals[i], &sa, &g_previous[i]);
  }
}

void RemoveFatalSignalRestore() {
  for (size_t i = 0; i < sizeof(kFatalSignals) / sizeof(int); ++i) {
    sigaction(kFatalSignals[i], &g_previous[i], nullptr);
  }
  g_raw_fd = -1;
}

}  // namespace

bool FdTerminal::InputIsTerminal() { return isatty(in_fd_) == 1; }

bool FdTerminal::OutputIsTerminal() { return isatty(out_fd_) == 1; }

std::optional<WindowSize> FdTerminal::Size() {
  winsize ws{};
  if (ioctl(out_fd_, TIOCGWINSZ, &ws) != 0 &&
      ioctl(in_fd_, TIOCGWINSZ, &ws) != 0) {
    return std::nullopt;
  }
  if (ws.ws_row == 0 && ws.ws_col == 0) return std::nullopt;
  return WindowSize{ws.ws_row, ws.ws_col};
}

absl::Status FdTerminal::MakeRaw() {
  if (raw_) return absl::OkStatus();
  if (tcgetattr(in_fd_, &saved_) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("reading the terminal mode: ", strerror(errno)));
  }
  termios raw = saved_;
  cfmakeraw(&raw);
  InstallFatalSignalRestore(in_fd_, saved_);
  if (tcsetattr(in_fd_, TCSANOW, &raw) != 0) {
    int error = errno;
    RemoveFatalSignalRestore();
    return absl::FailedPreconditionError(
        absl::StrCat("setting raw terminal mode: ", strerror(error)));
  }
  raw_ = true;
  return absl::OkStatus();
}

void FdTerminal::Restore() {
  if (!raw_) return;
  tcsetattr(in_fd_, TCSANOW, &saved_);
  RemoveFatalSignalRestore();
  raw_ = false;
}

RawModeScope::RawModeScope(Terminal* terminal) : terminal_(terminal) {
  if (terminal_ != nullptr) status_ = terminal_->MakeRaw();
}

RawModeScope::~RawModeScope() {
  if (terminal_ != nullptr && status_.ok()) terminal_->Restore();
}

}  // namespace warren::cli
