#include "runtime/container_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "runtime/cgroup_plan.h"
#include "runtime/device_bpf.h"
#include "runtime/device_cgroup.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

absl::Status WriteCgroupFile(const std::string& path, absl::string_view value) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", path));
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n < 0) {
    return absl::ErrnoToStatus(err,
                               absl::StrCat("write \"", value, "\" to ", path));
  }
  return absl::OkStatus();
}

std::string ReadTrimmed(const std::string& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) return "";
  return std::string(absl::StripAsciiWhitespace(*data));
}

uint64_t ReadNumber(const std::string& path) {
  uint64_t value = 0;
  std::string text = ReadTrimmed(path);
  if (!absl::SimpleAtoi(text, &value)) return 0;  // "max" or missing
  return value;
}

// "key value" lines (memory.events, cpu.stat, memory.oom_control).
uint64_t ReadKey(const std::string& path, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(ReadTrimmed(path), '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    uint64_t value = 0;
    if (kv.first == key && absl::SimpleAtoi(kv.second, &value)) return value;
  }
  return 0;
}

// v1 limits read as a huge number when unlimited.
uint64_t Limit(uint64_t value) { return value >= (1ULL << 62) ? 0 : value; }

}  // namespace

absl::Status ValidateCgroupParent(const std::string& parent,
                                  absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() > 8) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " \"", parent, "\" has more than 8 components"));
  }
  for (absl::string_view part : parts) {
    // A tenant name's rules also keep out "", "." and ".." (a leading or
    // doubled '/' gives an empty part).
    if (!ValidateTenant(part, field).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " \"", parent,
          "\" must be a relative path of names of 1-63 characters of "
          "[A-Za-z0-9_.-] starting with a letter or digit"));
    }
  }
  return absl::OkStatus();
}

