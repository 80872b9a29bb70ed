// The benchmark's own /run: a tmpfs at BenchContext::run_dir holding every
// subject's runtime state, as their defaults keep it on /run (warrend's
// run_dir, runc's and crun's --root, containerd's state, podman's
// runroot). Without it that state would sit on the work directory's disk,
// which no subject uses that way in production, and on this host's
// journal-less ext4 each new inode there can cost a millisecond.
#ifndef WARREN_TOOLS_BENCH_RUN_TMPFS_H_
#define WARREN_TOOLS_BENCH_RUN_TMPFS_H_

#include <string>

#include "absl/status/status.h"

namespace warren::bench {

// Makes `dir` and mounts a fresh tmpfs on it.
absl::Status MountRunTmpfs(const std::string& dir);

// Unmounts whatever is mounted on `dir` (also after an interrupted run)
// and removes it; nothing if it is not there.
void UnmountRunTmpfs(const std::string& dir);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_RUN_TMPFS_H_
