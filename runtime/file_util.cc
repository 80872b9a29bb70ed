#include "runtime/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("write ", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomic(const std::string& path, absl::string_view data,
                             int mode, Durability durability) {
  std::string tmp = absl::StrCat(path, ".tmp");
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", tmp));
  bool keep = false;
  absl::Cleanup remove_tmp = [&] {
    if (!keep) unlink(tmp.c_str());
  };
  absl::Status status = WriteAll(fd, data, tmp);
  if (status.ok() && durability == Durability::kDurable && fsync(fd) != 0) {
    status = absl::ErrnoToStatus(errno, absl::StrCat("fsync ", tmp));
  }
  close(fd);
  if (!status.ok()) return status;
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("rename ", tmp));
  }
  keep = true;
  if (durability != Durability::kDurable) return absl::OkStatus();
  // The file is in place either way; its name is then as durable as the
  // directory's storage allows.
  (void)SyncDir(DirName(path));
  return absl::OkStatus();
}

absl::StatusOr<PreparedFile> PreparedFile::Create(const std::string& path,
                                                  int mode) {
  std::string tmp = absl::StrCat(path, ".tmp");
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", tmp));
  return PreparedFile(path, fd);
}

PreparedFile::PreparedFile(PreparedFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

PreparedFile& PreparedFile::operator=(PreparedFile&& other) noexcept {
  if (this != &other) {
    Abandon();
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

PreparedFile::~PreparedFile() { Abandon(); }

void PreparedFile::Abandon() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
  unlink(absl::StrCat(path_, ".tmp").c_str());
}

absl::Status PreparedFile::Commit(absl::string_view data) {
  if (fd_ < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " was committed already"));
  }
  std::string tmp = absl::StrCat(path_, ".tmp");
  absl::Status status = WriteAll(fd_, data, tmp);
  close(fd_);
  fd_ = -1;
  if (status.ok() && rename(tmp.c_str(), path_.c_str()) != 0) {
    status = absl::ErrnoToStatus(errno, absl::StrCat("rename ", tmp));
  }
  if (!status.ok()) unlink(tmp.c_str());
  return status;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  absl::Cleanup closer = [fd] { close(fd); };
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::Status WriteProtoAtomic(const std::string& path,
                              const google::protobuf::MessageLite& message,
                              Durability durability) {
  std::string data;
  if (!message.SerializeToString(&data)) {
    return absl::InternalError(absl::StrCat("serialize ", path));
  }
  return WriteFileAtomic(path, data, 0600, durability);
}

absl::Status ReadProto(const std::string& path,
                       google::protobuf::MessageLite* message) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) return data.status();
  if (!message->ParseFromString(*data)) {
    return absl::DataLossError(absl::StrCat("parse ", path, ": corrupt"));
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return absl::InvalidArgumentError("empty directory path");
  // Usually the parent exists (or the directory itself): one mkdir, not one
  // per path component.
  if (mkdir(path.c_str(), static_cast<mode_t>(mode)) == 0 || errno == EEXIST) {
    return absl::OkStatus();
  }
  if (errno != ENOENT) {
    return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", path));
  }
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 &&
        errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", prefix));
    }
  }
  return absl::OkStatus();
}

absl::Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", dir));
  absl::Status status = absl::OkStatus();
  if (fsync(fd) != 0) {
    status = absl::ErrnoToStatus(errno, absl::StrCat("fsync ", dir));
  }
  close(fd);
  return status;
}

namespace {

int RemoveEntry(const char* path, const struct stat* /*st*/, int type,
                struct FTW* /*ftw*/) {
  int rc = (type == FTW_DP) ? rmdir(path) : unlink(path);
  return (rc == 0 || errno == ENOENT) ? 0 : errno;
}

}  // namespace

absl::Status RemoveTree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  int rc =
      nftw(path.c_str(), RemoveEntry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (rc != 0) {
    int err = rc > 0 ? rc : errno;
    return absl::ErrnoToStatus(err, absl::StrCat("remove ", path));
  }
  return absl::OkStatus();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

void EnlargePipe(int fd) {
  (void)fcntl(fd, F_SETPIPE_SZ, kOutputPipeBytes);  // failure: keep the size
}

}  // namespace warren::runtime
