#include "runtime/device_cgroup.h"

#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

std::string Number(int n) { return n < 0 ? "*" : absl::StrCat(n); }

}  // namespace

std::string DeviceRule::ToV1() const {
  return absl::StrCat(std::string(1, type), " ", Number(major), ":",
                      Number(minor), " ", access);
}

const std::vector<DeviceRule>& DefaultDeviceRules() {
  static const auto* rules = new std::vector<DeviceRule>{
      {'c', -1, -1, "m"},     // mknod of any character device,
      {'b', -1, -1, "m"},     // and of any block device (opening matters)
      {'c', 1, 3, "rwm"},     // /dev/null
      {'c', 1, 5, "rwm"},     // /dev/zero
      {'c', 1, 7, "rwm"},     // /dev/full
      {'c', 1, 8, "rwm"},     // /dev/random
      {'c', 1, 9, "rwm"},     // /dev/urandom
      {'c', 5, 0, "rwm"},     // /dev/tty
      {'c', 5, 1, "rwm"},     // /dev/console
      {'c', 5, 2, "rwm"},     // /dev/ptmx
      {'c', 136, -1, "rwm"},  // /dev/pts/*
  };
  return *rules;
}

std::vector<CgroupWrite> PlanDeviceWrites(
    const CgroupSystem& system, const std::string& rel,
    const std::vector<DeviceRule>& rules) {
  std::vector<CgroupWrite> writes;
  const CgroupHierarchy* devices = system.For("devices");
  if (devices == nullptr || devices->v2) return writes;
  std::string dir = absl::StrCat(devices->mount_point, "/", rel, "/");
  writes.push_back({dir + "devices.deny", "a"});
  for (const DeviceRule& rule : rules) {
    if (rule.type != 'a') {
      writes.push_back({dir + "devices.allow", rule.ToV1()});
      continue;
    }
    for (char type : {'c', 'b'}) {
      DeviceRule half = rule;
      half.type = type;
      writes.push_back({dir + "devices.allow", half.ToV1()});
    }
  }
  return writes;
}

std::string DeviceProgramDir(const CgroupSystem& system,
                             const std::string& rel) {
  const CgroupHierarchy* devices = system.For("devices");
  if (devices != nullptr && !devices->v2) return "";
  const CgroupHierarchy* v2 = system.Unified();
  if (v2 == nullptr) return "";
  // CgroupDirs gives every container a directory in the v2 hierarchy, so
  // this is where the container's processes are on the v2 side.
  return absl::StrCat(v2->mount_point, "/", rel);
}

}  // namespace warren::runtime
