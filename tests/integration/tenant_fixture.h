// The tenant tests' warrend: a TCP listener with mutual TLS and a policy
// of three operator tenants (team-a, team-b with a container cap, team-c
// with create-rate and stream caps) and a viewer of team-b, shared by the
// tests of one binary. Every test removes what it made.
#ifndef WARREN_TESTS_INTEGRATION_TENANT_FIXTURE_H_
#define WARREN_TESTS_INTEGRATION_TENANT_FIXTURE_H_

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/tls_helpers.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {

inline constexpr char kTenantPolicy[] = R"pb(
  entries { identity: "operator-a" tenant: "team-a" role: "operator" }
  entries { identity: "operator-b" tenant: "team-b" role: "operator" }
  entries { identity: "viewer-b" tenant: "team-b" role: "viewer" }
  entries { identity: "operator-c" tenant: "team-c" role: "operator" }
  tenant_limits { tenant: "team-b" max_containers: 2 }
  tenant_limits {
    tenant: "team-c"
    creates_per_second: 0.2
    max_concurrent_streams: 1
  }
)pb";

inline bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// One warrend for the suite; every test removes what it made.
class TenantTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TestCerts();
    port_ = FreePort();
    WriteAll(certs_->dir() + "/tenant-policy.textproto", kTenantPolicy);
    warrend_ = new LoggedWarrend({
        "--listen=127.0.0.1:" + std::to_string(port_),
        "--tls_cert=" + certs_->pem("server"),
        "--tls_key=" + certs_->key("server"),
        "--client_ca=" + certs_->pem("ca"),
        "--policy=" + certs_->dir() + "/tenant-policy.textproto",
    });
    ASSERT_TRUE(warrend_->Start()) << warrend_->Log();
  }
  static void TearDownTestSuite() {
    if (warrend_ != nullptr) DeleteEverything();
    delete warrend_;
    warrend_ = nullptr;
    delete certs_;
    certs_ = nullptr;
  }
  void TearDown() override { DeleteEverything(); }

  // The unix-socket admin sees every tenant; each container goes with its
  // own tenant named.
  static void DeleteEverything() {
    v1::ListResponse list;
    if (!warrend_->UnixStub()->List(Ctx().get(), {}, &list).ok()) return;
    for (const auto& c : list.containers()) {
      v1::DeleteRequest del;
      del.set_id(c.id());
      del.set_force(true);
      v1::DeleteResponse ignored;
      (void)warrend_->UnixStub()->Delete(InTenant(c.tenant()).get(), del,
                                         &ignored);
    }
  }

  std::unique_ptr<v1::ContainerService::Stub> As(const std::string& client) {
    return v1::ContainerService::NewStub(TlsChannel(*certs_, port_, client));
  }

  v1::CreateRequest Request(const std::string& id,
                            std::vector<std::string> args = {"sleep", "1000"}) {
    v1::CreateRequest req;
    req.set_id(id);
    req.mutable_spec()->set_rootfs(warrend_->dirs().image());
    // sleep as pid 1 ignores SIGTERM: forced deletes need not wait long.
    req.mutable_spec()->mutable_stop_timeout()->set_seconds(1);
    for (const std::string& a : args) {
      req.mutable_spec()->mutable_process()->add_args(a);
    }
    return req;
  }

  // Create + Start by `stub`; the container as Start returned it.
  v1::Container Run(v1::ContainerService::Stub* stub, const std::string& id) {
    v1::CreateResponse created;
    grpc::Status s = stub->Create(Ctx().get(), Request(id), &created);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
    v1::StartRequest start;
    start.set_id(id);
    v1::StartResponse started;
    s = stub->Start(Ctx().get(), start, &started);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
    return started.container();
  }

  static inline TestCerts* certs_ = nullptr;
  static inline LoggedWarrend* warrend_ = nullptr;
  static inline int port_ = 0;
};

}  // namespace warren::testing

#endif  // WARREN_TESTS_INTEGRATION_TENANT_FIXTURE_H_
