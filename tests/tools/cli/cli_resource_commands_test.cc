// Tests of the resource commands (stats, pause, resume, update, events)
// against an in-process fake ContainerService.
#include "tools/cli/cli_resource_commands.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tools/cli/cli_commands.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

grpc::Status NotFound(const std::string& id) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND,
                      "no container \"" + id + "\"");
}

// Records requests and answers with canned replies; the id "missing" is
// NOT_FOUND everywhere.
class FakeService : public v1::ContainerService::Service {
 public:
  grpc::Status Stats(grpc::ServerContext*, const v1::StatsRequest* req,
                     v1::StatsResponse* resp) override {
    Record("Stats " + req->id());
    if (req->id() == "missing") return NotFound(req->id());
    resp->set_cpu_usage_ns(2500000000);
    resp->set_memory_usage_bytes(12897484);
    resp->set_memory_limit_bytes(req->id() == "free" ? 0 : 64 << 20);
    resp->set_memory_peak_bytes(20 << 20);
    resp->set_pids_current(2);
    resp->set_pids_limit(req->id() == "free" ? 0 : 50);
    return grpc::Status::OK;
  }
  grpc::Status Pause(grpc::ServerContext*, const v1::PauseRequest* req,
                     v1::PauseResponse*) override {
    Record("Pause " + req->id());
    return req->id() == "missing" ? NotFound(req->id()) : grpc::Status::OK;
  }
  grpc::Status Resume(grpc::ServerContext*, const v1::ResumeRequest* req,
                      v1::ResumeResponse*) override {
    Record("Resume " + req->id());
    return req->id() == "missing" ? NotFound(req->id()) : grpc::Status::OK;
  }
  grpc::Status Update(grpc::ServerContext*, const v1::UpdateRequest* req,
                      v1::UpdateResponse* resp) override {
    Record("Update " + req->id());
    last_update = *req;
    resp->mutable_container()->set_id(req->id());
    return req->id() == "missing" ? NotFound(req->id()) : grpc::Status::OK;
  }
  grpc::Status Events(grpc::ServerContext*, const v1::EventsRequest* req,
                      grpc::ServerWriter<v1::Event>* writer) override {
    Record("Events");
    {
      std::lock_guard<std::mutex> lock(mu);
      last_events = *req;
    }
    v1::Event e;
    e.set_sequence(req->after_sequence() + 1);
    e.mutable_time()->set_seconds(1700000000);
    e.set_container_id("c1");
    e.set_type("started");
    writer->Write(e);
    e.set_sequence(req->after_sequence() + 2);
    e.set_type("exited");
    e.mutable_exit()->set_exit_code(137);
    e.mutable_exit()->set_signal("SIGKILL");
    writer->Write(e);
    return events_status;
  }

  void Record(const std::string& call) {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(call);
  }

  std::mutex mu;
  std::vector<std::string> calls;
  v1::UpdateRequest last_update;
  v1::EventsRequest last_events;
  grpc::Status events_status;
};

class ResourceCommandsTest : public InProcessCommandTest<FakeService> {};

TEST_F(ResourceCommandsTest, IsResourceCommand) {
  for (const char* c :
       {"stats", "pause", "resume", "unpause", "update", "events"}) {
    EXPECT_TRUE(IsResourceCommand(c)) << c;
  }
  EXPECT_FALSE(IsResourceCommand("ps"));
}

TEST_F(ResourceCommandsTest, StatsTableAndErrorForOneId) {
  EXPECT_EQ(Run("stats", {"web", "missing", "free"}), 1);
  EXPECT_THAT(service_.calls,
              ElementsAre("Stats web", "Stats missing", "Stats free"));
  EXPECT_EQ(out_.text(),
            "ID     CPU     MEM USAGE / LIMIT   MEM PEAK   PIDS\n"
            "web    2.50s   12.3MiB / 64MiB     20MiB      2 / 50\n"
            "free   2.50s   12.3MiB / -         20MiB      2 / -\n");
  EXPECT_EQ(err_.text(),
            "warren: stats: missing: NOT_FOUND: no container \"missing\"\n");
}

