// TenantLimiter: creates_per_second token buckets and max_concurrent_streams
// slots per tenant, driven by a fake clock (no sleeps), plus LimitsFor.
#include "server/tenant_limiter.h"

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::server {
namespace {

using ::testing::HasSubstr;

v1::TenantLimits Rate(double creates_per_second) {
  v1::TenantLimits limits;
  limits.set_creates_per_second(creates_per_second);
  return limits;
}

v1::TenantLimits Streams(uint32_t max_concurrent_streams) {
  v1::TenantLimits limits;
  limits.set_max_concurrent_streams(max_concurrent_streams);
  return limits;
}

// A limiter whose clock only moves when the test says so.
class TenantLimiterTest : public ::testing::Test {
 protected:
  // How many of `n` creates of `tenant` are admitted right now.
  int Admitted(absl::string_view tenant, const v1::TenantLimits& limits,
               int n) {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += limiter_.AdmitCreate(tenant, limits).ok();
    return ok;
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  TenantLimiter limiter_{[this] { return now_; }};
};

TEST_F(TenantLimiterTest, BurstThenRefusal) {
  const v1::TenantLimits limits = Rate(5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limiter_.AdmitCreate("team-b", limits).ok()) << i;
  }
  absl::Status refused = limiter_.AdmitCreate("team-b", limits);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(),
              HasSubstr("tenant \"team-b\" is over its creates_per_second cap "
                        "(5/s); retry later"));
  // A refusal takes nothing: still refused, still nothing to refill from.
  EXPECT_EQ(Admitted("team-b", limits, 10), 0);
}

TEST_F(TenantLimiterTest, RefillAfterTimeAdvances) {
  const v1::TenantLimits limits = Rate(5);
  EXPECT_EQ(Admitted("team-b", limits, 5), 5);
  now_ += absl::Milliseconds(199);
  EXPECT_EQ(Admitted("team-b", limits, 1), 0);
  now_ += absl::Milliseconds(1);  // 0.2 s at 5/s: one token
  EXPECT_EQ(Admitted("team-b", limits, 3), 1);
  now_ += absl::Milliseconds(600);  // three more
  EXPECT_EQ(Admitted("team-b", limits, 5), 3);
  now_ += absl::Hours(1);  // never more than the burst
  EXPECT_EQ(Admitted("team-b", limits, 10), 5);
}

TEST_F(TenantLimiterTest, RateBelowOnePerSecondHasBurstOne) {
  const v1::TenantLimits limits = Rate(0.5);
  EXPECT_EQ(Admitted("t", limits, 3), 1);
  absl::Status refused = limiter_.AdmitCreate("t", limits);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("cap (0.5/s)"));
  now_ += absl::Milliseconds(1999);
  EXPECT_EQ(Admitted("t", limits, 1), 0);
  now_ += absl::Milliseconds(1);
  EXPECT_EQ(Admitted("t", limits, 3), 1);
  // A fractional rate above one rounds the burst up: 2.5/s holds 3.
  now_ += absl::Hours(1);
  EXPECT_EQ(Admitted("u", Rate(2.5), 10), 3);
}

TEST_F(TenantLimiterTest, UnlimitedRate) {
  EXPECT_EQ(Admitted("team-b", Rate(0), 10000), 10000);
  EXPECT_EQ(Admitted("team-b", v1::TenantLimits(), 100), 100);
  EXPECT_EQ(limiter_.TrackedTenants(), 0u);
}

TEST_F(TenantLimiterTest, TenantsAreIndependent) {
  EXPECT_EQ(Admitted("team-a", Rate(1), 5), 1);
  EXPECT_EQ(Admitted("team-b", Rate(2), 5), 2);
  EXPECT_EQ(Admitted("team-c", Rate(0), 5), 5);

  absl::StatusOr<TenantLimiter::StreamSlot> a =
      limiter_.AcquireStream("team-a", Streams(1));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(limiter_.AcquireStream("team-a", Streams(1)).ok());
  absl::StatusOr<TenantLimiter::StreamSlot> b =
      limiter_.AcquireStream("team-b", Streams(1));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(limiter_.OpenStreams("team-a"), 1u);
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 1u);
  EXPECT_EQ(limiter_.OpenStreams("team-c"), 0u);
}

