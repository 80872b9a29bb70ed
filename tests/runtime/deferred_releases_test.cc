// The background network release: finished once the veth is gone, or at
// the grace deadline, or at once when asked (same id, network deletion,
// shutdown); never twice, never while the caller still waits.
#include "runtime/deferred_releases.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// What the queue's callbacks saw; veths in `present` are "still there".
class Recorder {
 public:
  bool Gone(const DeferredRelease& r) {
    absl::MutexLock lock(&mu_);
    ++checks_;
    return present_.count(r.host_veth) == 0;
  }
  void Finish(const DeferredRelease& r) {
    absl::MutexLock lock(&mu_);
    finished_.push_back(r.id);
  }
  void SetPresent(std::set<std::string> present) {
    absl::MutexLock lock(&mu_);
    present_ = std::move(present);
  }
  std::vector<std::string> finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  int checks() {
    absl::MutexLock lock(&mu_);
    return checks_;
  }
  // Waits (at most 10 s) until `n` releases were finished.
  bool WaitFinished(size_t n) {
    auto enough = [&] { return finished_.size() >= n; };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> present_;
  std::vector<std::string> finished_;
  int checks_ = 0;
};

DeferredRelease Release(const std::string& id, const std::string& network) {
  return {id, network, "wv-" + id};
}

class DeferredReleasesTest : public ::testing::Test {
 protected:
  // The entry leaves the queue just after its finish callback returns (it
  // counts as pending while it runs), so a test that saw the callback waits
  // a moment for that.
  static bool Drained(const DeferredReleases& queue) {
    for (int i = 0; i < 2000 && queue.size() > 0; ++i) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    return queue.size() == 0;
  }
  std::unique_ptr<DeferredReleases> Queue(DeferredReleaseOptions options) {
    return std::make_unique<DeferredReleases>(
        [this](const DeferredRelease& r) { return rec_.Gone(r); },
        [this](const DeferredRelease& r) { rec_.Finish(r); }, options);
  }
  Recorder rec_;
};

TEST_F(DeferredReleasesTest, FinishesOnceTheVethIsGone) {
  rec_.SetPresent({"wv-a"});
  DeferredReleaseOptions options;
  options.grace = absl::Hours(1);
  auto queue = Queue(options);
  queue->Add(Release("a", "net"));
  EXPECT_TRUE(queue->Contains("a"));
  // Checked again and again while the veth is there, never finished.
  while (rec_.checks() < 3) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_THAT(rec_.finished(), IsEmpty());
  EXPECT_TRUE(queue->Contains("a"));
  rec_.SetPresent({});
  ASSERT_TRUE(rec_.WaitFinished(1));
  EXPECT_THAT(rec_.finished(), ElementsAre("a"));
  EXPECT_TRUE(Drained(*queue));
  EXPECT_FALSE(queue->Contains("a"));
}

TEST_F(DeferredReleasesTest, FinishesAtTheGraceDeadlineAnyway) {
  rec_.SetPresent({"wv-a"});  // something else holds the namespace
  DeferredReleaseOptions options;
  options.grace = absl::Milliseconds(50);
  auto queue = Queue(options);
  queue->Add(Release("a", "net"));
  ASSERT_TRUE(rec_.WaitFinished(1));
  EXPECT_THAT(rec_.finished(), ElementsAre("a"));
  EXPECT_TRUE(Drained(*queue));
}

TEST_F(DeferredReleasesTest, FinishNowAndFinishNetworkDoNotWait) {
  rec_.SetPresent({"wv-a", "wv-b", "wv-c"});
  DeferredReleaseOptions options;
  options.grace = absl::Hours(1);
  auto queue = Queue(options);
  queue->Add(Release("a", "n1"));
  queue->Add(Release("b", "n2"));
  queue->Add(Release("c", "n2"));
  queue->FinishNow("a");
  // Done by the time FinishNow returns.
  EXPECT_THAT(rec_.finished(), ElementsAre("a"));
  queue->FinishNow("unknown");  // nothing queued: a no-op
  queue->FinishNetwork("n2");
  EXPECT_THAT(rec_.finished(), UnorderedElementsAre("a", "b", "c"));
  EXPECT_EQ(queue->size(), 0u);
}

TEST_F(DeferredReleasesTest, DestructorFinishesEverythingOnce) {
  rec_.SetPresent({"wv-a", "wv-b"});
  DeferredReleaseOptions options;
  options.grace = absl::Hours(1);
  auto queue = Queue(options);
  queue->Add(Release("a", "n"));
  queue->Add(Release("b", "n"));
  queue.reset();
  EXPECT_THAT(rec_.finished(), UnorderedElementsAre("a", "b"));
}

TEST_F(DeferredReleasesTest, ManyReleasesEachFinishedExactlyOnce) {
  DeferredReleaseOptions options;
  options.first_interval = absl::Microseconds(100);
  auto queue = Queue(options);
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    std::string id = "c" + std::to_string(i);
    ids.insert(id);
    queue->Add(Release(id, "n"));
    if (i % 7 == 0) queue->FinishNow(id);  // races the loop on purpose
  }
  ASSERT_TRUE(rec_.WaitFinished(200));
  queue.reset();
  std::vector<std::string> finished = rec_.finished();
  EXPECT_EQ(finished.size(), 200u);
  EXPECT_EQ(std::set<std::string>(finished.begin(), finished.end()), ids);
}

}  // namespace
}  // namespace warren::runtime
