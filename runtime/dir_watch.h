// Waiting for a file to appear (an exit record, a log's next generation)
// without polling a fixed interval: inotify on its directory wakes the
// waiter as soon as something there changes.
#ifndef WARREN_RUNTIME_DIR_WATCH_H_
#define WARREN_RUNTIME_DIR_WATCH_H_

#include <string>

#include "absl/time/time.h"

namespace warren::runtime {

// Wakes a waiter when something in `dir` is created, written, renamed or
// removed, or after a timeout. Without inotify (e.g. the per-user instance
// limit is reached) it just sleeps, which only adds latency.
class DirWatch {
 public:
  explicit DirWatch(const std::string& dir);
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  // Returns after a change in the directory or `timeout`, whichever is
  // first (changes since the last Wait count).
  void Wait(absl::Duration timeout);

  // False when inotify was unavailable and Wait only sleeps.
  bool watching() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_DIR_WATCH_H_
