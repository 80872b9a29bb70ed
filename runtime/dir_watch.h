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
//
// Closing an inotify instance waits for an SRCU grace period (15-25 ms
// measured here: it was most of a sync Exec), so instances are kept in a
// small process-wide pool and reused: a DirWatch only adds its watch and
// removes it again (inotify_rm_watch frees the mark asynchronously).
class DirWatch {
 public:
  explicit DirWatch(const std::string& dir);
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  // Returns after a change in the directory or `timeout`, whichever is
  // first (changes since the last Wait count): true for a change.
  bool Wait(absl::Duration timeout);

  // False when inotify was unavailable and Wait only sleeps.
  bool watching() const { return fd_ >= 0; }

 private:
  int fd_;
  int wd_ = -1;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_DIR_WATCH_H_
