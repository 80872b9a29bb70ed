// Finishes the network release of deleted containers in the background.
//
// Deleting a veth costs a synchronous unregistration (RCU grace periods,
// the rtnl lock), measured at 20-50 ms here, and when the container's init
// has just died the kernel is already tearing its network namespace down,
// taking the veth pair with it in one batch. So Delete hands the release
// to this queue: it checks, with backoff, whether the host veth has gone
// on its own and only then releases the address (so no address is given
// out while its old veth may still answer); after `grace` (something else
// still holds the namespace) it finishes anyway, deleting the veth itself.
#ifndef WARREN_RUNTIME_DEFERRED_RELEASES_H_
#define WARREN_RUNTIME_DEFERRED_RELEASES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace warren::runtime {

// One container's release still to finish.
struct DeferredRelease {
  std::string id;  // container key
  std::string network;
  std::string host_veth;
};

struct DeferredReleaseOptions {
  // First re-check after this long; each later one waits twice as long,
  // up to max_interval.
  absl::Duration first_interval = absl::Milliseconds(5);
  absl::Duration max_interval = absl::Milliseconds(100);
  // Finish even if the veth is still there after this long.
  absl::Duration grace = absl::Seconds(2);
};

class DeferredReleases {
 public:
  // `gone(r)`: whether r's host veth has disappeared. `finish(r)`: the
  // synchronous release (deletes the veth if it is still there, frees the
  // address). Both are called without the queue's lock, one release at a
  // time per id, from the queue's thread or from the caller of
  // FinishNow/FinishNetwork/the destructor.
  DeferredReleases(std::function<bool(const DeferredRelease&)> gone,
                   std::function<void(const DeferredRelease&)> finish,
                   DeferredReleaseOptions options = {});
  // Finishes every queued release at once (warrend stops).
  ~DeferredReleases();
  DeferredReleases(const DeferredReleases&) = delete;
  DeferredReleases& operator=(const DeferredReleases&) = delete;

  // Queues `release` (replacing one queued for the same id).
  void Add(DeferredRelease release);
  // Finishes the release of `id` now if one is queued or running, and
  // returns once it is done: a new container of the same id needs its
  // veth name and its address record.
  void FinishNow(const std::string& id);
  // The same for every release on `network` (before deleting it).
  void FinishNetwork(const std::string& network);
  // Whether `id`'s release is queued or running (it no longer counts as a
  // container of its network).
  bool Contains(const std::string& id) const;
  size_t size() const;

 private:
  struct Entry {
    DeferredRelease release;
    absl::Time next_check;
    absl::Duration interval;
    absl::Time deadline;
  };

  void Loop();
  // Takes the entries `pick` selects out of the queue (marking them
  // running), finishes them and waits for any of them already running.
  void FinishMatching(const std::function<bool(const DeferredRelease&)>& pick);
  void Done(const std::string& id);

  const std::function<bool(const DeferredRelease&)> gone_;
  const std::function<void(const DeferredRelease&)> finish_;
  const DeferredReleaseOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> queued_ ABSL_GUARDED_BY(mu_);
  // Taken out of queued_, being checked or finished; network by id.
  std::map<std::string, std::string> running_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t added_ ABSL_GUARDED_BY(mu_) = 0;  // wakes the loop
  std::thread thread_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_DEFERRED_RELEASES_H_
