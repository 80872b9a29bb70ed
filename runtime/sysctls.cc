#include "runtime/sysctls.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

using v1::NamespaceSpec;

bool OwnNamespace(const NamespaceSpec& ns) {
  return ns.mode() == NamespaceSpec::MODE_DEFAULT ||
         ns.mode() == NamespaceSpec::MODE_NEW;
}

constexpr const char* kIpcSysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

}  // namespace

std::string SysctlPath(const std::string& key) {
  std::string path = key;
  std::replace(path.begin(), path.end(), '.', '/');
  return "/proc/sys/" + path;
}

absl::Status ValidateSysctls(const v1::ContainerSpec& spec) {
  const v1::NamespacesSpec& n = spec.namespaces();
  bool own_net = OwnNamespace(n.network()) &&
                 spec.network().mode() != v1::NetworkSpec::MODE_HOST;
  for (const auto& [key, value] : spec.sysctls()) {
    std::string field = absl::StrCat("spec.sysctls[", key, "]");
    if (key.empty() || absl::StrContains(key, "..") ||
        absl::StrContains(key, "/") || key.front() == '.' ||
        key.back() == '.') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": malformed sysctl name"));
    }
    if (value.empty() || absl::StrContains(value, "\n")) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": value must be one non-empty line"));
    }
    bool ipc = std::any_of(std::begin(kIpcSysctls), std::end(kIpcSysctls),
                           [&](const char* k) { return key == k; }) ||
               absl::StartsWith(key, "fs.mqueue.");
    const char* needs = nullptr;
    bool ok = false;
    if (absl::StartsWith(key, "net.")) {
      ok = own_net;
      needs = "its own network namespace";
    } else if (ipc) {
      ok = OwnNamespace(n.ipc());
      needs = "its own IPC namespace";
    } else if (key == "kernel.hostname" || key == "kernel.domainname") {
      ok = OwnNamespace(n.uts());
      needs = "its own UTS namespace";
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          ": not a namespaced sysctl; setting it would change the host"));
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": needs the container to have ", needs));
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
