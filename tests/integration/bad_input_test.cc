// Bad requests get the right gRPC code naming the field, the daemon keeps
// serving, and a failed Create leaves nothing behind.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

int CountEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  }
  closedir(d);
  return n;
}

class BadInputTest : public WarrendTest {
 protected:
  void ExpectNothingLeft() {
    EXPECT_EQ(CountEntries(warrend_->state_dir() + "/containers/default"), 0);
    EXPECT_EQ(CountEntries(warrend_->run_dir() + "/containers/default"), 0);
  }
};

TEST_F(BadInputTest, MissingOrMalformedFieldsNameTheField) {
  struct Case {
    std::string id;
    v1::ContainerSpec spec;
    std::string field;
  };
  v1::ContainerSpec no_args = Spec({});
  v1::ContainerSpec relative_rootfs = Spec({"true"});
  relative_rootfs.set_rootfs("images/busybox");
  v1::ContainerSpec bad_env = Spec({"true"});
  bad_env.mutable_process()->add_env("NOEQUALS");
  v1::ContainerSpec bad_signal = Spec({"true"});
  bad_signal.set_stop_signal("SIGNOPE");
  v1::ContainerSpec bad_hostname = Spec({"true"});
  bad_hostname.set_hostname("no spaces");
  v1::ContainerSpec missing_rootfs = Spec({"true"});
  missing_rootfs.set_rootfs("/nonexistent/rootfs");
  v1::ContainerSpec negative_memory = Spec({"true"});
  negative_memory.mutable_resources()->set_memory_limit_bytes(-5);
  const Case cases[] = {
      {"", Spec({"true"}), "id"},
      {"../escape", Spec({"true"}), "id"},
      {std::string(65, 'a'), Spec({"true"}), "id"},
      {"ok", no_args, "spec.process.args"},
      {"ok", relative_rootfs, "spec.rootfs"},
      {"ok", bad_env, "spec.process.env[0]"},
      {"ok", bad_signal, "spec.stop_signal"},
      {"ok", bad_hostname, "spec.hostname"},
      {"ok", missing_rootfs, "spec.rootfs"},
      {"ok", negative_memory, "spec.resources.memory_limit_bytes"},
  };
  for (const Case& c : cases) {
    grpc::Status s = Create(c.id, c.spec);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), ::testing::StartsWith(c.field)) << c.field;
  }
  v1::CreateRequest no_spec;
  no_spec.set_id("nospec");
  v1::CreateResponse resp;
  grpc::Status s = stub_->Create(Ctx().get(), no_spec, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec"));
  ExpectNothingLeft();
}

TEST_F(BadInputTest, UserNamespaceNeedsItsMaps) {
  v1::ContainerSpec spec = Spec({"true"});
  spec.mutable_namespaces()->mutable_user()->set_mode(
      v1::NamespaceSpec::MODE_NEW);
  grpc::Status s = Create("nomaps", spec);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.uid_mappings"));
  ExpectNothingLeft();
}

TEST_F(BadInputTest, UnknownIdsAndDuplicates) {
  v1::InspectRequest inspect;
  inspect.set_id("ghost");
  v1::InspectResponse info;
  EXPECT_EQ(stub_->Inspect(Ctx().get(), inspect, &info).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::StartRequest start;
  start.set_id("ghost");
  v1::StartResponse started;
  EXPECT_EQ(stub_->Start(Ctx().get(), start, &started).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DeleteRequest del;
  del.set_id("ghost");
  v1::DeleteResponse deleted;
  EXPECT_EQ(stub_->Delete(Ctx().get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::WaitResponse waited;
  EXPECT_EQ(WaitFor("ghost", &waited).error_code(),
            grpc::StatusCode::NOT_FOUND);

  CreateOrDie("twice", Spec({"true"}));
  grpc::Status s = Create("twice", Spec({"true"}));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  StartOrDie("twice");
  start.set_id("twice");
  s = stub_->Start(Ctx().get(), start, &started);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::KillRequest kill;
  kill.set_id("twice");
  kill.set_signal("NOTASIGNAL");
  v1::KillResponse killed;
  s = stub_->Kill(Ctx().get(), kill, &killed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("signal"));
}

TEST_F(BadInputTest, FailedSetupLeavesNothingBehind) {
  // A root filesystem whose /proc is a file: mounting proc fails inside the
  // init, after the monitor, directories and namespaces exist.
  std::string rootfs = warrend_->dir() + "/broken";
  ASSERT_EQ(system(("cp -a " + warrend_->image() + " " + rootfs).c_str()), 0);
  ASSERT_EQ(rmdir((rootfs + "/proc").c_str()), 0);
  int fd = open((rootfs + "/proc").c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  close(fd);
  v1::ContainerSpec spec = Spec({"true"});
  spec.set_rootfs(rootfs);
  grpc::Status s = Create("broken", spec);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("/proc"));
  ExpectNothingLeft();
  v1::ListResponse list;
  ASSERT_TRUE(stub_->List(Ctx().get(), {}, &list).ok());
  EXPECT_EQ(list.containers_size(), 0);
  // The daemon still works.
  CreateOrDie("fine", Spec({"true"}));
}

TEST_F(BadInputTest, ExecNamesTheMissingContainer) {
  v1::ExecRequest exec;
  v1::ExecResponse exec_resp;
  grpc::Status s = stub_->Exec(Ctx().get(), exec, &exec_resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("container_id"));
}

TEST_F(BadInputTest, SocketIsRootOnly) {
  struct stat st;
  ASSERT_EQ(stat(warrend_->socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, 0u);
}

}  // namespace
}  // namespace warren::testing
