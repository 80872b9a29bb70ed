// User namespaces as plain data: id-map validation (each bad map names its
// field), the uid_map text, and the init plan of a user-namespaced
// container (anchored paths, idmapped image, bind-mounted devices).
#include <sched.h>
#include <sys/mount.h>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/id_map.h"
#include "runtime/init_plan.h"
#include "runtime/spec_validation.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;

void AddMap(google::protobuf::RepeatedPtrField<v1::IdMapping>* maps,
            uint32_t container, uint32_t host, uint32_t size) {
  v1::IdMapping* m = maps->Add();
  m->set_container_id(container);
  m->set_host_id(host);
  m->set_size(size);
}

v1::ContainerSpec UsernsSpec() {
  v1::ContainerSpec spec;
  spec.set_rootfs("/images/busybox");
  spec.mutable_process()->add_args("sh");
  spec.mutable_namespaces()->mutable_user()->set_mode(
      v1::NamespaceSpec::MODE_NEW);
  AddMap(spec.mutable_uid_mappings(), 0, 100000, 65536);
  AddMap(spec.mutable_gid_mappings(), 0, 100000, 65536);
  return spec;
}

TEST(IdMapTest, TextAndLookup) {
  v1::ContainerSpec spec = UsernsSpec();
  AddMap(spec.mutable_uid_mappings(), 70000, 5000, 10);
  EXPECT_EQ(IdMapText(spec.uid_mappings()), "0 100000 65536\n70000 5000 10\n");
  EXPECT_EQ(MapToHost(spec.uid_mappings(), 0), 100000u);
  EXPECT_EQ(MapToHost(spec.uid_mappings(), 65535), 165535u);
  EXPECT_EQ(MapToHost(spec.uid_mappings(), 65536), absl::nullopt);
  EXPECT_EQ(MapToHost(spec.uid_mappings(), 70009), 5009u);
}

TEST(IdMapTest, ParsesTheKernelsText) {
  absl::StatusOr<IdMappings> maps =
      ParseIdMapText("         0     100000      65536\n     70000 5000 10\n");
  ASSERT_TRUE(maps.ok()) << maps.status();
  ASSERT_EQ(maps->size(), 2);
  EXPECT_EQ(MapToHost(*maps, 0), 100000u);
  EXPECT_EQ(MapToHost(*maps, 70001), 5001u);
  EXPECT_EQ(ParseIdMapText("0 1\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseIdMapText("a b c\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseIdMapText("")->empty());
}

TEST(UserNamespacePlanTest, JoinedNamespaceUsesAnchorsWithoutCloningOne) {
  v1::ContainerSpec spec = UsernsSpec();
  spec.clear_uid_mappings();
  spec.clear_gid_mappings();
  auto* user = spec.mutable_namespaces()->mutable_user();
  user->set_mode(v1::NamespaceSpec::MODE_JOIN);
  user->set_path("/proc/42/ns/user");
  absl::StatusOr<InitPlan> plan = BuildInitPlan(
      "c", spec, {"/state/c/upper", "/state/c/work", "/run/c/rootfs", ""});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->clone_flags & CLONE_NEWUSER);
  EXPECT_TRUE(plan->joined_user_ns);
  EXPECT_TRUE(plan->in_user_ns());
  EXPECT_EQ(plan->merged_dir, "/proc/self/fd/512/rootfs");
  ASSERT_EQ(plan->join_namespaces.size(), 1u);
  EXPECT_EQ(plan->join_namespaces[0].type, CLONE_NEWUSER);
  EXPECT_EQ(plan->join_namespaces[0].path, "/proc/42/ns/user");
  EXPECT_TRUE(ValidateSpec(spec).ok()) << ValidateSpec(spec);
}

TEST(UserNamespaceValidationTest, AcceptsMappedRoot) {
  EXPECT_TRUE(ValidateSpec(UsernsSpec()).ok()) << ValidateSpec(UsernsSpec());
}

struct BadUserns {
  const char* name;
  void (*mutate)(v1::ContainerSpec*);
  const char* field;
};

class UserNamespaceBadTest : public ::testing::TestWithParam<BadUserns> {};

