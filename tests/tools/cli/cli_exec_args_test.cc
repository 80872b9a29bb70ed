// Tests of the argument parsing of exec, attach, logs (-f, --since) and of
// run's -i/-t: what each command line turns into, and the exact message for
// bad input.
#include "tools/cli/cli_exec_args.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ExecError(const std::vector<std::string>& args) {
  return std::string(ParseExecArgs(args).status().message());
}

TEST(ExecArgsTest, AllFlags) {
  absl::StatusOr<ExecOptions> e =
      ParseExecArgs({"-it", "-e", "A=1", "--env=B=", "-w", "/srv", "-u",
                     "1000:100", "web", "sh", "-c", "echo -e x"});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(e->detach);
  const v1::ExecRequest& r = e->request;
  EXPECT_EQ(r.container_id(), "web");
  EXPECT_EQ(r.exec_id(), "");
  EXPECT_FALSE(r.sync());
  EXPECT_TRUE(r.process().tty());
  EXPECT_TRUE(r.process().open_stdin());
  // Flags after the command belong to it.
  EXPECT_THAT(r.process().args(), ElementsAre("sh", "-c", "echo -e x"));
  EXPECT_THAT(r.process().env(), ElementsAre("A=1", "B="));
  EXPECT_EQ(r.process().cwd(), "/srv");
  EXPECT_EQ(r.process().uid(), 1000u);
  EXPECT_EQ(r.process().gid(), 100u);
}

TEST(ExecArgsTest, DefaultsInheritTheContainers) {
  absl::StatusOr<ExecOptions> e = ParseExecArgs({"web", "ls", "-l"});
  ASSERT_TRUE(e.ok()) << e.status();
  const v1::ProcessSpec& p = e->request.process();
  EXPECT_FALSE(p.tty());
  EXPECT_FALSE(p.open_stdin());
  EXPECT_THAT(p.env(), IsEmpty());
  EXPECT_EQ(p.cwd(), "");
  EXPECT_EQ(p.uid(), 0u);
  EXPECT_THAT(p.args(), ElementsAre("ls", "-l"));
}

TEST(ExecArgsTest, DetachAndLongForms) {
  absl::StatusOr<ExecOptions> e = ParseExecArgs(
      {"--detach", "--tty", "--user", "5", "--workdir=/", "c", "sleep", "9"});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->detach);
  EXPECT_TRUE(e->request.process().tty());
  EXPECT_EQ(e->request.process().uid(), 5u);
  EXPECT_EQ(e->request.process().gid(), 0u);
  EXPECT_EQ(e->request.process().cwd(), "/");
  EXPECT_TRUE(ParseExecArgs({"--interactive", "c", "cat"})
                  ->request.process()
                  .open_stdin());
  EXPECT_TRUE(ParseExecArgs({"-h"})->help);
}

TEST(ExecArgsTest, BadInput) {
  EXPECT_EQ(ExecError({}),
            "requires a container id and a command: ID CMD [ARGS...]");
  EXPECT_EQ(ExecError({"-i"}),
            "requires a container id and a command: ID CMD [ARGS...]");
  EXPECT_EQ(ExecError({"web"}),
            "requires a command to run after the container id: ID CMD "
            "[ARGS...]");
  EXPECT_EQ(ExecError({"-x", "web", "sh"}), "unknown flag -x");
  EXPECT_EQ(ExecError({"--privileged", "web", "sh"}),
            "unknown flag --privileged");
  EXPECT_EQ(ExecError({"web", "sh", "-e"}), "");  // the command's own flag
  EXPECT_EQ(ExecError({"-e", "A", "web", "sh"}), "--env \"A\": want KEY=VALUE");
  EXPECT_EQ(ExecError({"-e", "=1", "web", "sh"}),
            "--env \"=1\": the key must not be empty (want KEY=VALUE)");
  EXPECT_EQ(ExecError({"-e"}), "flag -e needs a value");
  EXPECT_EQ(ExecError({"-w", "", "web", "sh"}), "--workdir must not be empty");
  EXPECT_EQ(ExecError({"-w", "tmp", "web", "sh"}),
            "--workdir \"tmp\": must be an absolute path");
  EXPECT_EQ(ExecError({"-u", "root", "web", "sh"}),
            "--user \"root\": want UID[:GID] with numeric ids");
  EXPECT_EQ(ExecError({"-u", "1:2:3", "web", "sh"}),
            "--user \"1:2:3\": want UID[:GID] with numeric ids");
  EXPECT_EQ(ExecError({"-di", "web", "sh"}),
            "-d and -i cannot be combined (nothing would write to the "
            "detached process's stdin)");
  EXPECT_EQ(ExecError({"--tty=yes", "web", "sh"}),
            "flag --tty takes no value (or =true/=false)");
}

