// ContainerManager's files around a bundle: the /etc files of a new
// container (hosts, hostname, resolv.conf), written into its /etc layer
// before the monitor starts; the syncs that name a new bundle; the removal
// of a deleted one. Split from container_manager.cc, which holds the
// lifecycle.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/container_manager.h"
#include "runtime/etc_files.h"
#include "runtime/file_util.h"
#include "runtime/init_plan.h"

namespace warren::runtime {
namespace {

// The container's own DNS settings, else its network's, else the host's.
std::string ResolvConfFor(const v1::NetworkSpec& spec,
                          const std::string& network_resolv) {
  if (spec.dns_servers().empty() && spec.dns_search().empty()) {
    if (!network_resolv.empty()) return network_resolv;
    absl::StatusOr<std::string> host = ReadFile("/etc/resolv.conf");
    return host.ok() ? *host : "";
  }
  std::string out;
  for (const std::string& server : spec.dns_servers()) {
    absl::StrAppend(&out, "nameserver ", server, "\n");
  }
  if (!spec.dns_search().empty()) {
    absl::StrAppend(&out, "search ", absl::StrJoin(spec.dns_search(), " "),
                    "\n");
  }
  return out;
}

}  // namespace

absl::Status ContainerManager::WriteEtc(const std::string& id,
                                        const v1::ContainerSpec& spec,
                                        const StoreLayout& layout,
                                        const v1::NetworkInfo& net) {
  bool own_uts =
      spec.namespaces().uts().mode() == v1::NamespaceSpec::MODE_DEFAULT ||
      spec.namespaces().uts().mode() == v1::NamespaceSpec::MODE_NEW;
  if (!HasEtcLayer(spec)) return absl::OkStatus();
  std::string hostname;
  if (own_uts) {
    hostname = spec.hostname().empty() ? id.substr(0, 63) : spec.hostname();
  }
  std::string resolv;
  if (!net.network().empty()) {
    resolv =
        ResolvConfFor(spec.network(), networks_->ResolvConf(net.network()));
  }
  return WriteEtcFiles(
      layout.Paths().etc_layer_dir,
      RenderEtcFiles(hostname, net.ip().substr(0, net.ip().find('/')), resolv));
}

absl::Status ContainerManager::SyncBundleName(const std::string& tenant) {
  const std::string tenants = options_.state_dir + "/containers";
  if (absl::Status s = SyncDir(tenants + "/" + tenant); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    if (synced_tenants_.count(tenant) > 0) return absl::OkStatus();
  }
  if (absl::Status s = SyncDir(tenants); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  synced_tenants_.insert(tenant);
  return absl::OkStatus();
}

void ContainerManager::RemoveFiles(const StoreLayout& layout) {
  // The bundle (the record) first: a run directory without a container
  // is removed at the next start, a record without its run directory
  // would come back without its exit.
  if (trash_ != nullptr) {
    (void)trash_->Discard(layout.bundle_dir());
  } else {
    (void)RemoveTree(layout.bundle_dir());
  }
  (void)RemoveTree(layout.run_dir());
}

}  // namespace warren::runtime
