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

absl::StatusOr<SavedNamespaces> PrepareForClone(
    const InitPlan& plan, const std::vector<OpenNamespace>& joined) {
  SavedNamespaces saved;
  for (const OpenNamespace& ns : joined) {
    if (ns.type != CLONE_NEWPID) continue;
    saved.pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (saved.pid < 0) {
      return absl::ErrnoToStatus(errno, "open own PID namespace");
    }
    if (setns(ns.fd, CLONE_NEWPID) != 0) {
      absl::Status s = absl::ErrnoToStatus(errno, "join PID namespace");
      RestoreAfterClone(saved);
      return s;
    }
  }
  if (!plan.new_time_ns) return saved;
  saved.time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
  absl::Status s;
  if (saved.time < 0) {
    s = absl::ErrnoToStatus(errno, "open own time namespace");
  } else if (unshare(CLONE_NEWTIME) != 0) {
    s = absl::ErrnoToStatus(errno, "unshare time namespace");
  } else {
    std::string offsets =
        absl::StrCat("monotonic ", OffsetText(plan.monotonic_offset_ns),
                     "\nboottime ", OffsetText(plan.boottime_offset_ns), "\n");
    int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      s = absl::ErrnoToStatus(errno, "open timens_offsets");
    } else {
      if (write(fd, offsets.data(), offsets.size()) < 0) {
        s = absl::ErrnoToStatus(errno, "set time namespace offsets");
      }
      close(fd);
    }
  }
  if (!s.ok()) {
    RestoreAfterClone(saved);
    return s;
  }
  return saved;
}

void RestoreAfterClone(const SavedNamespaces& saved) {
  if (saved.pid >= 0) {
    (void)setns(saved.pid, CLONE_NEWPID);
    close(saved.pid);
  }
  if (saved.time >= 0) {
    (void)setns(saved.time, CLONE_NEWTIME);
    close(saved.time);
  }
}

absl::Status JoinNamespaces(const std::vector<OpenNamespace>& joined) {
  for (const OpenNamespace& ns : joined) {
    // PID: joined by the monitor; user: by CloneInit's helper.
    if (ns.type == CLONE_NEWPID || ns.type == CLONE_NEWUSER) continue;
    if (setns(ns.fd, ns.type) != 0) {
      return absl::ErrnoToStatus(errno, "setns");
    }
  }
  CloseNamespaces(joined);
  return absl::OkStatus();
}

int JoinedUserNamespace(const std::vector<OpenNamespace>& joined) {
  for (const OpenNamespace& ns : joined) {
    if (ns.type == CLONE_NEWUSER) return ns.fd;
  }
  return -1;
}

}  // namespace warren::runtime
