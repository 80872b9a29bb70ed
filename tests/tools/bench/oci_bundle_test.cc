// The peers' JSON documents: config.json made from `runc spec` output keeps
// the runtime's defaults but runs the benchmark's process with the
// benchmark's isolation, and the CNI bridge configuration is what the
// plugin expects. No root, no peers: JSON in, JSON out.
#include "tools/bench/oci_bundle.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace warren::bench {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// What `runc spec` 1.1 prints, shortened, plus what must go away: a
// consoleSize, a namespace joined by path, a user namespace and rootless
// uid/gid mappings.
constexpr char kRuncSpec[] = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 0, "gid": 0},
    "args": ["sh"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "TERM=xterm"],
    "cwd": "/",
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "runc",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"},
                   {"type": "user"}],
    "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
    "maskedPaths": ["/proc/kcore"]
  }
})";

Struct Parse(const std::string& json) {
  Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok())
      << json;
  return s;
}

const Value& At(const Struct& s, const std::string& key) {
  static const Value kNone;
  auto it = s.fields().find(key);
  if (it == s.fields().end()) {
    ADD_FAILURE() << "no field " << key;
    return kNone;
  }
  return it->second;
}

const Struct& Obj(const Struct& s, const std::string& key) {
  return At(s, key).struct_value();
}

BundleOptions TrueOptions() {
  BundleOptions o;
  o.args = {"/bin/true"};
  o.rootfs = "/tmp/work/peers/rootfs";
  o.cgroups_path = "/warren-bench-peer/wbp-runc-1";
  return o;
}

TEST(OciBundleTest, SetsProcessRootHostnameAndLimit) {
  absl::StatusOr<std::string> json = MakeBundleConfig(kRuncSpec, TrueOptions());
  ASSERT_TRUE(json.ok()) << json.status();
  Struct c = Parse(*json);
  const Struct& process = Obj(c, "process");
  ASSERT_EQ(At(process, "args").list_value().values_size(), 1);
  EXPECT_EQ(At(process, "args").list_value().values(0).string_value(),
            "/bin/true");
  EXPECT_FALSE(At(process, "terminal").bool_value());
  EXPECT_FALSE(process.fields().contains("consoleSize"));
  EXPECT_EQ(At(Obj(c, "root"), "path").string_value(),
            "/tmp/work/peers/rootfs");
  EXPECT_TRUE(At(Obj(c, "root"), "readonly").bool_value());
  EXPECT_EQ(At(c, "hostname").string_value(), "warren-bench");
  const Struct& linux_section = Obj(c, "linux");
  EXPECT_EQ(At(Obj(Obj(linux_section, "resources"), "memory"), "limit")
                .number_value(),
            67108864);
  EXPECT_EQ(At(linux_section, "cgroupsPath").string_value(),
            "/warren-bench-peer/wbp-runc-1");
  // An integer, as runc's int64 field wants it (not 6.7108864e+07).
  EXPECT_THAT(*json, HasSubstr("67108864"));
  EXPECT_THAT(*json, Not(HasSubstr("e+07")));
}

TEST(OciBundleTest, NamespacesAreExactlyTheBenchmarksAndNew) {
  absl::StatusOr<std::string> json = MakeBundleConfig(kRuncSpec, TrueOptions());
  ASSERT_TRUE(json.ok()) << json.status();
  const Struct c = Parse(*json);
  const Struct& linux_section = Obj(c, "linux");
  std::vector<std::string> types;
  for (const Value& ns :
       At(linux_section, "namespaces").list_value().values()) {
    types.push_back(At(ns.struct_value(), "type").string_value());
    EXPECT_FALSE(ns.struct_value().fields().contains("path"));
  }
  EXPECT_THAT(types, ElementsAre("pid", "ipc", "uts", "mount", "network"));
  EXPECT_FALSE(linux_section.fields().contains("uidMappings"));
  EXPECT_FALSE(linux_section.fields().contains("gidMappings"));
}