TEST_F(TenantLimiterTest, StreamCapReleasedByDestructionAndMove) {
  const v1::TenantLimits limits = Streams(3);
  std::vector<TenantLimiter::StreamSlot> slots;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<TenantLimiter::StreamSlot> slot =
        limiter_.AcquireStream("team-b", limits);
    ASSERT_TRUE(slot.ok()) << slot.status();
    slots.push_back(*std::move(slot));  // moves; still one slot each
  }
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 3u);
  absl::StatusOr<TenantLimiter::StreamSlot> refused =
      limiter_.AcquireStream("team-b", limits);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("tenant \"team-b\" has 3 open streams, its "
                        "max_concurrent_streams cap"));

  // Destruction releases.
  slots.pop_back();
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 2u);
  absl::StatusOr<TenantLimiter::StreamSlot> again =
      limiter_.AcquireStream("team-b", limits);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 3u);

  // Move-assign releases the slot overwritten, not the one moved in.
  slots[0] = *std::move(again);
  EXPECT_FALSE(again->active());
  EXPECT_TRUE(slots[0].active());
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 2u);
  // Move-construct transfers; destroying the moved-from releases nothing.
  {
    TenantLimiter::StreamSlot moved(std::move(slots[1]));
    EXPECT_FALSE(slots[1].active());
    EXPECT_EQ(limiter_.OpenStreams("team-b"), 2u);
  }
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 1u);
  // Self-move-assign keeps the slot; empty slots release nothing.
  TenantLimiter::StreamSlot& self = slots[0];
  slots[0] = std::move(self);
  EXPECT_TRUE(slots[0].active());
  slots[1] = TenantLimiter::StreamSlot();
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 1u);
  slots.clear();
  again = absl::UnknownError("dropped");  // the moved-from slot inside
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 0u);
  EXPECT_EQ(limiter_.TrackedTenants(), 0u);
}

TEST_F(TenantLimiterTest, StreamCapZeroIsUnlimitedButCounted) {
  std::vector<TenantLimiter::StreamSlot> slots;
  for (int i = 0; i < 1000; ++i) {
    absl::StatusOr<TenantLimiter::StreamSlot> slot =
        limiter_.AcquireStream("team-b", Streams(0));
    ASSERT_TRUE(slot.ok()) << slot.status();
    EXPECT_TRUE(slot->active());
    slots.push_back(*std::move(slot));
  }
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 1000u);
  // A reload adding a cap sees the right count.
  EXPECT_FALSE(limiter_.AcquireStream("team-b", Streams(1000)).ok());
  slots.resize(999);
  EXPECT_TRUE(limiter_.AcquireStream("team-b", Streams(1000)).ok());
  slots.clear();
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 0u);
}

TEST_F(TenantLimiterTest, LoweredStreamCapRefusesNewKeepsOpen) {
  std::vector<TenantLimiter::StreamSlot> slots;
  for (int i = 0; i < 3; ++i) {
    slots.push_back(*limiter_.AcquireStream("team-b", Streams(3)));
  }
  absl::StatusOr<TenantLimiter::StreamSlot> refused =
      limiter_.AcquireStream("team-b", Streams(2));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("tenant \"team-b\" has 3 open streams, over its "
                        "max_concurrent_streams cap (2)"));
  EXPECT_EQ(limiter_.OpenStreams("team-b"), 3u);
  slots.pop_back();
  EXPECT_FALSE(limiter_.AcquireStream("team-b", Streams(2)).ok());
  slots.pop_back();
  EXPECT_TRUE(limiter_.AcquireStream("team-b", Streams(2)).ok());
}

TEST_F(TenantLimiterTest, RateChangeClampsToNewBurst) {
  EXPECT_EQ(Admitted("team-b", Rate(10), 1), 1);  // 9 tokens left
  // Lowered to 2/s: the 9 are clamped to the new burst of 2.
  EXPECT_EQ(Admitted("team-b", Rate(2), 10), 2);
  absl::Status refused = limiter_.AdmitCreate("team-b", Rate(2));
  EXPECT_THAT(refused.message(), HasSubstr("(2/s)"));
  now_ += absl::Milliseconds(500);  // refills at the new rate
  EXPECT_EQ(Admitted("team-b", Rate(2), 10), 1);

  // Raised to 100/s: no free tokens, the new rate applies from now on.
  EXPECT_EQ(Admitted("team-b", Rate(100), 1), 0);
  now_ += absl::Milliseconds(50);
  EXPECT_EQ(Admitted("team-b", Rate(100), 100), 5);
  now_ += absl::Seconds(10);
  EXPECT_EQ(Admitted("team-b", Rate(100), 1000), 100);
}

