// Pure checks of container ids, signals, rlimits and specs: each bad input
// gets INVALID_ARGUMENT naming the field.
#include <sys/resource.h>

#include <csignal>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/container_id.h"
#include "runtime/rlimits.h"
#include "runtime/signals.h"
#include "runtime/spec_validation.h"

namespace warren::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::ContainerSpec Valid() {
  v1::ContainerSpec spec;
  spec.set_rootfs("/images/busybox");
  spec.mutable_process()->add_args("sh");
  return spec;
}

TEST(ContainerIdTest, AcceptsSafeIds) {
  EXPECT_TRUE(ValidateContainerId("web-1").ok());
  EXPECT_TRUE(ValidateContainerId("a.b_c").ok());
  EXPECT_TRUE(ValidateContainerId(std::string(64, 'x')).ok());
}

TEST(ContainerIdTest, RejectsUnsafeIds) {
  for (const char* id : {"", "-lead", ".hidden", "a/b", "..", "sp ace", "é"}) {
    absl::Status s = ValidateContainerId(id);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_THAT(std::string(s.message()), StartsWith("id")) << id;
  }
  EXPECT_EQ(ValidateContainerId(std::string(65, 'x')).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ValidateContainerId("", "exec_id").message()),
              StartsWith("exec_id"));
}

TEST(SignalsTest, ParsesNamesAndNumbers) {
  EXPECT_EQ(*ParseSignal("SIGTERM", "signal"), SIGTERM);
  EXPECT_EQ(*ParseSignal("kill", "signal"), SIGKILL);
  EXPECT_EQ(*ParseSignal("9", "signal"), 9);
  EXPECT_EQ(*ParseSignal("HUP", "signal"), SIGHUP);
  EXPECT_EQ(ParseSignal("SIGNOPE", "signal").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSignal("0", "signal").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSignal("99", "signal").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SignalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalName(SIGRTMIN + 1), "SIG" + std::to_string(SIGRTMIN + 1));
}

