#include "runtime/etc_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace warren::runtime {

EtcFiles RenderEtcFiles(const std::string& hostname, const std::string& ip,
                        const std::string& resolv_conf) {
  EtcFiles f;
  f.hosts =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n";
  if (!hostname.empty()) {
    absl::StrAppend(&f.hosts, ip.empty() ? "127.0.1.1" : ip, "\t", hostname,
                    "\n");
    f.hostname = hostname + "\n";
  }
  f.resolv_conf = resolv_conf;
  return f;
}

absl::Status WriteEtcFiles(const std::string& layer_dir,
                           const EtcFiles& files) {
  std::string etc = layer_dir + "/etc";
  for (const std::string& dir : {layer_dir, etc}) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, "mkdir " + dir);
    }
  }
  const std::pair<const char*, const std::string*> all[] = {
      {"hosts", &files.hosts},
      {"hostname", &files.hostname},
      {"resolv.conf", &files.resolv_conf}};
  for (const auto& [name, content] : all) {
    if (content->empty()) continue;
    std::string path = absl::StrCat(etc, "/", name);
    // A fresh layer of a container being created, on the run directory's
    // tmpfs: a crash removes the whole container, so no fsync.
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return absl::ErrnoToStatus(errno, "create " + path);
    ssize_t n = write(fd, content->data(), content->size());
    int err = errno;
    close(fd);
    if (n != static_cast<ssize_t>(content->size())) {
      return absl::ErrnoToStatus(err, "write " + path);
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
