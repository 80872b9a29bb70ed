#include "runtime/trash_can.h"

#include <errno.h>
#include <stdio.h>  // rename
#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/file_util.h"

namespace warren::runtime {

TrashCan::TrashCan(std::string dir) : dir_(std::move(dir)) {
  (void)MakeDirs(dir_);
  {
    absl::MutexLock lock(&mu_);
    // Left by a crash.
    for (const std::string& name : ListDir(dir_)) {
      queue_.push_back(absl::StrCat(dir_, "/", name));
    }
  }
  thread_ = std::thread([this] { Loop(); });
}

TrashCan::~TrashCan() {
  Drain();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

absl::Status TrashCan::Discard(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  std::string name;
  {
    absl::MutexLock lock(&mu_);
    // Unique across restarts too: the start's leftovers may still be there.
    name = absl::StrCat(dir_, "/", absl::ToUnixNanos(absl::Now()), "-",
                        next_name_++);
  }
  if (rename(path.c_str(), name.c_str()) != 0) {
    // EXDEV (a bundle on another file system), no trash directory, ...:
    // the caller still gets `path` removed, only slower.
    return RemoveTree(path);
  }
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(name));
  ++moved_;
  return absl::OkStatus();
}

void TrashCan::Drain() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](TrashCan* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(t->mu_) {
        return t->queue_.empty() && t->removing_ == 0;
      },
      this));
}

void TrashCan::Loop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](TrashCan* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(t->mu_) {
          return t->stopping_ || !t->queue_.empty();
        },
        this));
    if (queue_.empty()) return;  // stopping, nothing left
    std::string path = std::move(queue_.front());
    queue_.pop_front();
    ++removing_;
    mu_.Unlock();
    // What cannot be removed (a mount point left inside) stays until the
    // next start tries again.
    (void)RemoveTree(path);
    mu_.Lock();
    --removing_;
  }
}

}  // namespace warren::runtime
