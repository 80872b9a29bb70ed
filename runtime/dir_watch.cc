#include "runtime/dir_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace warren::runtime {
namespace {

// Idle inotify instances beyond this are closed (each counts against the
// per-user limit, 128 by default).
constexpr size_t kMaxIdle = 16;

struct IdlePool {
  absl::Mutex mu;
  std::vector<int> fds ABSL_GUARDED_BY(mu);
};

IdlePool& Pool() {
  static IdlePool* pool = new IdlePool;  // never destroyed: used at exit
  return *pool;
}

void Drain(int fd) {
  alignas(struct inotify_event) char events[4096];
  while (read(fd, events, sizeof(events)) > 0) {
  }
}

int TakeInstance() {
  {
    IdlePool& pool = Pool();
    absl::MutexLock lock(&pool.mu);
    if (!pool.fds.empty()) {
      int fd = pool.fds.back();
      pool.fds.pop_back();
      return fd;
    }
  }
  return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

void GiveBack(int fd) {
  Drain(fd);  // the IN_IGNORED of the removed watch, and anything before it
  IdlePool& pool = Pool();
  absl::MutexLock lock(&pool.mu);
  if (pool.fds.size() < kMaxIdle) {
    pool.fds.push_back(fd);
    return;
  }
  close(fd);
}

}  // namespace

DirWatch::DirWatch(const std::string& dir) : fd_(TakeInstance()) {
  constexpr uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE;
  if (fd_ < 0) return;
  wd_ = inotify_add_watch(fd_, dir.c_str(), kMask);
  if (wd_ < 0) {
    GiveBack(fd_);
    fd_ = -1;
  }
}

DirWatch::~DirWatch() {
  if (fd_ < 0) return;
  inotify_rm_watch(fd_, wd_);
  GiveBack(fd_);
}

bool DirWatch::Wait(absl::Duration timeout) {
  timeout = std::clamp(timeout, absl::ZeroDuration(), absl::Hours(1));
  if (fd_ < 0) {
    absl::SleepFor(timeout);
    return false;
  }
  struct pollfd p = {fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return false;
  }
  Drain(fd_);
  return true;
}

}  // namespace warren::runtime
