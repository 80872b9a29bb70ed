// Namespaces a container joins instead of creating (by path, as with
// /proc/<pid>/ns/*), and a new time namespace with clock offsets.
#include <string>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

const v1::NamespaceInfo* FindNs(const v1::Container& c,
                                const std::string& type) {
  for (const auto& ns : c.namespaces()) {
    if (ns.type() == type) return &ns;
  }
  return nullptr;
}

class NamespacesTest : public WarrendTest {
 protected:
  v1::Container Inspect(const std::string& id) {
    v1::InspectRequest req;
    req.set_id(id);
    v1::InspectResponse resp;
    EXPECT_TRUE(stub_->Inspect(Ctx().get(), req, &resp).ok());
    return resp.container();
  }
};

TEST_F(NamespacesTest, JoinAnotherContainersNamespaces) {
  v1::ContainerSpec first = Spec({"sleep", "100"});
  first.mutable_stop_timeout()->set_seconds(1);
  v1::Container a = CreateOrDie("first", first);
  StartOrDie("first");
  std::string proc = "/proc/" + std::to_string(a.pid()) + "/ns/";

  v1::ContainerSpec spec = Spec({"ps"});
  auto* ns = spec.mutable_namespaces();
  const std::pair<v1::NamespaceSpec*, const char*> joins[] = {
      {ns->mutable_network(), "net"},
      {ns->mutable_ipc(), "ipc"},
      {ns->mutable_pid(), "pid"}};
  for (const auto& [kind, path] : joins) {
    kind->set_mode(v1::NamespaceSpec::MODE_JOIN);
    kind->set_path(proc + path);
  }
  v1::Container b = CreateOrDie("second", spec);
  for (const char* type : {"net", "ipc", "pid"}) {
    ASSERT_NE(FindNs(b, type), nullptr) << type;
    EXPECT_EQ(FindNs(b, type)->inode(), FindNs(a, type)->inode()) << type;
  }
  EXPECT_NE(FindNs(b, "uts")->inode(), FindNs(a, "uts")->inode());
  StartOrDie("second");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("second", &waited).ok());
  auto [out, err] = Logs("second");
  // Sharing the first container's PID namespace, it sees its sleep.
  EXPECT_THAT(out, HasSubstr("sleep 100"));
}

TEST_F(NamespacesTest, BadJoinPathsFailCleanly) {
  v1::ContainerSpec missing = Spec({"true"});
  missing.mutable_namespaces()->mutable_network()->set_mode(
      v1::NamespaceSpec::MODE_JOIN);
  missing.mutable_namespaces()->mutable_network()->set_path(
      "/proc/999999999/ns/net");
  grpc::Status s = Create("j1", missing);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.namespaces.network.path"));

  v1::ContainerSpec wrong_kind = Spec({"true"});
  wrong_kind.mutable_namespaces()->mutable_network()->set_mode(
      v1::NamespaceSpec::MODE_JOIN);
  wrong_kind.mutable_namespaces()->mutable_network()->set_path(
      "/proc/self/ns/uts");
  s = Create("j2", wrong_kind);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("not a namespace of that kind"));

  v1::ContainerSpec mount_join = Spec({"true"});
  mount_join.mutable_namespaces()->mutable_mount()->set_mode(
      v1::NamespaceSpec::MODE_JOIN);
  mount_join.mutable_namespaces()->mutable_mount()->set_path(
      "/proc/self/ns/mnt");
  s = Create("j3", mount_join);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.namespaces.mount"));

  v1::ListResponse list;
  ASSERT_TRUE(stub_->List(Ctx().get(), {}, &list).ok());
  EXPECT_EQ(list.containers_size(), 0);
}

TEST_F(NamespacesTest, TimeNamespaceBoottimeOffset) {
  v1::ContainerSpec spec = Spec({"cat", "/proc/uptime"});
  spec.mutable_namespaces()->mutable_time()->set_mode(
      v1::NamespaceSpec::MODE_NEW);
  spec.mutable_time_offsets()->mutable_boottime()->set_seconds(10 * 86400);
  v1::Container c = CreateOrDie("clock", spec);
  const v1::NamespaceInfo* time = FindNs(c, "time");
  ASSERT_NE(time, nullptr);
  EXPECT_FALSE(time->shared_with_host());
  StartOrDie("clock");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("clock", &waited).ok());
  auto [out, err] = Logs("clock");
  double uptime = 0;
  ASSERT_TRUE(absl::SimpleAtod(out.substr(0, out.find(' ')), &uptime)) << out;
  EXPECT_GE(uptime, 10 * 86400.0);

  v1::ContainerSpec no_ns = Spec({"true"});
  no_ns.mutable_time_offsets()->mutable_boottime()->set_seconds(5);
  grpc::Status s = Create("clock2", no_ns);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.time_offsets"));
}

}  // namespace
}  // namespace warren::testing
