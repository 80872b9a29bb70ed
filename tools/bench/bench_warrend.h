// A private warrend for the benchmark: its own socket, state and run
// directories under ctx.work_dir, its own default bridge ("wbench0", subnet
// 10.239.0.0/16: room for more than 1000 containers), nftables table
// ("warren_bench") and a mutual-TLS listener on 127.0.0.1:<free port> with
// the throw-away certificates of tools/make_test_certs.sh. It never touches
// a real warrend's bridge, table or directories, and Cleanup() leaves
// nothing behind (containers, veths, bridge, table, cgroups, directories).
#ifndef WARREN_TOOLS_BENCH_BENCH_WARREND_H_
#define WARREN_TOOLS_BENCH_BENCH_WARREND_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/bench/bench_types.h"

namespace warren::bench {

// Names the benchmark's warrend uses on the host (fixed, so Cleanup of a
// killed run finds them again).
inline constexpr char kBenchBridge[] = "wbench0";
inline constexpr char kBenchSubnet[] = "10.239.0.0/16";
inline constexpr char kBenchNftTable[] = "warren_bench";
// Every benchmark container id starts with this.
inline constexpr char kBenchIdPrefix[] = "wbench-";
// The benchmark warrend's --cgroup_parent: its containers' cgroups are
// <kBenchCgroupParent>/default/<id>, apart from any other warrend's.
inline constexpr char kBenchCgroupParent[] = "warren-bench";

// Owns one warrend process and everything it made. Not thread-safe: start,
// stop and restart it from one thread (the one that outlives the daemon:
// warrend runs under setpriv --pdeathsig=KILL, which fires when the
// spawning *thread* exits).
class BenchWarrend {
 public:
  // `make_certs` is tools/make_test_certs.sh; empty: no TLS listener.
  BenchWarrend(const BenchContext& ctx, std::string make_certs);
  // Cleanup().
  ~BenchWarrend();
  BenchWarrend(const BenchWarrend&) = delete;
  BenchWarrend& operator=(const BenchWarrend&) = delete;

  // Makes the directories (and certificates once), spawns warrend and
  // waits until its unix socket answers a List.
  absl::Status Start();
  // SIGTERM and wait: a graceful stop (containers keep running).
  absl::Status Stop();
  // SIGKILL and wait: a crash (containers keep running).
  void Kill();
  // Start again on the same directories, port and certificates.
  absl::Status Restart() { return Start(); }
  // Force-deletes every container (starting warrend first if it is not
  // running but left state behind), stops warrend, then removes the
  // bridge, the nft table, stray mounts and cgroups, and the directories.
  // Safe to call more than once, also on a fresh object after a crash.
  void Cleanup();

  bool running() const { return pid_ > 0; }
  // warrend's own pid (setpriv execs it); -1 when not running.
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string socket() const { return dir_ + "/warren.sock"; }
  std::string state_dir() const { return dir_ + "/state"; }
  std::string run_dir() const { return ctx_.run_dir + "/warrend"; }
  std::string log_path() const { return dir_ + "/warrend.log"; }
  std::string certs_dir() const { return dir_ + "/certs"; }
  int tls_port() const { return port_; }
  bool has_tls() const { return !make_certs_.empty(); }

  // A new channel to the unix socket. Each has its own subchannel (a new
  // connection, never one shared with a channel to an earlier warrend) and
  // short reconnect backoff, so polling a restarting daemon is fast.
  std::shared_ptr<grpc::Channel> UnixChannel() const;
  // A new mutual-TLS channel to the TCP listener as agent-a (admin, tenant
  // "cluster": callers add TenantMetadata to act on "default" containers).
  std::shared_ptr<grpc::Channel> TlsChannel() const;
  std::unique_ptr<v1::ContainerService::Stub> UnixStub() const;

  // The last `bytes` of warrend's log, for error notes.
  std::string LogTail(size_t bytes = 2000) const;

 private:
  absl::Status MakeCerts();
  absl::Status WaitServing(absl::Duration timeout);
  // Removes what a dead warrend may have left (mounts, cgroups, links).
  void RemoveHostLeftovers();

  BenchContext ctx_;
  std::string make_certs_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The metadata an admin TLS client sends to act in the unix socket's
// tenant ("default"), where the benchmark's containers live.
void AddTenantMetadata(grpc::ClientContext* ctx);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_BENCH_WARREND_H_
