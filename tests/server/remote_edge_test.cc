// The pieces of remote access that need no server: the identity taken from
// a verified certificate, audit lines and the objects they name, --listen
// parsing, and the TLS file checks (with certificates from
// tools/make_test_certs.sh).
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/grpc_security_constants.h"
#include "gtest/gtest.h"
#include "proto/warren/v1/service.pb.h"
#include "runtime/file_util.h"
#include "server/audit.h"
#include "server/authorizer.h"
#include "server/remote_access.h"
#include "server/tls_material.h"

namespace warren::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// AuthPropertyIterator's default constructor is protected.
struct NoProperties : grpc::AuthPropertyIterator {};

// An AuthContext with the properties a test gives it.
class FakeAuthContext : public grpc::AuthContext {
 public:
  explicit FakeAuthContext(std::multimap<std::string, std::string> props)
      : props_(std::move(props)) {}
  bool IsPeerAuthenticated() const override { return true; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override { return {}; }
  std::string GetPeerIdentityPropertyName() const override { return ""; }
  std::vector<grpc::string_ref> FindPropertyValues(
      const std::string& name) const override {
    std::vector<grpc::string_ref> out;
    auto [begin, end] = props_.equal_range(name);
    for (auto it = begin; it != end; ++it) out.emplace_back(it->second);
    return out;
  }
  grpc::AuthPropertyIterator begin() const override { return NoProperties(); }
  grpc::AuthPropertyIterator end() const override { return NoProperties(); }
  void AddProperty(const std::string&, const grpc::string_ref&) override {}
  bool SetPeerIdentityPropertyName(const std::string&) override {
    return false;
  }

 private:
  std::multimap<std::string, std::string> props_;
};

FakeAuthContext Tls(std::multimap<std::string, std::string> props) {
  props.emplace(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME, "tls");
  return FakeAuthContext(std::move(props));
}

TEST(CertificateIdentityTest, UriSanFirstThenCommonName) {
  EXPECT_EQ(*CertificateIdentity(Tls({{"peer_uri", "spiffe://cluster/agent-a"},
                                      {"x509_common_name", "agent-a"}})),
            "spiffe://cluster/agent-a");
  EXPECT_EQ(*CertificateIdentity(Tls({{"x509_common_name", "viewer-b"}})),
            "viewer-b");
  EXPECT_THAT(std::string(CertificateIdentity(Tls({{"peer_uri", "a://x"},
                                                   {"peer_uri", "b://y"}}))
                              .status()
                              .message()),
              HasSubstr("2 URI subject alternative names"));
  EXPECT_FALSE(CertificateIdentity(Tls({})).ok());
}

TEST(CertificateIdentityTest, CallerOfUnixAndTls) {
  Authorizer authz(*Policy::Parse(
      "entries { identity: \"viewer-b\" tenant: \"b\" role: \"viewer\" }",
      "p"));
  Caller unix =
      authz.CallerOf(FakeAuthContext(std::multimap<std::string, std::string>{
          {GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME, "insecure"}}));
  EXPECT_EQ(unix.identity, "unix");
  EXPECT_EQ(unix.role, Role::kAdmin);
  Caller viewer = authz.CallerOf(Tls({{"x509_common_name", "viewer-b"}}));
  EXPECT_EQ(viewer.identity, "viewer-b");
  EXPECT_EQ(viewer.tenant, "b");
  EXPECT_EQ(viewer.role, Role::kViewer);
  EXPECT_EQ(authz.CallerOf(Tls({{"x509_common_name", "x"}})).role, Role::kNone);
}

TEST(AuditTest, LineFormat) {
  Caller c{"spiffe://cluster/agent-a", "cluster", Role::kAdmin};
  EXPECT_EQ(FormatAuditLine(c, "/warren.v1.ContainerService/Create", "web",
                            grpc::StatusCode::OK),
            "audit: identity=spiffe://cluster/agent-a tenant=cluster "
            "role=admin rpc=warren.v1.ContainerService/Create id=web code=OK");
  Caller odd{"CI \"Runner\"", "", Role::kNone};
  EXPECT_EQ(FormatAuditLine(odd, "/warren.v1.ContainerService/Kill", "",
                            grpc::StatusCode::PERMISSION_DENIED),
            "audit: identity=\"CI \\\"Runner\\\"\" tenant=- role=none "
            "rpc=warren.v1.ContainerService/Kill id=- code=PERMISSION_DENIED");
}

TEST(AuditTest, ObjectIds) {
  const std::string svc = "/warren.v1.ContainerService/";
  v1::CreateRequest create;
  create.set_id("web");
  EXPECT_EQ(ObjectIdOf(svc + "Create", &create), "web");
  v1::KillRequest kill;
  kill.set_id("web");
  kill.set_exec_id("e1");
  EXPECT_EQ(ObjectIdOf(svc + "Kill", &kill), "web/e1");
  v1::ExecRequest exec;
  exec.set_container_id("web");
  EXPECT_EQ(ObjectIdOf(svc + "Exec", &exec), "web");
  v1::StreamRequest stream;
  EXPECT_EQ(ObjectIdOf(svc + "Stream", &stream), "");
  stream.mutable_target()->set_container_id("web");
  EXPECT_EQ(ObjectIdOf(svc + "Stream", &stream), "web");
  v1::DeleteNetworkRequest net;
  net.set_name("db");
  EXPECT_EQ(ObjectIdOf(svc + "DeleteNetwork", &net), "db");
  EXPECT_EQ(ObjectIdOf(svc + "Create", nullptr), "");
  EXPECT_EQ(ObjectIdOf("/other.Service/Create", &create), "");
}

TEST(ListenFlagsTest, RepeatedAndCommaSeparated) {
  std::vector<std::string> args = {"warrend",
                                   "--listen",
                                   "127.0.0.1:7443",
                                   "--socket=/s",
                                   "-listen=[::1]:1,h:2",
                                   "--listen_x=1",
                                   "--",
                                   "--listen=after"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  EXPECT_THAT(TakeListenFlags(&argc, argv.data()),
              ElementsAre("127.0.0.1:7443", "[::1]:1", "h:2"));
  std::vector<std::string> left(argv.begin(), argv.begin() + argc);
  EXPECT_THAT(left, ElementsAre("warrend", "--socket=/s", "--listen_x=1", "--",
                                "--listen=after"));
  EXPECT_EQ(argv[argc], nullptr);
}

TEST(ListenFlagsTest, Validation) {
  for (const char* ok : {"127.0.0.1:7443", "localhost:1", "[::1]:65535"}) {
    EXPECT_TRUE(ValidateListenAddress(ok).ok()) << ok;
  }
  EXPECT_EQ(std::string(ValidateListenAddress("127.0.0.1").message()),
            "--listen \"127.0.0.1\": expected HOST:PORT (e.g. 127.0.0.1:7443)");
  EXPECT_EQ(std::string(ValidateListenAddress("h:0").message()),
            "--listen \"h:0\": port must be 1-65535 (e.g. 127.0.0.1:7443)");
  EXPECT_EQ(std::string(ValidateListenAddress("::1:7443").message()),
            "--listen \"::1:7443\": an IPv6 host goes in brackets (e.g. "
            "127.0.0.1:7443)");
  EXPECT_FALSE(ValidateListenAddress(":7443").ok());
}

class TlsMaterialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(getenv("TEST_TMPDIR")) + "/certs";
    std::string cmd = std::string(getenv("TEST_SRCDIR")) +
                      "/warren/tools/make_test_certs.sh " + dir_ +
                      " >/dev/null";
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
  }
  TlsFiles Files(const std::string& cert, const std::string& key) {
    return {dir_ + "/" + cert + ".pem", dir_ + "/" + key + ".key",
            dir_ + "/ca.pem"};
  }
  std::string dir_;
};

