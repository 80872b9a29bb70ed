// Tests of the warren client's output: exact `ps` table text, relative
// times, quoting, inspect text, error lines and JSON.
#include "tools/cli/cli_format.h"

#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::cli {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

google::protobuf::Timestamp Ago(absl::Duration d) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(kNow - d));
  return ts;
}

TEST(HumanDurationTest, DockerWording) {
  EXPECT_EQ(HumanDuration(absl::Milliseconds(300)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(absl::Seconds(5)), "5 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(60)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Minutes(2)), "2 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(61)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Hours(47)), "47 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(48)), "2 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 15)), "2 weeks");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 90)), "3 months");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 365 * 3)), "3 years");
  EXPECT_EQ(HumanDuration(absl::Seconds(-5)), "Less than a second");
}

TEST(RelativeTimeTest, AgoAndUnset) {
  EXPECT_EQ(RelativeTime(Ago(absl::Seconds(5)), kNow), "5 seconds ago");
  EXPECT_EQ(RelativeTime(google::protobuf::Timestamp(), kNow), "-");
}

TEST(ShellQuoteTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(ShellQuote("echo"), "echo");
  EXPECT_EQ(ShellQuote("/bin/sh"), "/bin/sh");
  EXPECT_EQ(ShellQuote("A=b,c"), "A=b,c");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("echo hi; exit 3"), "'echo hi; exit 3'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

v1::Container MakeContainer(const std::string& id, v1::ContainerState state,
                            int pid, absl::Duration age) {
  v1::Container c;
  c.set_id(id);
  c.set_state(state);
  c.set_pid(pid);
  *c.mutable_created_at() = Ago(age);
  return c;
}

v1::Container* AddTo(google::protobuf::RepeatedPtrField<v1::Container>* list,
                     v1::Container c) {
  *list->Add() = std::move(c);
  return &list->at(list->size() - 1);
}

TEST(PsTableTest, ExactText) {
  google::protobuf::RepeatedPtrField<v1::Container> list;
  v1::Container* a =
      AddTo(&list, MakeContainer("web", v1::RUNNING, 4242, absl::Seconds(5)));
  a->mutable_spec()->mutable_process()->add_args("sleep");
  a->mutable_spec()->mutable_process()->add_args("100");
  v1::Container* b =
      AddTo(&list, MakeContainer("job-1", v1::STOPPED, 0, absl::Minutes(3)));
  b->set_exit_code(137);
  b->set_signal("SIGKILL");
  for (const char* arg : {"sh", "-c", "echo hi; exit 3"}) {
    b->mutable_spec()->mutable_process()->add_args(arg);
  }
  EXPECT_EQ(FormatPsTable(list, kNow, false),
            "ID      STATE     PID    EXIT            CREATED         "
            "COMMAND\n"
            "web     running   4242   -               5 seconds ago   "
            "sleep 100\n"
            "job-1   stopped   -      137 (SIGKILL)   3 minutes ago   "
            "sh -c 'echo hi; exit 3'\n");
}

TEST(PsTableTest, EmptyListIsHeaderOnly) {
  google::protobuf::RepeatedPtrField<v1::Container> list;
  EXPECT_EQ(FormatPsTable(list, kNow, false),
            "ID   STATE   PID   EXIT   CREATED   COMMAND\n");
}

TEST(PsTableTest, TenantColumnOnlyAcrossTenants) {
  google::protobuf::RepeatedPtrField<v1::Container> list;
  AddTo(&list, MakeContainer("web", v1::RUNNING, 42, absl::Seconds(5)))
      ->set_tenant("default");
  AddTo(&list, MakeContainer("db", v1::CREATED, 0, absl::Seconds(5)));
  // "default" and unset (an older warrend) are the single-tenant table.
  EXPECT_EQ(FormatPsTable(list, kNow, false),
            "ID    STATE     PID   EXIT   CREATED         COMMAND\n"
            "web   running   42    -      5 seconds ago\n"
            "db    created   -     -      5 seconds ago\n");
  list.Mutable(1)->set_tenant("team-b");
  EXPECT_EQ(FormatPsTable(list, kNow, false),
            "ID    TENANT    STATE     PID   EXIT   CREATED         COMMAND\n"
            "web   default   running   42    -      5 seconds ago\n"
            "db    team-b    created   -     -      5 seconds ago\n");
}

TEST(PsTableTest, TruncatesLongCommands) {
  google::protobuf::RepeatedPtrField<v1::Container> list;
  v1::Container* c =
      AddTo(&list, MakeContainer("c", v1::CREATED, 7, absl::Seconds(0)));
  c->mutable_spec()->mutable_process()->add_args(std::string(50, 'x'));
  std::string table = FormatPsTable(list, kNow, false);
  EXPECT_THAT(table, HasSubstr(std::string(37, 'x') + "...\n"));
  EXPECT_THAT(table, HasSubstr("Less than a second ago"));
  EXPECT_THAT(FormatPsTable(list, kNow, true),
              HasSubstr(std::string(50, 'x') + "\n"));
}

TEST(ExitSummaryTest, Forms) {
  v1::Container c;
  c.set_state(v1::RUNNING);
  EXPECT_EQ(ExitSummary(c), "-");
  c.set_state(v1::STOPPED);
  EXPECT_EQ(ExitSummary(c), "0");
  c.set_exit_code(137);
  c.set_signal("SIGKILL");
  c.set_oom_killed(true);
  EXPECT_EQ(ExitSummary(c), "137 (SIGKILL, OOM)");
}

TEST(InspectTest, ExactText) {
  v1::Container c = MakeContainer("web", v1::STOPPED, 0, absl::Minutes(2));
  c.set_exit_code(3);
  c.set_log_path("/var/lib/warren/containers/web/log");
  v1::ProcessSpec* p = c.mutable_spec()->mutable_process();
  p->add_args("sh");
  p->add_args("-c");
  p->add_args("exit 3");
  p->add_env("A=1");
  p->set_uid(1000);
  c.mutable_spec()->set_rootfs("/img");
  (*c.mutable_spec()->mutable_labels())["b"] = "2";
  (*c.mutable_spec()->mutable_labels())["a"] = "1";
  EXPECT_EQ(FormatInspect(c, kNow),
            "ID:           web\n"
            "State:        stopped\n"
            "Exit:         3\n"
            "Created:      2023-11-14T22:11:20Z (2 minutes ago)\n"
            "Started:      -\n"
            "Finished:     -\n"
            "Command:      sh -c 'exit 3'\n"
            "Rootfs:       /img\n"
            "Hostname:     web\n"
            "Working dir:  /\n"
            "User:         1000:0\n"
            "Network:      none (default)\n"
            "Stop signal:  SIGTERM\n"
            "Log path:     /var/lib/warren/containers/web/log\n"
            "Env:\n"
            "  A=1\n"
            "Labels:\n"
            "  a=1\n"
            "  b=2\n");
}

TEST(RpcErrorTest, OneLine) {
  EXPECT_EQ(FormatRpcError(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "spec.process.args: is required")),
            "INVALID_ARGUMENT: spec.process.args: is required");
  EXPECT_EQ(FormatRpcError(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                        "line one\nline two")),
            "NOT_FOUND: line one; line two");
  EXPECT_EQ(FormatRpcError(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "")),
            "UNIMPLEMENTED");
}

TEST(JsonTest, ProtoFieldNamesAndDefaults) {
  v1::ExitStatus s;
  s.set_signal("SIGKILL");
  absl::StatusOr<std::string> json = ToJson(s, false);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            "{\"exit_code\":0,\"signal\":\"SIGKILL\",\"oom_killed\":false}\n");
}

}  // namespace
}  // namespace warren::cli
