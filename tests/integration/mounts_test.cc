// The container's file system view: default masked and read-only paths,
// user tmpfs and bind mounts with options, mount destinations that cannot
// escape the root through symlinks, namespaced sysctls, read-only root.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MountsTest : public WarrendTest {
 protected:
  // Runs `script` with `sh -c` in a container made from `spec`; returns
  // {exit code, stdout, stderr}.
  RunResult Run(const std::string& id, v1::ContainerSpec spec,
                const std::string& script) {
    spec.mutable_process()->clear_args();
    for (const char* a : {"sh", "-c"}) spec.mutable_process()->add_args(a);
    spec.mutable_process()->add_args(script);
    return WarrendTest::Run(id, spec);
  }
};

TEST_F(MountsTest, DefaultMaskedAndReadonlyPaths) {
  auto [code, out, err] =
      Run("masked", Spec({}),
          "echo keys=$(head -c 16 /proc/keys | wc -c); "
          "echo firmware=$(ls /sys/firmware | wc -l); "
          "echo 1 > /proc/sys/kernel/shmmni && echo sysctl=written; "
          "grep -E ' /proc/(sys|irq|bus) ' /proc/self/mounts");
  EXPECT_THAT(out, HasSubstr("keys=0\n"));
  EXPECT_THAT(out, HasSubstr("firmware=0\n"));
  EXPECT_THAT(out, Not(HasSubstr("sysctl=written")));
  EXPECT_THAT(err, HasSubstr("Read-only file system"));
  EXPECT_THAT(out, HasSubstr("proc /proc/sys proc ro,"));
}

TEST_F(MountsTest, UserTmpfsAndReadonlyBind) {
  std::string host_dir = warrend_->dir() + "/shared";
  ASSERT_EQ(mkdir(host_dir.c_str(), 0755), 0);
  std::ofstream(host_dir + "/hello.txt") << "from the host\n";
  v1::ContainerSpec spec = Spec({});
  v1::Mount* tmp = spec.add_mounts();
  tmp->set_destination("/data");
  tmp->set_type("tmpfs");
  for (const char* o : {"nosuid", "size=1m", "mode=700"}) tmp->add_options(o);
  v1::Mount* bind = spec.add_mounts();
  bind->set_destination("/mnt/host");
  bind->set_type("bind");
  bind->set_source(host_dir);
  bind->add_options("ro");
  auto [code, out, err] = Run(
      "usermounts", spec,
      "grep ' /data ' /proc/self/mounts; cat /mnt/host/hello.txt; "
      "touch /mnt/host/new && echo wrote; echo x > /data/f && echo tmpfs-ok");
  EXPECT_THAT(out, HasSubstr("tmpfs /data tmpfs rw,nosuid"));
  EXPECT_THAT(out, HasSubstr("size=1024k,mode=700"));
  EXPECT_THAT(out, HasSubstr("from the host\n"));
  EXPECT_THAT(out, Not(HasSubstr("wrote")));
  EXPECT_THAT(out, HasSubstr("tmpfs-ok"));
  struct stat st;
  EXPECT_NE(stat((host_dir + "/new").c_str(), &st), 0);
}

TEST_F(MountsTest, DestinationThroughSymlinkStaysInsideRoot) {
  // An image whose /evil points at a host directory by absolute path.
  std::string rootfs = warrend_->dir() + "/evil-image";
  std::string outside = warrend_->dir() + "/outside";
  ASSERT_EQ(system(("cp -a " + warrend_->image() + " " + rootfs).c_str()), 0);
  ASSERT_EQ(mkdir(outside.c_str(), 0755), 0);
  ASSERT_EQ(symlink(outside.c_str(), (rootfs + "/evil").c_str()), 0);
  ASSERT_EQ(symlink("../../../../../../..", (rootfs + "/up").c_str()), 0);
  v1::ContainerSpec spec = Spec({});
  spec.set_rootfs(rootfs);
  for (const char* dest : {"/evil/sub", "/up/tmp/escaped"}) {
    v1::Mount* m = spec.add_mounts();
    m->set_destination(dest);
    m->set_type("tmpfs");
  }
  auto [code, out, err] =
      Run("escape", spec,
          "grep tmpfs /proc/self/mounts | grep -c -E 'sub|escaped'");
  EXPECT_EQ(code, 0) << err;
  EXPECT_THAT(out, HasSubstr("2\n"));
  struct stat st;
  EXPECT_NE(stat((outside + "/sub").c_str(), &st), 0) << "escaped to the host";
  EXPECT_NE(stat("/tmp/escaped", &st), 0) << "escaped to the host";
}

TEST_F(MountsTest, NamespacedSysctlsOnly) {
  v1::ContainerSpec spec = Spec({});
  (*spec.mutable_sysctls())["net.ipv4.ip_forward"] = "1";
  (*spec.mutable_sysctls())["kernel.shmmni"] = "1234";
  std::ifstream host_forward("/proc/sys/net/ipv4/ip_forward");
  std::string before;
  host_forward >> before;
  auto [code, out, err] = Run("sysctl", spec,
                              "cat /proc/sys/net/ipv4/ip_forward "
                              "/proc/sys/kernel/shmmni");
  EXPECT_EQ(out, "1\n1234\n") << err;
  std::ifstream again("/proc/sys/net/ipv4/ip_forward");
  std::string after;
  again >> after;
  EXPECT_EQ(before, after) << "the host's sysctl changed";

  v1::ContainerSpec host_wide = Spec({"true"});
  (*host_wide.mutable_sysctls())["kernel.panic"] = "1";
  grpc::Status s = Create("bad-sysctl", host_wide);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.sysctls[kernel.panic]"));
  v1::ContainerSpec host_net = Spec({"true"});
  host_net.mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  (*host_net.mutable_sysctls())["net.ipv4.ip_forward"] = "1";
  s = Create("bad-sysctl2", host_net);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("network namespace"));
}

TEST_F(MountsTest, BadMountsNameTheField) {
  v1::ContainerSpec relative = Spec({"true"});
  relative.add_mounts()->set_destination("data");
  relative.mutable_mounts(0)->set_type("tmpfs");
  grpc::Status s = Create("m1", relative);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.mounts[0].destination"));
  v1::ContainerSpec no_source = Spec({"true"});
  no_source.add_mounts()->set_destination("/x");
  no_source.mutable_mounts(0)->set_type("bind");
  s = Create("m2", no_source);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.mounts[0].source"));
  v1::ContainerSpec missing_source = Spec({"true"});
  v1::Mount* m = missing_source.add_mounts();
  m->set_destination("/x");
  m->set_type("bind");
  m->set_source("/nonexistent/dir");
  s = Create("m3", missing_source);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("/nonexistent/dir"));
}

TEST_F(MountsTest, ReadonlyRootfs) {
  v1::ContainerSpec spec = Spec({});
  spec.mutable_security()->set_readonly_rootfs(true);
  auto [code, out, err] =
      Run("rofs", spec,
          "touch /newfile && echo wrote; echo x > /dev/shm/ok && echo shm-ok");
  EXPECT_THAT(out, Not(HasSubstr("wrote")));
  EXPECT_THAT(err, HasSubstr("Read-only file system"));
  EXPECT_THAT(out, HasSubstr("shm-ok"));
}

}  // namespace
}  // namespace warren::testing
