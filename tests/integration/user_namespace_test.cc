// User namespaces: container root is an unprivileged host uid, the shared
// image shows as owned by the container's root through an idmapped mount,
// the writable layer belongs to the mapped root, and host files stay out of
// the container root's reach. Bad maps are INVALID_ARGUMENT and leave
// nothing behind.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint32_t kHostBase = 200000;

void AddMap(google::protobuf::RepeatedPtrField<v1::IdMapping>* maps,
            uint32_t container, uint32_t host, uint32_t size) {
  v1::IdMapping* m = maps->Add();
  m->set_container_id(container);
  m->set_host_id(host);
  m->set_size(size);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class UserNamespaceTest : public WarrendTest {
 protected:
  v1::ContainerSpec UsernsSpec(const std::string& script) const {
    v1::ContainerSpec spec = Spec({"sh", "-c", script});
    spec.mutable_namespaces()->mutable_user()->set_mode(
        v1::NamespaceSpec::MODE_NEW);
    AddMap(spec.mutable_uid_mappings(), 0, kHostBase, 65536);
    AddMap(spec.mutable_gid_mappings(), 0, kHostBase, 65536);
    spec.mutable_stop_timeout()->set_seconds(1);
    return spec;
  }
};

TEST_F(UserNamespaceTest, RootIsMappedAndOwnsItsFiles) {
  auto [code, out, err] =
      Run("mapped", UsernsSpec("cat /proc/self/uid_map /proc/self/gid_map; "
                               "echo uid=$(id -u) gid=$(id -g); "
                               "echo image=$(stat -c %u:%g /bin/busybox); "
                               "echo root=$(stat -c %u:%g /); "
                               "echo hosts=$(stat -c %u:%g /etc/hosts); "
                               "echo hi > /etc/made-here && echo wrote-etc; "
                               "mkdir /newdir && echo made-dir; "
                               "grep CapEff /proc/self/status"));
  EXPECT_EQ(code, 0) << err;
  EXPECT_THAT(out, HasSubstr(absl::StrCat("0     ", kHostBase, "      65536")))
      << out;
  EXPECT_THAT(out, HasSubstr("uid=0 gid=0\n"));
  EXPECT_THAT(out, HasSubstr("image=0:0\n"));
  EXPECT_THAT(out, HasSubstr("root=0:0\n"));
  // warrend's /etc layer was given to the container's root.
  EXPECT_THAT(out, HasSubstr("hosts=0:0\n"));
  EXPECT_THAT(out, HasSubstr("wrote-etc\n"));
  EXPECT_THAT(out, HasSubstr("made-dir\n"));
  // The default capability set, now relative to the container's namespace.
  EXPECT_THAT(out, HasSubstr("CapEff:\t00000000a80425fb"));

  // On the host the container's new files belong to the mapped range, and
  // the shared image is untouched.
  std::string upper =
      warrend_->state_dir() + "/containers/default/mapped/upper/etc/made-here";
  struct stat st;
  ASSERT_EQ(stat(upper.c_str(), &st), 0) << upper;
  EXPECT_EQ(st.st_uid, kHostBase);
  EXPECT_EQ(st.st_gid, kHostBase);
  EXPECT_NE(access((warrend_->image() + "/etc/made-here").c_str(), F_OK), 0);
}

TEST_F(UserNamespaceTest, HostSeesAnUnprivilegedProcessInItsOwnNamespace) {
  v1::Container c = CreateOrDie("sleeper", UsernsSpec("sleep 100"));
  StartOrDie("sleeper");
  std::string status = ReadAll(absl::StrCat("/proc/", c.pid(), "/status"));
  EXPECT_THAT(status, HasSubstr(absl::StrCat("Uid:\t", kHostBase, "\t")))
      << status;
  EXPECT_THAT(status, HasSubstr(absl::StrCat("Gid:\t", kHostBase, "\t")));
  bool found = false;
  for (const v1::NamespaceInfo& ns : c.namespaces()) {
    if (ns.type() != "user") continue;
    found = true;
    EXPECT_FALSE(ns.shared_with_host());
    struct stat own;
    ASSERT_EQ(stat("/proc/self/ns/user", &own), 0);
    EXPECT_NE(ns.inode(), own.st_ino);
  }
  EXPECT_TRUE(found);
}

TEST_F(UserNamespaceTest, HostFilesAreNotTheContainerRootsToWrite) {
  // A host directory owned by host root, bind-mounted read-write: the
  // container's root is not host root, so it may read but not write.
  char tmpl[] = "/tmp/warren-userns-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string host_dir = tmpl;
  ASSERT_EQ(chmod(host_dir.c_str(), 0755), 0);
  std::ofstream(host_dir + "/hostfile") << "host data\n";
  v1::ContainerSpec spec = UsernsSpec(
      "cat /data/hostfile; echo x > /data/hostfile && echo wrote; "
      "touch /data/new && echo created; stat -c %u /data/hostfile");
  v1::Mount* bind = spec.add_mounts();
  bind->set_destination("/data");
  bind->set_type("bind");
  bind->set_source(host_dir);
  auto [code, out, err] = Run("hostfiles", spec);
  std::string content = ReadAll(host_dir + "/hostfile");
  bool created = access((host_dir + "/new").c_str(), F_OK) == 0;
  std::system(("rm -rf " + host_dir).c_str());
  EXPECT_THAT(out, HasSubstr("host data\n"));
  EXPECT_THAT(out, Not(HasSubstr("wrote")));
  EXPECT_THAT(out, Not(HasSubstr("created")));
  EXPECT_THAT(out, HasSubstr("65534\n"));  // unmapped host root: nobody
  EXPECT_THAT(err, HasSubstr("Permission denied"));
  EXPECT_EQ(content, "host data\n");
  EXPECT_FALSE(created);
}

TEST_F(UserNamespaceTest, BadMapsAreInvalidAndLeaveNothing) {
  v1::ContainerSpec overlap = UsernsSpec("true");
  AddMap(overlap.mutable_uid_mappings(), 10, 900000, 5);
  grpc::Status s = Create("bad1", overlap);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.uid_mappings[1]"));

  v1::ContainerSpec no_gid = UsernsSpec("true");
  no_gid.clear_gid_mappings();
  s = Create("bad2", no_gid);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.gid_mappings"));

  v1::ContainerSpec unmapped_user = UsernsSpec("true");
  unmapped_user.mutable_process()->set_uid(70000);
  s = Create("bad3", unmapped_user);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.process.uid"));

  v1::ListResponse list;
  ASSERT_TRUE(stub_->List(Ctx().get(), {}, &list).ok());
  EXPECT_EQ(list.containers_size(), 0);
  for (const char* id : {"bad1", "bad2", "bad3"}) {
    EXPECT_NE(
        access((warrend_->state_dir() + "/containers/default/" + id).c_str(),
               F_OK),
        0);
  }
}

TEST_F(UserNamespaceTest, JoinAnotherContainersUserNamespace) {
  v1::Container owner = CreateOrDie("owner", UsernsSpec("sleep 100"));
  StartOrDie("owner");
  v1::ContainerSpec spec = Spec(
      {"sh", "-c",
       "cat /proc/self/uid_map; id -u; touch /joined && stat -c %u /joined; "
       "hostname"});
  auto* user = spec.mutable_namespaces()->mutable_user();
  user->set_mode(v1::NamespaceSpec::MODE_JOIN);
  user->set_path(absl::StrCat("/proc/", owner.pid(), "/ns/user"));
  spec.set_hostname("joiner");
  v1::Container joiner = CreateOrDie("joiner", spec);
  uint64_t owner_ns = 0, joiner_ns = 0;
  for (const auto& ns : owner.namespaces()) {
    if (ns.type() == "user") owner_ns = ns.inode();
  }
  for (const auto& ns : joiner.namespaces()) {
    if (ns.type() == "user") joiner_ns = ns.inode();
  }
  EXPECT_NE(owner_ns, 0u);
  EXPECT_EQ(joiner_ns, owner_ns);
  StartOrDie("joiner");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("joiner", &waited).ok());
  auto [out, err] = Logs("joiner");
  EXPECT_EQ(waited.status().exit_code(), 0) << err;
  EXPECT_THAT(out, HasSubstr(absl::StrCat("0     ", kHostBase, "      65536")));
  // Its own UTS namespace (owned by the joined user namespace) and root.
  EXPECT_THAT(out, HasSubstr("0\n0\njoiner\n"));
  std::string upper =
      warrend_->state_dir() + "/containers/default/joiner/upper/joined";
  struct stat st;
  ASSERT_EQ(stat(upper.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kHostBase);

  v1::ContainerSpec with_maps = spec;
  AddMap(with_maps.mutable_uid_mappings(), 0, kHostBase, 10);
  grpc::Status s = Create("badjoin", with_maps);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.uid_mappings"));
  v1::ContainerSpec not_user = spec;
  not_user.mutable_namespaces()->mutable_user()->set_path(
      absl::StrCat("/proc/", owner.pid(), "/ns/net"));
  s = Create("badjoin2", not_user);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.namespaces.user.path"));
}

TEST_F(UserNamespaceTest, ProcessUserInsideTheMapping) {
  v1::ContainerSpec spec = UsernsSpec(
      "id -u; id -g; touch /tmp/x; "
      "stat -c %u /tmp/x");
  spec.mutable_process()->set_uid(1000);
  spec.mutable_process()->set_gid(1000);
  auto [code, out, err] = Run("user1000", spec);
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(out, "1000\n1000\n1000\n");
}

}  // namespace
}  // namespace warren::testing
