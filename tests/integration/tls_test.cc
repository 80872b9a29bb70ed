// Remote agents over TCP with mutual TLS: client certificates are required
// and verified against --client_ca, the policy's roles decide what each
// identity may call, mutating calls are audited, bad flags stop warrend
// with one line, and SIGHUP rotates the server certificate for new
// connections while open streams keep streaming.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/tls_helpers.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPolicy[] = R"pb(
  entries {
    identity: "spiffe://cluster/agent-a"
    tenant: "cluster"
    role: "admin"
  }
  entries { identity: "viewer-b" tenant: "team-b" role: "viewer" }
)pb";

// One warrend with a TLS listener for the whole suite (starting one costs
// an image build); tests leave no containers behind.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TestCerts();
    port_ = FreePort();
    // warrend serves copies, so rotation can replace them.
    std::string dir = certs_->dir();
    WriteAll(dir + "/served.pem", ReadAll(certs_->pem("server")));
    WriteAll(dir + "/served.key", ReadAll(certs_->key("server")));
    WriteAll(dir + "/test-policy.textproto", kPolicy);
    warrend_ = new LoggedWarrend({
        "--listen=127.0.0.1:" + std::to_string(port_),
        "--tls_cert=" + dir + "/served.pem",
        "--tls_key=" + dir + "/served.key",
        "--client_ca=" + certs_->pem("ca"),
        "--policy=" + dir + "/test-policy.textproto",
    });
    ASSERT_TRUE(warrend_->Start()) << warrend_->Log();
  }
  static void TearDownTestSuite() {
    // Whatever a failed test left behind.
    v1::ListResponse list;
    if (warrend_ != nullptr &&
        warrend_->UnixStub()->List(Ctx().get(), {}, &list).ok()) {
      for (const auto& c : list.containers()) {
        v1::DeleteRequest del;
        del.set_id(c.id());
        del.set_force(true);
        v1::DeleteResponse ignored;
        (void)warrend_->UnixStub()->Delete(InTenant(c.tenant()).get(), del,
                                           &ignored);
      }
    }
    delete warrend_;
    warrend_ = nullptr;
    delete certs_;
    certs_ = nullptr;
  }

  std::unique_ptr<v1::ContainerService::Stub> As(const std::string& client) {
    return v1::ContainerService::NewStub(TlsChannel(*certs_, port_, client));
  }

  v1::CreateRequest CreateRequest(const std::string& id) {
    v1::CreateRequest req;
    req.set_id(id);
    req.mutable_spec()->set_rootfs(warrend_->dirs().image());
    req.mutable_spec()->mutable_process()->add_args("true");
    return req;
  }

  void DeleteViaUnix(const std::string& id,
                     const std::string& tenant = "default") {
    v1::DeleteRequest del;
    del.set_id(id);
    del.set_force(true);
    v1::DeleteResponse ignored;
    grpc::Status s =
        warrend_->UnixStub()->Delete(InTenant(tenant).get(), del, &ignored);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  static TestCerts* certs_;
  static LoggedWarrend* warrend_;
  static int port_;
};

TestCerts* TlsTest::certs_ = nullptr;
LoggedWarrend* TlsTest::warrend_ = nullptr;
int TlsTest::port_ = 0;

TEST_F(TlsTest, AdminCertificateMayListCreateAndIsAudited) {
  auto admin = As("agent-a");
  v1::ListResponse list;
  grpc::Status s = admin->List(Ctx().get(), {}, &list);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();

  v1::CreateResponse created;
  s = admin->Create(Ctx().get(), CreateRequest("tls-admin"), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(warrend_->AuditLines(),
              Contains(HasSubstr(
                  "audit: identity=spiffe://cluster/agent-a tenant=cluster "
                  "role=admin rpc=warren.v1.ContainerService/Create "
                  "id=tls-admin code=OK")));
  EXPECT_EQ(created.container().tenant(), "cluster");
  DeleteViaUnix("tls-admin", "cluster");
  // Reads are not audited.
  EXPECT_THAT(warrend_->AuditLines(),
              Not(Contains(HasSubstr("ContainerService/List"))));
}

TEST_F(TlsTest, ReflectionWorksOverTls) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(
      TlsChannel(*certs_, port_, "viewer-b"));
  auto ctx = Ctx();
  auto stream = stub->ServerReflectionInfo(ctx.get());
  grpc::reflection::v1alpha::ServerReflectionRequest req;
  req.set_list_services("*");
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_TRUE(stream->Finish().ok());
  std::vector<std::string> names;
  for (const auto& svc : resp.list_services_response().service()) {
    names.push_back(svc.name());
  }
  EXPECT_THAT(names, Contains("warren.v1.ContainerService"));
}

