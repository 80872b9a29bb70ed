#include "runtime/cgroup_plan.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

constexpr uint64_t kDefaultCpuPeriodUs = 100000;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("spec.resources.", field, ": ", why));
}

bool IsCpuList(absl::string_view list) {
  if (list.empty()) return false;
  for (char c : list) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != ',' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

class Planner {
 public:
  Planner(const CgroupSystem& system, const std::string& rel)
      : system_(system), rel_(rel) {}

  // Adds a write to `file` of `controller`'s hierarchy; v1 and v2 name the
  // file differently, so both names are given.
  absl::Status Add(absl::string_view controller, absl::string_view v1_file,
                   absl::string_view v2_file, std::string value) {
    const CgroupHierarchy* h = system_.For(controller);
    if (h == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ", controller, " cgroup controller is not available here"));
    }
    absl::string_view file = h->v2 ? v2_file : v1_file;
    writes_.push_back(
        {absl::StrCat(h->mount_point, "/", rel_, "/", file), std::move(value)});
    return absl::OkStatus();
  }

  bool IsV2(absl::string_view controller) const {
    const CgroupHierarchy* h = system_.For(controller);
    return h != nullptr && h->v2;
  }

  std::vector<CgroupWrite> Take() { return std::move(writes_); }

 private:
  const CgroupSystem& system_;
  const std::string& rel_;
  std::vector<CgroupWrite> writes_;
};

}  // namespace

uint64_t CpuWeightToShares(uint64_t weight) {
  return 2 + ((weight - 1) * 262142) / 9999;
}

absl::Status ValidateResources(const v1::ResourcesSpec& r) {
  if (r.memory_limit_bytes() < 0) {
    return Invalid("memory_limit_bytes", "must be >= 0");
  }
  if (r.memory_limit_bytes() > 0 && r.memory_limit_bytes() < (4 << 20)) {
    return Invalid("memory_limit_bytes", "must be at least 4 MiB");
  }
  if (r.memory_swap_limit_bytes() < -1) {
    return Invalid("memory_swap_limit_bytes", "must be >= -1");
  }
  if (r.memory_swap_limit_bytes() != 0) {
    if (r.memory_limit_bytes() == 0) {
      return Invalid("memory_swap_limit_bytes", "requires memory_limit_bytes");
    }
    if (r.memory_swap_limit_bytes() > 0 &&
        r.memory_swap_limit_bytes() < r.memory_limit_bytes()) {
      return Invalid("memory_swap_limit_bytes",
                     "must be >= memory_limit_bytes (it includes memory)");
    }
  }
  if (r.cpu_quota_us() < 0) return Invalid("cpu_quota_us", "must be >= 0");
  if (r.cpu_quota_us() > 0 && r.cpu_quota_us() < 1000) {
    return Invalid("cpu_quota_us", "must be at least 1000");
  }
  if (r.cpu_period_us() != 0 &&
      (r.cpu_period_us() < 1000 || r.cpu_period_us() > 1000000)) {
    return Invalid("cpu_period_us", "must be between 1000 and 1000000");
  }
  if (r.cpu_weight() > 10000) {
    return Invalid("cpu_weight", "must be between 1 and 10000");
  }
  if (!r.cpuset_cpus().empty() && !IsCpuList(r.cpuset_cpus())) {
    return Invalid("cpuset_cpus", "must be a list such as \"0-1,3\"");
  }
  if (!r.cpuset_mems().empty() && !IsCpuList(r.cpuset_mems())) {
    return Invalid("cpuset_mems", "must be a list such as \"0\"");
  }
  if (r.pids_limit() < 0) return Invalid("pids_limit", "must be >= 0");
  return absl::OkStatus();
}

std::vector<std::string> CgroupDirs(const CgroupSystem& system,
                                    const std::string& rel) {
  std::vector<std::string> dirs;
  for (const CgroupHierarchy& h : system.hierarchies()) {
    bool named_only =
        !h.v2 && std::all_of(h.controllers.begin(), h.controllers.end(),
                             [](const std::string& c) {
                               return absl::StartsWith(c, "name=");
                             });
    if (!named_only) dirs.push_back(absl::StrCat(h.mount_point, "/", rel));
  }
  return dirs;
}

absl::StatusOr<std::vector<CgroupWrite>> PlanResourceWrites(
    const CgroupSystem& system, const std::string& rel,
    const v1::ResourcesSpec& r) {
  Planner p(system, rel);
  if (r.memory_limit_bytes() > 0) {
    std::string mem = absl::StrCat(r.memory_limit_bytes());
    if (absl::Status s =
            p.Add("memory", "memory.limit_in_bytes", "memory.max", mem);
        !s.ok()) {
      return s;
    }
    if (r.memory_swap_limit_bytes() != 0) {
      std::string swap;
      if (p.IsV2("memory")) {
        // v2 limits swap alone; the API's limit is memory plus swap.
        swap = r.memory_swap_limit_bytes() == -1
                   ? "max"
                   : absl::StrCat(r.memory_swap_limit_bytes() -
                                  r.memory_limit_bytes());
      } else {
        swap = absl::StrCat(r.memory_swap_limit_bytes());
      }
      if (absl::Status s = p.Add("memory", "memory.memsw.limit_in_bytes",
                                 "memory.swap.max", swap);
          !s.ok()) {
        return s;
      }
    }
  }
  if (r.cpu_quota_us() > 0 || r.cpu_period_us() > 0) {
    uint64_t period =
        r.cpu_period_us() ? r.cpu_period_us() : kDefaultCpuPeriodUs;
    if (p.IsV2("cpu")) {
      std::string quota =
          r.cpu_quota_us() > 0 ? absl::StrCat(r.cpu_quota_us()) : "max";
      if (absl::Status s =
              p.Add("cpu", "", "cpu.max", absl::StrCat(quota, " ", period));
          !s.ok()) {
        return s;
      }
    } else {
      if (absl::Status s =
              p.Add("cpu", "cpu.cfs_period_us", "", absl::StrCat(period));
          !s.ok()) {
        return s;
      }
      if (r.cpu_quota_us() > 0) {
        if (absl::Status s = p.Add("cpu", "cpu.cfs_quota_us", "",
                                   absl::StrCat(r.cpu_quota_us()));
            !s.ok()) {
          return s;
        }
      }
    }
  }
  if (r.cpu_weight() > 0) {
    std::string value = p.IsV2("cpu")
                            ? absl::StrCat(r.cpu_weight())
                            : absl::StrCat(CpuWeightToShares(r.cpu_weight()));
    if (absl::Status s = p.Add("cpu", "cpu.shares", "cpu.weight", value);
        !s.ok()) {
      return s;
    }
  }
  if (!r.cpuset_cpus().empty()) {
    if (absl::Status s =
            p.Add("cpuset", "cpuset.cpus", "cpuset.cpus", r.cpuset_cpus());
        !s.ok()) {
      return s;
    }
  }
  if (!r.cpuset_mems().empty()) {
    if (absl::Status s =
            p.Add("cpuset", "cpuset.mems", "cpuset.mems", r.cpuset_mems());
        !s.ok()) {
      return s;
    }
  }
  if (r.pids_limit() > 0) {
    if (absl::Status s =
            p.Add("pids", "pids.max", "pids.max", absl::StrCat(r.pids_limit()));
        !s.ok()) {
      return s;
    }
  }
  return p.Take();
}

}  // namespace warren::runtime