TEST_F(TenantLimiterTest, CapRemovedAndRestoredStartsFull) {
  EXPECT_EQ(Admitted("team-b", Rate(3), 10), 3);
  EXPECT_EQ(Admitted("team-b", Rate(0), 10), 10);
  EXPECT_EQ(limiter_.TrackedTenants(), 0u);
  EXPECT_EQ(Admitted("team-b", Rate(3), 10), 3);
}

TEST_F(TenantLimiterTest, ClockGoingBackwardsCreditsNothing) {
  EXPECT_EQ(Admitted("team-b", Rate(1), 2), 1);
  now_ -= absl::Seconds(30);
  EXPECT_EQ(Admitted("team-b", Rate(1), 2), 0);
  now_ += absl::Seconds(30);
  EXPECT_EQ(Admitted("team-b", Rate(1), 2), 0);
  now_ += absl::Seconds(1);
  EXPECT_EQ(Admitted("team-b", Rate(1), 2), 1);
}

TEST_F(TenantLimiterTest, IdleEntriesAreDropped) {
  // Last stream closed with a full bucket: dropped.
  {
    absl::StatusOr<TenantLimiter::StreamSlot> slot =
        limiter_.AcquireStream("team-b", Streams(1));
    ASSERT_TRUE(slot.ok());
    EXPECT_EQ(limiter_.TrackedTenants(), 1u);
  }
  EXPECT_EQ(limiter_.TrackedTenants(), 0u);

  // Drained buckets stay until refilled, then a sweep drops them.
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(Admitted(absl::StrCat("t", i), Rate(1), 1), 1);
  }
  EXPECT_EQ(limiter_.TrackedTenants(), 64u);
  now_ += absl::Seconds(1);
  EXPECT_EQ(Admitted("t-new", Rate(1), 1), 1);
  EXPECT_EQ(limiter_.TrackedTenants(), 1u);
  // Dropped entries come back full.
  EXPECT_EQ(Admitted("t0", Rate(1), 2), 1);
}

TEST(TenantLimiterThreadsTest, ConcurrentAcquireReleaseLeavesNothingOpen) {
  TenantLimiter limiter;  // the real clock
  constexpr int kThreads = 16;
  constexpr int kIterations = 2000;
  constexpr uint32_t kCap = 4;
  std::atomic<int> held{0};
  std::atomic<int> max_held{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string mine = absl::StrCat("own-", t);
      std::vector<TenantLimiter::StreamSlot> own;
      for (int i = 0; i < kIterations; ++i) {
        // A shared, capped tenant: never more than kCap at once.
        absl::StatusOr<TenantLimiter::StreamSlot> shared =
            limiter.AcquireStream("shared", Streams(kCap));
        if (shared.ok()) {
          ++granted;
          int now_held = ++held;
          int seen = max_held.load();
          while (now_held > seen &&
                 !max_held.compare_exchange_weak(seen, now_held)) {
          }
          TenantLimiter::StreamSlot moved = *std::move(shared);
          --held;
        }
        // An uncapped tenant of its own, released in batches.
        own.push_back(*limiter.AcquireStream(mine, Streams(0)));
        if (own.size() == 16) own.clear();
        limiter.AdmitCreate("shared", Rate(1e6)).IgnoreError();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(max_held.load(), static_cast<int>(kCap));
  EXPECT_GT(granted.load(), 0);
  EXPECT_EQ(limiter.OpenStreams("shared"), 0u);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(limiter.OpenStreams(absl::StrCat("own-", t)), 0u);
  }
}

TEST(LimitsForTest, FindsTheTenantOrNoCaps) {
  v1::AccessPolicy policy;
  v1::TenantLimits* a = policy.add_tenant_limits();
  a->set_tenant("team-a");
  a->set_max_concurrent_streams(2);
  v1::TenantLimits* b = policy.add_tenant_limits();
  b->set_tenant("team-b");
  b->set_creates_per_second(5);
  EXPECT_EQ(&LimitsFor(policy, "team-b"), b);
  EXPECT_EQ(LimitsFor(policy, "team-a").max_concurrent_streams(), 2u);
  const v1::TenantLimits& none = LimitsFor(policy, "team-c");
  EXPECT_EQ(none.tenant(), "");
  EXPECT_EQ(none.max_containers(), 0u);
  EXPECT_EQ(none.max_concurrent_streams(), 0u);
  EXPECT_EQ(none.creates_per_second(), 0);
  EXPECT_EQ(&LimitsFor(v1::AccessPolicy(), "team-b"), &none);
}

}  // namespace
}  // namespace warren::server
