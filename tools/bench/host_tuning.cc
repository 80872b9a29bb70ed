#include "tools/bench/host_tuning.h"

#include <unistd.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "runtime/cgroup_favor_dynmods.h"
#include "runtime/file_util.h"

namespace warren::bench {
namespace {

std::string MarkerPath(const std::string& work_dir) {
  return work_dir + "/favordynmods-set-by-bench";
}

}  // namespace

std::string TuneHost(const std::string& work_dir) {
  absl::StatusOr<std::string> changed = runtime::SetCgroupFavorDynmods(true);
  if (!changed.ok()) {
    return absl::StrCat("favordynmods off (", changed.status().message(), ")");
  }
  if (changed->empty()) return "favordynmods on (already)";
  // Remembered before anything can interrupt the run.
  (void)runtime::MakeDirs(work_dir);
  (void)runtime::WriteFileAtomic(MarkerPath(work_dir), *changed, 0600);
  return absl::StrCat("favordynmods on ", *changed,
                      " (set by the benchmark for every subject)");
}

void RestoreHost(const std::string& work_dir) {
  std::string marker = MarkerPath(work_dir);
  if (access(marker.c_str(), F_OK) != 0) return;
  if (runtime::SetCgroupFavorDynmods(false).ok()) unlink(marker.c_str());
}

}  // namespace warren::bench
