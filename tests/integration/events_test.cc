// Lifecycle events end to end: a filtered subscriber sees a container's
// created, started and exited events with its exit status; a reconnect with
// after_sequence gets exactly what it missed, including an exit that
// happened while warrend was down; bad filters are INVALID_ARGUMENT.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One Events call.
struct Subscription {
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader;

  void Cancel() {
    ctx->TryCancel();
    v1::Event ignored;
    while (reader->Read(&ignored)) {
    }
    (void)reader->Finish();
  }
};

std::vector<std::string> Types(const std::vector<v1::Event>& events) {
  std::vector<std::string> types;
  for (const v1::Event& e : events) types.push_back(e.type());
  return types;
}

class EventsTest : public WarrendTest {
 protected:
  Subscription Subscribe(std::vector<std::string> ids,
                         std::vector<std::string> types, uint64_t after,
                         int seconds = 30) {
    v1::EventsRequest req;
    for (auto& id : ids) req.add_container_ids(id);
    for (auto& t : types) req.add_types(t);
    req.set_after_sequence(after);
    Subscription s;
    s.ctx = Ctx(seconds);
    s.reader = stub_->Events(s.ctx.get(), req);
    return s;
  }

  // Reads up to and including the first event of `type`.
  std::vector<v1::Event> ReadUntil(Subscription& s, const std::string& type) {
    std::vector<v1::Event> events;
    v1::Event e;
    while (s.reader->Read(&e)) {
      events.push_back(e);
      if (e.type() == type) return events;
    }
    grpc::Status status = s.reader->Finish();
    ADD_FAILURE() << "stream ended before \"" << type
                  << "\": " << status.error_code() << " "
                  << status.error_message();
    return events;
  }

  // What the journal holds now: a subscription that follows for a second.
  std::vector<v1::Event> Journaled(std::vector<std::string> ids,
                                   std::vector<std::string> types,
                                   uint64_t after) {
    Subscription s = Subscribe(std::move(ids), std::move(types), after, 1);
    std::vector<v1::Event> events;
    v1::Event e;
    while (s.reader->Read(&e)) events.push_back(e);
    grpc::Status status = s.reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << status.error_message();
    return events;
  }

  void Restart(int signal) {
    warrend_->Stop(signal);
    ASSERT_NO_FATAL_FAILURE(warrend_->Start());
    stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  }
};

TEST_F(EventsTest, FilteredStreamSeesLifecycleAndResumesAfterSequence) {
  // Subscribed before the container exists: these are live events.
  Subscription live = Subscribe({"ev3"}, {}, 0);
  CreateOrDie("other", Spec({"true"}));
  CreateOrDie("ev3", Spec({"sh", "-c", "exit 3"}));
  StartOrDie("ev3");
  std::vector<v1::Event> events = ReadUntil(live, "exited");
  live.Cancel();
  ASSERT_THAT(Types(events), ElementsAre("created", "started", "exited"));
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].container_id(), "ev3");
    EXPECT_GT(events[i].time().seconds(), 0);
    if (i > 0) {
      EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
    }
  }
  EXPECT_EQ(events[2].exit().exit_code(), 3);
  EXPECT_EQ(events[2].exit().signal(), "");
  EXPECT_FALSE(events[2].exit().oom_killed());
  EXPECT_GT(events[2].exit().finished_at().seconds(), 0);

  // Missed while disconnected: the delete, and nothing seen before.
  v1::DeleteRequest del;
  del.set_id("ev3");
  v1::DeleteResponse deleted;
  ASSERT_TRUE(stub_->Delete(Ctx().get(), del, &deleted).ok());
  std::vector<v1::Event> missed =
      Journaled({"ev3"}, {}, events.back().sequence());
  ASSERT_THAT(Types(missed), ElementsAre("deleted"));
  EXPECT_GT(missed[0].sequence(), events.back().sequence());

  // A type filter across containers.
  std::vector<v1::Event> created = Journaled({}, {"created"}, 0);
  ASSERT_EQ(created.size(), 2u);
  EXPECT_EQ(created[0].container_id(), "other");
  EXPECT_EQ(created[1].container_id(), "ev3");
}

TEST_F(EventsTest, ExitWhileWarrendIsDownIsDeliveredOnReconnect) {
  CreateOrDie("late", Spec({"sh", "-c", "sleep 1; exit 9"}));
  StartOrDie("late");
  Subscription before = Subscribe({"late"}, {}, 0);
  std::vector<v1::Event> seen = ReadUntil(before, "started");
  ASSERT_THAT(Types(seen), ElementsAre("created", "started"));
  before.Cancel();

  warrend_->Stop(SIGKILL);
  sleep(2);  // "late" exits meanwhile
  ASSERT_NO_FATAL_FAILURE(warrend_->Start());
  stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());

  Subscription after = Subscribe({"late"}, {}, seen.back().sequence());
  std::vector<v1::Event> missed = ReadUntil(after, "exited");
  ASSERT_THAT(Types(missed), ElementsAre("exited"));
  EXPECT_EQ(missed[0].exit().exit_code(), 9);
  EXPECT_GT(missed[0].sequence(), seen.back().sequence());

  // A graceful stop ends open streams at once (UNAVAILABLE) instead of
  // holding shutdown up, and later warrends do not journal the exit again.
  auto stopping = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(Restart(SIGTERM));
  EXPECT_LT(std::chrono::steady_clock::now() - stopping,
            std::chrono::seconds(4));
  v1::Event e;
  EXPECT_FALSE(after.reader->Read(&e));
  EXPECT_EQ(after.reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(Restart(SIGKILL));
  std::vector<v1::Event> exits = Journaled({"late"}, {"exited"}, 0);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].sequence(), missed[0].sequence());
}

TEST_F(EventsTest, BadFilterIsInvalidArgumentNamingTheField) {
  Subscription bad_id = Subscribe({"ok", "../etc"}, {}, 0);
  v1::Event e;
  EXPECT_FALSE(bad_id.reader->Read(&e));
  grpc::Status s = bad_id.reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("container_ids[1]"));

  Subscription bad_type = Subscribe({}, {"created", "exploded"}, 0);
  EXPECT_FALSE(bad_type.reader->Read(&e));
  s = bad_type.reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("types[1]"));
  EXPECT_THAT(s.error_message(), HasSubstr("exploded"));
}

}  // namespace
}  // namespace warren::testing
