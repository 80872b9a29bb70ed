// CleanupPeers: everything the peer scenarios may have left, found again
// from the work dir and the fixed host names alone (so a fresh process can
// run it after Ctrl-C), each step safe when there is nothing to do.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/file_util.h"
#include "tools/bench/peer_env.h"
#include "tools/bench/peer_scenarios.h"
#include "tools/bench/private_containerd.h"

namespace warren::bench {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && absl::ascii_isdigit(s[i + 1])) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 +
                                      (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Mount points at or under `dir`, deepest first.
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() < 5) continue;
    std::string point = Unescape(f[4]);
    if (point == dir || absl::StartsWith(point, dir + "/")) {
      mounts.push_back(point);
    }
  }
  std::sort(mounts.begin(), mounts.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  return mounts;
}

// Waits up to `seconds` for the processes matching, then kills the rest.
void AwaitOrKill(const std::string& comm, const std::string& needle,
                 double seconds) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  while (!FindProcesses(comm, needle).empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (pid_t pid : FindProcesses(comm, needle)) kill(pid, SIGKILL);
}

// Peer commands a killed benchmark left running (they are in their own
// process groups): a CNI plugin finishing an ADD would make cnib0 again
// after the cleanup removed it, a runc or podman call would race with
// ours. They name the work dir in their arguments or (CNI) environment.
// Daemons, shims and conmon are not among them: they are stopped in order.
void StopStrayCommands(const std::string& base) {
  const std::string needle = base + "/";
  for (const char* comm :
       {"bridge", "host-local", "runc", "crun", "ctr", "podman", "cp", "ip"}) {
    for (pid_t pid : FindProcesses(comm, needle, /*in_environ=*/true)) {
      if (pid != getpid()) kill(pid, SIGKILL);
    }
  }
}

void CleanupOciRoot(PeerEnv* env, const std::string& root, bool crun) {
  for (const std::string& id : runtime::ListDir(root)) {
    if (crun) {
      env->RunCrun("crun-delete", {"delete", "--force", id});
    } else {
      env->runner().Run("runc-delete", {env->Runc({"delete", "--force", id})});
    }
  }
}

// Containers in podman's runc root (/run/runc: podman passes runc no
// --root) that are the peers': their id is one of `podman_ids` (podman's
// private storage) or they run on the peers' rootfs copy. A `podman run -d`
// killed between `runc create` and its database commit leaves one podman
// does not know, so `podman rm --all` misses it.
std::vector<std::string> OrphanRuncContainers(
    const std::string& rootfs, const std::vector<std::string>& podman_ids) {
  std::vector<std::string> ids;
  for (const std::string& id : runtime::ListDir("/run/runc")) {
    if (std::find(podman_ids.begin(), podman_ids.end(), id) !=
        podman_ids.end()) {
      ids.push_back(id);
      continue;
    }
    absl::StatusOr<std::string> state =
        runtime::ReadFile(absl::StrCat("/run/runc/", id, "/state.json"));
    google::protobuf::Struct s;
    if (!state.ok() ||
        !google::protobuf::util::JsonStringToMessage(*state, &s).ok()) {
      continue;
    }
    auto config = s.fields().find("config");
    if (config == s.fields().end()) continue;
    const auto& fields = config->second.struct_value().fields();
    auto path = fields.find("rootfs");
    if (path != fields.end() && path->second.string_value() == rootfs) {
      ids.push_back(id);
    }
  }
  return ids;
}

void CleanupPodman(PeerEnv* env) {
  const std::string& dir = env->paths().podman;
  if (!Exists(dir + "/root") || FindProgram("podman").empty()) return;
  // Before the rm, which forgets the ids it removes.
  const std::vector<std::string> podman_ids =
      runtime::ListDir(dir + "/root/overlay-containers");
  PeerCommand rm{env->Podman({"rm", "--all", "--force", "-t", "0"})};
  rm.timeout_s = 60;
  env->runner().Run("podman-rm-all", rm);
  const std::string runc = FindProgram("runc");
  for (const std::string& id :
       OrphanRuncContainers(env->paths().rootfs, podman_ids)) {
    if (!runc.empty()) {
      env->runner().Run("runc-delete-orphan",
                        {{runc, "delete", "--force", id}});
    }
    // A runc killed in `create` leaves its state dir without state.json.
    rmdir(absl::StrCat("/run/runc/", id).c_str());
  }
  // conmon and its exit command (`podman container cleanup`) finish after
  // the rm returns.
  AwaitOrKill("conmon", dir + "/", 10);
  AwaitOrKill("podman", dir + "/", 10);
}

void CleanupNetwork(const PeerEnv& env) {
  const std::string& cni = env.paths().cni;
  for (const std::string& name : runtime::ListDir(cni + "/netns")) {
    RemoveNetnsAt(cni + "/netns/" + name);
  }
  if (Exists(absl::StrCat("/sys/class/net/", kPeerBridge))) {
    env.runner().Run("ip-link-del",
                     {{FindProgram("ip"), "link", "del", kPeerBridge}});
  }
  absl::StatusOr<std::string> before =
      runtime::ReadFile(cni + "/ip_forward.before");
  if (before.ok()) {
    std::string value(absl::StripAsciiWhitespace(*before));
    absl::StatusOr<std::string> now =
        runtime::ReadFile("/proc/sys/net/ipv4/ip_forward");
    if (now.ok() && absl::StripAsciiWhitespace(*now) != value) {
      std::ofstream("/proc/sys/net/ipv4/ip_forward") << value << "\n";
    }
  }
}

}  // namespace

void CleanupPeers(const BenchContext& ctx) {
  PeerEnv env(ctx);
  const PeerPaths& paths = env.paths();
  const bool have_dir = Exists(paths.base);
  if (have_dir) {
    StopStrayCommands(paths.base);
    StopStrayCommands(paths.run_base);
    (void)runtime::MakeDirs(paths.logs, 0711);
    if (!FindProgram("runc").empty())
      CleanupOciRoot(&env, paths.runc_root, false);
    if (!FindProgram("crun").empty())
      CleanupOciRoot(&env, paths.crun_root, true);
    PrivateContainerd::Cleanup(paths.containerd, paths.containerd_run,
                               &env.runner());
    CleanupPodman(&env);
  }
  // The host names are fixed: also without a work dir (another run's).
  CleanupNetwork(env);
  RemovePeerCgroups();
  if (!have_dir) return;
  for (const std::string& dir : {paths.base, paths.run_base}) {
    for (const std::string& m : MountsUnder(dir))
      umount2(m.c_str(), MNT_DETACH);
  }
  RemovePeerHostDirs(paths);
  (void)runtime::RemoveTree(paths.base);
  (void)runtime::RemoveTree(paths.run_base);
}

}  // namespace warren::bench
