#include "tests/integration/warrend_fixture.h"

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

extern char** environ;

namespace warren::testing {

std::string Runfile(const std::string& path) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" +
         (workspace ? workspace : "warren") + "/" + path;
}

FdCount CountFds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return {};
  FdCount n{0, 0};
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    ssize_t len =
        readlink((dir + "/" + e->d_name).c_str(), target, sizeof(target) - 1);
    if (len > 0 && std::string(target, len) == "anon_inode:inotify") {
      ++n.inotify;
    } else {
      ++n.other;
    }
  }
  closedir(d);
  return n;
}

std::unique_ptr<grpc::ClientContext> Ctx(int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(seconds));
  return ctx;
}

std::unique_ptr<grpc::ClientContext> InTenant(const std::string& tenant,
                                              int seconds) {
  auto ctx = Ctx(seconds);
  ctx->AddMetadata("warren-tenant", tenant);
  return ctx;
}

WarrendProcess::WarrendProcess() {
  char tmpl[] = "/tmp/warren-it-XXXXXX";
  char* dir = mkdtemp(tmpl);
  if (dir == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = dir;
  suffix_ = dir_.substr(dir_.size() - 6);
  std::string cmd = Runfile("tools/image/build_busybox_rootfs.sh") + " " +
                    image() + " >/dev/null";
  EXPECT_EQ(system(cmd.c_str()), 0) << cmd;
}

WarrendProcess::~WarrendProcess() {
  Stop(SIGTERM);
  // The default network's bridge, the NAT table and the cgroup parent
  // outlive warrend (its containers may still run); this test's go with it
  // (empty cgroups only: TearDown deleted the containers).
  // Bazel's strict action environment has no sbin in PATH.
  std::string cleanup =
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin; ip link del " + bridge() +
      " 2>/dev/null; nft delete table ip " + nft_table() +
      " 2>/dev/null; for d in /sys/fs/cgroup/" + cgroup_parent() +
      " /sys/fs/cgroup/*/" + cgroup_parent() +
      "; do [ -d $d ] && find $d -depth -type d -exec rmdir {} + ; done "
      "2>/dev/null; true";
  (void)system(cleanup.c_str());
  if (!dir_.empty()) {
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (system(cmd.c_str()) != 0) ADD_FAILURE() << cmd;
  }
}

std::vector<std::string> WarrendProcess::CommandLine() const {
  // setpriv: a crashed test must not leave its warrend behind.
  return {"/usr/bin/setpriv",
          "--pdeathsig=KILL",
          "--",
          Runfile("server/warrend"),
          "--socket=" + socket(),
          "--state_dir=" + state_dir(),
          "--run_dir=" + run_dir(),
          "--monitor=" + Runfile("runtime/monitor/warren-monitor"),
          "--default_bridge=" + bridge(),
          "--default_subnet=" + subnet(),
          "--nft_table=" + nft_table(),
          "--cgroup_parent=" + cgroup_parent()};
}

void WarrendProcess::Start() {
  std::vector<std::string> args = CommandLine();
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn, not fork: gRPC's fork handlers can hang a forked child of
  // this multi-threaded test.
  ASSERT_EQ(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ),
            0);
  // A real call, not just a connected channel: gRPC shares subchannels, so
  // a channel to a restarted warrend can look READY on the old connection.
  auto stub = v1::ContainerService::NewStub(NewChannel());
  grpc::Status s;
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto ctx = Ctx(1);
    ctx->set_wait_for_ready(true);
    v1::ListResponse list;
    s = stub->List(ctx.get(), {}, &list);
    if (s.ok()) return;
    usleep(100 * 1000);
  }
  FAIL() << "warrend did not start serving on " << socket() << ": "
         << s.error_message();
}

void WarrendProcess::Stop(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (signal == SIGTERM) {
    // Graceful shutdown: warrend drains and exits 0.
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "warrend exit status " << status;
  }
}

std::shared_ptr<grpc::Channel> WarrendProcess::NewChannel() const {
  // Sync Exec answers carry up to 16 MiB per stream.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel("unix://" + socket(),
                                   grpc::InsecureChannelCredentials(), args);
}

