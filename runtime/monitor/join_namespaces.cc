#include "runtime/monitor/join_namespaces.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

// "1000000000" ns as the "<seconds> <nanoseconds>" pair timens_offsets
// wants, with nanoseconds in [0, 1e9).
std::string OffsetText(int64_t ns) {
  int64_t sec = ns / 1000000000;
  int64_t rem = ns % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    sec -= 1;
  }
  return absl::StrCat(sec, " ", rem);
}

}  // namespace

void CloseNamespaces(const std::vector<OpenNamespace>& joined) {
  for (const OpenNamespace& ns : joined) close(ns.fd);
}

absl::StatusOr<std::vector<OpenNamespace>> OpenJoinedNamespaces(
    const InitPlan& plan) {
  std::vector<OpenNamespace> out;
  for (const JoinNamespace& j : plan.join_namespaces) {
    int fd = open(j.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      CloseNamespaces(out);
      return absl::FailedPreconditionError(
          absl::StrCat(j.field, ".path: open ", j.path, ": ", strerror(err)));
    }
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type != j.type) {
      close(fd);
      CloseNamespaces(out);
      return absl::FailedPreconditionError(absl::StrCat(
          j.field, ".path: ", j.path, " is not a namespace of that kind"));
    }
    out.push_back({j.type, fd});
  }
  return out;
}

absl::Status PrepareForClone(const InitPlan& plan,
                             const std::vector<OpenNamespace>& joined) {
  for (const OpenNamespace& ns : joined) {
    if (ns.type == CLONE_NEWPID && setns(ns.fd, CLONE_NEWPID) != 0) {
      return absl::ErrnoToStatus(errno, "join PID namespace");
    }
  }
  if (!plan.new_time_ns) return absl::OkStatus();
  if (unshare(CLONE_NEWTIME) != 0) {
    return absl::ErrnoToStatus(errno, "unshare time namespace");
  }
  std::string offsets =
      absl::StrCat("monotonic ", OffsetText(plan.monotonic_offset_ns),
                   "\nboottime ", OffsetText(plan.boottime_offset_ns), "\n");
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open timens_offsets");
  ssize_t n = write(fd, offsets.data(), offsets.size());
  int err = errno;
  close(fd);
  if (n < 0) return absl::ErrnoToStatus(err, "set time namespace offsets");
  return absl::OkStatus();
}

absl::Status JoinNamespaces(const std::vector<OpenNamespace>& joined) {
  for (const OpenNamespace& ns : joined) {
    if (ns.type != CLONE_NEWPID && setns(ns.fd, ns.type) != 0) {
      return absl::ErrnoToStatus(errno, "setns");
    }
  }
  CloseNamespaces(joined);
  return absl::OkStatus();
}

}  // namespace warren::runtime
