#include "runtime/device_cgroup.h"

#include "absl/strings/str_cat.h"

namespace warren::runtime {

const std::vector<std::string>& DefaultDeviceRules() {
  static const auto* rules = new std::vector<std::string>{
      "c *:* m",      // mknod of any character device,
      "b *:* m",      // and of any block device (opening is what matters)
      "c 1:3 rwm",    // /dev/null
      "c 1:5 rwm",    // /dev/zero
      "c 1:7 rwm",    // /dev/full
      "c 1:8 rwm",    // /dev/random
      "c 1:9 rwm",    // /dev/urandom
      "c 5:0 rwm",    // /dev/tty
      "c 5:1 rwm",    // /dev/console
      "c 5:2 rwm",    // /dev/ptmx
      "c 136:* rwm",  // /dev/pts/*
  };
  return *rules;
}

std::vector<CgroupWrite> PlanDeviceWrites(const CgroupSystem& system,
                                          const std::string& rel) {
  std::vector<CgroupWrite> writes;
  const CgroupHierarchy* devices = system.For("devices");
  if (devices == nullptr || devices->v2) return writes;
  std::string dir = absl::StrCat(devices->mount_point, "/", rel, "/");
  writes.push_back({dir + "devices.deny", "a"});
  for (const std::string& rule : DefaultDeviceRules()) {
    writes.push_back({dir + "devices.allow", rule});
  }
  return writes;
}

}  // namespace warren::runtime