TEST_F(ResourceCommandsTest, StatsSingleIdErrorHasNoPrefix) {
  EXPECT_EQ(Run("stats", {"missing"}), 1);
  EXPECT_EQ(out_.text(), "");
  EXPECT_EQ(err_.text(),
            "warren: stats: NOT_FOUND: no container \"missing\"\n");
}

TEST_F(ResourceCommandsTest, StatsJsonOneObjectPerLine) {
  env_.json = true;
  EXPECT_EQ(Run("stats", {"web", "free"}), 0);
  std::string out = out_.text();
  EXPECT_THAT(out, HasSubstr("\"id\":\"web\""));
  EXPECT_THAT(out, HasSubstr("\"cpu_usage_ns\":\"2500000000\""));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST_F(ResourceCommandsTest, PauseResumeUnpause) {
  EXPECT_EQ(Run("pause", {"a", "b"}), 0);
  EXPECT_EQ(Run("resume", {"a"}), 0);
  EXPECT_EQ(Run("unpause", {"b"}), 0);
  EXPECT_EQ(out_.text(), "a\nb\na\nb\n");
  EXPECT_THAT(service_.calls,
              ElementsAre("Pause a", "Pause b", "Resume a", "Resume b"));
}

TEST_F(ResourceCommandsTest, PauseContinuesAfterError) {
  EXPECT_EQ(Run("pause", {"missing", "a"}), 1);
  EXPECT_EQ(out_.text(), "a\n");
  EXPECT_EQ(err_.text(),
            "warren: pause: missing: NOT_FOUND: no container \"missing\"\n");
}

TEST_F(ResourceCommandsTest, UpdateSendsResources) {
  EXPECT_EQ(Run("update", {"--memory", "64m", "--pids-limit", "10", "c1"}), 0);
  EXPECT_EQ(out_.text(), "c1\n");
  EXPECT_EQ(service_.last_update.resources().memory_limit_bytes(), 67108864);
  EXPECT_EQ(service_.last_update.resources().pids_limit(), 10);
  EXPECT_EQ(Run("update", {"--cpu-weight", "5", "missing"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: update: NOT_FOUND: no container \"missing\"\n");
}

TEST_F(ResourceCommandsTest, UpdateWithoutFlagsIsUsageError) {
  EXPECT_EQ(Run("update", {"c1"}), 2);
  EXPECT_EQ(err_.text(),
            "warren: update: requires at least one flag (--memory, "
            "--cpu-quota, ...) (see 'warren help update')\n");
  EXPECT_TRUE(service_.calls.empty());
}

TEST_F(ResourceCommandsTest, EventsLinesAndFilters) {
  EXPECT_EQ(Run("events", {"--filter", "container=c1", "--filter",
                           "type=exited", "--since-seq", "4"}),
            0);
  EXPECT_THAT(service_.last_events.container_ids(), ElementsAre("c1"));
  EXPECT_THAT(service_.last_events.types(), ElementsAre("exited"));
  EXPECT_EQ(service_.last_events.after_sequence(), 4u);
  EXPECT_EQ(out_.text(),
            "2023-11-14T22:13:20Z 5 started c1\n"
            "2023-11-14T22:13:20Z 6 exited c1 exit_code=137 signal=SIGKILL\n");
}

TEST_F(ResourceCommandsTest, EventsJsonAndStreamError) {
  env_.json = true;
  service_.events_status =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  EXPECT_EQ(Run("events", {}), 1);
  std::string out = out_.text();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  EXPECT_THAT(out, HasSubstr("\"type\":\"started\""));
  EXPECT_THAT(out, HasSubstr("\"signal\":\"SIGKILL\""));
  EXPECT_THAT(err_.text(), HasSubstr("warren: events: "));
}

}  // namespace
}  // namespace warren::cli
