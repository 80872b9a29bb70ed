// ContainerManager's read-only views: Inspect, List, LogPath, the event
// subscriptions and the per-tenant count behind max_containers. Split from
// container_manager.cc, which holds the lifecycle RPCs.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/container_id.h"
#include "runtime/container_manager.h"
#include "runtime/namespace_info.h"

namespace warren::runtime {

size_t ContainerManager::CountTenant(const std::string& tenant) const {
  return std::count_if(containers_.begin(), containers_.end(),
                       [&](const auto& kv) {
                         return SplitContainerKey(kv.first).tenant == tenant;
                       });
}

absl::StatusOr<v1::Container> ContainerManager::Inspect(const std::string& id) {
  v1::Container out;
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (!e.ok()) return e.status();
    out = (*e)->record;
    if (out.state() == v1::STOPPED || out.pid() <= 0) return out;
    if ((*e)->namespaces_pid == out.pid()) {
      for (const auto& ns : (*e)->namespaces) *out.add_namespaces() = ns;
      return out;
    }
  }
  // Not read yet (a recovered container): read outside the lock, keep it
  // if the entry still has that init.
  std::vector<v1::NamespaceInfo> namespaces = ReadNamespaces(out.pid());
  if (!namespaces.empty()) {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Entry*> e = Find(id);
    if (e.ok() && (*e)->record.pid() == out.pid() &&
        (*e)->record.state() != v1::STOPPED) {
      (*e)->namespaces = namespaces;
      (*e)->namespaces_pid = out.pid();
    }
  }
  for (auto& ns : namespaces) *out.add_namespaces() = std::move(ns);
  return out;
}

std::vector<v1::Container> ContainerManager::List(const ListFilter& filter) {
  std::vector<v1::Container> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, entry] : containers_) {
    const v1::Container& r = entry->record;
    if (!r.has_spec()) continue;
    if (!filter.tenant.empty() && r.tenant() != filter.tenant) continue;
    if (filter.state != v1::CONTAINER_STATE_UNSPECIFIED &&
        r.state() != filter.state) {
      continue;
    }
    bool match = std::all_of(
        filter.labels.begin(), filter.labels.end(), [&](const auto& kv) {
          auto it = r.spec().labels().find(kv.first);
          return it != r.spec().labels().end() && it->second == kv.second;
        });
    if (match) out.push_back(r);
  }
  std::sort(out.begin(), out.end(),
            [](const v1::Container& a, const v1::Container& b) {
              return std::tie(a.tenant(), a.id()) <
                     std::tie(b.tenant(), b.id());
            });
  return out;
}

absl::StatusOr<std::string> ContainerManager::LogPath(const std::string& id) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Find(id);
  if (!e.ok()) return e.status();
  return (*e)->layout.LogPath();
}

absl::Status ContainerManager::Events(
    const EventFilter& filter, uint64_t after_sequence,
    const std::function<bool(const v1::Event&)>& emit,
    const std::function<bool()>& cancelled) {
  if (journal_ == nullptr) {
    return absl::UnavailableError("the event journal is not open yet");
  }
  return journal_->Subscribe(filter, after_sequence, emit, cancelled);
}

void ContainerManager::EndEvents() {
  if (journal_ != nullptr) journal_->EndSubscriptions();
}

}  // namespace warren::runtime
