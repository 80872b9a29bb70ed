// The event journal on its own: sequence numbers that survive a reopen, a
// torn last record ignored, compaction that keeps the newest events, filters,
// replay followed by live events without gap or duplicate, and subscribers
// that neither block the publisher nor outlive their cancellation.
#include "runtime/event_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/event_types.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;

std::vector<uint64_t> Sequences(const std::vector<v1::Event>& events) {
  std::vector<uint64_t> out;
  for (const v1::Event& e : events) out.push_back(e.sequence());
  return out;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

off_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

class EventJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir =
        std::string(getenv("TEST_TMPDIR")) + "/" +
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(MakeDirs(dir).ok());
    path_ = dir + "/events.journal";
  }

  std::unique_ptr<EventJournal> OpenOrDie(size_t max_events = 100) {
    absl::StatusOr<std::unique_ptr<EventJournal>> j =
        EventJournal::Open(path_, max_events);
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? *std::move(j) : nullptr;
  }

  // Appends one event; returns its sequence number.
  static uint64_t Add(EventJournal* j, const std::string& id,
                      const std::string& type) {
    absl::StatusOr<std::vector<v1::Event>> out =
        j->Append({ContainerEvent(id, type)});
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->back().sequence() : 0;
  }

  std::string path_;
};

