#include "tools/bench/bench_warrend.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tools/bench/warren_bench_util.h"

namespace warren::bench {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// A 127.0.0.1 port nobody listens on right now (the kernel's pick).
int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Mount points at or below `dir`, deepest first.
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() > 4 && (f[4] == dir || absl::StartsWith(f[4], dir + "/"))) {
      out.push_back(f[4]);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

// Mount points of every cgroup hierarchy (v1 controllers and unified).
std::vector<std::string> CgroupMounts() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    auto dash = std::find(f.begin(), f.end(), "-");
    if (dash == f.end() || dash + 1 == f.end() || f.size() < 5) continue;
    if (dash[1] == "cgroup" || dash[1] == "cgroup2") out.push_back(f[4]);
  }
  return out;
}

void KillPidsIn(const std::string& procs_file) {
  std::ifstream in(procs_file);
  for (pid_t pid; in >> pid;) kill(pid, SIGKILL);
}

}  // namespace

void AddTenantMetadata(grpc::ClientContext* ctx) {
  ctx->AddMetadata("warren-tenant", "default");
}

BenchWarrend::BenchWarrend(const BenchContext& ctx, std::string make_certs)
    : ctx_(ctx),
      make_certs_(std::move(make_certs)),
      dir_(ctx.work_dir + "/warrend") {}

BenchWarrend::~BenchWarrend() { Cleanup(); }

absl::Status BenchWarrend::MakeCerts() {
  if (!has_tls() || access((certs_dir() + "/agent-a.pem").c_str(), R_OK) == 0) {
    return absl::OkStatus();
  }
  std::string out;
  int status = RunProgram({"/bin/bash", make_certs_, certs_dir()}, &out);
  if (status != 0) {
    return absl::InternalError(
        absl::StrCat(make_certs_, " failed (", status, "): ", out));
  }
  return absl::OkStatus();
}

absl::Status BenchWarrend::Start() {
  if (running()) return absl::OkStatus();
  if (socket().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path too long for a unix socket: ", socket()));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir_, ": ", ec.message()));
  if (absl::Status s = MakeCerts(); !s.ok()) return s;
  if (has_tls() && port_ == 0) port_ = PickFreePort();
  // setpriv: a crashed benchmark must not leave its warrend behind.
  std::vector<std::string> args = {
      "/usr/bin/setpriv",
      "--pdeathsig=KILL",
      "--",
      ctx_.warrend,
      "--socket=" + socket(),
      "--state_dir=" + state_dir(),
      "--run_dir=" + run_dir(),
      "--monitor=" + ctx_.monitor,
      std::string("--default_bridge=") + kBenchBridge,
      std::string("--default_subnet=") + kBenchSubnet,
      std::string("--nft_table=") + kBenchNftTable,
      std::string("--cgroup_parent=") + kBenchCgroupParent};
  if (has_tls()) {
    args.push_back(absl::StrCat("--listen=127.0.0.1:", port_));
    args.push_back("--tls_cert=" + certs_dir() + "/server.pem");
    args.push_back("--tls_key=" + certs_dir() + "/server.key");
    args.push_back("--client_ca=" + certs_dir() + "/ca.pem");
    args.push_back("--policy=" + certs_dir() + "/policy.textproto");
  }
  int log =
      open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return absl::ErrnoToStatus(errno, "open " + log_path());
  SpawnIo io;
  io.stdout_fd = log;
  io.stderr_fd = log;
  absl::StatusOr<pid_t> pid = Spawn(args, io);
  close(log);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  // Recovering a big fleet takes a while before the socket serves.
  return WaitServing(absl::Seconds(180));
}

absl::Status BenchWarrend::WaitServing(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  auto stub = UnixStub();
  grpc::Status s;
  while (absl::Now() < deadline) {
    auto ctx = CallContext(absl::Milliseconds(500));
    ctx->set_wait_for_ready(true);
    v1::ListRequest req;
    // An empty answer is enough to know it serves.
    req.set_state(v1::PAUSED);
    v1::ListResponse list;
    s = stub->List(ctx.get(), req, &list);
    if (s.ok()) return absl::OkStatus();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("warrend exited (status ", status,
                                              ") before serving: ", LogTail()));
    }
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "warrend did not serve on ", socket(), ": ", s.error_message()));
}

absl::Status BenchWarrend::Stop() {
  if (!running()) return absl::OkStatus();
  kill(pid_, SIGTERM);
  int status = -1;
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      status = WaitPid(pid_);
      break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  pid_ = -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("warrend stopped with status ", status, ": ", LogTail()));
}

void BenchWarrend::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  WaitPid(pid_);
  pid_ = -1;
}

