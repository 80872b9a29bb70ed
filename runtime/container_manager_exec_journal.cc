// ContainerManager's record of finished exec processes: journaling each
// exit once (also after a restart), and forgetting all but the newest
// finished execs of a container. Split from container_manager_exec.cc,
// which starts, waits for and signals them.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "runtime/container_manager.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

void ContainerManager::ReportExecExit(const StoreLayout& layout,
                                      const std::string& id,
                                      const std::string& exec_id) {
  std::string marker = layout.ExecDir() + "/" + exec_id + ".journaled";
  v1::ExitStatus exit;
  bool prune = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = running_execs_.find(id);
    if (it != running_execs_.end()) {
      it->second.erase(exec_id);
      if (it->second.empty()) running_execs_.erase(it);
    }
    std::string exit_path = layout.ExecExitPath(exec_id);
    if (Exists(marker) || !ReadProto(exit_path, &exit).ok()) return;
    // The marker is a second name of the exit record, not a new file:
    // allocating an inode costs up to a millisecond in a directory with
    // much churn. Unmarked, the exit is journaled again after a restart.
    int marked = link(exit_path.c_str(), marker.c_str());
    (void)marked;
    size_t& exits = exits_since_prune_[id];
    prune = ++exits >= kKeptFinishedExecs;
    if (prune) exits = 0;
  }
  v1::Event e = ExecEvent(id, exec_id, kEventExecExited);
  *e.mutable_exit() = exit;
  Emit({e}, JournalSync::kWriteOnly);
  if (prune) PruneFinishedExecs(layout);
}

void ContainerManager::PruneFinishedExecs(const StoreLayout& layout) {
  constexpr absl::string_view kMark = ".journaled";
  // The mark is a second name of the exit record: its time is the exit's.
  std::vector<std::pair<std::pair<int64_t, long>, std::string>> finished;
  for (const std::string& file : ListDir(layout.ExecDir())) {
    if (!absl::EndsWith(file, kMark)) continue;
    struct stat st;
    if (stat((layout.ExecDir() + "/" + file).c_str(), &st) != 0) continue;
    finished.push_back({{st.st_mtim.tv_sec, st.st_mtim.tv_nsec},
                        file.substr(0, file.size() - kMark.size())});
  }
  if (finished.size() <= kKeptFinishedExecs) return;
  std::sort(finished.begin(), finished.end());
  finished.resize(finished.size() - kKeptFinishedExecs);
  for (const auto& [time, exec_id] : finished) {
    for (const std::string& path :
         {layout.ExecSpecPath(exec_id), layout.ExecLogPath(exec_id),
          layout.ExecExitPath(exec_id),
          layout.ExecDir() + "/" + exec_id + std::string(kMark)}) {
      unlink(path.c_str());
    }
  }
}

void ContainerManager::ForgetExecs(const std::string& id,
                                   const StoreLayout& layout) {
  // Execs that ended with the container: journal them before their records
  // go (ReportExecExit skips busy containers, so it is done here).
  std::set<std::string> execs;
  {
    absl::MutexLock lock(&mu_);
    auto it = running_execs_.find(id);
    if (it != running_execs_.end()) execs = std::move(it->second);
    running_execs_.erase(id);
    exits_since_prune_.erase(id);
  }
  for (const std::string& exec_id : execs) {
    v1::ExitStatus exit;
    if (!ReadProto(layout.ExecExitPath(exec_id), &exit).ok()) continue;
    v1::Event e = ExecEvent(id, exec_id, kEventExecExited);
    *e.mutable_exit() = exit;
    Emit({e}, JournalSync::kWriteOnly);
  }
}

void ContainerManager::WatchExecs() {
  while (true) {
    std::vector<std::pair<std::string, std::string>> done;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      for (const auto& [id, execs] : running_execs_) {
        StoreLayout layout = LayoutFor(id);
        for (const std::string& exec_id : execs) {
          if (Exists(layout.ExecExitPath(exec_id))) {
            done.push_back({id, exec_id});
          }
        }
      }
    }
    for (const auto& [id, exec_id] : done) {
      ReportExecExit(LayoutFor(id), id, exec_id);
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(100));
    if (stopping_) return;
  }
}

}  // namespace warren::runtime