TEST(AttachArgsTest, IdAndSigProxy) {
  absl::StatusOr<AttachOptions> a = ParseAttachArgs({"web"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id, "web");
  EXPECT_TRUE(a->sig_proxy);
  a = ParseAttachArgs({"--sig-proxy=false", "web"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->sig_proxy);
  a = ParseAttachArgs({"web", "--sig-proxy"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->sig_proxy);
  EXPECT_TRUE(ParseAttachArgs({"--help"})->help);
}

TEST(AttachArgsTest, BadInput) {
  EXPECT_EQ(ParseAttachArgs({}).status().message(), "requires a container id");
  EXPECT_EQ(ParseAttachArgs({"a", "b"}).status().message(),
            "takes exactly 1 container id, got 2");
  EXPECT_EQ(ParseAttachArgs({"-i", "a"}).status().message(), "unknown flag -i");
  EXPECT_EQ(ParseAttachArgs({"--sig-proxy=no", "a"}).status().message(),
            "flag --sig-proxy takes no value (or =true/=false)");
}

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

TEST(LogsArgsTest, FollowTailAndSince) {
  absl::StatusOr<LogsOptions> l =
      ParseLogsArgs({"-f", "--tail", "3", "--since", "10m", "web"}, kNow);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_TRUE(l->request.follow());
  EXPECT_EQ(l->request.tail(), 3);
  EXPECT_EQ(l->request.id(), "web");
  EXPECT_EQ(l->request.since().seconds(), 1700000000 - 600);
  EXPECT_EQ(l->request.since().nanos(), 0);
  EXPECT_FALSE(l->no_lines);

  l = ParseLogsArgs({"web"}, kNow);
  ASSERT_TRUE(l.ok());
  EXPECT_FALSE(l->request.follow());
  EXPECT_FALSE(l->request.has_since());
  EXPECT_TRUE(ParseLogsArgs({"--follow", "web"}, kNow)->request.follow());
}

TEST(LogsArgsTest, TailZeroWithFollowMeansOnlyNewOutput) {
  absl::StatusOr<LogsOptions> l = ParseLogsArgs({"-f", "-n", "0", "c"}, kNow);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_FALSE(l->no_lines);
  EXPECT_EQ(l->request.tail(), 0);
  EXPECT_EQ(l->request.since().seconds(), 1700000000);
  // A later --since wins over now.
  l = ParseLogsArgs({"-f", "-n", "0", "--since", "1800000000", "c"}, kNow);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->request.since().seconds(), 1800000000);
  // Without -f, --tail 0 still prints nothing.
  l = ParseLogsArgs({"-n", "0", "c"}, kNow);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->no_lines);
  EXPECT_FALSE(l->request.has_since());
}

TEST(LogsArgsTest, BadSince) {
  const std::string want =
      "\": want an RFC 3339 time (2024-01-02T15:04:05Z), Unix seconds or a "
      "duration ago (10m, 1h30m)";
  for (const char* bad : {"yesterday", "", "-5m", "1.2.3", "12a",
                          "1700000000.1234567891", "2024-01-02"}) {
    EXPECT_EQ(ParseLogsArgs({"--since", bad, "c"}, kNow).status().message(),
              std::string("--since \"") + bad + want)
        << bad;
  }
  EXPECT_EQ(ParseLogsArgs({"--since", "1970-01-01T00:00:00Z", "c"},
                          absl::FromUnixSeconds(0) + absl::Hours(1))
                .status()
                .message(),
            "");
  EXPECT_EQ(ParseLogsArgs({"--since", "2h", "c"}, absl::FromUnixSeconds(60))
                .status()
                .message(),
            "--since \"2h\": before 1970-01-01");
  EXPECT_EQ(ParseLogsArgs({"--since"}, kNow).status().message(),
            "flag --since needs a value");
  EXPECT_EQ(ParseLogsArgs({"-f"}, kNow).status().message(),
            "requires a container id");
}

TEST(SinceTest, Forms) {
  absl::Time t0 = absl::FromCivil(absl::CivilSecond(2024, 1, 2, 15, 4, 5),
                                  absl::UTCTimeZone());
  EXPECT_EQ(*ParseSince("2024-01-02T15:04:05Z", kNow), t0);
  EXPECT_EQ(*ParseSince("2024-01-02T15:04:05.5Z", kNow),
            t0 + absl::Milliseconds(500));
  EXPECT_EQ(*ParseSince("2024-01-02T17:04:05+02:00", kNow), t0);
  EXPECT_EQ(*ParseSince("1704207845", kNow), t0);
  EXPECT_EQ(*ParseSince("1704207845.000000001", kNow),
            t0 + absl::Nanoseconds(1));
  EXPECT_EQ(*ParseSince("1h30m", kNow), kNow - absl::Minutes(90));
  EXPECT_EQ(*ParseSince("0s", kNow), kNow);
}

TEST(RunArgsTest, InteractiveAndTtyGoToTheInit) {
  absl::StatusOr<RunOptions> r = ParseRunArgs({"-it", "--rm", "sh"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->create.spec.process().tty());
  EXPECT_TRUE(r->create.spec.process().open_stdin());
  EXPECT_TRUE(r->rm);
  r = ParseRunArgs({"-t", "sh"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->create.spec.process().tty());
  EXPECT_FALSE(r->create.spec.process().open_stdin());
  EXPECT_EQ(ParseRunArgs({"-d", "-i", "sh"}).status().message(),
            "-d and -i cannot be combined (nothing would write to the "
            "container's stdin)");
  // After the command they are the command's.
  r = ParseRunArgs({"sh", "-i"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->create.spec.process().args(), ElementsAre("sh", "-i"));
  EXPECT_TRUE(ParseRunArgs({"-it", "-h"})->create.help);
}

}  // namespace
}  // namespace warren::cli
