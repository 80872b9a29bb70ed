#include "netns/netns_file.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"

namespace warren::netns {
namespace {

absl::Status ErrnoError(int err, absl::string_view what) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (err == EPERM || err == EACCES) code = absl::StatusCode::kPermissionDenied;
  if (err == ENOENT) code = absl::StatusCode::kNotFound;
  if (err == EEXIST) code = absl::StatusCode::kAlreadyExists;
  if (err == EINVAL) code = absl::StatusCode::kInvalidArgument;
  return absl::Status(code, absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace

absl::StatusOr<std::string> CreateNetnsFile(absl::string_view dir,
                                            absl::string_view name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("netns name: \"", name, "\" is not a file name"));
  }
  if (dir.empty()) return absl::InvalidArgumentError("netns dir: is required");
  std::error_code ec;
  std::filesystem::create_directories(std::string(dir), ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("create netns dir ", dir, ": ", ec.message()));
  }
  const std::string path = absl::StrCat(dir, "/", name);
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("create ", path));
  close(fd);

  // unshare(CLONE_NEWNET) only moves the calling thread, and the mount is
  // made in the mount namespace all threads share.
  absl::Status status;
  std::thread([&status, &path] {
    if (unshare(CLONE_NEWNET) != 0) {
      status = ErrnoError(errno, "unshare(CLONE_NEWNET)");
      return;
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND,
              nullptr) != 0) {
      status = ErrnoError(
          errno,
          absl::StrCat("bind-mount the new network namespace on ", path));
    }
  }).join();
  if (!status.ok()) {
    unlink(path.c_str());
    return status;
  }
  return path;
}

absl::Status RemoveNetnsFile(absl::string_view path) {
  const std::string p(path);
  // EINVAL: not a mount point (never mounted); ENOENT: already gone.
  if (umount2(p.c_str(), MNT_DETACH) != 0 && errno != EINVAL &&
      errno != ENOENT) {
    return ErrnoError(errno, absl::StrCat("unmount netns ", p));
  }
  if (unlink(p.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, absl::StrCat("remove netns file ", p));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> OpenNetnsFile(absl::string_view path) {
  const std::string p(path);
  int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("open netns ", p));
  return fd;
}

absl::Status RunInNetns(int netns_fd, absl::FunctionRef<absl::Status()> fn) {
  absl::Status status;
  std::thread([&status, netns_fd, fn] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      status = ErrnoError(
          errno, absl::StrCat("setns(fd ", netns_fd, ", CLONE_NEWNET)"));
      return;
    }
    status = fn();
  }).join();
  return status;
}

}  // namespace warren::netns
