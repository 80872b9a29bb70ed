#include "runtime/cgroup_system.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/file_util.h"

namespace warren::runtime {

absl::StatusOr<CgroupSystem> CgroupSystem::FromMountInfo(
    absl::string_view mountinfo,
    const std::function<std::string(const std::string&)>& read_file) {
  std::vector<CgroupHierarchy> out;
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    // "<id> <parent> <maj:min> <root> <mount point> <opts> [tags] - <fstype>
    //  <source> <super opts>"
    std::pair<absl::string_view, absl::string_view> halves =
        absl::StrSplit(line, absl::MaxSplits(" - ", 1));
    std::vector<absl::string_view> before =
        absl::StrSplit(halves.first, ' ', absl::SkipEmpty());
    std::vector<absl::string_view> after =
        absl::StrSplit(halves.second, ' ', absl::SkipEmpty());
    if (before.size() < 5 || after.size() < 3) continue;
    // Only hierarchies mounted at their root: a bind of a sub-cgroup is not
    // where new cgroups should go.
    if (before[3] != "/") continue;
    CgroupHierarchy h;
    h.mount_point = std::string(before[4]);
    if (after[0] == "cgroup2") {
      h.v2 = true;
      std::string controllers =
          read_file(h.mount_point + "/cgroup.controllers");
      for (absl::string_view c :
           absl::StrSplit(absl::StripAsciiWhitespace(controllers), ' ',
                          absl::SkipEmpty())) {
        h.controllers.emplace_back(c);
      }
    } else if (after[0] == "cgroup") {
      for (absl::string_view opt : absl::StrSplit(after[2], ',')) {
        if (opt == "rw" || opt == "ro" || opt.empty()) continue;
        if (absl::StartsWith(opt, "release_agent=")) continue;
        h.controllers.emplace_back(opt);
      }
    } else {
      continue;
    }
    out.push_back(std::move(h));
  }
  if (out.empty()) {
    return absl::FailedPreconditionError(
        "no cgroup hierarchy is mounted (looked in /proc/self/mountinfo)");
  }
  return CgroupSystem(std::move(out));
}

absl::StatusOr<CgroupSystem> CgroupSystem::Detect() {
  absl::StatusOr<std::string> mountinfo = ReadFile("/proc/self/mountinfo");
  if (!mountinfo.ok()) return mountinfo.status();
  return FromMountInfo(*mountinfo, [](const std::string& path) {
    absl::StatusOr<std::string> data = ReadFile(path);
    return data.ok() ? *data : std::string();
  });
}

const CgroupHierarchy* CgroupSystem::For(absl::string_view controller) const {
  for (const CgroupHierarchy& h : hierarchies_) {
    if (!h.v2 && std::find(h.controllers.begin(), h.controllers.end(),
                           controller) != h.controllers.end()) {
      return &h;
    }
  }
  const CgroupHierarchy* v2 = Unified();
  if (v2 != nullptr && std::find(v2->controllers.begin(), v2->controllers.end(),
                                 controller) != v2->controllers.end()) {
    return v2;
  }
  return nullptr;
}

const CgroupHierarchy* CgroupSystem::Unified() const {
  for (const CgroupHierarchy& h : hierarchies_) {
    if (h.v2) return &h;
  }
  return nullptr;
}

std::string CgroupSystem::Mode() const {
  bool v1 = std::any_of(hierarchies_.begin(), hierarchies_.end(),
                        [](const CgroupHierarchy& h) { return !h.v2; });
  bool v2 = Unified() != nullptr;
  if (v1 && v2) return "hybrid";
  return v2 ? "v2" : "v1";
}

}  // namespace warren::runtime
