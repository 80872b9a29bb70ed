// Removes deleted containers' bundles off the Delete path.
//
// A bundle on the state disk holds a few directories and files (writable
// layer, overlay work dir, log, record). Unlinking them frees their blocks,
// and on a file system mounted with `discard` (common on cloud VMs; this
// project's CI machine too) ext4 without a journal discards each freed
// block synchronously: ~100 us per file or directory, half a millisecond or
// more per Delete, with the caller waiting. So Delete renames the bundle
// into the trash directory (one rename on the same file system; the
// container's name is free at once) and this class's thread removes it.
// What a crash leaves in the trash is removed at the next start.
#ifndef WARREN_RUNTIME_TRASH_CAN_H_
#define WARREN_RUNTIME_TRASH_CAN_H_

#include <cstdint>
#include <deque>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace warren::runtime {

class TrashCan {
 public:
  // `dir`: the trash directory, on the same file system as what is
  // discarded into it (created if missing). Whatever it holds already is
  // removed in the background.
  explicit TrashCan(std::string dir);
  // Removes what is still queued, then stops the thread.
  ~TrashCan();
  TrashCan(const TrashCan&) = delete;
  TrashCan& operator=(const TrashCan&) = delete;

  // Moves `path` into the trash and queues its removal; `path` no longer
  // exists when this returns OK. Where it cannot be moved (another file
  // system, no trash directory) it is removed here instead. A missing
  // `path` is OK.
  absl::Status Discard(const std::string& path);

  // Returns once everything discarded so far has been removed.
  void Drain();

  const std::string& dir() const { return dir_; }
  // How many Discards moved their path (rather than removing it in place).
  uint64_t moved() {
    absl::MutexLock lock(&mu_);
    return moved_;
  }

 private:
  void Loop();

  const std::string dir_;
  absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  int removing_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_name_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t moved_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_TRASH_CAN_H_
