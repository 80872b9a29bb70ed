// A containerd of the benchmark's own, so `ctr` is measured against a
// daemon that holds nothing but the benchmark's containers and never
// touches the machine's containerd: its config file, root and gRPC socket
// under one private directory, its state, shim runc root and FIFO dir
// under a private directory on the benchmark's tmpfs (where containerd's
// defaults put them: /run/containerd), the
// CRI plugin (and snapshotters the benchmark does not use) disabled to start
// fast, containers in ctr namespace kPeerCtrNamespace. A pid file lets a
// later process (the Ctrl-C cleanup) stop it and remove what it left.
#ifndef WARREN_TOOLS_BENCH_PRIVATE_CONTAINERD_H_
#define WARREN_TOOLS_BENCH_PRIVATE_CONTAINERD_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/peer_process.h"

namespace warren::bench {

// Owns one containerd process. Not thread-safe.
class PrivateContainerd {
 public:
  // `dir`: the private directory; `run_dir`: the one for runtime state, on
  // a tmpfs (both made by Start, removed by Cleanup).
  PrivateContainerd(std::string dir, std::string run_dir,
                    const PeerRunner* runner);
  // Stop() (containers are the caller's to remove first: RemoveAll()).
  ~PrivateContainerd();
  PrivateContainerd(const PrivateContainerd&) = delete;
  PrivateContainerd& operator=(const PrivateContainerd&) = delete;

  // Writes the config, starts containerd (dying with the benchmark when
  // setpriv is there) and waits until `ctr version` answers.
  absl::Status Start(double timeout_s = 20);
  // SIGTERM, SIGKILL after 10 s. Its shims (and their containers) keep
  // running: call RemoveAll() first.
  void Stop();
  // Kills and deletes every task and container in the namespace.
  void RemoveAll();
  // Everything a containerd of `dir` may have left, from any process: a
  // running daemon (pid file) is used, a dead one restarted if tasks
  // remain, so its shims are asked to clean up; then it is stopped, its
  // directories are removed.
  static void Cleanup(const std::string& dir, const std::string& run_dir,
                      const PeerRunner* runner);

  // `ctr --address SOCK -n NAMESPACE args...`.
  std::vector<std::string> Ctr(std::vector<std::string> args) const;
  // The flags `ctr run` of container `id` needs to keep the shim's runc
  // state and the IO FIFOs in the private directory. Also notes `id`, so
  // Cleanup can remove the shim socket a killed shim leaves in
  // /run/containerd/s (containerd 1.6 puts them there whatever its state
  // dir, named sha256(address/namespace/id)).
  std::vector<std::string> RunFlags(const std::string& id) const;
  std::string address() const { return dir_ + "/containerd.sock"; }
  std::string fifo_dir() const { return run_dir_ + "/fifo"; }
  bool running() const { return pid_ > 0; }
  std::string LogTail() const;

 private:
  // Adopts a containerd of ours still running from the pid file.
  bool Adopt();
  // Stops, from another process than the one that started it.
  void StopAdopted();

  std::string dir_;
  std::string run_dir_;
  const PeerRunner* runner_;
  pid_t pid_ = -1;
  bool child_ = false;  // started by this object (else adopted)
};

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_PRIVATE_CONTAINERD_H_