absl::Status ContainerCgroup::Create() {
  for (const std::string& dir : CgroupDirs(system_, rel_)) {
    if (absl::Status s = MakeDirs(dir, 0755); !s.ok()) return s;
  }
  const CgroupHierarchy* cpuset = system_.For("cpuset");
  if (cpuset != nullptr && !cpuset->v2) {
    // Fill each level from the root down: children start with empty sets.
    std::string path = cpuset->mount_point;
    for (absl::string_view part : absl::StrSplit(rel_, '/')) {
      std::string parent = path;
      path = absl::StrCat(path, "/", part);
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (!ReadTrimmed(absl::StrCat(path, "/", file)).empty()) continue;
        std::string value = ReadTrimmed(absl::StrCat(parent, "/", file));
        if (absl::Status s =
                WriteCgroupFile(absl::StrCat(path, "/", file), value);
            !s.ok()) {
          return s;
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ContainerCgroup::Apply(const v1::ResourcesSpec& resources) {
  absl::Status s = ApplyWrites(resources);
  // The kernel refuses a value (a CPU or memory node that does not exist, a
  // limit below current usage) with EINVAL/ERANGE: that is the caller's
  // input, so it is reported as such.
  if (absl::IsInvalidArgument(s) || absl::IsOutOfRange(s)) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.resources: ", s.message()));
  }
  return s;
}

absl::Status ContainerCgroup::ApplyWrites(const v1::ResourcesSpec& resources) {
  absl::StatusOr<std::vector<CgroupWrite>> writes =
      PlanResourceWrites(system_, rel_, resources);
  if (!writes.ok()) return writes.status();
  for (const CgroupWrite& w : *writes) {
    absl::Status s = WriteCgroupFile(w.path, w.value);
    // Lowering a v1 memory limit below memsw, or raising memsw above the
    // old memory limit, depends on order: retry the write once the rest of
    // the writes are done.
    if (!s.ok() && absl::StrContains(w.path, "memory.")) {
      continue;
    }
    if (!s.ok()) return s;
  }
  for (const CgroupWrite& w : *writes) {
    if (!absl::StrContains(w.path, "memory.")) continue;
    if (absl::Status s = WriteCgroupFile(w.path, w.value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ContainerCgroup::RestrictDevices() {
  for (const CgroupWrite& w : PlanDeviceWrites(system_, rel_)) {
    if (absl::Status s = WriteCgroupFile(w.path, w.value); !s.ok()) return s;
  }
  // No v1 devices controller enforces the rules: a BPF program on the v2
  // directory does. It is released when Remove() deletes that directory.
  std::string dir = DeviceProgramDir(system_, rel_);
  if (dir.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<bpf_insn>> program =
      BuildDeviceProgram(DefaultDeviceRules());
  if (!program.ok()) return program.status();
  return AttachDeviceProgram(dir, *program);
}

absl::Status ContainerCgroup::AddProcess(pid_t pid) const {
  std::string text = absl::StrCat(pid);
  for (const std::string& file : ProcsFiles()) {
    if (absl::Status s = WriteCgroupFile(file, text); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::vector<std::string> ContainerCgroup::ProcsFiles() const {
  std::vector<std::string> files;
  for (const std::string& dir : CgroupDirs(system_, rel_)) {
    files.push_back(dir + "/cgroup.procs");
  }
  return files;
}

std::vector<pid_t> ContainerCgroup::Processes() const {
  std::vector<pid_t> pids;
  const CgroupHierarchy* pids_h = system_.For("pids");
  std::string dir = pids_h != nullptr
                        ? absl::StrCat(pids_h->mount_point, "/", rel_)
                        : CgroupDirs(system_, rel_).front();
  for (absl::string_view line : absl::StrSplit(
           ReadTrimmed(dir + "/cgroup.procs"), '\n', absl::SkipEmpty())) {
    pid_t pid = 0;
    if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
  }
  return pids;
}

absl::Status ContainerCgroup::SetFrozen(bool frozen) const {
  const CgroupHierarchy* h = system_.For("freezer");
  if (h != nullptr && !h->v2) {
    return WriteCgroupFile(
        absl::StrCat(h->mount_point, "/", rel_, "/freezer.state"),
        frozen ? "FROZEN" : "THAWED");
  }
  const CgroupHierarchy* v2 = system_.Unified();
  if (v2 == nullptr) {
    return absl::FailedPreconditionError("no cgroup freezer on this host");
  }
  return WriteCgroupFile(
      absl::StrCat(v2->mount_point, "/", rel_, "/cgroup.freeze"),
      frozen ? "1" : "0");
}

absl::StatusOr<CgroupStats> ContainerCgroup::ReadStats() const {
  CgroupStats stats;
  auto dir = [&](absl::string_view controller) -> std::string {
    const CgroupHierarchy* h = system_.For(controller);
    return h == nullptr ? "" : absl::StrCat(h->mount_point, "/", rel_, "/");
  };
  const CgroupHierarchy* mem = system_.For("memory");
  if (mem != nullptr && mem->v2) {
    stats.memory_usage_bytes = ReadNumber(dir("memory") + "memory.current");
    stats.memory_peak_bytes = ReadNumber(dir("memory") + "memory.peak");
    stats.memory_limit_bytes = ReadNumber(dir("memory") + "memory.max");
  } else if (mem != nullptr) {
    stats.memory_usage_bytes =
        ReadNumber(dir("memory") + "memory.usage_in_bytes");
    stats.memory_peak_bytes =
        ReadNumber(dir("memory") + "memory.max_usage_in_bytes");
    stats.memory_limit_bytes =
        Limit(ReadNumber(dir("memory") + "memory.limit_in_bytes"));
  }
  const CgroupHierarchy* cpuacct = system_.For("cpuacct");
  if (cpuacct != nullptr && !cpuacct->v2) {
    stats.cpu_usage_ns = ReadNumber(dir("cpuacct") + "cpuacct.usage");
  } else if (system_.Unified() != nullptr) {
    stats.cpu_usage_ns =
        1000 * ReadKey(absl::StrCat(system_.Unified()->mount_point, "/", rel_,
                                    "/cpu.stat"),
                       "usage_usec");
  }
  if (system_.For("pids") != nullptr) {
    stats.pids_current = ReadNumber(dir("pids") + "pids.current");
    stats.pids_limit = ReadNumber(dir("pids") + "pids.max");
  }
  return stats;
}

bool ContainerCgroup::OomKilled() const {
  const CgroupHierarchy* mem = system_.For("memory");
  if (mem == nullptr) return false;
  std::string base = absl::StrCat(mem->mount_point, "/", rel_, "/");
  return ReadKey(base + (mem->v2 ? "memory.events" : "memory.oom_control"),
                 "oom_kill") > 0;
}

absl::Status ContainerCgroup::Remove() const {
  // Processes that outlived the init (possible without a private PID
  // namespace) would keep the cgroup busy: kill them first, thawing a
  // frozen cgroup so SIGKILL can land.
  for (int round = 0; round < 100; ++round) {
    std::vector<pid_t> left = Processes();
    if (left.empty()) break;
    (void)SetFrozen(false);
    for (pid_t pid : left) kill(pid, SIGKILL);
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::Status result;
  for (const std::string& dir : CgroupDirs(system_, rel_)) {
    absl::Time deadline = absl::Now() + absl::Seconds(2);
    while (rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      if (errno != EBUSY || absl::Now() > deadline) {
        result.Update(absl::ErrnoToStatus(errno, absl::StrCat("rmdir ", dir)));
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  return result;
}

}  // namespace warren::runtime
