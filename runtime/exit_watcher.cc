#include "runtime/exit_watcher.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace warren::runtime {

ExitWatcher::ExitWatcher(std::function<void(const std::string&)> on_exit)
    : on_exit_(std::move(on_exit)) {}

ExitWatcher::~ExitWatcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof(one));
    (void)ignored;
    thread_.join();
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [fd, id] : ids_by_fd_) close(fd);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

absl::Status ExitWatcher::Start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) return absl::ErrnoToStatus(errno, "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return absl::ErrnoToStatus(errno, "epoll_ctl");
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

absl::Status ExitWatcher::Add(const std::string& id, int fd) {
  absl::MutexLock lock(&mu_);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, "epoll_ctl add watch for " + id);
  }
  ids_by_fd_[fd] = id;
  return absl::OkStatus();
}

void ExitWatcher::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  for (auto it = ids_by_fd_.begin(); it != ids_by_fd_.end(); ++it) {
    if (it->second == id) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->first, nullptr);
      close(it->first);
      ids_by_fd_.erase(it);
      return;
    }
  }
}

void ExitWatcher::Loop() {
  epoll_event events[64];
  while (true) {
    int n = epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) return;
      std::string id;
      {
        absl::MutexLock lock(&mu_);
        auto it = ids_by_fd_.find(fd);
        if (it == ids_by_fd_.end()) continue;
        id = it->second;
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        ids_by_fd_.erase(it);
      }
      on_exit_(id);
    }
  }
}

}  // namespace warren::runtime
