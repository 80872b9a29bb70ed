// Tests of the parsing of the resource commands (stats, pause, resume,
// update, events) and of the resource flags of create/run.
#include "tools/cli/cli_resource_args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;

TEST(ParseSizeTest, BytesAndSuffixes) {
  EXPECT_EQ(*ParseSize("memory", "1048576"), 1048576);
  EXPECT_EQ(*ParseSize("memory", "64m"), 67108864);
  EXPECT_EQ(*ParseSize("memory", "64M"), 67108864);
  EXPECT_EQ(*ParseSize("memory", "64mb"), 67108864);
  EXPECT_EQ(*ParseSize("memory", "512k"), 524288);
  EXPECT_EQ(*ParseSize("memory", "2g"), 2147483648);
  EXPECT_EQ(*ParseSize("memory", "1t"), 1099511627776);
  EXPECT_EQ(*ParseSize("memory", "100b"), 100);
}

TEST(ParseSizeTest, BadInput) {
  const std::string want =
      "\": want a positive size in bytes or N with suffix k, m, g or t (e.g. "
      "64m)";
  for (const char* bad : {"", "m", "64x", "-1", "0", "1.5g", " 64m", "+64m"}) {
    EXPECT_EQ(ParseSize("memory", bad).status().message(),
              std::string("--memory \"") + bad + want)
        << bad;
  }
  EXPECT_EQ(ParseSize("memory", "99999999999t").status().message(),
            "--memory \"99999999999t\": too large");
}

TEST(ParseUpdateArgsTest, AllFlags) {
  absl::StatusOr<UpdateOptions> o = ParseUpdateArgs(
      {"--memory", "64m", "--memory-swap=-1", "--cpu-quota", "50000",
       "--cpu-period", "100000", "--cpu-weight", "200", "--cpuset-cpus",
       "0-1,3", "--cpuset-mems", "0", "--pids-limit", "100", "c1"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->request.id(), "c1");
  const v1::ResourcesSpec& r = o->request.resources();
  EXPECT_EQ(r.memory_limit_bytes(), 67108864);
  EXPECT_EQ(r.memory_swap_limit_bytes(), -1);
  EXPECT_EQ(r.cpu_quota_us(), 50000);
  EXPECT_EQ(r.cpu_period_us(), 100000u);
  EXPECT_EQ(r.cpu_weight(), 200u);
  EXPECT_EQ(r.cpuset_cpus(), "0-1,3");
  EXPECT_EQ(r.cpuset_mems(), "0");
  EXPECT_EQ(r.pids_limit(), 100);
}

TEST(ParseUpdateArgsTest, OnlyGivenFieldsSet) {
  absl::StatusOr<UpdateOptions> o = ParseUpdateArgs({"c1", "-m", "1g"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->request.resources().memory_limit_bytes(), 1073741824);
  EXPECT_EQ(o->request.resources().cpu_quota_us(), 0);
  EXPECT_EQ(o->request.resources().pids_limit(), 0);
  EXPECT_EQ(ParseUpdateArgs({"--pids-limit", "-1", "c"})
                ->request.resources()
                .pids_limit(),
            -1);
}

TEST(ParseUpdateArgsTest, Errors) {
  auto msg = [](const std::vector<std::string>& args) {
    return std::string(ParseUpdateArgs(args).status().message());
  };
  EXPECT_EQ(msg({"c1"}),
            "requires at least one flag (--memory, --cpu-quota, ...)");
  EXPECT_EQ(msg({"--memory", "1g"}), "requires a container id");
  EXPECT_EQ(msg({"--memory", "1g", "a", "b"}),
            "takes exactly 1 container id, got 2");
  EXPECT_EQ(msg({"--memory-swap", "-2", "c"}),
            "--memory-swap \"-2\": want a positive size in bytes or N with "
            "suffix k, m, g or t (e.g. 64m)");
  EXPECT_EQ(msg({"--cpu-quota", "abc", "c"}),
            "--cpu-quota \"abc\": want a positive number of microseconds");
  EXPECT_EQ(msg({"--cpu-period", "0", "c"}),
            "--cpu-period \"0\": want a positive number of microseconds");
  EXPECT_EQ(msg({"--cpu-weight", "10001", "c"}),
            "--cpu-weight \"10001\": want a weight from 1 to 10000");
  EXPECT_EQ(msg({"--cpuset-cpus", "a-b", "c"}),
            "--cpuset-cpus \"a-b\": want a list like 0-2,4");
  EXPECT_EQ(msg({"--pids-limit", "-5", "c"}),
            "--pids-limit \"-5\": want a positive number of processes or -1");
  EXPECT_EQ(msg({"--memory"}), "flag --memory needs a value");
  EXPECT_EQ(msg({"--cpus", "2", "c"}), "unknown flag --cpus");
  EXPECT_TRUE(ParseUpdateArgs({"--help"})->help);
}

TEST(ParseIdsArgsTest, OneOrMore) {
  EXPECT_THAT(ParseIdsArgs({"a", "b"})->ids, ElementsAre("a", "b"));
  EXPECT_EQ(ParseIdsArgs({}).status().message(),
            "requires at least 1 container id");
  EXPECT_EQ(ParseIdsArgs({"-x"}).status().message(), "unknown flag -x");
}

TEST(ParseEventsArgsTest, FiltersAndSince) {
  absl::StatusOr<EventsOptions> o =
      ParseEventsArgs({"--filter", "container=c1", "-f", "type=exited",
                       "--filter=container=c2", "--since-seq", "42"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_THAT(o->request.container_ids(), ElementsAre("c1", "c2"));
  EXPECT_THAT(o->request.types(), ElementsAre("exited"));
  EXPECT_EQ(o->request.after_sequence(), 42u);
  EXPECT_EQ(ParseEventsArgs({})->request.ByteSizeLong(), 0u);
}

TEST(ParseEventsArgsTest, Errors) {
  EXPECT_EQ(ParseEventsArgs({"--filter", "state=running"}).status().message(),
            "--filter \"state=running\": want container=ID or type=TYPE");
  EXPECT_EQ(ParseEventsArgs({"--filter", "container="}).status().message(),
            "--filter \"container=\": want container=ID or type=TYPE");
  EXPECT_EQ(ParseEventsArgs({"--since-seq", "-1"}).status().message(),
            "--since-seq \"-1\": want an event sequence number");
  EXPECT_EQ(ParseEventsArgs({"c1"}).status().message(),
            "unexpected argument \"c1\" (events takes only flags)");
}

TEST(CreateResourceFlagsTest, FillSpecResources) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs(
      {"--memory", "64m", "--pids-limit", "20", "--cpuset-cpus", "0", "sh"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->spec.resources().memory_limit_bytes(), 67108864);
  EXPECT_EQ(c->spec.resources().pids_limit(), 20);
  EXPECT_EQ(c->spec.resources().cpuset_cpus(), "0");
  EXPECT_FALSE(ParseCreateArgs({"sh"})->spec.has_resources());

  absl::StatusOr<RunOptions> r =
      ParseRunArgs({"--rm", "-m", "1g", "sh", "--memory", "x"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->create.spec.resources().memory_limit_bytes(), 1073741824);
  EXPECT_THAT(r->create.spec.process().args(),
              ElementsAre("sh", "--memory", "x"));
  EXPECT_EQ(ParseRunArgs({"--memory", "lots", "sh"}).status().message(),
            "--memory \"lots\": want a positive size in bytes or N with "
            "suffix k, m, g or t (e.g. 64m)");
}

}  // namespace
}  // namespace warren::cli