void BenchWarrend::Cleanup() {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return;
  // A warrend that died (or a benchmark that did) left containers: a new
  // one recovers them so they can be deleted the normal way.
  if (!running() &&
      !std::filesystem::is_empty(state_dir() + "/containers", ec) && !ec) {
    (void)Start();
  }
  if (running()) {
    auto stub = UnixStub();
    v1::ListResponse list;
    if (stub->List(CallContext().get(), {}, &list).ok()) {
      std::vector<std::thread> threads;
      const int n = std::min(8, list.containers_size());
      for (int t = 0; t < n; ++t) {
        threads.emplace_back([&, t] {
          auto own = UnixStub();
          for (int i = t; i < list.containers_size(); i += n) {
            const v1::Container& c = list.containers(i);
            grpc::ClientContext ctx;
            ctx.set_deadline(
                absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
            ctx.AddMetadata("warren-tenant", c.tenant());
            v1::DeleteRequest req;
            req.set_id(c.id());
            req.set_force(true);
            v1::DeleteResponse resp;
            (void)own->Delete(&ctx, req, &resp);
          }
        });
      }
      for (auto& t : threads) t.join();
    }
    (void)Stop();
  }
  RemoveHostLeftovers();
  std::filesystem::remove_all(dir_, ec);
  std::filesystem::remove_all(run_dir(), ec);
}

void BenchWarrend::RemoveHostLeftovers() {
  // Processes still naming our directories (monitors of containers the
  // daemon could not delete): only when no warrend of ours runs.
  std::error_code ec;
  const std::vector<std::filesystem::path> ours = {
      std::filesystem::canonical(ctx_.monitor, ec),
      std::filesystem::canonical(ctx_.warrend, ec)};
  if (DIR* proc = opendir("/proc")) {
    while (dirent* e = readdir(proc)) {
      pid_t pid = atoi(e->d_name);
      if (pid <= 0 || pid == getpid()) continue;
      std::filesystem::path exe = std::filesystem::read_symlink(
          absl::StrCat("/proc/", pid, "/exe"), ec);
      if (ec || std::find(ours.begin(), ours.end(), exe) == ours.end()) {
        continue;
      }
      std::string cmdline = ReadAll(absl::StrCat("/proc/", pid, "/cmdline"));
      if (absl::StrContains(cmdline, dir_ + "/")) kill(pid, SIGKILL);
    }
    closedir(proc);
  }
  // Container cgroups: kill what is left in them, then remove them, and
  // the tenant and parent directories above them.
  for (const std::string& mount : CgroupMounts()) {
    std::string parent = mount + "/" + kBenchCgroupParent;
    std::vector<std::string> tenants;
    for (const auto& tenant : std::filesystem::directory_iterator(parent, ec)) {
      if (!tenant.is_directory(ec)) continue;
      tenants.push_back(tenant.path());
      for (const auto& entry :
           std::filesystem::directory_iterator(tenant.path(), ec)) {
        if (!entry.is_directory(ec)) continue;
        for (int i = 0; i < 50 && rmdir(entry.path().c_str()) != 0; ++i) {
          KillPidsIn(entry.path().string() + "/cgroup.procs");
          absl::SleepFor(absl::Milliseconds(20));
        }
      }
    }
    for (const std::string& tenant : tenants) rmdir(tenant.c_str());
    rmdir(parent.c_str());
  }
  for (const std::string& dir : {dir_, run_dir()}) {
    for (const std::string& m : MountsUnder(dir))
      umount2(m.c_str(), MNT_DETACH);
  }
  RunShell(absl::StrCat(
      "for l in $(ip -o link show master ", kBenchBridge,
      " 2>/dev/null | cut -d: -f2 | cut -d@ -f1); do ip link del $l; done; "
      "ip link del ",
      kBenchBridge, " 2>/dev/null; nft add table ip ", kBenchNftTable,
      " 2>/dev/null && nft delete table ip ", kBenchNftTable,
      " 2>/dev/null; true"));
}

std::shared_ptr<grpc::Channel> BenchWarrend::UnixChannel() const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 5);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 50);
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel("unix://" + socket(),
                                   grpc::InsecureChannelCredentials(), args);
}

std::shared_ptr<grpc::Channel> BenchWarrend::TlsChannel() const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadAll(certs_dir() + "/ca.pem");
  options.pem_cert_chain = ReadAll(certs_dir() + "/agent-a.pem");
  options.pem_private_key = ReadAll(certs_dir() + "/agent-a.key");
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::SslCredentials(options), args);
}

std::unique_ptr<v1::ContainerService::Stub> BenchWarrend::UnixStub() const {
  return v1::ContainerService::NewStub(UnixChannel());
}

std::string BenchWarrend::LogTail(size_t bytes) const {
  std::string log = ReadAll(log_path());
  return log.size() > bytes ? log.substr(log.size() - bytes) : log;
}

}  // namespace warren::bench
