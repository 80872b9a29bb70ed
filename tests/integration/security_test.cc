// Default hardening seen from inside a real container: the capability sets,
// no_new_privs and the seccomp mode in /proc/self/status, the default
// seccomp profile refusing namespaces and mounts, custom profiles, the
// device cgroup refusing a node made with mknod, and privileged containers.
#include <dirent.h>
#include <sys/stat.h>

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/file_util.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

// containerd's default capability set.
constexpr char kDefaultCaps[] = "00000000a80425fb";
constexpr char kNoCaps[] = "0000000000000000";

// The value of `key` ("CapEff") in /proc/<pid>/status text.
std::string StatusField(const std::string& status, const std::string& key) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (absl::ConsumePrefix(&line, key + ":")) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return "<no " + key + ">";
}

class SecurityTest : public WarrendTest {
 protected:
  // /proc/self/status of a container made from `spec` (args replaced).
  std::string ProcStatus(const std::string& id, v1::ContainerSpec spec) {
    spec.mutable_process()->clear_args();
    spec.mutable_process()->add_args("cat");
    spec.mutable_process()->add_args("/proc/self/status");
    RunResult r = Run(id, spec);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  v1::ContainerSpec Sh(const std::string& script) const {
    return Spec({"sh", "-c", script});
  }
};

TEST_F(SecurityTest, DefaultCapabilitiesNoNewPrivsAndSeccomp) {
  std::string status = ProcStatus("defaults", Sh(""));
  EXPECT_EQ(StatusField(status, "CapEff"), kDefaultCaps) << status;
  EXPECT_EQ(StatusField(status, "CapPrm"), kDefaultCaps);
  EXPECT_EQ(StatusField(status, "CapBnd"), kDefaultCaps);
  EXPECT_EQ(StatusField(status, "CapInh"), kNoCaps);
  EXPECT_EQ(StatusField(status, "CapAmb"), kNoCaps);
  EXPECT_EQ(StatusField(status, "NoNewPrivs"), "1");
  EXPECT_EQ(StatusField(status, "Seccomp"), "2");  // filter mode
}

TEST_F(SecurityTest, CapDropAllLeavesNone) {
  v1::ContainerSpec spec = Sh("");
  spec.mutable_security()->add_cap_drop("ALL");
  std::string status = ProcStatus("dropall", spec);
  EXPECT_EQ(StatusField(status, "CapEff"), kNoCaps) << status;
  EXPECT_EQ(StatusField(status, "CapBnd"), kNoCaps);
}

TEST_F(SecurityTest, NonRootUserGetsOnlyAddedCapabilities) {
  v1::ContainerSpec spec = Sh("");
  spec.mutable_process()->set_uid(1000);
  spec.mutable_process()->set_gid(1000);
  std::string status = ProcStatus("user", spec);
  EXPECT_EQ(StatusField(status, "CapEff"), kNoCaps) << status;
  EXPECT_EQ(StatusField(status, "CapBnd"), kDefaultCaps);

  spec.mutable_security()->add_cap_add("net_bind_service");
  status = ProcStatus("userbind", spec);
  EXPECT_EQ(StatusField(status, "CapEff"), "0000000000000400") << status;
  EXPECT_EQ(StatusField(status, "CapAmb"), "0000000000000400");
}

TEST_F(SecurityTest, UnconfinedAndAllowNewPrivileges) {
  v1::ContainerSpec spec = Sh("");
  spec.mutable_security()->set_seccomp_profile("unconfined");
  std::string status = ProcStatus("unconfined", spec);
  EXPECT_EQ(StatusField(status, "Seccomp"), "0") << status;
  EXPECT_EQ(StatusField(status, "NoNewPrivs"), "1");

  // Without no_new_privs the filter is loaded while the init still has
  // CAP_SYS_ADMIN, before it drops it.
  spec = Sh("");
  spec.mutable_security()->set_allow_new_privileges(true);
  status = ProcStatus("newprivs", spec);
  EXPECT_EQ(StatusField(status, "NoNewPrivs"), "0") << status;
  EXPECT_EQ(StatusField(status, "Seccomp"), "2");
  EXPECT_EQ(StatusField(status, "CapEff"), kDefaultCaps);
}

TEST_F(SecurityTest, DefaultProfileRefusesNamespacesAndMounts) {
  RunResult r = Run("nonet", Sh("unshare -n true || echo unshare=$?; "
                                "mount -t tmpfs none /mnt || echo mount=$?"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("unshare=1"));
  EXPECT_THAT(r.out, HasSubstr("mount=")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Operation not permitted"));
  // fork (clone without CLONE_NEW*) works: the shell ran the commands.
}

TEST_F(SecurityTest, SysAdminOpensTheNamespaceSyscalls) {
  v1::ContainerSpec spec = Sh("unshare -n true && echo unshared");
  spec.mutable_security()->add_cap_add("SYS_ADMIN");
  RunResult r = Run("admin", spec);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "unshared\n");
}

TEST_F(SecurityTest, SeccompAloneRefusesPivotRoot) {
  // With CAP_SYS_ADMIN the kernel would allow pivot_root (and fail it, if
  // at all, with EINVAL or EBUSY): the EPERM comes from the filter.
  v1::ContainerSpec spec = Sh("pivot_root / /tmp; echo rc=$?");
  spec.mutable_security()->add_cap_add("SYS_ADMIN");
  RunResult r = Run("pivot", spec);
  EXPECT_THAT(r.err, HasSubstr("Operation not permitted"));
  EXPECT_EQ(r.out, "rc=1\n");

  spec.mutable_security()->set_seccomp_profile("unconfined");
  r = Run("pivotok", spec);
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Operation not permitted")))
      << r.out;
}

TEST_F(SecurityTest, CustomProfile) {
  v1::ContainerSpec spec =
      Sh("mkdir /tmp/denied || echo mkdir=$?; touch /tmp/ok && echo touched");
  spec.mutable_security()->set_seccomp_profile("custom");
  v1::SeccompProfile* p = spec.mutable_security()->mutable_seccomp_custom();
  p->set_default_action("allow");
  auto* rule = p->add_rules();
  rule->add_names("mkdir");
  rule->add_names("mkdirat");
  rule->set_action("errno");
  RunResult r = Run("custom", spec);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "mkdir=1\ntouched\n");
  EXPECT_THAT(r.err, HasSubstr("Operation not permitted"));
}

// The compiled filters monitors share under the run directory.
std::vector<std::string> CompiledFilters(const std::string& run_dir) {
  std::vector<std::string> files;
  std::string dir = run_dir + "/seccomp";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return files;
  while (dirent* e = readdir(d)) {
    if (absl::EndsWith(e->d_name, ".bpf"))
      files.push_back(dir + "/" + e->d_name);
  }
  closedir(d);
  return files;
}

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST_F(SecurityTest, ProfileIsCompiledOnceAndShared) {
  EXPECT_EQ(Run("first", Sh("true")).exit_code, 0);
  std::vector<std::string> filters = CompiledFilters(warrend_->run_dir());
  ASSERT_EQ(filters.size(), 1u);
  ino_t inode = InodeOf(filters[0]);
  // Same profile: the second container and an exec load that file as is.
  RunResult second = Run("second", Sh("grep Seccomp: /proc/self/status"));
  EXPECT_THAT(second.out, HasSubstr("Seccomp:\t2"));
  EXPECT_EQ(CompiledFilters(warrend_->run_dir()), filters);
  EXPECT_EQ(InodeOf(filters[0]), inode);
  // Another profile gets its own file.
  v1::ContainerSpec custom = Sh("true");
  custom.mutable_security()->set_seccomp_profile("custom");
  custom.mutable_security()->mutable_seccomp_custom()->set_default_action(
      "allow");
  auto* rule = custom.mutable_security()->mutable_seccomp_custom()->add_rules();
  rule->add_names("mkdir");
  rule->set_action("errno");
  EXPECT_EQ(Run("custom", custom).exit_code, 0);
  EXPECT_EQ(CompiledFilters(warrend_->run_dir()).size(), 2u);
}

TEST_F(SecurityTest, MknodOfAHostDiskCannotBeOpened) {
  RunResult r = Run("disk", Sh("mknod /tmp/sda b 8 0 && echo made; "
                               "head -c1 /tmp/sda; echo head=$?; "
                               "head -c1 /dev/zero | wc -c"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("made\nhead=1\n1\n"));
  EXPECT_THAT(r.err, HasSubstr("Operation not permitted"));
}

TEST_F(SecurityTest, PrivilegedGetsEverything) {
  absl::StatusOr<std::string> own = runtime::ReadFile("/proc/self/status");
  ASSERT_TRUE(own.ok());
  v1::ContainerSpec spec = Sh("");
  spec.mutable_security()->set_privileged(true);
  std::string status = ProcStatus("privileged", spec);
  // All of the host's capabilities (this test runs as full root).
  EXPECT_EQ(StatusField(status, "CapEff"), StatusField(*own, "CapBnd"))
      << status;
  EXPECT_EQ(StatusField(status, "Seccomp"), "0");

  // No device cgroup rules (a missing disk is ENXIO, not EPERM) and no
  // seccomp filter.
  spec =
      Sh("mknod /tmp/sda b 8 0 && head -c1 /tmp/sda >/dev/null; "
         "unshare -n true && echo unshared");
  spec.mutable_security()->set_privileged(true);
  RunResult r = Run("privdisk", spec);
  EXPECT_EQ(r.out, "unshared\n") << r.err;
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Operation not permitted")));
}

TEST_F(SecurityTest, UnknownCapabilityIsInvalidArgument) {
  v1::CreateRequest req;
  req.set_id("badcap");
  *req.mutable_spec() = Sh("true");
  req.mutable_spec()->mutable_security()->add_cap_add("FOO");
  v1::CreateResponse resp;
  grpc::Status s = stub_->Create(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      s.error_message(),
      HasSubstr("spec.security.cap_add[0]: unknown capability \"FOO\""));
}

}  // namespace
}  // namespace warren::testing