TEST_P(UserNamespaceBadTest, InvalidArgumentNamingTheField) {
  v1::ContainerSpec spec = UsernsSpec();
  GetParam().mutate(&spec);
  absl::Status s = ValidateSpec(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(GetParam().field)) << s;
}

INSTANTIATE_TEST_SUITE_P(
    All, UserNamespaceBadTest,
    ::testing::Values(
        BadUserns{"no_uid_map",
                  [](v1::ContainerSpec* s) { s->clear_uid_mappings(); },
                  "spec.uid_mappings"},
        BadUserns{"no_gid_map",
                  [](v1::ContainerSpec* s) { s->clear_gid_mappings(); },
                  "spec.gid_mappings"},
        BadUserns{"empty_range",
                  [](v1::ContainerSpec* s) {
                    AddMap(s->mutable_uid_mappings(), 70000, 1000, 0);
                  },
                  "spec.uid_mappings[1]"},
        BadUserns{"overlapping_container_ids",
                  [](v1::ContainerSpec* s) {
                    AddMap(s->mutable_uid_mappings(), 100, 500000, 10);
                  },
                  "spec.uid_mappings[1]: overlaps spec.uid_mappings[0]"},
        BadUserns{"overlapping_host_ids",
                  [](v1::ContainerSpec* s) {
                    AddMap(s->mutable_gid_mappings(), 70000, 100010, 5);
                  },
                  "spec.gid_mappings[1]: overlaps spec.gid_mappings[0]"},
        BadUserns{"wrapping_range",
                  [](v1::ContainerSpec* s) {
                    AddMap(s->mutable_uid_mappings(), 70000, 4294967290u, 10);
                  },
                  "spec.uid_mappings[1]"},
        BadUserns{"root_unmapped",
                  [](v1::ContainerSpec* s) {
                    s->mutable_uid_mappings(0)->set_container_id(1);
                  },
                  "spec.uid_mappings"},
        BadUserns{
            "process_uid_unmapped",
            [](v1::ContainerSpec* s) { s->mutable_process()->set_uid(70000); },
            "spec.process.uid"},
        BadUserns{
            "process_gid_unmapped",
            [](v1::ContainerSpec* s) { s->mutable_process()->set_gid(70000); },
            "spec.process.gid"},
        BadUserns{"extra_gid_unmapped",
                  [](v1::ContainerSpec* s) {
                    s->mutable_process()->add_additional_gids(70000);
                  },
                  "spec.process.additional_gids[0]"},
        BadUserns{"host_pid",
                  [](v1::ContainerSpec* s) {
                    s->mutable_namespaces()->mutable_pid()->set_mode(
                        v1::NamespaceSpec::MODE_HOST);
                  },
                  "spec.namespaces.pid"},
        BadUserns{"joined_net",
                  [](v1::ContainerSpec* s) {
                    auto* net = s->mutable_namespaces()->mutable_network();
                    net->set_mode(v1::NamespaceSpec::MODE_JOIN);
                    net->set_path("/proc/1/ns/net");
                  },
                  "spec.namespaces.network"}),
    [](const auto& info) { return std::string(info.param.name); });

const ContainerPaths kPaths{"/state/c/upper", "/state/c/work", "/run/c/rootfs",
                            ""};

const MountStep* FindMount(const InitPlan& plan, const std::string& target) {
  for (const MountStep& m : plan.mounts) {
    if (m.target == target) return &m;
  }
  return nullptr;
}

TEST(UserNamespacePlanTest, ClonesUserNamespaceWithMaps) {
  absl::StatusOr<InitPlan> plan = BuildInitPlan("c", UsernsSpec(), kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->clone_flags & CLONE_NEWUSER);
  EXPECT_TRUE(plan->new_user_ns);
  EXPECT_EQ(plan->user_ns.uid_map, "0 100000 65536\n");
  EXPECT_EQ(plan->user_ns.root_host_uid, 100000u);
  EXPECT_EQ(plan->user_ns.root_host_gid, 100000u);
  EXPECT_EQ(plan->user_ns.run_dir, "/run/c");
  EXPECT_EQ(plan->user_ns.bundle_dir, "/state/c");
  EXPECT_EQ(plan->user_ns.image_dir, "/run/c/image");
}

