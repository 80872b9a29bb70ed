// The JSON documents the benchmark hands to its peers: the config.json of an
// OCI bundle for runc and crun, and the network configuration the CNI bridge
// plugin reads on stdin. Built with protobuf's JSON utilities on a
// google.protobuf.Struct (never by pasting strings), and pure (JSON text in,
// JSON text out) so tests check them without root or peers installed.
#ifndef WARREN_TOOLS_BENCH_OCI_BUNDLE_H_
#define WARREN_TOOLS_BENCH_OCI_BUNDLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warren::bench {

// The namespaces every peer container gets: the isolation warren gives its
// benchmark containers (no user or cgroup namespace).
inline constexpr const char* kBundleNamespaces[] = {"pid", "ipc", "uts",
                                                    "mount", "network"};

// What the benchmark changes in a runtime's default spec (`runc spec`).
struct BundleOptions {
  std::vector<std::string> args;  // process.args; args[0] a path in the rootfs
  std::string rootfs;             // root.path, absolute
  bool readonly_root = true;      // root.readonly
  std::string hostname = "warren-bench";
  int64_t memory_limit = int64_t{64} << 20;  // bytes; <= 0: no limit
  // linux.cgroupsPath (e.g. "/warren-bench-peer/<id>", so cleanup finds the
  // cgroups again); empty keeps the runtime's default.
  std::string cgroups_path;
};

// config.json for `runc/crun run --bundle`: `spec_json` (the output of
// `runc spec`) with process.args, process.terminal=false, root,
// hostname, linux.resources.memory.limit, linux.namespaces (exactly
// kBundleNamespaces, no paths) and linux.cgroupsPath set, and what cannot
// work without a terminal or a user namespace removed (consoleSize,
// uid/gid mappings). Everything else of the default spec is kept.
// InvalidArgument if the spec is not a JSON object or the options are
// incomplete.
absl::StatusOr<std::string> MakeBundleConfig(absl::string_view spec_json,
                                             const BundleOptions& options);

// Where and how the CNI bridge plugin attaches a network namespace.
struct CniBridgeOptions {
  std::string network_name = "warren-bench-cni";
  std::string bridge = "cnib0";
  std::string subnet = "10.241.0.0/16";
  std::string ipam_data_dir;  // host-local's dataDir (private), required
  std::string cni_version = "1.0.0";
};

// The network configuration for /usr/lib/cni/bridge: a veth on `bridge`
// (isGateway: the bridge gets the gateway address; ipMasq false: no
// iptables rules), host-local IPAM on `subnet` with a default route.
absl::StatusOr<std::string> MakeCniBridgeConfig(
    const CniBridgeOptions& options);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_OCI_BUNDLE_H_
