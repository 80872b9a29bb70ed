#include "runtime/namespace_info.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

std::vector<v1::NamespaceInfo> ReadNamespaces(pid_t pid) {
  static constexpr const char* kKinds[] = {"mnt", "uts",  "ipc",    "pid",
                                           "net", "user", "cgroup", "time"};
  std::vector<v1::NamespaceInfo> out;
  for (const char* kind : kKinds) {
    std::string path = absl::StrCat("/proc/", pid, "/ns/", kind);
    std::string own = absl::StrCat("/proc/self/ns/", kind);
    struct stat theirs, ours;
    if (stat(path.c_str(), &theirs) != 0) continue;
    v1::NamespaceInfo info;
    info.set_type(kind);
    info.set_path(path);
    info.set_inode(theirs.st_ino);
    info.set_shared_with_host(stat(own.c_str(), &ours) == 0 &&
                              ours.st_ino == theirs.st_ino &&
                              ours.st_dev == theirs.st_dev);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace warren::runtime