void WarrendTest::SetUp() {
  warrend_ = std::make_unique<WarrendProcess>();
  ASSERT_NO_FATAL_FAILURE(warrend_->Start());
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
}

std::string WarrendProcess::subnet() const {
  return "10.233." + std::to_string(getpid() % 250) + ".0/24";
}

void WarrendTest::TearDown() {
  // Remove every container this test made, whatever state it is in.
  v1::ListResponse list;
  if (stub_ && stub_->List(Ctx().get(), {}, &list).ok()) {
    for (const auto& c : list.containers()) {
      v1::DeleteRequest del;
      del.set_id(c.id());
      del.set_force(true);
      v1::DeleteResponse ignored;
      grpc::Status s = stub_->Delete(Ctx().get(), del, &ignored);
      EXPECT_TRUE(s.ok()) << "cleanup of " << c.id() << ": "
                          << s.error_message();
    }
  }
  v1::ListNetworksResponse networks;
  if (stub_ && stub_->ListNetworks(Ctx().get(), {}, &networks).ok()) {
    for (const auto& n : networks.networks()) {
      if (n.config().name() == "warren") continue;
      v1::DeleteNetworkRequest del;
      del.set_name(n.config().name());
      v1::DeleteNetworkResponse ignored;
      grpc::Status s = stub_->DeleteNetwork(Ctx().get(), del, &ignored);
      EXPECT_TRUE(s.ok()) << "cleanup of network " << n.config().name() << ": "
                          << s.error_message();
    }
  }
  stub_.reset();
  warrend_.reset();
}

v1::ContainerSpec WarrendTest::Spec(std::vector<std::string> args) const {
  v1::ContainerSpec spec;
  spec.set_rootfs(warrend_->image());
  spec.mutable_process();
  for (auto& a : args) spec.mutable_process()->add_args(a);
  return spec;
}

grpc::Status WarrendTest::Create(const std::string& id,
                                 const v1::ContainerSpec& spec) {
  v1::CreateRequest req;
  req.set_id(id);
  *req.mutable_spec() = spec;
  v1::CreateResponse resp;
  return stub_->Create(Ctx().get(), req, &resp);
}

WarrendTest::RunResult WarrendTest::Run(const std::string& id,
                                        const v1::ContainerSpec& spec) {
  RunResult r;
  CreateOrDie(id, spec);
  StartOrDie(id);
  v1::WaitResponse waited;
  grpc::Status s = WaitFor(id, &waited);
  EXPECT_TRUE(s.ok()) << s.error_message();
  r.exit_code = waited.status().exit_code();
  std::tie(r.out, r.err) = Logs(id);
  return r;
}

v1::Container WarrendTest::CreateOrDie(const std::string& id,
                                       const v1::ContainerSpec& spec) {
  v1::CreateRequest req;
  req.set_id(id);
  *req.mutable_spec() = spec;
  v1::CreateResponse resp;
  grpc::Status s = stub_->Create(Ctx().get(), req, &resp);
  EXPECT_TRUE(s.ok()) << "create " << id << ": " << s.error_code() << " "
                      << s.error_message();
  return resp.container();
}

v1::Container WarrendTest::StartOrDie(const std::string& id) {
  v1::StartRequest req;
  req.set_id(id);
  v1::StartResponse resp;
  grpc::Status s = stub_->Start(Ctx().get(), req, &resp);
  EXPECT_TRUE(s.ok()) << "start " << id << ": " << s.error_code() << " "
                      << s.error_message();
  return resp.container();
}

grpc::Status WarrendTest::WaitFor(const std::string& id,
                                  v1::WaitResponse* response, int seconds) {
  v1::WaitRequest req;
  req.set_id(id);
  return stub_->Wait(Ctx(seconds).get(), req, response);
}

std::pair<std::string, std::string> WarrendTest::Logs(const std::string& id) {
  v1::LogsRequest req;
  req.set_id(id);
  auto ctx = Ctx();
  auto reader = stub_->Logs(ctx.get(), req);
  std::pair<std::string, std::string> out;
  v1::LogsResponse line;
  while (reader->Read(&line)) {
    std::string& s = line.stream() == "stderr" ? out.second : out.first;
    s += line.data();
    if (line.line_end()) s += "\n";
  }
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return out;
}

}  // namespace warren::testing
