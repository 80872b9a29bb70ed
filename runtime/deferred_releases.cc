#include "runtime/deferred_releases.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace warren::runtime {

DeferredReleases::DeferredReleases(
    std::function<bool(const DeferredRelease&)> gone,
    std::function<void(const DeferredRelease&)> finish,
    DeferredReleaseOptions options)
    : gone_(std::move(gone)),
      finish_(std::move(finish)),
      options_(options),
      thread_([this] { Loop(); }) {}

DeferredReleases::~DeferredReleases() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  FinishMatching([](const DeferredRelease&) { return true; });
}

void DeferredReleases::Add(DeferredRelease release) {
  absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  std::string id = release.id;
  queued_[id] = Entry{std::move(release), now + options_.first_interval,
                      options_.first_interval, now + options_.grace};
  ++added_;
}

void DeferredReleases::FinishNow(const std::string& id) {
  FinishMatching([&](const DeferredRelease& r) { return r.id == id; });
}

void DeferredReleases::FinishNetwork(const std::string& network) {
  FinishMatching(
      [&](const DeferredRelease& r) { return r.network == network; });
}

bool DeferredReleases::Contains(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return queued_.count(id) > 0 || running_.count(id) > 0;
}

size_t DeferredReleases::size() const {
  absl::MutexLock lock(&mu_);
  return queued_.size() + running_.size();
}

void DeferredReleases::FinishMatching(
    const std::function<bool(const DeferredRelease&)>& pick) {
  std::vector<DeferredRelease> mine;
  {
    absl::MutexLock lock(&mu_);
    // One the loop is checking comes back to queued_ or is finished by it.
    auto none_running = [&] {
      for (const auto& [id, network] : running_) {
        if (pick(DeferredRelease{id, network, ""})) return false;
      }
      return true;
    };
    mu_.Await(absl::Condition(&none_running));
    for (auto it = queued_.begin(); it != queued_.end();) {
      if (!pick(it->second.release)) {
        ++it;
        continue;
      }
      running_[it->first] = it->second.release.network;
      mine.push_back(std::move(it->second.release));
      it = queued_.erase(it);
    }
  }
  for (const DeferredRelease& r : mine) {
    finish_(r);
    Done(r.id);
  }
}

void DeferredReleases::Done(const std::string& id) {
  absl::MutexLock lock(&mu_);
  running_.erase(id);
}

void DeferredReleases::Loop() {
  while (true) {
    std::vector<Entry> due;
    {
      absl::MutexLock lock(&mu_);
      // Sleeps until the earliest check is due, or until Add changed the
      // queue (its entry may be due earlier), or until the destructor.
      while (true) {
        absl::Time earliest = absl::InfiniteFuture();
        for (const auto& [id, e] : queued_) {
          earliest = std::min(earliest, e.next_check);
        }
        if (stopping_ || earliest <= absl::Now()) break;
        const uint64_t seen = added_;
        auto changed = [&] { return stopping_ || added_ != seen; };
        mu_.AwaitWithDeadline(absl::Condition(&changed), earliest);
      }
      if (stopping_) return;
      absl::Time now = absl::Now();
      for (auto it = queued_.begin(); it != queued_.end();) {
        if (it->second.next_check > now) {
          ++it;
          continue;
        }
        running_[it->first] = it->second.release.network;
        due.push_back(std::move(it->second));
        it = queued_.erase(it);
      }
    }
    for (Entry& e : due) {
      bool finish = absl::Now() >= e.deadline || gone_(e.release);
      if (finish) finish_(e.release);
      absl::MutexLock lock(&mu_);
      running_.erase(e.release.id);
      if (finish || queued_.count(e.release.id) > 0) continue;
      e.interval = std::min(e.interval * 2, options_.max_interval);
      e.next_check = std::min(absl::Now() + e.interval, e.deadline);
      queued_[e.release.id] = std::move(e);
    }
  }
}

}  // namespace warren::runtime
