// The network scenario as a CNI runtime does it with the reference bridge
// plugin: per run a fresh netns, `bridge` ADD (veth on cnib0, host-local
// address, default route), DEL, netns removed.
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "runtime/file_util.h"
#include "tools/bench/oci_bundle.h"
#include "tools/bench/peer_env.h"
#include "tools/bench/peer_scenarios.h"

namespace warren::bench {
namespace {

constexpr char kIpForward[] = "/proc/sys/net/ipv4/ip_forward";

// Where the distribution put the CNI plugins; empty if not installed.
std::string CniPluginDir() {
  for (const char* dir : {"/usr/lib/cni", "/opt/cni/bin"}) {
    if (access(absl::StrCat(dir, "/bridge").c_str(), X_OK) == 0 &&
        access(absl::StrCat(dir, "/host-local").c_str(), X_OK) == 0) {
      return dir;
    }
  }
  return "";
}

// One CNI call: the plugin with the CNI_* variables, config on stdin.
PeerResult CniCall(const PeerEnv& env, const std::string& plugin_dir,
                   const std::string& command, const std::string& id,
                   const std::string& netns) {
  PeerCommand cmd;
  cmd.argv = {plugin_dir + "/bridge"};
  cmd.env = {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id,
             "CNI_NETNS=" + netns, "CNI_IFNAME=eth0", "CNI_PATH=" + plugin_dir};
  cmd.stdin_path = env.paths().cni + "/conf.json";
  return env.runner().Run(absl::StrCat("cni-", absl::AsciiStrToLower(command)),
                          cmd);
}

// One timed run: netns create, ADD, DEL, netns delete.
absl::StatusOr<double> NetworkOnce(PeerEnv* env,
                                   const std::string& plugin_dir) {
  const std::string id = env->NewId("cni");
  const std::string netns = env->paths().cni + "/netns/" + id;
  const auto start = std::chrono::steady_clock::now();
  absl::Status made = CreateNetnsAt(netns);
  if (!made.ok()) return made;
  PeerResult add = CniCall(*env, plugin_dir, "ADD", id, netns);
  // DEL also after a failed ADD: the spec wants it to release what ADD got.
  PeerResult del = CniCall(*env, plugin_dir, "DEL", id, netns);
  RemoveNetnsAt(netns);
  const auto end = std::chrono::steady_clock::now();
  if (!add.ok()) return absl::InternalError(add.error);
  if (!del.ok()) return absl::InternalError(del.error);
  return std::chrono::duration<double, std::milli>(end - start).count();
}

}  // namespace

void RunPeerNetwork(const BenchContext& ctx, std::vector<Series>* out) {
  PeerEnv env(ctx);
  const absl::Status prepared = env.Prepare(/*with_rootfs=*/false);
  SeriesBuilder series(kNetwork, "cni-bridge", "ms");
  series.SetNote(absl::StrCat(
      "CNI bridge plugin invoked as a CNI runtime does (CNI_COMMAND=ADD then "
      "DEL, config on stdin): fresh netns (bind-mounted nsfs, like `ip netns "
      "add`), veth on bridge ",
      kPeerBridge, " (isGateway, ipMasq false), host-local ", kPeerSubnet,
      " with default route, then teardown; all timed together; bridge ",
      kPeerBridge, " deleted at the end (ip link del ", kPeerBridge, ")"));
  const std::string plugin_dir = CniPluginDir();
  if (PeerUsable(prepared, {"ip"}, ctx.runs, &series)) {
    if (plugin_dir.empty()) {
      series.FailRuns(ctx.runs,
                      "CNI plugins bridge/host-local not installed "
                      "(containernetworking-plugins)");
    } else {
      const std::string& cni = env.paths().cni;
      CniBridgeOptions options;
      options.bridge = kPeerBridge;
      options.subnet = kPeerSubnet;
      options.ipam_data_dir = cni + "/ipam";
      absl::StatusOr<std::string> conf = MakeCniBridgeConfig(options);
      absl::Status s = conf.status();
      if (s.ok()) s = runtime::MakeDirs(cni + "/netns", 0711);
      if (s.ok()) s = runtime::MakeDirs(options.ipam_data_dir, 0700);
      // isGateway turns on IPv4 forwarding; the cleanup puts it back.
      absl::StatusOr<std::string> forward = runtime::ReadFile(kIpForward);
      if (s.ok() && forward.ok()) {
        const std::string before = cni + "/ip_forward.before";
        if (!runtime::ReadFile(before).ok()) {
          s = runtime::WriteFileAtomic(before, *forward);
        }
      }
      if (s.ok()) s = runtime::WriteFileAtomic(cni + "/conf.json", *conf, 0600);
      if (!s.ok()) {
        series.FailRuns(ctx.runs, std::string(s.message()));
      } else {
        SampleRuns(ctx.runs, &series,
                   [&](int) { return NetworkOnce(&env, plugin_dir); });
      }
    }
  }
  out->push_back(series.Take());
  CleanupPeers(ctx);
}

}  // namespace warren::bench
