#include "runtime/monitor/user_namespace.h"

#include <fcntl.h>
#include <ftw.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "runtime/file_util.h"
#include "runtime/id_map.h"

namespace warren::runtime {
namespace {

// nftw's callback takes no closure: the owner for PrepareUserNamespaceLayers
// (the monitor is single-threaded).
RootIds current_root;

absl::Status WriteProcFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  ssize_t n = write(fd, text.data(), text.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return absl::ErrnoToStatus(err, absl::StrCat("write ", path));
  }
  return absl::OkStatus();
}

// Opens `path` as an O_PATH directory at exactly descriptor `fd`.
absl::Status OpenAt(const std::string& path, int fd) {
  int opened = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (opened < 0) return absl::ErrnoToStatus(errno, "open " + path);
  if (opened != fd) {
    int rc = dup3(opened, fd, O_CLOEXEC);
    int err = errno;
    close(opened);
    if (rc < 0) return absl::ErrnoToStatus(err, "anchor " + path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RootIds> ContainerRootIds(pid_t init_pid) {
  RootIds ids;
  for (const char* kind : {"uid_map", "gid_map"}) {
    std::string path = absl::StrCat("/proc/", init_pid, "/", kind);
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    absl::StatusOr<IdMappings> maps = ParseIdMapText(*text);
    if (!maps.ok()) return maps.status();
    absl::optional<uint32_t> root = MapToHost(*maps, 0);
    if (!root) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the container's user namespace maps no id 0 (", path, ")"));
    }
    if (kind[0] == 'u') {
      ids.uid = *root;
    } else {
      ids.gid = *root;
    }
  }
  return ids;
}

absl::Status PrepareUserNamespaceLayers(const UserNamespacePlan& plan,
                                        const ContainerPaths& paths,
                                        RootIds root) {
  if (mkdir(plan.image_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::ErrnoToStatus(errno, "mkdir " + plan.image_dir);
  }
  // Only what warrend put there so far (empty layers, a few /etc files):
  // walk it all.
  auto chown_one = [](const char* path, const struct stat*, int, FTW*) -> int {
    return lchown(path, current_root.uid, current_root.gid) == 0 ? 0 : -1;
  };
  current_root = root;
  std::vector<std::string> layers = {paths.upper_dir, paths.work_dir};
  if (!plan.etc_layer_dir.empty()) layers.push_back(plan.etc_layer_dir);
  for (const std::string& dir : layers) {
    if (nftw(dir.c_str(), chown_one, 16, FTW_PHYS) != 0) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("chown ", dir, " to ", root.uid, ":", root.gid));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<pid_t> CloneInit(unsigned long flags, int join_userns_fd) {
  if (join_userns_fd < 0) {
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return absl::ErrnoToStatus(errno, "clone container init");
    return static_cast<pid_t>(pid);
  }
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe");
  pid_t helper = fork();
  if (helper < 0) {
    int err = errno;
    close(report[0]);
    close(report[1]);
    return absl::ErrnoToStatus(err, "fork user namespace helper");
  }
  if (helper == 0) {
    close(report[0]);
    long pid = -1;
    int err = 0;
    if (setns(join_userns_fd, CLONE_NEWUSER) != 0) {
      err = errno;
    } else {
      pid = syscall(SYS_clone, (flags & ~CLONE_NEWUSER) | SIGCHLD, 0, 0, 0, 0);
      if (pid == 0) {
        close(report[1]);
        return 0;  // the init
      }
      if (pid < 0) err = errno;
    }
    int msg[2] = {static_cast<int>(pid), err};
    ssize_t ignored = write(report[1], msg, sizeof(msg));
    (void)ignored;
    _exit(0);
  }
  close(report[1]);
  int msg[2] = {-1, EPIPE};
  ssize_t n = read(report[0], msg, sizeof(msg));
  close(report[0]);
  waitpid(helper, nullptr, 0);
  if (n != static_cast<ssize_t>(sizeof(msg)) || msg[0] <= 0) {
    return absl::ErrnoToStatus(msg[1] != 0 ? msg[1] : EPIPE,
                               "clone container init in the joined user "
                               "namespace");
  }
  return static_cast<pid_t>(msg[0]);
}

absl::Status WriteIdMaps(pid_t init_pid, const UserNamespacePlan& plan) {
  std::string proc = absl::StrCat("/proc/", init_pid);
  if (absl::Status s = WriteProcFile(proc + "/uid_map", plan.uid_map);
      !s.ok()) {
    return s;
  }
  return WriteProcFile(proc + "/gid_map", plan.gid_map);
}

absl::StatusOr<int> MakeIdmappedImage(pid_t init_pid,
                                      const std::string& rootfs) {
  std::string ns_path = absl::StrCat("/proc/", init_pid, "/ns/user");
  int userns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (userns < 0) return absl::ErrnoToStatus(errno, "open " + ns_path);
  absl::Cleanup close_ns = [userns] { close(userns); };
  int tree = static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, rootfs.c_str(),
                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (tree < 0) return absl::ErrnoToStatus(errno, "clone mount of " + rootfs);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns);
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr,
              sizeof(attr)) != 0) {
    int err = errno;
    close(tree);
    return absl::ErrnoToStatus(
        err, absl::StrCat("idmapped mount of ", rootfs,
                          " (its file system must support idmapped mounts "
                          "for user namespaces)"));
  }
  return tree;
}

absl::Status BecomeUserNamespaceRoot(const UserNamespacePlan& plan,
                                     int image_fd) {
  if (image_fd < 0) {
    return absl::InternalError("no idmapped image from the monitor");
  }
  absl::Cleanup close_image = [image_fd] { close(image_fd); };
  if (absl::Status s = OpenAt(plan.run_dir, kAnchorRunDirFd); !s.ok()) {
    return s;
  }
  if (absl::Status s = OpenAt(plan.bundle_dir, kAnchorBundleDirFd); !s.ok()) {
    return s;
  }
  std::string target =
      absl::StrCat("/proc/self/fd/", kAnchorRunDirFd, "/image");
  if (syscall(SYS_move_mount, image_fd, "", AT_FDCWD, target.c_str(),
              MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    return absl::ErrnoToStatus(errno, "attach idmapped image");
  }
  if (setresgid(0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "become gid 0 in the user namespace");
  }
  if (setresuid(0, 0, 0) != 0) {
    return absl::ErrnoToStatus(errno, "become uid 0 in the user namespace");
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