TEST_F(TlsTest, ViewerMayReadButNotCreate) {
  v1::CreateResponse created;
  // In the viewer's tenant: other tenants' containers are invisible to it.
  ASSERT_TRUE(warrend_->UnixStub()
                  ->Create(InTenant("team-b").get(), CreateRequest("tls-seen"),
                           &created)
                  .ok());
  auto viewer = As("viewer-b");
  v1::ListResponse list;
  EXPECT_TRUE(viewer->List(Ctx().get(), {}, &list).ok());
  v1::InspectRequest inspect;
  inspect.set_id("tls-seen");
  v1::InspectResponse inspected;
  grpc::Status s = viewer->Inspect(Ctx().get(), inspect, &inspected);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(inspected.container().id(), "tls-seen");

  s = viewer->Create(Ctx().get(), CreateRequest("tls-viewer"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "warren.v1.ContainerService/Create is not allowed for role viewer "
            "(identity \"viewer-b\")");
  v1::DeleteRequest del;
  del.set_id("tls-seen");
  v1::DeleteResponse ignored;
  s = viewer->Delete(Ctx().get(), del, &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("ContainerService/Delete"));
  EXPECT_THAT(warrend_->AuditLines(),
              Contains(HasSubstr("identity=viewer-b tenant=team-b role=viewer "
                                 "rpc=warren.v1.ContainerService/Create id=- "
                                 "code=PERMISSION_DENIED")));
  // Denied before any handler ran: the container is still there.
  EXPECT_TRUE(warrend_->UnixStub()
                  ->Inspect(InTenant("team-b").get(), inspect, &inspected)
                  .ok());
  DeleteViaUnix("tls-seen", "team-b");
}

TEST_F(TlsTest, IdentityNotInThePolicyMayCallNothing) {
  auto stranger = As("stranger");
  v1::ListResponse list;
  grpc::Status s = stranger->List(Ctx().get(), {}, &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(),
            "warren.v1.ContainerService/List is not allowed for role none "
            "(identity \"stranger\" is not in the policy)");
}

TEST_F(TlsTest, UnixSocketCallerIsAuditedAsUnixAdmin) {
  v1::CreateResponse created;
  ASSERT_TRUE(warrend_->UnixStub()
                  ->Create(Ctx().get(), CreateRequest("tls-unix"), &created)
                  .ok());
  DeleteViaUnix("tls-unix");
  EXPECT_THAT(
      warrend_->AuditLines(),
      Contains(HasSubstr("audit: identity=unix tenant=default role=admin "
                         "rpc=warren.v1.ContainerService/Delete "
                         "id=tls-unix code=OK")));
}

TEST_F(TlsTest, RejectedClientsNeverReachACall) {
  size_t audited = warrend_->AuditLines().size();
  struct Case {
    std::string what;
    std::shared_ptr<grpc::Channel> channel;
  };
  std::vector<Case> cases = {
      {"no client certificate", TlsChannel(*certs_, port_, "")},
      {"certificate of another CA", TlsChannel(*certs_, port_, "intruder")},
      {"expired certificate", TlsChannel(*certs_, port_, "expired")},
      {"plaintext", PlaintextChannel(port_)},
  };
  for (const Case& c : cases) {
    auto stub = v1::ContainerService::NewStub(c.channel);
    v1::CreateResponse created;
    grpc::Status s =
        stub->Create(Ctx(10).get(), CreateRequest("tls-bad"), &created);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE)
        << c.what << ": " << s.error_code() << " " << s.error_message();
  }
  v1::InspectRequest inspect;
  inspect.set_id("tls-bad");
  v1::InspectResponse inspected;
  EXPECT_EQ(warrend_->UnixStub()
                ->Inspect(Ctx().get(), inspect, &inspected)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(warrend_->AuditLines().size(), audited) << warrend_->Log();
}

TEST_F(TlsTest, PolicyIsReloadedOnSighupAndABadOneIsRefused) {
  std::string policy = certs_->dir() + "/test-policy.textproto";
  auto pause_missing = [this] {
    v1::PauseRequest req;
    req.set_id("tls-missing");
    v1::PauseResponse resp;
    return As("viewer-b")->Pause(Ctx().get(), req, &resp).error_code();
  };
  EXPECT_EQ(pause_missing(), grpc::StatusCode::PERMISSION_DENIED);

  // viewer-b becomes an operator: Pause reaches the handler (NOT_FOUND).
  std::string reloaded = "SIGHUP: policy reloaded: 2 identities from " + policy;
  int before = Occurrences(warrend_->Log(), reloaded);
  std::string promoted = kPolicy;
  promoted.replace(promoted.rfind("\"viewer\""), 8, "\"operator\"");
  WriteAll(policy, promoted);
  ASSERT_EQ(kill(warrend_->pid(), SIGHUP), 0);
  EXPECT_TRUE(warrend_->WaitForLog(reloaded)) << warrend_->Log();
  for (int i = 0; i < 100 && Occurrences(warrend_->Log(), reloaded) == before;
       ++i) {
    usleep(50 * 1000);
  }
  EXPECT_EQ(pause_missing(), grpc::StatusCode::NOT_FOUND);

  // A bad policy is refused; the operator policy stays.
  WriteAll(policy, std::string(kPolicy) +
                       "entries { identity: \"viewer-b\" tenant: \"x\" "
                       "role: \"admin\" }\n");
  ASSERT_EQ(kill(warrend_->pid(), SIGHUP), 0);
  EXPECT_TRUE(warrend_->WaitForLog(
      "SIGHUP: keeping the previous policy: policy " + policy +
      ": entries[2] (\"viewer-b\"): identity is listed twice (also "
      "entries[1])"))
      << warrend_->Log();
  EXPECT_EQ(pause_missing(), grpc::StatusCode::NOT_FOUND);

  // Back to the suite's policy.
  int now = Occurrences(warrend_->Log(), reloaded);
  WriteAll(policy, kPolicy);
  ASSERT_EQ(kill(warrend_->pid(), SIGHUP), 0);
  for (int i = 0; i < 200 && Occurrences(warrend_->Log(), reloaded) == now;
       ++i) {
    usleep(50 * 1000);
  }
  EXPECT_EQ(pause_missing(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TlsTest, SighupRotatesTheCertificateAndOpenStreamsKeepStreaming) {
  ASSERT_EQ(ServedCommonName(*certs_, port_), "warrend");
  // An Events stream over TLS, open across the rotation.
  auto admin = As("agent-a");
  auto events_ctx = Ctx(60);
  v1::EventsRequest events_req;
  events_req.add_container_ids("tls-rot");
  auto events = admin->Events(events_ctx.get(), events_req);
  v1::CreateResponse created;
  ASSERT_TRUE(warrend_->UnixStub()
                  ->Create(Ctx().get(), CreateRequest("tls-rot"), &created)
                  .ok());
  v1::Event event;
  ASSERT_TRUE(events->Read(&event));
  EXPECT_EQ(event.type(), "created");

  // A mismatched pair is refused and the served certificate stays.
  std::string dir = certs_->dir();
  WriteAll(dir + "/served.pem", ReadAll(certs_->pem("server-rotated")));
  ASSERT_EQ(kill(warrend_->pid(), SIGHUP), 0);
  EXPECT_TRUE(warrend_->WaitForLog(
      "SIGHUP: keeping the previous TLS files: --tls_key " + dir +
      "/served.key does not match --tls_cert " + dir + "/served.pem"))
      << warrend_->Log();
  EXPECT_EQ(ServedCommonName(*certs_, port_), "warrend");
  // Then the whole rotated pair.
  WriteAll(dir + "/served.key", ReadAll(certs_->key("server-rotated")));
  ASSERT_EQ(kill(warrend_->pid(), SIGHUP), 0);
  std::string cn;
  for (int i = 0; i < 100 && cn != "warrend-rotated"; ++i) {
    usleep(100 * 1000);
    cn = ServedCommonName(*certs_, port_);
  }
  EXPECT_EQ(cn, "warrend-rotated") << warrend_->Log();
  EXPECT_THAT(warrend_->Log(), HasSubstr("SIGHUP: TLS files reloaded (subject "
                                         "CN=warrend-rotated, serial "));

  // The stream opened before the rotation still delivers.
  DeleteViaUnix("tls-rot");
  bool deleted = false;
  while (!deleted && events->Read(&event)) deleted = event.type() == "deleted";
  EXPECT_TRUE(deleted);
  events_ctx->TryCancel();
  events->Finish();
}

// warrend refuses bad remote-access flags with one line and a failure exit,
// before it touches anything.
class TlsRefusalTest : public ::testing::Test {
 protected:
  void ExpectRefused(const std::vector<std::string>& args,
                     const std::string& reason) {
    ExitResult r = RunWarrendToExit(dirs_, args);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0)
        << "status " << r.status << ": " << r.log;
    EXPECT_THAT(r.log, AllOf(HasSubstr("warrend: cannot start: " + reason),
                             Not(HasSubstr("serving"))));
    EXPECT_EQ(std::count(r.log.begin(), r.log.end(), '\n'), 1) << r.log;
  }
  std::vector<std::string> Tls(const std::string& cert, const std::string& key,
                               const std::string& policy) {
    return {"--listen=127.0.0.1:" + std::to_string(FreePort()),
            "--tls_cert=" + certs_.pem(cert), "--tls_key=" + certs_.key(key),
            "--client_ca=" + certs_.pem("ca"), "--policy=" + policy};
  }

  TestCerts certs_;
  WarrendProcess dirs_;
};

TEST_F(TlsRefusalTest, ListenWithoutTlsFiles) {
  ExpectRefused({"--listen=127.0.0.1:" + std::to_string(FreePort())},
                "--listen needs --tls_cert, --tls_key and --client_ca (TCP is "
                "always mutual TLS); missing: --tls_cert, --tls_key, "
                "--client_ca");
}

TEST_F(TlsRefusalTest, KeyOfAnotherCertificate) {
  std::string policy = certs_.dir() + "/policy.textproto";
  ExpectRefused(Tls("server", "server-rotated", policy),
                "--tls_key " + certs_.key("server-rotated") +
                    " does not match --tls_cert " + certs_.pem("server"));
}

TEST_F(TlsRefusalTest, UnreadableKey) {
  std::string policy = certs_.dir() + "/policy.textproto";
  ExpectRefused(Tls("server", "missing", policy),
                "--tls_key: open " + certs_.key("missing") +
                    ": No such file or directory");
}

// Not a TLS flag, but refused the same way: a parent outside the
// hierarchies (or "..") would put containers' cgroups anywhere.
TEST_F(TlsRefusalTest, CgroupParentOutsideTheHierarchy) {
  for (const char* parent : {"/sys", "warren/../x"}) {
    ExpectRefused({std::string("--cgroup_parent=") + parent},
                  std::string("--cgroup_parent \"") + parent +
                      "\" must be a relative path of names of 1-63 "
                      "characters of [A-Za-z0-9_.-] starting with a letter "
                      "or digit");
  }
}

TEST_F(TlsRefusalTest, MalformedPolicyAndUnknownRole) {
  std::string policy = certs_.dir() + "/bad.textproto";
  WriteAll(policy,
           "entries { identity: \"a\" tenant: \"t\" rolle: \"admin\" }");
  ExpectRefused(
      Tls("server", "server", policy),
      "policy " + policy +
          ": line 1 column 42: Message type \"warren.v1.PolicyEntry\" "
          "has no field named \"rolle\".");
  WriteAll(policy, "entries { identity: \"a\" tenant: \"t\" role: \"root\" }");
  ExpectRefused(Tls("server", "server", policy),
                "policy " + policy +
                    ": entries[0] (\"a\"): unknown role \"root\" (admin, "
                    "operator or viewer)");
}

}  // namespace
}  // namespace warren::testing