TEST(UserNamespacePlanTest, PathsGoThroughAnchorsAndIdmappedImage) {
  absl::StatusOr<InitPlan> plan = BuildInitPlan("c", UsernsSpec(), kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::string root = "/proc/self/fd/512/rootfs";
  EXPECT_EQ(plan->merged_dir, root);
  const MountStep* overlay = FindMount(*plan, root);
  ASSERT_NE(overlay, nullptr);
  EXPECT_EQ(overlay->data,
            "lowerdir=/proc/self/fd/512/image,"
            "upperdir=/proc/self/fd/513/upper,"
            "workdir=/proc/self/fd/513/work,userxattr");
  // The /etc layer is reached through the run directory's anchor too.
  ContainerPaths with_etc = kPaths;
  with_etc.etc_layer_dir = "/run/c/etc-layer";
  absl::StatusOr<InitPlan> layered = BuildInitPlan("c", UsernsSpec(), with_etc);
  ASSERT_TRUE(layered.ok()) << layered.status();
  EXPECT_THAT(FindMount(*layered, root)->data,
              ::testing::StartsWith("lowerdir=/proc/self/fd/512/etc-layer:"
                                    "/proc/self/fd/512/image,"));
  // The monitor chowns it (a host path) with the writable layer.
  EXPECT_EQ(layered->user_ns.etc_layer_dir, "/run/c/etc-layer");
  EXPECT_EQ(plan->user_ns.etc_layer_dir, "");
  // mknod is refused in a user namespace: host nodes are bind-mounted.
  ASSERT_FALSE(plan->devices.empty());
  for (const DeviceNode& d : plan->devices) {
    EXPECT_EQ(d.host_path, "/dev/" + d.path.substr(d.path.rfind('/') + 1));
  }
  // Own network and IPC namespaces: sysfs and mqueue are mounted fresh.
  ASSERT_NE(FindMount(*plan, root + "/sys"), nullptr);
  EXPECT_EQ(FindMount(*plan, root + "/sys")->fstype, "sysfs");
  EXPECT_NE(FindMount(*plan, root + "/dev/mqueue"), nullptr);
}

TEST(UserNamespacePlanTest, HostNetworkGetsTheHostsSysReadOnly) {
  v1::ContainerSpec spec = UsernsSpec();
  spec.mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  absl::StatusOr<InitPlan> plan = BuildInitPlan("c", spec, kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->clone_flags & CLONE_NEWNET);
  std::vector<const MountStep*> sys;
  for (const MountStep& m : plan->mounts) {
    if (m.target == "/proc/self/fd/512/rootfs/sys") sys.push_back(&m);
  }
  ASSERT_EQ(sys.size(), 2u);
  EXPECT_EQ(sys[0]->source, "/sys");
  EXPECT_EQ(sys[0]->flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_TRUE(sys[1]->flags & MS_REMOUNT);
  EXPECT_TRUE(sys[1]->flags & MS_RDONLY);
  // Host networking keeps the image's /etc files: no layer to chown.
  ContainerPaths with_etc = kPaths;
  with_etc.etc_layer_dir = "/run/c/etc-layer";
  absl::StatusOr<InitPlan> host = BuildInitPlan("c", spec, with_etc);
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->user_ns.etc_layer_dir, "");
}

TEST(UserNamespacePlanTest, WithoutUserNamespaceNothingChanges) {
  v1::ContainerSpec spec = UsernsSpec();
  spec.clear_namespaces();
  spec.clear_uid_mappings();
  spec.clear_gid_mappings();
  absl::StatusOr<InitPlan> plan = BuildInitPlan("c", spec, kPaths);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->new_user_ns);
  EXPECT_EQ(plan->merged_dir, "/run/c/rootfs");
  for (const DeviceNode& d : plan->devices) EXPECT_EQ(d.host_path, "");
  EXPECT_THAT(FindMount(*plan, "/run/c/rootfs")->data,
              ::testing::Not(HasSubstr("userxattr")));
}

}  // namespace
}  // namespace warren::runtime
