// Two warrends on one host, each with its own state, network, nftables
// table and cgroup parent, keep containers of the same id apart: deleting
// one must not touch the other's processes or cgroup.
#include <signal.h>
#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

class SideBySideTest : public WarrendTest {};

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

TEST_F(SideBySideTest, SameIdInTwoWarrendsHasTwoCgroups) {
  WarrendProcess other;
  ASSERT_NO_FATAL_FAILURE(other.Start());
  auto other_stub = v1::ContainerService::NewStub(other.NewChannel());
  absl::Cleanup delete_other = [&] {
    v1::DeleteRequest del;
    del.set_id("box");
    del.set_force(true);
    v1::DeleteResponse ignored;
    (void)other_stub->Delete(Ctx().get(), del, &ignored);
  };

  v1::ContainerSpec spec = Spec({"sleep", "600"});
  CreateOrDie("box", spec);
  v1::Container mine = StartOrDie("box");
  v1::CreateRequest create;
  create.set_id("box");
  *create.mutable_spec() = spec;
  create.mutable_spec()->set_rootfs(other.image());
  v1::CreateResponse created;
  ASSERT_TRUE(other_stub->Create(Ctx().get(), create, &created).ok());
  v1::StartRequest start;
  start.set_id("box");
  v1::StartResponse theirs;
  grpc::Status started = other_stub->Start(Ctx().get(), start, &theirs);
  ASSERT_TRUE(started.ok()) << started.error_message();
  ASSERT_GT(mine.pid(), 0);
  ASSERT_GT(theirs.container().pid(), 0);

  absl::StatusOr<runtime::CgroupSystem> cgroups =
      runtime::CgroupSystem::Detect();
  ASSERT_TRUE(cgroups.ok());
  for (const WarrendProcess* w : {warrend_.get(), &other}) {
    for (const std::string& dir :
         runtime::CgroupDirs(*cgroups, w->cgroup_parent() + "/default/box")) {
      EXPECT_TRUE(Exists(dir)) << dir;
    }
  }

  v1::DeleteRequest del;
  del.set_id("box");
  del.set_force(true);
  v1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->Delete(Ctx().get(), del, &deleted).ok());

  // The other warrend's container lives on, in its own cgroup.
  EXPECT_EQ(kill(theirs.container().pid(), 0), 0)
      << "the other warrend's init was killed";
  v1::InspectRequest inspect;
  inspect.set_id("box");
  v1::InspectResponse inspected;
  ASSERT_TRUE(other_stub->Inspect(Ctx().get(), inspect, &inspected).ok());
  EXPECT_EQ(inspected.container().state(), v1::RUNNING);
  for (const std::string& dir : runtime::CgroupDirs(
           *cgroups, warrend_->cgroup_parent() + "/default/box")) {
    EXPECT_FALSE(Exists(dir)) << dir << " left behind";
  }
  for (const std::string& dir :
       runtime::CgroupDirs(*cgroups, other.cgroup_parent() + "/default/box")) {
    EXPECT_TRUE(Exists(dir)) << dir;
  }
}

}  // namespace
}  // namespace warren::testing