TEST(OciBundleTest, KeepsTheRuntimeDefaults) {
  absl::StatusOr<std::string> json = MakeBundleConfig(kRuncSpec, TrueOptions());
  ASSERT_TRUE(json.ok()) << json.status();
  Struct c = Parse(*json);
  EXPECT_EQ(At(c, "ociVersion").string_value(), "1.0.2-dev");
  EXPECT_EQ(At(c, "mounts").list_value().values_size(), 1);
  const Struct& process = Obj(c, "process");
  EXPECT_TRUE(At(process, "noNewPrivileges").bool_value());
  EXPECT_EQ(At(process, "cwd").string_value(), "/");
  const Struct& rlimit =
      At(process, "rlimits").list_value().values(0).struct_value();
  EXPECT_EQ(At(rlimit, "hard").number_value(), 1024);
  const Struct& linux_section = Obj(c, "linux");
  EXPECT_EQ(At(linux_section, "maskedPaths").list_value().values_size(), 1);
  // The devices rule next to the new memory limit survives.
  EXPECT_EQ(
      At(Obj(linux_section, "resources"), "devices").list_value().values_size(),
      1);
}

TEST(OciBundleTest, MakesMissingSectionsAndLeavesOutEmptyOptions) {
  BundleOptions o = TrueOptions();
  o.args = {"/bin/sleep", "1000"};
  o.memory_limit = 0;
  o.cgroups_path.clear();
  o.readonly_root = false;
  absl::StatusOr<std::string> json =
      MakeBundleConfig(R"({"ociVersion": "1.0.2"})", o);
  ASSERT_TRUE(json.ok()) << json.status();
  Struct c = Parse(*json);
  EXPECT_EQ(At(Obj(c, "process"), "args").list_value().values(1).string_value(),
            "1000");
  EXPECT_FALSE(At(Obj(c, "root"), "readonly").bool_value());
  const Struct& linux_section = Obj(c, "linux");
  EXPECT_FALSE(linux_section.fields().contains("cgroupsPath"));
  EXPECT_FALSE(Obj(Obj(linux_section, "resources"), "memory")
                   .fields()
                   .contains("limit"));
  EXPECT_EQ(At(linux_section, "namespaces").list_value().values_size(), 5);
}

TEST(OciBundleTest, RejectsBadInput) {
  EXPECT_FALSE(MakeBundleConfig("not json", TrueOptions()).ok());
  EXPECT_FALSE(MakeBundleConfig("[1, 2]", TrueOptions()).ok());
  EXPECT_FALSE(MakeBundleConfig(R"({"process": {}})", TrueOptions()).ok());
  BundleOptions no_args = TrueOptions();
  no_args.args.clear();
  EXPECT_FALSE(MakeBundleConfig(kRuncSpec, no_args).ok());
  BundleOptions relative = TrueOptions();
  relative.rootfs = "rootfs";
  EXPECT_FALSE(MakeBundleConfig(kRuncSpec, relative).ok());
}

TEST(OciBundleTest, CniBridgeConfig) {
  CniBridgeOptions o;
  o.ipam_data_dir = "/tmp/work/peers/cni/ipam";
  absl::StatusOr<std::string> json = MakeCniBridgeConfig(o);
  ASSERT_TRUE(json.ok()) << json.status();
  Struct c = Parse(*json);
  EXPECT_EQ(At(c, "cniVersion").string_value(), "1.0.0");
  EXPECT_EQ(At(c, "type").string_value(), "bridge");
  EXPECT_EQ(At(c, "bridge").string_value(), "cnib0");
  EXPECT_TRUE(At(c, "isGateway").bool_value());
  EXPECT_FALSE(At(c, "ipMasq").bool_value());
  const Struct& ipam = Obj(c, "ipam");
  EXPECT_EQ(At(ipam, "type").string_value(), "host-local");
  EXPECT_EQ(At(ipam, "subnet").string_value(), "10.241.0.0/16");
  EXPECT_EQ(At(ipam, "dataDir").string_value(), "/tmp/work/peers/cni/ipam");
  const Value& route = At(ipam, "routes").list_value().values(0);
  EXPECT_EQ(At(route.struct_value(), "dst").string_value(), "0.0.0.0/0");

  o.ipam_data_dir = "relative";
  EXPECT_FALSE(MakeCniBridgeConfig(o).ok());
}

}  // namespace
}  // namespace warren::bench
