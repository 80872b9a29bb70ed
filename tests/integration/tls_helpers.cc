#include "tests/integration/tls_helpers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"

extern char** environ;

namespace warren::testing {
namespace {

bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// posix_spawn (not fork: gRPC's fork handlers) with stdout and stderr
// appended to `log`.
pid_t Spawn(std::vector<std::string> args, const std::string& log) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "posix_spawn " << args[3];
  return rc == 0 ? pid : -1;
}

}  // namespace

TestCerts::TestCerts() {
  char tmpl[] = "/tmp/warren-certs-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  std::string cmd =
      Runfile("tools/make_test_certs.sh") + " " + dir_ + " >/dev/null";
  EXPECT_EQ(system(cmd.c_str()), 0) << cmd;
}

TestCerts::~TestCerts() {
  if (dir_.empty()) return;
  std::string cmd = "rm -rf '" + dir_ + "'";
  EXPECT_EQ(system(cmd.c_str()), 0) << cmd;
}

std::string TestCerts::pem(const std::string& name) const {
  return dir_ + "/" + name + ".pem";
}

std::string TestCerts::key(const std::string& name) const {
  return dir_ + "/" + name + ".key";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << data;
    ASSERT_TRUE(out.good()) << tmp;
  }
  ASSERT_EQ(rename(tmp.c_str(), path.c_str()), 0) << path;
}

int FreePort() {
  int port = 30000 + getpid() % 20000;
  for (int i = 0; i < 100 && !PortFree(port); ++i)
    port = 30000 + (port + 1 - 30000) % 20000;
  return port;
}

std::shared_ptr<grpc::Channel> TlsChannel(const TestCerts& certs, int port,
                                          const std::string& client) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadAll(certs.pem("ca"));
  if (!client.empty()) {
    options.pem_cert_chain = ReadAll(certs.pem(client));
    options.pem_private_key = ReadAll(certs.key(client));
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::SslCredentials(options), args);
}

std::shared_ptr<grpc::Channel> PlaintextChannel(int port) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials(), args);
}

std::string ServedCommonName(const TestCerts& certs, int port) {
  auto stub = v1::ContainerService::NewStub(TlsChannel(certs, port, "agent-a"));
  auto ctx = Ctx();
  v1::ListResponse list;
  if (!stub->List(ctx.get(), {}, &list).ok()) return "";
  auto cns = ctx->auth_context()->FindPropertyValues("x509_common_name");
  return cns.empty() ? "" : std::string(cns[0].data(), cns[0].size());
}

int Occurrences(const std::string& log, const std::string& text) {
  int n = 0;
  for (size_t at = log.find(text); at != std::string::npos;
       at = log.find(text, at + 1)) {
    ++n;
  }
  return n;
}

ExitResult RunWarrendToExit(const WarrendProcess& dirs,
                            const std::vector<std::string>& args) {
  std::vector<std::string> all = dirs.CommandLine();
  all.insert(all.end(), args.begin(), args.end());
  std::string log = dirs.dir() + "/refused.log";
  unlink(log.c_str());
  ExitResult result;
  pid_t pid = Spawn(all, log);
  if (pid <= 0) return result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (waitpid(pid, &result.status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "warrend did not exit";
      kill(pid, SIGKILL);
      waitpid(pid, &result.status, 0);
      break;
    }
    usleep(20 * 1000);
  }
  result.log = ReadAll(log);
  return result;
}

LoggedWarrend::LoggedWarrend(std::vector<std::string> extra_args)
    : dirs_(std::make_unique<WarrendProcess>()),
      extra_args_(std::move(extra_args)) {}

LoggedWarrend::~LoggedWarrend() { Stop(); }

bool LoggedWarrend::Start() {
  std::vector<std::string> args = dirs_->CommandLine();
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = Spawn(args, log_path());
  if (pid_ <= 0) return false;
  auto stub = UnixStub();
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto ctx = Ctx(1);
    ctx->set_wait_for_ready(true);
    v1::ListResponse list;
    if (stub->List(ctx.get(), {}, &list).ok()) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    usleep(100 * 1000);
  }
  return false;
}

void LoggedWarrend::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "warrend exit status " << status << "\n"
      << Log();
}

bool LoggedWarrend::WaitForLog(const std::string& text, int seconds) const {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (Log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    usleep(50 * 1000);
  }
  return true;
}

std::vector<std::string> LoggedWarrend::AuditLines() const {
  std::vector<std::string> out;
  std::istringstream in(Log());
  for (std::string line; std::getline(in, line);) {
    if (line.find(" audit: ") != std::string::npos) out.push_back(line);
  }
  return out;
}

std::unique_ptr<v1::ContainerService::Stub> LoggedWarrend::UnixStub() const {
  return v1::ContainerService::NewStub(dirs_->NewChannel());
}

}  // namespace warren::testing
