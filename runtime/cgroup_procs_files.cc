#include "runtime/cgroup_procs_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

absl::StatusOr<CgroupProcsFiles> CgroupProcsFiles::Open(
    const std::vector<std::string>& paths) {
  CgroupProcsFiles opened({});
  for (const std::string& path : paths) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
    opened.files_.emplace_back(path, fd);
  }
  return opened;
}

CgroupProcsFiles& CgroupProcsFiles::operator=(
    CgroupProcsFiles&& other) noexcept {
  if (this != &other) {
    CloseAll();
    files_ = std::move(other.files_);
    other.files_.clear();
  }
  return *this;
}

CgroupProcsFiles::~CgroupProcsFiles() { CloseAll(); }

void CgroupProcsFiles::CloseAll() {
  for (const auto& [path, fd] : files_) close(fd);
  files_.clear();
}

absl::Status CgroupProcsFiles::Add(pid_t pid) const {
  const std::string text = absl::StrCat(pid);
  for (const auto& [path, fd] : files_) {
    // cgroupfs takes each write whole, whatever the file offset.
    if (write(fd, text.data(), text.size()) < 0) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("write \"", text, "\" to ", path));
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
