// Learns of container exits without polling: one thread waits (epoll) on
// every monitor's watch descriptor and reports the container whose
// descriptor hit EOF. One thread serves all containers.
#ifndef WARREN_RUNTIME_EXIT_WATCHER_H_
#define WARREN_RUNTIME_EXIT_WATCHER_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace warren::runtime {

class ExitWatcher {
 public:
  // `on_exit(id)` runs on the watcher thread, once per watched descriptor.
  explicit ExitWatcher(std::function<void(const std::string&)> on_exit);
  ~ExitWatcher();

  absl::Status Start();
  // Takes ownership of `fd`; reports `id` when it becomes readable.
  absl::Status Add(const std::string& id, int fd);
  // Stops watching `id` without reporting it (the fd is closed).
  void Remove(const std::string& id);

 private:
  void Loop();

  std::function<void(const std::string&)> on_exit_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  absl::Mutex mu_;
  absl::flat_hash_map<int, std::string> ids_by_fd_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_EXIT_WATCHER_H_
