// Token buckets and stream counters per tenant; see tenant_limiter.h for the
// burst, reload and memory rules.
#include "server/tenant_limiter.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace warren::server {
namespace {

// Entries are swept once there are this many, then whenever their number
// has doubled since the last sweep.
constexpr size_t kMinSweepAt = 64;

// Slack for floating-point refill: 5/s over 0.2 s must make a whole token
// even if the product rounds to 0.9999999999.
constexpr double kTokenEpsilon = 1e-9;

// Whether `rate` is a cap (0 is none; Policy refuses negative and
// non-finite rates, which are treated as none here).
bool Limited(double rate) { return rate > 0 && std::isfinite(rate); }

// The bucket size for `rate`: one second's worth, at least one create.
double Burst(double rate) { return std::max(1.0, std::ceil(rate)); }

}  // namespace

const v1::TenantLimits& LimitsFor(const v1::AccessPolicy& policy,
                                  absl::string_view tenant) {
  for (const v1::TenantLimits& limits : policy.tenant_limits()) {
    if (limits.tenant() == tenant) return limits;
  }
  return v1::TenantLimits::default_instance();
}

TenantLimiter::StreamSlot::StreamSlot(StreamSlot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)),
      tenant_(std::move(other.tenant_)) {}

TenantLimiter::StreamSlot& TenantLimiter::StreamSlot::operator=(
    StreamSlot&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = std::exchange(other.limiter_, nullptr);
    tenant_ = std::move(other.tenant_);
  }
  return *this;
}

TenantLimiter::StreamSlot::~StreamSlot() { Release(); }

void TenantLimiter::StreamSlot::Release() {
  if (limiter_ == nullptr) return;
  std::exchange(limiter_, nullptr)->ReleaseStream(tenant_);
  tenant_.clear();
}

TenantLimiter::TenantLimiter(Clock clock)
    : clock_(std::move(clock)), sweep_at_(kMinSweepAt) {}

absl::Status TenantLimiter::AdmitCreate(absl::string_view tenant,
                                        const v1::TenantLimits& limits) {
  const double rate = limits.creates_per_second();
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  if (!Limited(rate)) {
    // No cap: forget the bucket (a later cap starts full).
    auto it = states_.find(tenant);
    if (it != states_.end()) {
      it->second.rate = 0;
      it->second.tokens = 0;
      if (Idle(it->second, now)) states_.erase(it);
    }
    return absl::OkStatus();
  }
  MaybeSweep(now);
  TenantState& state = states_.try_emplace(tenant).first->second;
  if (state.rate == 0) {
    state.tokens = Burst(rate);  // new, or no bucket before: full
  } else {
    // Credit the time since the last call at the rate then in force, then
    // clamp to the new burst.
    const double elapsed =
        std::max(0.0, absl::ToDoubleSeconds(now - state.updated));
    state.tokens =
        std::min(Burst(state.rate), state.tokens + elapsed * state.rate);
    state.tokens = std::min(state.tokens, Burst(rate));
  }
  state.updated = std::max(state.updated, now);
  state.rate = rate;
  if (state.tokens >= 1 - kTokenEpsilon) {
    state.tokens = std::max(0.0, state.tokens - 1);
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "tenant \"", tenant, "\" is over its creates_per_second cap (", rate,
      "/s); retry later"));
}

absl::StatusOr<TenantLimiter::StreamSlot> TenantLimiter::AcquireStream(
    absl::string_view tenant, const v1::TenantLimits& limits) {
  const uint32_t cap = limits.max_concurrent_streams();
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  MaybeSweep(now);
  TenantState& state = states_.try_emplace(tenant).first->second;
  if (cap != 0 && state.open_streams >= cap) {
    if (state.open_streams == cap) {
      return absl::ResourceExhaustedError(
          absl::StrCat("tenant \"", tenant, "\" has ", state.open_streams,
                       " open streams, its max_concurrent_streams cap"));
    }
    // The cap was lowered (policy reload) below what is open.
    return absl::ResourceExhaustedError(absl::StrCat(
        "tenant \"", tenant, "\" has ", state.open_streams,
        " open streams, over its max_concurrent_streams cap (", cap, ")"));
  }
  ++state.open_streams;
  return StreamSlot(this, std::string(tenant));
}

size_t TenantLimiter::OpenStreams(absl::string_view tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(tenant);
  return it == states_.end() ? 0 : it->second.open_streams;
}

size_t TenantLimiter::TrackedTenants() const {
  absl::MutexLock lock(&mu_);
  return states_.size();
}

void TenantLimiter::ReleaseStream(const std::string& tenant) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = states_.find(tenant);
  // A slot's entry has open_streams > 0, so it is never dropped.
  assert(it != states_.end() && it->second.open_streams > 0);
  if (it == states_.end() || it->second.open_streams == 0) return;
  --it->second.open_streams;
  if (Idle(it->second, now)) states_.erase(it);
}

bool TenantLimiter::Idle(const TenantState& state, absl::Time now) {
  if (state.open_streams != 0) return false;
  if (state.rate == 0) return true;
  const double elapsed =
      std::max(0.0, absl::ToDoubleSeconds(now - state.updated));
  return state.tokens + elapsed * state.rate >= Burst(state.rate);
}

void TenantLimiter::MaybeSweep(absl::Time now) {
  if (states_.size() < sweep_at_) return;
  for (auto it = states_.begin(); it != states_.end();) {
    if (Idle(it->second, now)) {
      states_.erase(it++);
    } else {
      ++it;
    }
  }
  sweep_at_ = std::max(kMinSweepAt, 2 * states_.size());
}

}  // namespace warren::server
