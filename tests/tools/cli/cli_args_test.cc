// Tests of the warren client's argument parsing: what each command line
// turns into, and that bad input is a clear usage error.
#include "tools/cli/cli_args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_exec_args.h"  // ParseLogsArgs

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(ParseFlagsTest, LongShortGroupedAndEquals) {
  absl::StatusOr<ParsedArgs> p = ParseFlags(
      {{"all", 'a', false}, {"quiet", 'q', false}, {"tail", 'n', true}},
      {"x", "-aq", "--tail=5", "y", "-n7", "-n", "9"}, true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Bool("all"));
  EXPECT_TRUE(p->Bool("quiet"));
  EXPECT_THAT(p->All("tail"), ElementsAre("5", "7", "9"));
  EXPECT_EQ(p->Last("tail"), "9");
  EXPECT_THAT(p->positional, ElementsAre("x", "y"));
}

TEST(ParseFlagsTest, StopsAtFirstPositionalWhenNotInterspersed) {
  absl::StatusOr<ParsedArgs> p = ParseFlags(
      {{"rm", 0, false}}, {"--rm", "sh", "-c", "--rm"}, /*interspersed=*/false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->positional, ElementsAre("sh", "-c", "--rm"));
}

TEST(ParseFlagsTest, DoubleDashEndsFlags) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"force", 'f', false}}, {"--", "-f"}, true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->Bool("force"));
  EXPECT_THAT(p->positional, ElementsAre("-f"));
}

TEST(ParseFlagsTest, BoolFlagAcceptsExplicitFalse) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"rm", 0, false}}, {"--rm", "--rm=false"}, true);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->Bool("rm"));
}

TEST(ParseFlagsTest, Errors) {
  std::vector<FlagSpec> specs = {{"tail", 'n', true}, {"all", 'a', false}};
  EXPECT_EQ(ParseFlags(specs, {"--bogus"}, true).status().message(),
            "unknown flag --bogus");
  EXPECT_EQ(ParseFlags(specs, {"-x"}, true).status().message(),
            "unknown flag -x");
  EXPECT_EQ(ParseFlags(specs, {"--tail"}, true).status().message(),
            "flag --tail needs a value");
  EXPECT_EQ(ParseFlags(specs, {"-n"}, true).status().message(),
            "flag -n needs a value");
  EXPECT_EQ(ParseFlags(specs, {"--all=yes"}, true).status().message(),
            "flag --all takes no value (or =true/=false)");
}

TEST(CreateArgsTest, FullSpec) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs(
      {"--name", "web",    "--rootfs",  "/img",        "--hostname",
       "h1",     "-e",     "A=1",       "--env=B=x=y", "--workdir",
       "/srv",   "--user", "1000:100",  "--label",     "tier=front",
       "-l",     "solo",   "--network", "host",        "--stop-signal",
       "INT",    "sh",     "-c",        "echo hi"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->id, "web");
  const v1::ContainerSpec& s = c->spec;
  EXPECT_EQ(s.rootfs(), "/img");
  EXPECT_EQ(s.hostname(), "h1");
  EXPECT_THAT(s.process().env(), ElementsAre("A=1", "B=x=y"));
  EXPECT_EQ(s.process().cwd(), "/srv");
  EXPECT_EQ(s.process().uid(), 1000u);
  EXPECT_EQ(s.process().gid(), 100u);
  EXPECT_THAT(s.labels(),
              UnorderedElementsAre(Pair("tier", "front"), Pair("solo", "")));
  EXPECT_EQ(s.network().mode(), v1::NetworkSpec::MODE_HOST);
  EXPECT_EQ(s.stop_signal(), "INT");
  EXPECT_THAT(s.process().args(), ElementsAre("sh", "-c", "echo hi"));
}

TEST(CreateArgsTest, Defaults) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs({"true"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->id, "");
  EXPECT_EQ(c->spec.rootfs(), "/var/lib/warren/images/busybox");
  EXPECT_FALSE(c->spec.has_network());
  EXPECT_EQ(c->spec.process().uid(), 0u);
  EXPECT_THAT(c->spec.process().args(), ElementsAre("true"));
}