TEST(RlimitsTest, ParsesNames) {
  EXPECT_EQ(*ParseRlimitName("NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(*ParseRlimitName("rlimit_nproc"), RLIMIT_NPROC);
  EXPECT_EQ(ParseRlimitName("FILES").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SpecValidationTest, AcceptsMinimalSpec) {
  EXPECT_TRUE(ValidateSpec(Valid()).ok());
}

struct BadSpec {
  const char* name;
  void (*mutate)(v1::ContainerSpec*);
  absl::StatusCode code;
  const char* field;
};

class SpecValidationBadTest : public ::testing::TestWithParam<BadSpec> {};

TEST_P(SpecValidationBadTest, NamesTheField) {
  v1::ContainerSpec spec = Valid();
  GetParam().mutate(&spec);
  absl::Status s = ValidateSpec(spec);
  EXPECT_EQ(s.code(), GetParam().code) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(GetParam().field)) << s;
}

INSTANTIATE_TEST_SUITE_P(All, SpecValidationBadTest,
                         ::
                             testing::
                                 Values(
                                     BadSpec{"no_rootfs",
                                             [](v1::ContainerSpec* s) {
                                               s->clear_rootfs();
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.rootfs"},
                                     BadSpec{"relative_rootfs",
                                             [](v1::ContainerSpec* s) {
                                               s->set_rootfs("img");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.rootfs"},
                                     BadSpec{"no_process",
                                             [](v1::ContainerSpec* s) {
                                               s->clear_process();
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.process"},
                                     BadSpec{"empty_arg0",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_process()->set_args(
                                                   0, "");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.process.args"},
                                     BadSpec{"env",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_process()->add_env(
                                                   "=x");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.process.env[0]"},
                                     BadSpec{"cwd",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_process()->set_cwd(
                                                   "tmp");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.process.cwd"},
                                     BadSpec{"rlimit_name",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_process()
                                                   ->add_rlimits()
                                                   ->set_type("BOGUS");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.process.rlimits[0]"},
                                     BadSpec{"rlimit_soft_over_hard",
                                             [](v1::ContainerSpec* s) {
                                               auto* r = s->mutable_process()
                                                             ->add_rlimits();
                                               r->set_type("NOFILE");
                                               r->set_soft(10);
                                               r->set_hard(5);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.process.rlimits[0]"},
                                     BadSpec{"hostname",
                                             [](v1::ContainerSpec* s) {
                                               s->set_hostname("a_b");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.hostname"},
                                     BadSpec{"hostname_with_host_uts",
                                             [](v1::ContainerSpec* s) {
                                               s->set_hostname("box");
                                               s->mutable_namespaces()
                                                   ->mutable_uts()
                                                   ->set_mode(
                                                       v1::NamespaceSpec::
                                                           MODE_HOST);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.hostname"},
                                     BadSpec{"join_without_path",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_namespaces()
                                                   ->mutable_network()
                                                   ->set_mode(
                                                       v1::NamespaceSpec::
                                                           MODE_JOIN);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.namespaces.network.path"},
                                     BadSpec{"host_mount_ns",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_namespaces()
                                                   ->mutable_mount()
                                                   ->set_mode(
                                                       v1::NamespaceSpec::
                                                           MODE_HOST);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.namespaces.mount"},
                                     BadSpec{"uid_map_without_userns",
                                             [](v1::ContainerSpec* s) {
                                               s->add_uid_mappings()->set_size(
                                                   1);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.uid_mappings"},
                                     BadSpec{"mount_relative",
                                             [](v1::ContainerSpec* s) {
                                               auto* m = s->add_mounts();
                                               m->set_destination("data");
                                               m->set_type("tmpfs");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.mounts[0].destination"},
                                     BadSpec{"negative_pids",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_resources()
                                                   ->set_pids_limit(-1);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.resources.pids_limit"},
                                     BadSpec{"stop_signal",
                                             [](v1::ContainerSpec* s) {
                                               s->set_stop_signal("SIGFOO");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.stop_signal"},
                                     BadSpec{"stop_timeout",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_stop_timeout()
                                                   ->set_seconds(-1);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.stop_timeout"},
                                     BadSpec{"label_value",
                                             [](v1::ContainerSpec* s) {
                                               (*s->mutable_labels())["k"] =
                                                   std::string(5000, 'v');
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.labels[k]"},
                                     BadSpec{
                                         "user_ns_join_with_maps",
                                         [](v1::ContainerSpec* s) {
                                           auto* user = s->mutable_namespaces()
                                                            ->mutable_user();
                                           user->set_mode(
                                               v1::NamespaceSpec::MODE_JOIN);
                                           user->set_path("/proc/1/ns/user");
                                           s->add_uid_mappings()->set_size(1);
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.uid_mappings"},
                                     BadSpec{
                                         "memory_too_small",
                                         [](v1::ContainerSpec* s) {
                                           s->mutable_resources()
                                               ->set_memory_limit_bytes(1
                                                                        << 20);
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.resources.memory_limit_bytes"},
                                     BadSpec{
                                         "swap_below_memory",
                                         [](v1::ContainerSpec* s) {
                                           s->mutable_resources()
                                               ->set_memory_limit_bytes(64
                                                                        << 20);
                                           s->mutable_resources()
                                               ->set_memory_swap_limit_bytes(
                                                   32 << 20);
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.resources.memory_swap_limit_"
                                         "bytes"},
                                     BadSpec{"cpu_weight",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_resources()
                                                   ->set_cpu_weight(20000);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.resources.cpu_weight"},
                                     BadSpec{"cpuset",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_resources()
                                                   ->set_cpuset_cpus("all");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.resources.cpuset_cpus"},
                                     BadSpec{
                                         "mount_join",
                                         [](v1::ContainerSpec* s) {
                                           auto* m = s->mutable_namespaces()
                                                         ->mutable_mount();
                                           m->set_mode(
                                               v1::NamespaceSpec::MODE_JOIN);
                                           m->set_path("/proc/1/ns/mnt");
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.namespaces.mount"},
                                     BadSpec{
                                         "time_offset_too_big",
                                         [](v1::ContainerSpec* s) {
                                           s->mutable_namespaces()
                                               ->mutable_time()
                                               ->set_mode(
                                                   v1::NamespaceSpec::MODE_NEW);
                                           s->mutable_time_offsets()
                                               ->mutable_boottime()
                                               ->set_seconds(1LL << 40);
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.time_offsets"},
                                     BadSpec{"bind_without_source",
                                             [](v1::ContainerSpec* s) {
                                               auto* m = s->add_mounts();
                                               m->set_destination("/data");
                                               m->set_type("bind");
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.mounts[0].source"},
                                     BadSpec{"host_sysctl",
                                             [](v1::ContainerSpec* s) {
                                               (*s->mutable_sysctls())
                                                   ["kernel.panic"] = "1";
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.sysctls[kernel.panic]"},
                                     BadSpec{
                                         "bridge_in_host_netns",
                                         [](v1::ContainerSpec* s) {
                                           s->mutable_network()->set_mode(
                                               v1::NetworkSpec::MODE_BRIDGE);
                                           s->mutable_namespaces()
                                               ->mutable_network()
                                               ->set_mode(v1::NamespaceSpec::
                                                              MODE_HOST);
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.namespaces.network"},
                                     BadSpec{"ports_without_bridge",
                                             [](v1::ContainerSpec* s) {
                                               s->mutable_network()
                                                   ->add_ports()
                                                   ->set_host_port(80);
                                             },
                                             absl::StatusCode::kInvalidArgument,
                                             "spec.network.ports"},
                                     BadSpec{
                                         "bad_network_name",
                                         [](v1::ContainerSpec* s) {
                                           s->mutable_network()->set_network(
                                               "-bad");
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.network.network"},
                                     BadSpec{
                                         "bad_port_protocol",
                                         [](v1::ContainerSpec* s) {
                                           auto* p = s->mutable_network()
                                                         ->add_ports();
                                           s->mutable_network()->set_network(
                                               "warren");
                                           p->set_host_port(80);
                                           p->set_protocol("sctp");
                                         },
                                         absl::StatusCode::kInvalidArgument,
                                         "spec.network.ports[0].protocol"}),
                         [](const ::testing::TestParamInfo<BadSpec>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace warren::runtime
