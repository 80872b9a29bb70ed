#include "runtime/monitor/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warren::runtime {
namespace {

int Open2(int dirfd, const std::string& path, uint64_t flags) {
  open_how how{};
  how.flags = flags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(
      syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how)));
}

// Creates the missing components of `path` inside the root. Each step opens
// the parent inside the root and creates only a plain name relative to it,
// so nothing is created outside the root. Returns "" when done, or the path
// to continue with when a component is a dangling symlink (its target,
// taken inside the root, followed by the rest of `path`).
absl::StatusOr<std::string> CreatePath(int root_fd, const std::string& path,
                                       CreateMissing create) {
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string parent = prefix.empty() ? "/" : prefix;
    prefix = absl::StrCat(prefix, "/", parts[i]);
    int probe = Open2(root_fd, prefix, O_PATH | O_CLOEXEC);
    if (probe >= 0) {
      close(probe);
      continue;
    }
    if (errno != ENOENT) {
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("open ", prefix, " in root"));
    }
    int dir = Open2(root_fd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("open ", parent, " in root"));
    }
    absl::Cleanup close_dir = [dir] { close(dir); };
    char target[4096];
    ssize_t n = readlinkat(dir, parts[i].c_str(), target, sizeof(target) - 1);
    if (n >= 0) {
      // A dangling symlink: continue at its target, inside the root.
      std::string next(target, static_cast<size_t>(n));
      if (next.empty() || next[0] != '/')
        next = absl::StrCat(parent, "/", next);
      for (size_t j = i + 1; j < parts.size(); ++j) {
        absl::StrAppend(&next, "/", parts[j]);
      }
      return next;
    }
    bool last = i + 1 == parts.size();
    int rc;
    if (last && create == CreateMissing::kFile) {
      rc = openat(dir, parts[i].c_str(),
                  O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
      if (rc >= 0) close(rc);
    } else {
      rc = mkdirat(dir, parts[i].c_str(), 0755);
    }
    if (rc < 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("create ", prefix, " in root"));
    }
  }
  return std::string();
}

}  // namespace

std::string FdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

absl::StatusOr<int> OpenInRoot(int root_fd, const std::string& path,
                               CreateMissing create) {
  std::string current = path;
  // Each dangling symlink on the way restarts the walk at its target; the
  // bound stops symlink loops (as the kernel's own limit of 40 does).
  for (int hops = 0; hops < 40; ++hops) {
    int fd = Open2(root_fd, current, O_PATH | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != ENOENT) {
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("open ", current, " in root"));
    }
    if (create == CreateMissing::kNo) {
      return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    }
    absl::StatusOr<std::string> redirect = CreatePath(root_fd, current, create);
    if (!redirect.ok()) return redirect.status();
    if (redirect->empty()) {
      fd = Open2(root_fd, current, O_PATH | O_CLOEXEC);
      if (fd < 0) {
        return absl::ErrnoToStatus(errno,
                                   absl::StrCat("open ", current, " in root"));
      }
      return fd;
    }
    current = *redirect;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": too many levels of symbolic links"));
}

}  // namespace warren::runtime
