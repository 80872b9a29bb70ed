// Starts a private warrend for an integration test: its own socket, state
// and run directories under a short /tmp directory (unix socket paths are
// limited to 107 bytes), the default busybox image built there, and a
// connected stub. Everything is removed again, containers included, also
// when a test fails.
#ifndef WARREN_TESTS_INTEGRATION_WARREND_FIXTURE_H_
#define WARREN_TESTS_INTEGRATION_WARREND_FIXTURE_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/warren/v1/service.grpc.pb.h"

namespace warren::testing {

// Path of a file in this test's runfiles ("server/warrend").
std::string Runfile(const std::string& path);

class WarrendProcess {
 public:
  // Makes the directory and the image; does not start warrend yet.
  WarrendProcess();
  ~WarrendProcess();

  // Starts warrend and waits until it answers. Fatal test failure if not.
  void Start();
  // warrend's command line with this process's directories, network and
  // cgroup parent (what Start runs, before the extra args).
  std::vector<std::string> CommandLine() const;
  // Flags added to the next Start's command line.
  void set_extra_args(std::vector<std::string> args) {
    extra_args_ = std::move(args);
  }
  // Stops warrend with `signal` (SIGTERM: graceful, SIGKILL: crash).
  void Stop(int signal);

  std::shared_ptr<grpc::Channel> NewChannel() const;
  // warrend's own pid (setpriv execs it), -1 when stopped: tests read its
  // /proc entries (threads, descriptors).
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string socket() const { return dir_ + "/warren.sock"; }
  std::string state_dir() const { return dir_ + "/state"; }
  std::string run_dir() const { return dir_ + "/run"; }
  // Built in a directory that does not exist yet, as on a fresh machine.
  std::string image() const { return dir_ + "/images/busybox"; }
  // This warrend's default network, unique per test process, so tests
  // never share a bridge, subnet or nftables table with a real warrend.
  std::string bridge() const { return "wt-" + suffix_; }
  std::string subnet() const;
  std::string nft_table() const { return "warren_t" + suffix_; }
  // Its --cgroup_parent: a container's cgroup is
  // <cgroup_parent>/<tenant>/<id>, apart from any other warrend's.
  std::string cgroup_parent() const { return "warren-t" + suffix_; }

 private:
  std::string dir_;
  std::string suffix_;  // of the mkdtemp directory
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

// A test fixture with one warrend per test and a stub for it.
class WarrendTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A spec running `args` in the default image.
  v1::ContainerSpec Spec(std::vector<std::string> args) const;
  // What a container that ran to its end did.
  struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
  };

  // Create as a client sees it: the status (for bad-input checks).
  grpc::Status Create(const std::string& id, const v1::ContainerSpec& spec);
  // Creates, starts and waits for a container: exit code and logs.
  RunResult Run(const std::string& id, const v1::ContainerSpec& spec);
  // Creates a container; fails the test if Create fails.
  v1::Container CreateOrDie(const std::string& id,
                            const v1::ContainerSpec& spec);
  // Starts a created container; fails the test if Start fails.
  v1::Container StartOrDie(const std::string& id);
  // Wait with a deadline (so a hang fails the test instead of blocking it).
  grpc::Status WaitFor(const std::string& id, v1::WaitResponse* response,
                       int seconds = 30);
  // The container's logs joined per stream: {stdout, stderr}.
  std::pair<std::string, std::string> Logs(const std::string& id);

  std::unique_ptr<WarrendProcess> warrend_;
  std::unique_ptr<v1::ContainerService::Stub> stub_;
};

// A process's open descriptors, inotify instances counted apart: warrend
// keeps idle ones pooled for reuse (runtime/dir_watch.h, at most 16), so
// they are no leak. {-1, -1} if /proc/<pid>/fd cannot be read.
struct FdCount {
  int other = -1;
  int inotify = -1;
};
FdCount CountFds(pid_t pid);
inline constexpr int kMaxPooledInotify = 16;

// A client context with a deadline `seconds` from now.
std::unique_ptr<grpc::ClientContext> Ctx(int seconds = 30);
// The same, acting in `tenant` (the warren-tenant metadata an admin, such
// as the unix socket, may send).
std::unique_ptr<grpc::ClientContext> InTenant(const std::string& tenant,
                                              int seconds = 30);

}  // namespace warren::testing

#endif  // WARREN_TESTS_INTEGRATION_WARREND_FIXTURE_H_
