// A Create that fails at any stage of setup leaves nothing behind: no state
// or run directory, no cgroup, no monitor or init process. Each case fails
// at a different step: cgroup limits, joining a namespace, the root mount,
// a user mount, a sysctl, and the capability/seccomp setup.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

int CountEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  closedir(d);
  return n;
}

// Processes whose command line mentions `needle` (monitors carry the
// container id in their arguments).
int ProcessesMentioning(const std::string& needle) {
  int n = 0;
  DIR* d = opendir("/proc");
  while (dirent* e = readdir(d)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid) || pid == getpid()) continue;
    std::string path = "/proc/" + std::string(e->d_name) + "/cmdline";
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) continue;
    char buf[4096];
    ssize_t len = read(fd, buf, sizeof(buf));
    close(fd);
    if (len > 0 && std::string(buf, len).find(needle) != std::string::npos) {
      ++n;
    }
  }
  closedir(d);
  return n;
}

struct FailureCase {
  const char* name;
  std::function<void(v1::ContainerSpec*, const std::string& dir)> mutate;
  grpc::StatusCode code;
  const char* message;
};

class CreateFailureTest : public WarrendTest,
                          public ::testing::WithParamInterface<FailureCase> {};

TEST_P(CreateFailureTest, LeavesNothingBehind) {
  const FailureCase& c = GetParam();
  std::string id = std::string("fail-") + c.name;
  v1::ContainerSpec spec = Spec({"true"});
  c.mutate(&spec, warrend_->dir());
  v1::CreateRequest req;
  req.set_id(id);
  *req.mutable_spec() = spec;
  v1::CreateResponse resp;
  grpc::Status s = stub_->Create(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), c.code) << s.error_message();
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr(c.message));

  EXPECT_EQ(CountEntries(warrend_->state_dir() + "/containers/default"), 0);
  EXPECT_EQ(CountEntries(warrend_->run_dir() + "/containers/default"), 0);
  absl::StatusOr<runtime::CgroupSystem> cgroups =
      runtime::CgroupSystem::Detect();
  ASSERT_TRUE(cgroups.ok());
  for (const std::string& dir : runtime::CgroupDirs(
           *cgroups, warrend_->cgroup_parent() + "/default/" + id)) {
    struct stat st;
    EXPECT_NE(stat(dir.c_str(), &st), 0) << dir << " left behind";
  }
  // The monitor reports before it exits: give it a moment.
  int left = 0;
  for (int i = 0; i < 20; ++i) {
    left = ProcessesMentioning(warrend_->state_dir() + "/containers/default/" +
                               id);
    if (left == 0) break;
    usleep(100 * 1000);
  }
  EXPECT_EQ(left, 0) << "a monitor of " << id << " is still running";
  // And the id is free again.
  CreateOrDie(id, Spec({"true"}));
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, CreateFailureTest,
    ::testing::Values(
        FailureCase{"cgroup",
                    [](v1::ContainerSpec* s, const std::string&) {
                      // A CPU this 2-core machine does not have.
                      s->mutable_resources()->set_cpuset_cpus("63");
                    },
                    grpc::StatusCode::INVALID_ARGUMENT,
                    "spec.resources: write \"63\""},
        FailureCase{"join",
                    [](v1::ContainerSpec* s, const std::string&) {
                      auto* ipc = s->mutable_namespaces()->mutable_ipc();
                      ipc->set_mode(v1::NamespaceSpec::MODE_JOIN);
                      ipc->set_path("/proc/self/ns/net");
                    },
                    grpc::StatusCode::FAILED_PRECONDITION,
                    "spec.namespaces.ipc.path"},
        FailureCase{"rootmount",
                    [](v1::ContainerSpec* s, const std::string& dir) {
                      // A root whose /proc is a file: mounting proc fails.
                      std::string rootfs = dir + "/broken-root";
                      mkdir(rootfs.c_str(), 0755);
                      close(open((rootfs + "/proc").c_str(), O_CREAT | O_WRONLY,
                                 0644));
                      s->set_rootfs(rootfs);
                    },
                    grpc::StatusCode::FAILED_PRECONDITION, "/proc"},
        FailureCase{"usermount",
                    [](v1::ContainerSpec* s, const std::string&) {
                      v1::Mount* m = s->add_mounts();
                      m->set_destination("/x");
                      m->set_type("bind");
                      m->set_source("/nonexistent/source");
                    },
                    grpc::StatusCode::FAILED_PRECONDITION,
                    "/nonexistent/source"},
        FailureCase{"sysctl",
                    [](v1::ContainerSpec* s, const std::string&) {
                      (*s->mutable_sysctls())["net.ipv4.no_such_knob"] = "1";
                    },
                    grpc::StatusCode::FAILED_PRECONDITION, "no_such_knob"}),
    [](const ::testing::TestParamInfo<FailureCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace warren::testing