TEST_F(EventJournalTest, SequencesContinueAcrossReopen) {
  auto j = OpenOrDie();
  EXPECT_EQ(j->last_sequence(), 0u);
  EXPECT_EQ(Add(j.get(), "a", kEventCreated), 1u);
  EXPECT_EQ(Add(j.get(), "a", kEventStarted), 2u);
  absl::StatusOr<std::vector<v1::Event>> two = j->Append(ExitEvents("a", [] {
    v1::ExitStatus exit;
    exit.set_exit_code(137);
    exit.set_oom_killed(true);
    return exit;
  }()));
  ASSERT_TRUE(two.ok());
  EXPECT_THAT(Sequences(*two), ElementsAre(3, 4));
  EXPECT_EQ((*two)[0].type(), "oom");
  EXPECT_EQ((*two)[1].type(), "exited");
  EXPECT_GT((*two)[1].time().seconds(), 0);
  j.reset();

  j = OpenOrDie();
  EXPECT_EQ(j->last_sequence(), 4u);
  std::vector<v1::Event> all = j->Read({}, 0);
  EXPECT_THAT(Sequences(all), ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(all[3].exit().exit_code(), 137);
  EXPECT_TRUE(all[3].exit().oom_killed());
  EXPECT_EQ(Add(j.get(), "a", kEventDeleted), 5u);
}

// Exec events are only written (JournalSync::kWriteOnly): they are numbered,
// published and read back after a reopen like synced ones, in order with
// the synced events around them.
TEST_F(EventJournalTest, WriteOnlyAppendsAreKeptInOrder) {
  auto j = OpenOrDie();
  EXPECT_EQ(Add(j.get(), "a", kEventStarted), 1u);
  v1::Event exec = ContainerEvent("a", kEventExecStarted);
  exec.set_exec_id("e1");
  absl::StatusOr<std::vector<v1::Event>> written =
      j->Append({exec}, JournalSync::kWriteOnly);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_THAT(Sequences(*written), ElementsAre(2));
  EXPECT_THAT(Sequences(j->Read({}, 1)), ElementsAre(2));
  EXPECT_EQ(Add(j.get(), "a", kEventDeleted), 3u);
  j.reset();

  j = OpenOrDie();
  std::vector<v1::Event> all = j->Read({}, 0);
  ASSERT_THAT(Sequences(all), ElementsAre(1, 2, 3));
  EXPECT_EQ(all[1].type(), kEventExecStarted);
  EXPECT_EQ(all[1].exec_id(), "e1");
}

// LastTypeOf answers from an index, not a scan: newest type per container
// (tenants apart), "" once compaction dropped all of a container's events,
// and the same after a reopen.
TEST_F(EventJournalTest, LastTypeOfFollowsAppendsCompactionAndReopen) {
  auto j = OpenOrDie(/*max_events=*/8);
  Add(j.get(), "old", kEventCreated);
  Add(j.get(), "a", kEventCreated);
  Add(j.get(), "team-b/a", kEventCreated);
  Add(j.get(), "a", kEventStarted);
  EXPECT_EQ(j->LastTypeOf("a"), kEventStarted);
  EXPECT_EQ(j->LastTypeOf("team-b/a"), kEventCreated);
  EXPECT_EQ(j->LastTypeOf("old"), kEventCreated);
  EXPECT_EQ(j->LastTypeOf("none"), "");
  // Five more events of "a": the ninth append compacts to the newest four,
  // so "old" and "team-b/a" have no event retained.
  for (int i = 0; i < 5; ++i) Add(j.get(), "a", kEventExited);
  ASSERT_EQ(j->Read({}, 0).size(), 4u);
  EXPECT_EQ(j->LastTypeOf("a"), kEventExited);
  EXPECT_EQ(j->LastTypeOf("old"), "");
  EXPECT_EQ(j->LastTypeOf("team-b/a"), "");
  Add(j.get(), "team-b/a", kEventDeleted);
  j.reset();
  j = OpenOrDie(8);
  EXPECT_EQ(j->LastTypeOf("a"), kEventExited);
  EXPECT_EQ(j->LastTypeOf("team-b/a"), kEventDeleted);
  EXPECT_EQ(j->LastTypeOf("old"), "");
}

TEST_F(EventJournalTest, TornLastRecordIsIgnoredAndCutOff) {
  auto j = OpenOrDie();
  for (int i = 0; i < 3; ++i) Add(j.get(), "a", kEventUpdated);
  j.reset();
  off_t whole = FileSize(path_);
  // A crash in the middle of the fourth append: its length prefix says more
  // bytes than made it to disk.
  {
    int fd = open(path_.c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    const char torn[] = {40, 0x08, 0x04, 0x12};
    ASSERT_EQ(write(fd, torn, sizeof(torn)),
              static_cast<ssize_t>(sizeof(torn)));
    close(fd);
  }
  j = OpenOrDie();
  EXPECT_EQ(j->last_sequence(), 3u);
  EXPECT_EQ(FileSize(path_), whole);
  EXPECT_EQ(Add(j.get(), "a", kEventDeleted), 4u);
  j.reset();
  j = OpenOrDie();
  EXPECT_THAT(Sequences(j->Read({}, 0)), ElementsAre(1, 2, 3, 4));
}

TEST_F(EventJournalTest, CompactionKeepsTheNewestHalfAndTheirSequences) {
  auto j = OpenOrDie(/*max_events=*/10);
  for (int i = 0; i < 10; ++i) Add(j.get(), "a", kEventUpdated);
  off_t full = FileSize(path_);
  EXPECT_THAT(Sequences(j->Read({}, 0)),
              ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  // The eleventh event goes over the bound: the newest half is kept.
  Add(j.get(), "a", kEventUpdated);
  EXPECT_THAT(Sequences(j->Read({}, 0)), ElementsAre(7, 8, 9, 10, 11));
  EXPECT_LT(FileSize(path_), full);
  for (int i = 0; i < 14; ++i) Add(j.get(), "a", kEventUpdated);
  j.reset();
  j = OpenOrDie(10);
  std::vector<v1::Event> kept = j->Read({}, 0);
  ASSERT_FALSE(kept.empty());
  EXPECT_LE(kept.size(), 10u);
  EXPECT_EQ(Sequences(kept), Range(kept.front().sequence(), 25));
  EXPECT_EQ(Add(j.get(), "a", kEventDeleted), 26u);
}

TEST_F(EventJournalTest, FiltersByContainerAndType) {
  auto j = OpenOrDie();
  Add(j.get(), "a", kEventCreated);  // 1
  Add(j.get(), "b", kEventCreated);  // 2
  Add(j.get(), "a", kEventStarted);  // 3
  Add(j.get(), "b", kEventStarted);  // 4
  Add(j.get(), "c", kEventDeleted);  // 5
  EventFilter by_id;
  by_id.container_keys = {"a", "c"};
  EXPECT_THAT(Sequences(j->Read(by_id, 0)), ElementsAre(1, 3, 5));
  EventFilter by_type;
  by_type.types = {kEventStarted};
  EXPECT_THAT(Sequences(j->Read(by_type, 0)), ElementsAre(3, 4));
  EventFilter both;
  both.container_keys = {"b"};
  both.types = {kEventStarted, kEventDeleted};
  EXPECT_THAT(Sequences(j->Read(both, 0)), ElementsAre(4));
  EXPECT_THAT(Sequences(j->Read({}, 3)), ElementsAre(4, 5));
}

TEST_F(EventJournalTest, ReplayThenLiveWithoutGapOrDuplicate) {
  auto j = OpenOrDie(/*max_events=*/10000);
  for (int i = 0; i < 50; ++i) Add(j.get(), "a", kEventUpdated);
  std::vector<uint64_t> seen;
  absl::Notification subscribed;
  std::thread subscriber([&] {
    absl::Status s = j->Subscribe(
        {}, 10,
        [&](const v1::Event& e) {
          seen.push_back(e.sequence());
          if (!subscribed.HasBeenNotified()) subscribed.Notify();
          return e.sequence() < 550;
        },
        nullptr);
    EXPECT_TRUE(s.ok()) << s;
  });
  // The publisher races the replay: some events land while it runs.
  std::thread publisher([&] {
    for (int i = 0; i < 500; ++i) {
      Add(j.get(), i % 2 ? "a" : "b", kEventUpdated);
      if (i == 10) subscribed.WaitForNotification();
    }
  });
  publisher.join();
  subscriber.join();
  EXPECT_EQ(seen, Range(11, 550));
}

TEST_F(EventJournalTest, FilteredSubscriberSeesOnlyItsLiveEvents) {
  auto j = OpenOrDie();
  Add(j.get(), "a", kEventCreated);
  EventFilter filter;
  filter.container_keys = {"b"};
  std::vector<std::string> seen;
  std::thread subscriber([&] {
    (void)j->Subscribe(
        filter, 0,
        [&](const v1::Event& e) {
          seen.push_back(e.type());
          return e.type() != kEventDeleted;
        },
        nullptr);
  });
  Add(j.get(), "b", kEventCreated);
  Add(j.get(), "a", kEventDeleted);
  Add(j.get(), "b", kEventDeleted);
  subscriber.join();
  EXPECT_THAT(seen, ElementsAre("created", "deleted"));
}

TEST_F(EventJournalTest, CancellationEndsAWaitingSubscriberPromptly) {
  auto j = OpenOrDie();
  Add(j.get(), "a", kEventCreated);
  std::atomic<bool> cancelled{false};
  absl::Status status;
  int emitted = 0;
  std::thread subscriber([&] {
    status = j->Subscribe(
        {}, 0,
        [&](const v1::Event&) {
          ++emitted;
          return true;
        },
        [&] { return cancelled.load(); });
  });
  absl::SleepFor(absl::Milliseconds(200));
  absl::Time start = absl::Now();
  cancelled = true;
  subscriber.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(emitted, 1);
}

TEST_F(EventJournalTest, EndSubscriptionsStopsSubscribers) {
  auto j = OpenOrDie();
  absl::Status status;
  std::thread subscriber([&] {
    status = j->Subscribe(
        {}, 0, [](const v1::Event&) { return true; }, nullptr);
  });
  absl::SleepFor(absl::Milliseconds(100));
  j->EndSubscriptions();
  subscriber.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(EventJournalTest, SlowSubscriberDoesNotBlockThePublisher) {
  auto j = OpenOrDie(/*max_events=*/50);
  absl::Notification published;
  std::vector<uint64_t> seen;
  std::thread subscriber([&] {
    (void)j->Subscribe(
        {}, 0,
        [&](const v1::Event& e) {
          // Stuck (like a client that stopped reading) until the publisher
          // is done: the publisher must finish anyway.
          published.WaitForNotification();
          seen.push_back(e.sequence());
          return e.sequence() < 200;
        },
        nullptr);
  });
  for (int i = 0; i < 200; ++i) Add(j.get(), "a", kEventUpdated);
  published.Notify();
  subscriber.join();
  // It fell behind the retained window: after the batch it held it
  // continues with the oldest event still kept, in order, up to the newest.
  // Nothing was queued for it: it saw at most two windows' worth.
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.back(), 200u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_LE(seen.size(), 2u * 50u);
}

}  // namespace
}  // namespace warren::runtime
