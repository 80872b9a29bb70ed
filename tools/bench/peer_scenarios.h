// The peer side of the benchmark: the same scenarios warren runs, done by
// runc, crun, containerd (ctr), podman and the CNI bridge plugin on this
// machine and the same busybox root filesystem, each driven through its own
// command-line tool the way its users drive it, so the report can put
// warren's numbers next to theirs.
//
// Each peer keeps its state privately under <ctx.work_dir>/peers (runc and
// crun roots, a containerd of its own, podman storage, netns and IPAM
// data); on the host only the cgroup parent "warren-bench-peer", the ctr
// namespace "warren-bench" (inside the private containerd) and the bridge
// "cnib0" are used, and all are removed again.
#ifndef WARREN_TOOLS_BENCH_PEER_SCENARIOS_H_
#define WARREN_TOOLS_BENCH_PEER_SCENARIOS_H_

#include <vector>

#include "tools/bench/bench_types.h"

namespace warren::bench {

// Each appends one Series per peer (subject names below) to *out. A peer that
// cannot run here is reported as a Series with errors>0 and a note saying why;
// it never aborts the benchmark. All leave nothing behind (containers, netns,
// veths, mounts, cgroups, bundle dirs, daemons), also on failure.

// kRunToExit, "ms": /bin/true with new pid, ipc, uts, mount and network
// namespaces and a 64 MiB memory limit, create to delete. Subjects "runc",
// "crun", "ctr", "podman".
void RunPeerRunToExit(const BenchContext& ctx, std::vector<Series>* out);
// kExec, "ms": /bin/true exec'd into a running `sleep 1000` container.
// Subjects "runc", "crun", "ctr".
void RunPeerExec(const BenchContext& ctx, std::vector<Series>* out);
// kNetwork, "ms": a fresh netns with a veth on a bridge, address and default
// route, then teardown, by the CNI bridge plugin. Subject "cni-bridge".
void RunPeerNetwork(const BenchContext& ctx, std::vector<Series>* out);
// kDensityMemory, "KB": per-container memory (PSS) of the process that
// watches each container, for ctx.peer_density `sleep` containers.
// Subjects "containerd-shim", "conmon".
void RunPeerDensity(const BenchContext& ctx, std::vector<Series>* out);

// Idempotent cleanup of everything the peers may have left (Ctrl-C path):
// containers of the private runc/crun roots, the private containerd and its
// shims, podman's containers and storage, netns, cnib0, the CNI data dir,
// cgroups, mounts and directories under <work_dir>/peers. Safe to call from
// a fresh process with the same ctx.work_dir.
void CleanupPeers(const BenchContext& ctx);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_PEER_SCENARIOS_H_
