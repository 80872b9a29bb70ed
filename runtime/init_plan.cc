#include "runtime/init_plan.h"

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/container_id.h"
#include "runtime/id_map.h"
#include "runtime/rlimits.h"
#include "runtime/sysctls.h"

namespace warren::runtime {
namespace {

using v1::NamespaceSpec;

constexpr char kDefaultPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// A namespace is new when asked for, or by default for the kinds that
// containers get their own of by default.
bool IsNew(const NamespaceSpec& ns, bool new_by_default) {
  switch (ns.mode()) {
    case NamespaceSpec::MODE_NEW:
      return true;
    case NamespaceSpec::MODE_DEFAULT:
      return new_by_default;
    default:
      return false;
  }
}

unsigned long CloneFlags(const v1::ContainerSpec& spec) {
  const v1::NamespacesSpec& n = spec.namespaces();
  bool host_network = spec.network().mode() == v1::NetworkSpec::MODE_HOST;
  unsigned long flags = CLONE_NEWNS;
  if (IsNew(n.uts(), true)) flags |= CLONE_NEWUTS;
  if (IsNew(n.ipc(), true)) flags |= CLONE_NEWIPC;
  if (IsNew(n.pid(), true)) flags |= CLONE_NEWPID;
  if (IsNew(n.network(), !host_network)) flags |= CLONE_NEWNET;
  if (IsNew(n.user(), false)) flags |= CLONE_NEWUSER;
  return flags;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string Basename(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

std::string AnchorPath(int fd, const std::string& path) {
  return absl::StrCat("/proc/self/fd/", fd, "/", Basename(path));
}

// With a new user namespace the init reaches its directories through the
// anchor descriptors (see kAnchorRunDirFd) and the image through its
// idmapped mount; returns the paths the mounts use.
ContainerPaths PlanUserNamespace(const v1::ContainerSpec& spec,
                                 const ContainerPaths& paths, InitPlan* plan) {
  UserNamespacePlan& u = plan->user_ns;
  u.uid_map = IdMapText(spec.uid_mappings());
  u.gid_map = IdMapText(spec.gid_mappings());
  u.root_host_uid = MapToHost(spec.uid_mappings(), 0).value_or(0);
  u.root_host_gid = MapToHost(spec.gid_mappings(), 0).value_or(0);
  u.run_dir = Dirname(paths.merged_dir);
  u.bundle_dir = Dirname(paths.upper_dir);
  u.image_dir = u.run_dir + "/image";
  if (HasEtcLayer(spec)) u.etc_layer_dir = paths.etc_layer_dir;
  return {AnchorPath(kAnchorBundleDirFd, paths.upper_dir),
          AnchorPath(kAnchorBundleDirFd, paths.work_dir),
          AnchorPath(kAnchorRunDirFd, paths.merged_dir),
          paths.etc_layer_dir.empty()
              ? ""
              : AnchorPath(kAnchorRunDirFd, paths.etc_layer_dir)};
}

void AddMounts(const ContainerPaths& paths, const std::string& lower,
               InitPlan* plan) {
  const std::string& root = paths.merged_dir;
  const bool userns = plan->in_user_ns();
  constexpr unsigned long kSecure = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  plan->mounts = {
      {"overlay", root, "overlay", 0,
       absl::StrCat("lowerdir=", lower, ",upperdir=", paths.upper_dir,
                    ",workdir=", paths.work_dir,
                    // Unprivileged overlayfs keeps its metadata in user.*
                    // xattrs (trusted.* needs host CAP_SYS_ADMIN).
                    userns ? ",userxattr" : "")},
      {"proc", root + "/proc", "proc", kSecure, ""},
  };
  if (userns && !(plan->clone_flags & CLONE_NEWNET)) {
    // sysfs may only be mounted by the owner of the network namespace: show
    // the host's, read-only (runc does the same).
    plan->mounts.push_back({"/sys", root + "/sys", "", MS_BIND | MS_REC, ""});
    plan->mounts.push_back({"", root + "/sys", "",
                            MS_BIND | MS_REMOUNT | MS_RDONLY | kSecure, ""});
  } else {
    plan->mounts.push_back(
        {"sysfs", root + "/sys", "sysfs", kSecure | MS_RDONLY, ""});
  }
  plan->mounts.push_back({"tmpfs", root + "/dev", "tmpfs",
                          MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"});
  plan->mounts.push_back({"devpts", root + "/dev/pts", "devpts",
                          MS_NOSUID | MS_NOEXEC,
                          "newinstance,ptmxmode=0666,mode=0620"});
  plan->mounts.push_back(
      {"shm", root + "/dev/shm", "tmpfs", kSecure, "mode=1777,size=65536k"});
  // mqueue may only be mounted by the owner of the IPC namespace.
  if (!userns || (plan->clone_flags & CLONE_NEWIPC)) {
    plan->mounts.push_back(
        {"mqueue", root + "/dev/mqueue", "mqueue", kSecure, ""});
  }
  const std::tuple<const char*, unsigned, unsigned> kDevices[] = {
      {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
      {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
  };
  for (const auto& [name, major, minor] : kDevices) {
    DeviceNode d;
    d.path = absl::StrCat(root, "/dev/", name);
    d.major = major;
    d.minor = minor;
    if (userns) d.host_path = absl::StrCat("/dev/", name);
    plan->devices.push_back(d);
  }
  plan->symlinks = {
      {"pts/ptmx", root + "/dev/ptmx"},
      {"/proc/self/fd", root + "/dev/fd"},
      {"/proc/self/fd/0", root + "/dev/stdin"},
      {"/proc/self/fd/1", root + "/dev/stdout"},
      {"/proc/self/fd/2", root + "/dev/stderr"},
  };
}

// Paths runc, crun and containerd hide or make read-only by default.
constexpr const char* kDefaultMaskedPaths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
constexpr const char* kDefaultReadonlyPaths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

absl::Status AddUserMountsAndPaths(const v1::ContainerSpec& spec,
                                   InitPlan* plan) {
  for (const auto& [key, value] : spec.sysctls()) {
    plan->sysctls.push_back({SysctlPath(key), value});
  }
  std::sort(plan->sysctls.begin(), plan->sysctls.end());  // map order varies
  for (int i = 0; i < spec.mounts_size(); ++i) {
    const v1::Mount& m = spec.mounts(i);
    absl::StatusOr<ParsedMountOptions> options =
        ParseMountOptions({m.options().begin(), m.options().end()},
                          absl::StrCat("spec.mounts[", i, "].options"));
    if (!options.ok()) return options.status();
    if (m.type() == "bind") options->bind = true;
    plan->user_mounts.push_back(
        {m.source(), m.destination(), m.type(), *options});
  }
  const v1::SecuritySpec& sec = spec.security();
  if (!sec.privileged() && !sec.no_default_masked_paths()) {
    plan->masked_paths.assign(std::begin(kDefaultMaskedPaths),
                              std::end(kDefaultMaskedPaths));
    plan->readonly_paths.assign(std::begin(kDefaultReadonlyPaths),
                                std::end(kDefaultReadonlyPaths));
  }
  plan->masked_paths.insert(plan->masked_paths.end(),
                            sec.masked_paths().begin(),
                            sec.masked_paths().end());
  plan->readonly_paths.insert(plan->readonly_paths.end(),
                              sec.readonly_paths().begin(),
                              sec.readonly_paths().end());
  plan->readonly_rootfs = sec.readonly_rootfs();
  return absl::OkStatus();
}

int64_t DurationNanos(const google::protobuf::Duration& d) {
  return d.seconds() * 1000000000LL + d.nanos();
}

void AddNamespaceJoinsAndTime(const v1::ContainerSpec& spec, InitPlan* plan) {
  const v1::NamespacesSpec& n = spec.namespaces();
  const std::tuple<const NamespaceSpec*, int, const char*> kinds[] = {
      {&n.uts(), CLONE_NEWUTS, "spec.namespaces.uts"},
      {&n.ipc(), CLONE_NEWIPC, "spec.namespaces.ipc"},
      {&n.pid(), CLONE_NEWPID, "spec.namespaces.pid"},
      {&n.network(), CLONE_NEWNET, "spec.namespaces.network"},
      {&n.cgroup(), CLONE_NEWCGROUP, "spec.namespaces.cgroup"},
      {&n.time(), CLONE_NEWTIME, "spec.namespaces.time"},
      {&n.user(), CLONE_NEWUSER, "spec.namespaces.user"},
  };
  for (const auto& [ns, type, field] : kinds) {
    if (ns->mode() == NamespaceSpec::MODE_JOIN) {
      plan->join_namespaces.push_back({type, ns->path(), field});
    }
  }
  if (n.cgroup().mode() == NamespaceSpec::MODE_JOIN)
    plan->new_cgroup_ns = false;
  plan->new_time_ns = n.time().mode() == NamespaceSpec::MODE_NEW;
  plan->monotonic_offset_ns = DurationNanos(spec.time_offsets().monotonic());
  plan->boottime_offset_ns = DurationNanos(spec.time_offsets().boottime());
}

}  // namespace

bool HasEtcLayer(const v1::ContainerSpec& spec) {
  return spec.network().mode() != v1::NetworkSpec::MODE_HOST;
}

absl::StatusOr<InitPlan> BuildInitPlan(const std::string& id,
                                       const v1::ContainerSpec& spec,
                                       const ContainerPaths& paths) {
  InitPlan plan;
  plan.clone_flags = CloneFlags(spec);
  if (plan.clone_flags & CLONE_NEWUTS) {
    plan.hostname = spec.hostname().empty()
                        ? SplitContainerKey(id).id.substr(0, 63)
                        : spec.hostname();
    plan.domainname = spec.domainname();
  }
  plan.loopback_up = (plan.clone_flags & CLONE_NEWNET) != 0;
  plan.new_cgroup_ns = IsNew(spec.namespaces().cgroup(), true);
  AddNamespaceJoinsAndTime(spec, &plan);
  plan.new_user_ns = (plan.clone_flags & CLONE_NEWUSER) != 0;
  plan.joined_user_ns =
      spec.namespaces().user().mode() == NamespaceSpec::MODE_JOIN;
  ContainerPaths used = paths;
  std::string lower = spec.rootfs();
  if (plan.in_user_ns()) {
    used = PlanUserNamespace(spec, paths, &plan);
    lower = AnchorPath(kAnchorRunDirFd, plan.user_ns.image_dir);
  }
  plan.merged_dir = used.merged_dir;
  if (HasEtcLayer(spec) && !used.etc_layer_dir.empty()) {
    lower = absl::StrCat(used.etc_layer_dir, ":", lower);  // leftmost is top
  }
  AddMounts(used, lower, &plan);
  if (absl::Status s = AddUserMountsAndPaths(spec, &plan); !s.ok()) return s;

  const v1::ProcessSpec& p = spec.process();
  plan.argv.assign(p.args().begin(), p.args().end());
  bool has_path = false;
  bool has_home = false;
  for (const std::string& kv : p.env()) {
    has_path |= absl::StartsWith(kv, "PATH=");
    has_home |= absl::StartsWith(kv, "HOME=");
    plan.env.push_back(kv);
  }
  if (!has_path) plan.env.push_back(kDefaultPath);
  plan.tty = p.tty();
  plan.open_stdin = p.open_stdin();
  if (plan.tty &&
      std::none_of(plan.env.begin(), plan.env.end(), [](const std::string& kv) {
        return absl::StartsWith(kv, "TERM=");
      })) {
    plan.env.push_back("TERM=xterm");
  }
  if (!has_home) plan.env.push_back(p.uid() == 0 ? "HOME=/root" : "HOME=/");
  plan.cwd = p.cwd().empty() ? "/" : p.cwd();
  plan.uid = p.uid();
  plan.gid = p.gid();
  plan.groups.assign(p.additional_gids().begin(), p.additional_gids().end());

  bool has_nofile = false;
  for (const v1::Rlimit& r : p.rlimits()) {
    absl::StatusOr<int> resource = ParseRlimitName(r.type());
    if (!resource.ok()) return resource.status();
    has_nofile |= *resource == RLIMIT_NOFILE;
    plan.rlimits.push_back({*resource, rlimit{r.soft(), r.hard()}});
  }
  if (!has_nofile) plan.rlimits.push_back({RLIMIT_NOFILE, rlimit{1024, 1024}});

  absl::StatusOr<SecurityPlan> security =
      BuildSecurityPlan(spec.security(), plan.uid);
  if (!security.ok()) return security.status();
  plan.security = std::move(*security);
  return plan;
}

}  // namespace warren::runtime
