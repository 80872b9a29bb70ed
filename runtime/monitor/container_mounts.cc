#include "runtime/monitor/container_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "runtime/monitor/in_root.h"

namespace warren::runtime {
namespace {

absl::Status MountAt(const std::string& source, int target_fd,
                     const std::string& fstype, unsigned long flags,
                     const std::string& data, const std::string& what) {
  std::string target = FdPath(target_fd);
  if (mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
            fstype.empty() ? nullptr : fstype.c_str(), flags,
            data.empty() ? nullptr : data.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mount ", what));
  }
  return absl::OkStatus();
}

// The per-mount flags a bind remount must keep (clearing them is refused in
// some contexts and would weaken the mount in others).
unsigned long KeptFlags(int fd) {
  struct statvfs st;
  if (fstatvfs(fd, &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_RDONLY) flags |= MS_RDONLY;
  return flags;
}

// Remounts the bind mount at `path` (inside the root) with `flags` added.
absl::Status RemountBind(int root_fd, const std::string& path,
                         unsigned long flags) {
  absl::StatusOr<int> fd = OpenInRoot(root_fd, path, CreateMissing::kNo);
  if (!fd.ok()) return fd.status();
  absl::Cleanup closer = [&] { close(*fd); };
  return MountAt("", *fd, "", MS_BIND | MS_REMOUNT | KeptFlags(*fd) | flags, "",
                 absl::StrCat(path, " (remount)"));
}

absl::Status ApplyUserMount(int root_fd, const UserMount& m) {
  bool file_target = false;
  if (m.options.bind) {
    struct stat st;
    if (stat(m.source.c_str(), &st) != 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("bind source ", m.source));
    }
    file_target = !S_ISDIR(st.st_mode);
  }
  absl::StatusOr<int> fd = OpenInRoot(
      root_fd, m.target,
      file_target ? CreateMissing::kFile : CreateMissing::kDirectory);
  if (!fd.ok()) return fd.status();
  absl::Cleanup closer = [&] { close(*fd); };
  const ParsedMountOptions& o = m.options;
  if (o.bind) {
    unsigned long flags = MS_BIND | (o.recursive ? MS_REC : 0);
    if (absl::Status s = MountAt(m.source, *fd, "", flags, "", m.target);
        !s.ok()) {
      return s;
    }
    if (o.flags != 0) {
      if (absl::Status s = RemountBind(root_fd, m.target, o.flags); !s.ok()) {
        return s;
      }
    }
  } else {
    std::string source = m.source.empty() ? m.fstype : m.source;
    if (absl::Status s =
            MountAt(source, *fd, m.fstype, o.flags, o.data, m.target);
        !s.ok()) {
      return s;
    }
  }
  if (o.propagation != 0) {
    absl::StatusOr<int> now = OpenInRoot(root_fd, m.target, CreateMissing::kNo);
    if (!now.ok()) return now.status();
    absl::Cleanup close_now = [&] { close(*now); };
    return MountAt("", *now, "", o.propagation, "", m.target);
  }
  return absl::OkStatus();
}

absl::Status MaskPath(int root_fd, const std::string& path) {
  absl::StatusOr<int> fd = OpenInRoot(root_fd, path, CreateMissing::kNo);
  if (absl::IsNotFound(fd.status())) return absl::OkStatus();
  if (!fd.ok()) return fd.status();
  absl::Cleanup closer = [&] { close(*fd); };
  struct stat st;
  if (fstat(*fd, &st) != 0) return absl::ErrnoToStatus(errno, "stat " + path);
  if (S_ISDIR(st.st_mode)) {
    return MountAt("tmpfs", *fd, "tmpfs", MS_RDONLY, "size=0",
                   absl::StrCat("mask ", path));
  }
  absl::StatusOr<int> null =
      OpenInRoot(root_fd, "/dev/null", CreateMissing::kNo);
  if (!null.ok()) return null.status();
  absl::Cleanup close_null = [&] { close(*null); };
  return MountAt(FdPath(*null), *fd, "", MS_BIND, "",
                 absl::StrCat("mask ", path));
}

absl::Status MakeReadonly(int root_fd, const std::string& path) {
  absl::StatusOr<int> fd = OpenInRoot(root_fd, path, CreateMissing::kNo);
  if (absl::IsNotFound(fd.status())) return absl::OkStatus();
  if (!fd.ok()) return fd.status();
  {
    absl::Cleanup closer = [&] { close(*fd); };
    std::string self = FdPath(*fd);
    if (absl::Status s = MountAt(self, *fd, "", MS_BIND | MS_REC, "",
                                 absl::StrCat("read-only ", path));
        !s.ok()) {
      return s;
    }
  }
  return RemountBind(root_fd, path, MS_RDONLY);
}

absl::Status WriteSysctl(int root_fd, const std::string& path,
                         const std::string& value) {
  absl::StatusOr<int> fd = OpenInRoot(root_fd, path, CreateMissing::kNo);
  if (!fd.ok()) return fd.status();
  absl::Cleanup closer = [&] { close(*fd); };
  int wfd = open(FdPath(*fd).c_str(), O_WRONLY | O_CLOEXEC);
  if (wfd < 0) return absl::ErrnoToStatus(errno, "open " + path);
  ssize_t n = write(wfd, value.data(), value.size());
  int err = errno;
  close(wfd);
  if (n < 0) return absl::ErrnoToStatus(err, absl::StrCat("write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyContainerMounts(const InitPlan& plan) {
  int root_fd = open(plan.merged_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    return absl::ErrnoToStatus(errno, "open root " + plan.merged_dir);
  }
  absl::Cleanup closer = [root_fd] { close(root_fd); };
  for (const auto& [path, value] : plan.sysctls) {
    if (absl::Status s = WriteSysctl(root_fd, path, value); !s.ok()) return s;
  }
  for (const UserMount& m : plan.user_mounts) {
    if (absl::Status s = ApplyUserMount(root_fd, m); !s.ok()) return s;
  }
  for (const std::string& path : plan.masked_paths) {
    if (absl::Status s = MaskPath(root_fd, path); !s.ok()) return s;
  }
  for (const std::string& path : plan.readonly_paths) {
    if (absl::Status s = MakeReadonly(root_fd, path); !s.ok()) return s;
  }
  if (plan.readonly_rootfs) {
    if (mount(nullptr, plan.merged_dir.c_str(), nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      return absl::ErrnoToStatus(errno, "remount root read-only");
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