TEST_F(TlsMaterialTest, MatchingPairLoads) {
  absl::StatusOr<TlsMaterial> m = LoadTlsMaterial(Files("server", "server"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(m->summary, HasSubstr("subject CN=warrend, serial "));
}

TEST_F(TlsMaterialTest, EachProblemHasItsError) {
  EXPECT_EQ(std::string(
                LoadTlsMaterial(Files("server", "agent-a")).status().message()),
            "--tls_key " + dir_ + "/agent-a.key does not match --tls_cert " +
                dir_ + "/server.pem");
  TlsFiles f = Files("server", "server");
  f.ca_path = dir_ + "/server.key";
  EXPECT_EQ(std::string(LoadTlsMaterial(f).status().message()),
            "--client_ca " + dir_ + "/server.key: no PEM certificate in it");
  f = Files("server", "server");
  f.key_path = dir_ + "/ca.pem";
  EXPECT_EQ(std::string(LoadTlsMaterial(f).status().message()),
            "--tls_key " + dir_ +
                "/ca.pem: no PEM private key in it (encrypted keys are not "
                "supported)");
  f = Files("server", "server");
  f.cert_path = dir_ + "/nope.pem";
  EXPECT_EQ(
      std::string(LoadTlsMaterial(f).status().message()),
      "--tls_cert: open " + dir_ + "/nope.pem: No such file or directory");
}

TEST_F(TlsMaterialTest, StagePublishesWholeGenerations) {
  std::string stage = dir_ + "/stage";
  TlsStage s(stage);
  absl::StatusOr<TlsMaterial> first =
      LoadTlsMaterial(Files("server", "server"));
  absl::StatusOr<TlsMaterial> second =
      LoadTlsMaterial(Files("server-rotated", "server-rotated"));
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(s.Init(*first).ok());
  EXPECT_EQ(*runtime::ReadFile(s.cert_path()), first->cert_pem);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.Publish(i % 2 == 0 ? *second : *first).ok());
  }
  EXPECT_EQ(*runtime::ReadFile(s.key_path()), second->key_pem);
  EXPECT_EQ(*runtime::ReadFile(s.ca_path()), second->ca_pem);
  // Only the current generation and the one before are kept.
  std::vector<std::string> names = runtime::ListDir(stage);
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("current", "g3", "g4"));
}

}  // namespace
}  // namespace warren::server
