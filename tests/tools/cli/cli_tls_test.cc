// End-to-end test of `warren --host tcp://...`: the CLI's own channel
// (ParseGlobalArgs + NewDaemonChannel, as warren_main builds it) against an
// in-process gRPC server on 127.0.0.1 that requires and verifies client
// certificates, like warrend's --listen. Certificates come from
// tools/make_test_certs.sh (needs the openssl command).
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_connection.h"
#include "tools/cli/cli_support.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Runfile(const std::string& path) {
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* workspace = getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" +
         (workspace ? workspace : "warren") + "/" + path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// List answers one container; each call notes the client certificate's CN
// and the tenant metadata it came with.
class RecordingService : public v1::ContainerService::Service {
 public:
  grpc::Status List(grpc::ServerContext* ctx, const v1::ListRequest*,
                    v1::ListResponse* resp) override {
    std::string cn = "-";
    std::vector<grpc::string_ref> cns =
        ctx->auth_context()->FindPropertyValues("x509_common_name");
    if (!cns.empty()) cn.assign(cns[0].data(), cns[0].size());
    std::string tenant = "-";
    auto it = ctx->client_metadata().find(kTenantMetadataKey);
    if (it != ctx->client_metadata().end()) {
      tenant.assign(it->second.data(), it->second.size());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(cn + " " + tenant);
    }
    v1::Container* c = resp->add_containers();
    c->set_id("web");
    c->set_tenant("team-a");
    c->set_state(v1::RUNNING);
    return grpc::Status::OK;
  }

  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> calls_;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warren-cli-certs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string cmd =
        Runfile("tools/make_test_certs.sh") + " " + dir_ + " >/dev/null";
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;

    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = ReadAll(File("ca.pem"));
    tls.pem_key_cert_pairs.push_back(
        {ReadAll(File("server.key")), ReadAll(File("server.pem"))});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    if (!dir_.empty()) {
      EXPECT_EQ(system(("rm -rf '" + dir_ + "'").c_str()), 0);
    }
  }

  std::string File(const std::string& name) const { return dir_ + "/" + name; }
  std::string Host() const {
    return "tcp://127.0.0.1:" + std::to_string(port_);
  }

  // Runs `warren GLOBAL... ps` through the CLI's own parsing and channel;
  // returns the exit status (stdout/stderr in out_/err_).
  int RunPs(std::vector<std::string> global) {
    global.push_back("ps");
    absl::StatusOr<GlobalOptions> g = ParseGlobalArgs(global, {});
    EXPECT_TRUE(g.ok()) << g.status();
    if (!g.ok()) return -1;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        NewDaemonChannel(g->connection);
    EXPECT_TRUE(channel.ok()) << channel.status();
    if (!channel.ok()) return -1;
    auto stub = v1::ContainerService::NewStub(*channel);
    CommandEnv env;
    env.stub = stub.get();
    env.target = DaemonName(g->connection);
    env.tenant = g->connection.tenant;
    env.timeout = absl::Seconds(10);
    env.out = out_.file();
    env.err = err_.file();
    return RunCommand(env, g->command, g->args);
  }
  std::vector<std::string> TlsFlags(const std::string& ca,
                                    const std::string& client) const {
    return {"--host",     Host(),
            "--tls_ca",   File(ca + ".pem"),
            "--tls_cert", File(client + ".pem"),
            "--tls_key",  File(client + ".key")};
  }

  std::string dir_;
  int port_ = 0;
  RecordingService service_;
  std::unique_ptr<grpc::Server> server_;
  Capture out_;
  Capture err_;
};

TEST_F(TlsTest, PsOverMutualTlsWithTenant) {
  std::vector<std::string> flags = TlsFlags("ca", "agent-a");
  flags.push_back("--tenant");
  flags.push_back("team-a");
  ASSERT_EQ(RunPs(flags), 0) << err_.text();
  // The server verified agent-a's certificate and got the tenant.
  EXPECT_THAT(service_.Calls(), ElementsAre("agent-a team-a"));
  EXPECT_THAT(out_.text(), StartsWith("ID    TENANT   STATE"));
  EXPECT_THAT(out_.text(), HasSubstr("web   team-a   running"));
}

TEST_F(TlsTest, WrongCaNamesTheHost) {
  // warrend's certificate does not chain to other-ca: no call is made.
  EXPECT_EQ(RunPs(TlsFlags("other-ca", "agent-a")), 1);
  EXPECT_THAT(err_.text(), StartsWith("warren: ps: cannot reach warrend at " +
                                      Host() + ": UNAVAILABLE: "));
  EXPECT_THAT(service_.Calls(), ElementsAre());
}

TEST_F(TlsTest, ClientOfAnotherCaIsRejected) {
  EXPECT_EQ(RunPs(TlsFlags("ca", "intruder")), 1);
  EXPECT_THAT(err_.text(), StartsWith("warren: ps: cannot reach warrend at " +
                                      Host() + ": UNAVAILABLE: "));
  EXPECT_THAT(service_.Calls(), ElementsAre());
}

TEST_F(TlsTest, UnreadableFileIsNamed) {
  absl::StatusOr<GlobalOptions> g =
      ParseGlobalArgs(TlsFlags("missing", "agent-a"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      NewDaemonChannel(g->connection);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().message(), "cannot read --tls_ca \"" +
                                            File("missing.pem") +
                                            "\": No such file or directory");
}

}  // namespace
}  // namespace warren::cli
