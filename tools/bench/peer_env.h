// What the peer scenarios share: where each peer keeps its state (all of it
// under <work_dir>/peers, so CleanupPeers finds it again from the work dir
// alone, also in a fresh process after Ctrl-C), the fixed host names they
// use (cgroup parent, ctr namespace, bridge), the private copy of the image,
// OCI bundles, the command lines of each peer, and the sampling loop that
// turns timed commands into a Series.
#ifndef WARREN_TOOLS_BENCH_PEER_ENV_H_
#define WARREN_TOOLS_BENCH_PEER_ENV_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/bench/bench_types.h"
#include "tools/bench/oci_bundle.h"
#include "tools/bench/peer_process.h"

namespace warren::bench {

// Host-wide names (fixed, so a later cleanup finds them).
inline constexpr char kPeerCgroupParent[] = "warren-bench-peer";
inline constexpr char kPeerCtrNamespace[] = "warren-bench";
inline constexpr char kPeerBridge[] = "cnib0";
inline constexpr char kPeerSubnet[] = "10.241.0.0/16";
inline constexpr char kPeerIdPrefix[] = "wbp-";
inline constexpr int kPeerWarmups = 2;
inline constexpr int64_t kPeerMemoryLimit = int64_t{64} << 20;

// Directories of the peers under the work dir.
// Persistent state (root, storage, bundles) under the work directory on the
// host's disk; runtime state under the benchmark's tmpfs, as each peer's
// defaults put it on /run.
struct PeerPaths {
  explicit PeerPaths(const BenchContext& ctx);
  std::string base;            // <work_dir>/peers
  std::string run_base;        // <run_dir>/peers (tmpfs)
  std::string logs;            // command stdout/stderr
  std::string rootfs;          // private copy of ctx.image
  std::string spec_dir;        // `runc spec` output
  std::string bundles;         // one bundle dir per container id
  std::string runc_root;       // runc --root (tmpfs, like /run/runc)
  std::string crun_root;       // crun --root (tmpfs, like /run/crun)
  std::string containerd;      // the private containerd (see PrivateContainerd)
  std::string containerd_run;  // its state, shim runc root, FIFOs (tmpfs)
  std::string podman;          // podman root, tmpdir, network config
  std::string podman_run;      // podman --runroot (tmpfs, like /run/containers)
  std::string cni;             // netns/, ipam/, conf.json
  // Which host paths the peers create on their own (/run/runc, /run/crun,
  // /run/containerd/s, podman's /dev/shm/libpod_lock, ...) existed before:
  // cleanup removes the others (directories only when empty).
  std::string host_dirs_file;
};

// Everything one peer scenario needs: paths, a runner logging under them.
class PeerEnv {
 public:
  explicit PeerEnv(const BenchContext& ctx);

  // Makes the directories, notes the host directories that already exist
  // and copies ctx.image to paths().rootfs (podman writes /etc/hosts and
  // /run/.containerenv into a --rootfs; the caller's image stays as it
  // was). Every peer runs on that same copy. `with_rootfs` false: no
  // copy (the network scenario runs no container).
  absl::Status Prepare(bool with_rootfs = true);

  const BenchContext& ctx() const { return ctx_; }
  const PeerPaths& paths() const { return paths_; }
  const PeerRunner& runner() const { return runner_; }

  // A fresh container id: wbp-<tag>-<pid>-<n>.
  std::string NewId(const std::string& tag);
  // "/warren-bench-peer/<id>": every peer's containers (and conmon) live
  // under that cgroup parent in every hierarchy.
  static std::string CgroupPath(const std::string& id);

  // Writes <bundles>/<id>/config.json running `args` on the rootfs copy
  // (from `runc spec`, made once); the bundle dir.
  absl::StatusOr<std::string> WriteBundle(const std::string& id,
                                          std::vector<std::string> args);
  void RemoveBundle(const std::string& id);

  // Command lines: runc / crun with their private roots, podman with its
  // private storage (and the flags it needs here).
  std::vector<std::string> Runc(std::vector<std::string> args) const;
  std::vector<std::string> Crun(std::vector<std::string> args) const;
  std::vector<std::string> Podman(std::vector<std::string> args) const;

  // Runs a crun command: with the cgroup2 mount hidden when the host is
  // hybrid (crun: "cgroups in hybrid mode not supported").
  PeerResult RunCrun(const std::string& tag, std::vector<std::string> args);

 private:
  absl::StatusOr<std::string> DefaultSpec();

  BenchContext ctx_;
  PeerPaths paths_;
  PeerRunner runner_;
  std::string spec_json_;
  int counter_ = 0;
};

// Collects one Series: values, failures (counted, first distinct messages
// kept for the note) and how it was driven.
class SeriesBuilder {
 public:
  SeriesBuilder(const char* scenario, std::string subject, std::string unit);
  void AddValue(double v) { series_.values.push_back(v); }
  // A failed run (counted in errors).
  void AddError(const std::string& message);
  // A message for the note without counting a run (warm-up, teardown).
  void AddMessage(const std::string& message);
  // `n` runs that could not happen, for one reason.
  void FailRuns(int n, const std::string& why);
  void SetNote(std::string note) { note_ = std::move(note); }
  Series Take();

 private:
  Series series_;
  std::string note_;
  std::vector<std::string> messages_;
};

// Times `once` kPeerWarmups (not recorded) + ctx.runs times. `once(i)`
// returns the run's milliseconds or an error. After 3 failures in a row
// the remaining runs are counted as failed without trying (each may cost
// a 30 s timeout).
void SampleRuns(int runs, SeriesBuilder* series,
                const std::function<absl::StatusOr<double>(int)>& once);

// A PeerResult as a sample: its milliseconds or its error.
absl::StatusOr<double> AsSample(const PeerResult& r);

// Whether a peer can run at all: false (and `runs` counted as failed, with
// the reason in the note) if the work dir could not be prepared or one of
// `programs` is not installed.
bool PeerUsable(const absl::Status& prepared,
                const std::vector<std::string>& programs, int runs,
                SeriesBuilder* series);

// Removes the cgroups under kPeerCgroupParent in every hierarchy (killing
// what still runs in them first).
void RemovePeerCgroups();
// Removes the host paths peers made that were not there before (see
// PeerPaths::host_dirs_file): directories if empty, podman's lock segment
// if no podman or conmon runs.
void RemovePeerHostDirs(const PeerPaths& paths);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_PEER_ENV_H_
