#include "runtime/dir_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace warren::runtime {

DirWatch::DirWatch(const std::string& dir)
    : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  constexpr uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE;
  if (fd_ >= 0 && inotify_add_watch(fd_, dir.c_str(), kMask) < 0) {
    close(fd_);
    fd_ = -1;
  }
}

DirWatch::~DirWatch() {
  if (fd_ >= 0) close(fd_);
}

void DirWatch::Wait(absl::Duration timeout) {
  timeout = std::clamp(timeout, absl::ZeroDuration(), absl::Hours(1));
  if (fd_ < 0) {
    absl::SleepFor(timeout);
    return;
  }
  struct pollfd p = {fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return;
  }
  alignas(struct inotify_event) char events[4096];
  while (read(fd_, events, sizeof(events)) > 0) {
  }
}

}  // namespace warren::runtime
