#include "tools/bench/bench_machine.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "runtime/cgroup_system.h"
#include "runtime/file_util.h"

namespace warren::bench {
namespace {

// The first line `command` prints, "" if it fails.
std::string FirstLine(const std::string& command) {
  FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return "";
  char buf[512] = {};
  std::string line = fgets(buf, sizeof(buf), p) != nullptr ? buf : "";
  pclose(p);
  return std::string(absl::StripAsciiWhitespace(line));
}

// The value after "key:" in a /proc file of such lines.
std::string ProcField(const std::string& path, absl::string_view key) {
  absl::StatusOr<std::string> text = runtime::ReadFile(path);
  if (!text.ok()) return "";
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (!absl::StartsWith(line, key)) continue;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return "";
}

}  // namespace

Machine DescribeMachine() {
  Machine m;
  utsname u;
  if (uname(&u) == 0) m.set_kernel(u.release);
  m.set_cpu(ProcField("/proc/cpuinfo", "model name"));
  m.set_cores(static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  int64_t kb = 0;
  std::string mem = ProcField("/proc/meminfo", "MemTotal");
  if (absl::SimpleAtoi(absl::StripSuffix(mem, " kB"), &kb)) {
    m.set_memory_kb(kb);
  }
  m.set_date(
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()));
  absl::StatusOr<runtime::CgroupSystem> cg = runtime::CgroupSystem::Detect();
  if (cg.ok()) m.set_cgroups(cg->Mode());
  const std::pair<const char*, const char*> tools[] = {
      {"runc", "runc --version"},
      {"crun", "crun --version"},
      {"containerd", "containerd --version"},
      {"ctr", "ctr --version"},
      {"podman", "podman --version"},
      {"conmon", "conmon --version"},
      {"cni-bridge", "CNI_COMMAND=VERSION /usr/lib/cni/bridge </dev/null"},
  };
  for (const auto& [name, command] : tools) {
    std::string v = FirstLine(command);
    if (!v.empty()) (*m.mutable_versions())[name] = v;
  }
  return m;
}

}  // namespace warren::bench
