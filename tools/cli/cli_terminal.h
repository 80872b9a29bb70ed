// The local terminal as `warren exec -t` needs it: is stdin/stdout a
// terminal, its size, and raw mode. Behind a small interface so the exec
// tests can fake a terminal (there is none under Bazel).
#ifndef WARREN_TOOLS_CLI_CLI_TERMINAL_H_
#define WARREN_TOOLS_CLI_CLI_TERMINAL_H_

#include <termios.h>

#include <cstdint>
#include <optional>

#include "absl/status/status.h"

namespace warren::cli {

// Rows and columns, as TerminalSize in the API.
struct WindowSize {
  uint32_t rows = 0;
  uint32_t cols = 0;
};

// What exec asks of the terminal it runs in.
class Terminal {
 public:
  virtual ~Terminal() = default;
  // Raw mode applies to the input side only if this is true.
  virtual bool InputIsTerminal() = 0;
  // With either side a terminal, a tty process gets the window size.
  virtual bool OutputIsTerminal() = 0;
  // The current size (of the output terminal, else the input one); nullopt
  // if it cannot be read.
  virtual std::optional<WindowSize> Size() = 0;
  // Puts the input terminal into raw mode (cfmakeraw), so keys, Ctrl-C
  // included, go to the remote terminal as bytes.
  virtual absl::Status MakeRaw() = 0;
  // Undoes MakeRaw; a no-op if it did not succeed.
  virtual void Restore() = 0;
};

// The real terminal on two file descriptors (normally 0 and 1). While raw,
// it also restores the saved mode if the CLI dies of SIGABRT, SIGSEGV,
// SIGBUS or SIGQUIT, so a crash does not leave the user's shell unusable.
class FdTerminal : public Terminal {
 public:
  FdTerminal(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {}
  ~FdTerminal() override { Restore(); }

  FdTerminal(const FdTerminal&) = delete;
  FdTerminal& operator=(const FdTerminal&) = delete;

  bool InputIsTerminal() override;
  bool OutputIsTerminal() override;
  std::optional<WindowSize> Size() override;
  absl::Status MakeRaw() override;
  void Restore() override;

 private:
  int in_fd_;
  int out_fd_;
  bool raw_ = false;
  termios saved_{};
};

// Raw mode for one scope: MakeRaw in the constructor (when `terminal` is
// not null), Restore in the destructor, so every return path and every
// error restores the user's terminal.
class RawModeScope {
 public:
  explicit RawModeScope(Terminal* terminal);
  ~RawModeScope();

  RawModeScope(const RawModeScope&) = delete;
  RawModeScope& operator=(const RawModeScope&) = delete;

  // The MakeRaw result (OK when no terminal was given).
  const absl::Status& status() const { return status_; }

 private:
  Terminal* terminal_;
  absl::Status status_;
};

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_TERMINAL_H_
