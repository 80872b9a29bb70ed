#include "tools/bench/run_tmpfs.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "runtime/file_util.h"

namespace warren::bench {

absl::Status MountRunTmpfs(const std::string& dir) {
  if (absl::Status s = runtime::MakeDirs(dir, 0755); !s.ok()) return s;
  if (mount("warren-bench-run", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
            "mode=0755,size=4g") != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mount tmpfs on ", dir));
  }
  return absl::OkStatus();
}

void UnmountRunTmpfs(const std::string& dir) {
  // A run interrupted and restarted may have stacked more than one.
  for (int i = 0; i < 8 && umount2(dir.c_str(), MNT_DETACH) == 0; ++i) {
  }
  (void)runtime::RemoveTree(dir);
}

}  // namespace warren::bench
