#include "tools/cli/cli_signal_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace warren::cli {

void BlockStreamSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGWINCH}) sigaddset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool CommandBlocksSignals(const std::string& command) {
  return command == "run" || command == "exec" || command == "attach";
}

std::string SignalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGWINCH:
      return "SIGWINCH";
    default:
      return absl::StrCat("SIG", sig);
  }
}

SignalWatcher::SignalWatcher(const std::vector<int>& signals,
                             std::function<void(int)> handler)
    : handler_(std::move(handler)) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) sigaddset(&set, sig);
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  int pipe_fds[2];
  if (signal_fd_ < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0) {
    status_ = absl::InternalError(
        absl::StrCat("watching signals: ", strerror(errno)));
    return;
  }
  stop_read_ = pipe_fds[0];
  stop_write_ = pipe_fds[1];
  thread_ = std::thread([this] { Loop(); });
}

SignalWatcher::~SignalWatcher() {
  if (thread_.joinable()) {
    char byte = 0;
    while (write(stop_write_, &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  for (int fd : {signal_fd_, stop_read_, stop_write_}) {
    if (fd >= 0) close(fd);
  }
}

void SignalWatcher::Loop() {
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_read_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof(info)) ==
           static_cast<ssize_t>(sizeof(info))) {
      handler_(static_cast<int>(info.ssi_signo));
    }
  }
}

}  // namespace warren::cli
