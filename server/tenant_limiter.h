// Per-tenant caps of the --policy file (TenantLimits) that are about call
// rates and open calls: creates_per_second and max_concurrent_streams.
// (max_containers is enforced by the container manager, which knows how many
// containers a tenant has.) The limits are passed in on every call rather
// than stored, so a policy reload applies from the next call without the
// limiter having to know about reloads.
#ifndef WARREN_SERVER_TENANT_LIMITER_H_
#define WARREN_SERVER_TENANT_LIMITER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "proto/warren/v1/policy.pb.h"

namespace warren::server {

// The TenantLimits entry of `tenant` in `policy`, or the default (all zero:
// no caps) instance when the policy has none, so callers never branch on
// "no entry". A linear scan: policies list few tenants. The reference is
// valid as long as `policy` is.
const v1::TenantLimits& LimitsFor(const v1::AccessPolicy& policy,
                                  absl::string_view tenant);

// Enforces creates_per_second (a token bucket per tenant) and
// max_concurrent_streams (a counter per tenant) so that one tenant cannot
// flood warrend with creates or hold every stream; tenants never affect each
// other. Thread-safe: every method may be called from any thread.
//
// Token bucket: it refills at creates_per_second and holds at most
// max(1, ceil(creates_per_second)) tokens; each admitted Create takes one.
// That burst is one second's worth of creates, so "5/s" lets 5 creates
// through back to back after an idle second (what the number says to a
// reader) but never more; the floor of 1 lets rates below one per second
// (0.5 = one every 2 s) admit anything at all. A tenant seen for the first
// time (or again after its entry was dropped, see below) starts full.
//
// Limit changes (policy reload): the time up to a call is credited at the
// rate of the previous call, then the tokens are clamped to the new burst
// and the new rate applies from then on. So lowering the rate takes effect
// at once (no leftover burst of the old rate), and raising it grants no
// free tokens. A rate of 0 (no cap) forgets the bucket; going back to a
// finite rate starts full again.
//
// Memory: a tenant's entry is a few dozen bytes and is dropped when it has
// no open streams and a full bucket (then it is indistinguishable from a
// tenant never seen): checked when its last stream closes, on its own
// calls, and in a sweep of all entries whenever their number has doubled
// since the last sweep, so stale entries stay bounded by the live ones.
//
// Time comes from the clock given to the constructor (tests pass a fake).
// A clock that goes backwards credits no time; it never takes tokens away.
class TenantLimiter {
 public:
  using Clock = std::function<absl::Time()>;

  // One open stream of one tenant, released when this is destroyed (RAII,
  // so every return path of a streaming handler gives its slot back).
  // Move-only; a moved-from or default-constructed slot holds nothing and
  // releases nothing. The TenantLimiter must outlive every slot it hands out
  // (in warrend both live as long as the server).
  class StreamSlot {
   public:
    // An empty slot (e.g. a member filled in later).
    StreamSlot() = default;
    // Takes over `other`'s slot; `other` becomes empty.
    StreamSlot(StreamSlot&& other) noexcept;
    // Releases the slot held (if any), then takes over `other`'s.
    StreamSlot& operator=(StreamSlot&& other) noexcept;
    StreamSlot(const StreamSlot&) = delete;
    StreamSlot& operator=(const StreamSlot&) = delete;
    // Gives the slot back to the limiter (if one is held).
    ~StreamSlot();

    // Whether this holds a slot (false once moved from or released).
    bool active() const { return limiter_ != nullptr; }

   private:
    friend class TenantLimiter;
    StreamSlot(TenantLimiter* limiter, std::string tenant)
        : limiter_(limiter), tenant_(std::move(tenant)) {}
    void Release();

    TenantLimiter* limiter_ = nullptr;
    std::string tenant_;
  };

  // `clock` is read on every call; absl::Now in warrend, a fake in tests so
  // they are deterministic without sleeping.
  explicit TenantLimiter(Clock clock = absl::Now);
  TenantLimiter(const TenantLimiter&) = delete;
  TenantLimiter& operator=(const TenantLimiter&) = delete;

  // Call before each Create of `tenant`: OK (and one token taken) or
  // RESOURCE_EXHAUSTED `tenant "team-b" is over its creates_per_second cap
  // (5/s); retry later` (nothing taken), so a tenant over its rate is told
  // which cap it hit and that retrying is the remedy. creates_per_second 0
  // means no cap (Policy refuses negative and non-finite rates; they are
  // treated as 0 here).
  absl::Status AdmitCreate(absl::string_view tenant,
                           const v1::TenantLimits& limits);

  // Call when a streaming call (Logs, Events, Stream) of `tenant` starts and
  // keep the slot until it ends: a slot, or RESOURCE_EXHAUSTED `tenant
  // "team-b" has 3 open streams, its max_concurrent_streams cap` when the
  // tenant already has that many open. max_concurrent_streams 0 means no cap
  // (a slot is still handed out, so OpenStreams stays right if a reload
  // adds a cap later). A cap lowered below the open count refuses new
  // streams but does not end open ones.
  absl::StatusOr<StreamSlot> AcquireStream(absl::string_view tenant,
                                           const v1::TenantLimits& limits);

  // Slots of `tenant` currently held (tests, diagnostics).
  size_t OpenStreams(absl::string_view tenant) const;

  // Tenants with state kept (open streams or a bucket not full); shows the
  // dropping of idle entries in tests and diagnostics.
  size_t TrackedTenants() const;

 private:
  struct TenantState {
    // Rate of the last AdmitCreate; 0: no bucket (unlimited, or never
    // created), which counts as full.
    double rate = 0;
    double tokens = 0;
    // When `tokens` was last brought up to date.
    absl::Time updated = absl::InfinitePast();
    size_t open_streams = 0;
  };

  void ReleaseStream(const std::string& tenant);
  // Whether `state` may be dropped: no open streams and a full bucket.
  static bool Idle(const TenantState& state, absl::Time now);
  // Drops idle entries when their number has doubled since the last sweep.
  void MaybeSweep(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, TenantState> states_ ABSL_GUARDED_BY(mu_);
  size_t sweep_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warren::server

#endif  // WARREN_SERVER_TENANT_LIMITER_H_