TEST(CreateArgsTest, UserNamespaceMaps) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs(
      {"--uidmap", "0:100000:65536", "--uidmap", "70000:5000:10", "id"});
  ASSERT_TRUE(c.ok()) << c.status();
  const v1::ContainerSpec& s = c->spec;
  EXPECT_EQ(s.namespaces().user().mode(), v1::NamespaceSpec::MODE_NEW);
  ASSERT_EQ(s.uid_mappings_size(), 2);
  EXPECT_EQ(s.uid_mappings(1).container_id(), 70000u);
  EXPECT_EQ(s.uid_mappings(1).host_id(), 5000u);
  EXPECT_EQ(s.uid_mappings(1).size(), 10u);
  // No --gidmap: the gids are mapped as the uids.
  ASSERT_EQ(s.gid_mappings_size(), 2);
  EXPECT_EQ(s.gid_mappings(0).host_id(), 100000u);

  c = ParseCreateArgs({"--uidmap", "0:1:2", "--gidmap", "0:7:3", "id"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->spec.gid_mappings(0).host_id(), 7u);
  EXPECT_EQ(c->spec.gid_mappings(0).size(), 3u);

  EXPECT_EQ(ParseCreateArgs({"--uidmap", "0:100000", "id"}).status().message(),
            "--uidmap \"0:100000\": want CONTAINER_ID:HOST_ID:SIZE");
  EXPECT_EQ(ParseCreateArgs({"--gidmap", "a:b:c", "id"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CreateArgsTest, CommandFlagsAreNotParsed) {
  absl::StatusOr<CreateOptions> c = ParseCreateArgs({"ls", "-l", "--name"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->id, "");
  EXPECT_THAT(c->spec.process().args(), ElementsAre("ls", "-l", "--name"));
}

TEST(CreateArgsTest, BadInput) {
  EXPECT_EQ(ParseCreateArgs({"--env", "FOO", "sh"}).status().message(),
            "--env \"FOO\": want KEY=VALUE");
  EXPECT_EQ(ParseCreateArgs({"--env", "=v", "sh"}).status().message(),
            "--env \"=v\": the key must not be empty (want KEY=VALUE)");
  EXPECT_EQ(ParseCreateArgs({"--label", "=v", "sh"}).status().message(),
            "--label \"=v\": the key must not be empty (want KEY=VALUE)");
  EXPECT_EQ(
      ParseCreateArgs({"--network", "container:web", "sh"}).status().message(),
      "--network \"container:web\": want none, host, bridge or a network name "
      "(1 to 64 letters, digits, '_', '.' or '-', starting with a letter or "
      "digit)");
  EXPECT_EQ(ParseCreateArgs({"--name", "", "sh"}).status().message(),
            "--name must not be empty");
  absl::Status none = ParseCreateArgs({"--name", "x"}).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(none.message(),
            "requires a command to run: CMD [ARGS...] after the flags");
}

TEST(UserTest, Forms) {
  v1::ProcessSpec p;
  ASSERT_TRUE(ParseUser("1000", &p).ok());
  EXPECT_EQ(p.uid(), 1000u);
  EXPECT_EQ(p.gid(), 0u);
  ASSERT_TRUE(ParseUser("0:4294967295", &p).ok());
  EXPECT_EQ(p.uid(), 0u);
  EXPECT_EQ(p.gid(), 4294967295u);
}

TEST(UserTest, Rejects) {
  v1::ProcessSpec p;
  for (const char* bad : {"", "bob", "1000:", ":1", "1:2:3", "-1", "+5",
                          "4294967296", "1000:staff"}) {
    absl::Status s = ParseUser(bad, &p);
    EXPECT_EQ(s.message(), std::string("--user \"") + bad +
                               "\": want UID[:GID] with numeric ids")
        << bad;
  }
}

TEST(RunArgsTest, RmAndDetach) {
  absl::StatusOr<RunOptions> r = ParseRunArgs({"--rm", "--name", "a", "ls"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->rm);
  EXPECT_FALSE(r->detach);
  EXPECT_EQ(r->create.id, "a");
  r = ParseRunArgs({"-d", "sleep", "9"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->detach);
  EXPECT_THAT(r->create.spec.process().args(), ElementsAre("sleep", "9"));
  EXPECT_THAT(ParseRunArgs({"--rm", "-d", "ls"}).status().message(),
              HasSubstr("--rm and -d cannot be combined"));
}

TEST(KillArgsTest, SignalAndAll) {
  absl::StatusOr<KillOptions> k = ParseKillArgs({"-s", "KILL", "c1", "--all"});
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->request.id(), "c1");
  EXPECT_EQ(k->request.signal(), "KILL");
  EXPECT_TRUE(k->request.all());
  EXPECT_EQ(ParseKillArgs({}).status().message(), "requires a container id");
  EXPECT_EQ(ParseKillArgs({"a", "b"}).status().message(),
            "takes exactly 1 container id, got 2");
}

TEST(RmArgsTest, ManyIds) {
  absl::StatusOr<RmOptions> r = ParseRmArgs({"a", "-f", "b"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->force);
  EXPECT_THAT(r->ids, ElementsAre("a", "b"));
  EXPECT_EQ(ParseRmArgs({"-f"}).status().message(),
            "requires at least 1 container id");
}

TEST(PsArgsTest, Filters) {
  absl::StatusOr<PsOptions> p = ParsePsArgs(
      {"--filter", "label=app=web", "-f", "label=x", "--filter=state=running"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->request.label_selector(),
              UnorderedElementsAre(Pair("app", "web"), Pair("x", "")));
  EXPECT_EQ(p->request.state(), v1::RUNNING);
  EXPECT_TRUE(p->all);  // a state filter shows that state even if stopped

  p = ParsePsArgs({});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->all);
  EXPECT_EQ(p->request.state(), v1::CONTAINER_STATE_UNSPECIFIED);

  p = ParsePsArgs({"-a", "--filter", "state=exited"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->request.state(), v1::STOPPED);
}

TEST(PsArgsTest, BadFilters) {
  EXPECT_EQ(ParsePsArgs({"--filter", "name=x"}).status().message(),
            "--filter \"name=x\": want label=KEY[=VALUE] or state=STATE");
  EXPECT_EQ(ParsePsArgs({"--filter", "state=dead"}).status().message(),
            "unknown state \"dead\" (want created, running, paused or "
            "stopped)");
  EXPECT_EQ(ParsePsArgs({"-f", "state=running", "-f", "state=created"})
                .status()
                .message(),
            "only one state filter is supported");
  EXPECT_EQ(ParsePsArgs({"extra"}).status().message(),
            "unexpected argument \"extra\" (ps takes only flags)");
}

TEST(LogsArgsTest, Tail) {
  absl::StatusOr<LogsOptions> l = ParseLogsArgs({"--tail", "5", "c"});
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->request.tail(), 5);
  EXPECT_EQ(l->request.id(), "c");
  EXPECT_FALSE(l->no_lines);
  l = ParseLogsArgs({"-n", "0", "c"});
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->no_lines);
  l = ParseLogsArgs({"c", "--tail=all"});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->request.tail(), 0);
  EXPECT_FALSE(l->no_lines);
  EXPECT_EQ(ParseLogsArgs({"--tail", "-3", "c"}).status().message(),
            "--tail \"-3\": want a number of lines or \"all\"");
}

TEST(HelpTest, EveryCommandAcceptsHelp) {
  EXPECT_TRUE(ParseCreateArgs({"--help"})->help);
  EXPECT_TRUE(ParseRunArgs({"-h"})->create.help);
  EXPECT_TRUE(ParseKillArgs({"-h"})->help);
  EXPECT_TRUE(ParseRmArgs({"--help"})->help);
  EXPECT_TRUE(ParsePsArgs({"-h"})->help);
  EXPECT_TRUE(ParseLogsArgs({"-h"})->help);
  EXPECT_TRUE(ParseIdArgs({"--help"})->help);
}

}  // namespace
}  // namespace warren::cli
