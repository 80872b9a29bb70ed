// Cancelled calls leave nothing behind in warrend. 1,000 Wait, Logs follow,
// Events and Stream calls, from several client threads at once, are
// cancelled either with TryCancel once they are under way or by a short
// deadline. Each must come back to the client promptly, and afterwards
// warrend's thread and descriptor counts must return to where they were
// before the burst. warrend must then still answer calls and deliver new
// events, so no handler or subscription is stuck.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kTicker[] = "ticker";
constexpr int kCalls = 1000;
constexpr int kWarmupCalls = 96;  // two dozen of each kind
constexpr int kClientThreads = 8;
// How soon a cancelled call must be back at the client. The bound is
// generous so that only a hang fails the test, not a slow machine.
constexpr auto kPrompt = std::chrono::seconds(5);
// The deadline of a TryCancel call. If the cancel is ignored, the call
// still ends, and it is reported as not cancelled.
constexpr auto kSafety = std::chrono::seconds(10);

enum class Kind { kWait, kLogs, kEvents, kStream };
enum class How { kTryCancel, kDeadline };

constexpr const char* kKindNames[] = {"Wait", "Logs", "Events", "Stream"};

// Counts the entries of a /proc directory ("task": threads, "fd":
// descriptors). Returns -1 if the directory cannot be read.
int CountEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

struct Counts {
  int threads = -1;
  int fds = -1;      // other than pooled inotify instances
  int inotify = -1;  // those, at most kMaxPooledInotify
};

std::ostream& operator<<(std::ostream& out, const Counts& c) {
  return out << c.threads << " threads, " << c.fds << " fds";
}

Counts CountsOf(pid_t pid) {
  std::string proc = "/proc/" + std::to_string(pid);
  FdCount fds = CountFds(pid);
  return {CountEntries(proc + "/task"), fds.other, fds.inotify};
}

// warrend's threads by name (/proc/<pid>/task/*/comm), so that a failure
// shows which kind of thread stayed behind.
using ThreadNames = std::map<std::string, int>;

ThreadNames ThreadsByName(pid_t pid) {
  std::string task = "/proc/" + std::to_string(pid) + "/task";
  ThreadNames names;
  DIR* d = opendir(task.c_str());
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(task + "/" + e->d_name + "/comm");
    std::string name;
    if (std::getline(in, name)) ++names[name];
  }
  if (d) closedir(d);
  return names;
}

std::string Format(const ThreadNames& names) {
  std::string out;
  for (const auto& [name, n] : names) {
    out += (out.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  }
  return out;
}

// gRPC core's timer threads ("grpc_global_timer", shortened by the kernel)
// are a high-water mark, not a per-call cost. gRPC starts another one when
// every timer thread is busy running expired timers at once (many deadlines
// expire together), and they end only when gRPC shuts down. In about one
// run in three the burst leaves one more of them. Up to this many more are
// accepted; any other thread must be gone.
constexpr int kTimerThreadSlack = 2;

int TimerSlack(const ThreadNames& before, const ThreadNames& after) {
  auto count = [](const ThreadNames& names) {
    auto it = names.find("grpc_global_tim");
    return it == names.end() ? 0 : it->second;
  };
  return std::clamp(count(after) - count(before), 0, kTimerThreadSlack);
}

// Collects problems from the client threads and keeps the first few in
// full, so that a systematic failure does not flood the log.
class Failures {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (++count_ <= 10) first_.push_back(what);
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  std::string Summary() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out = std::to_string(count_) + " bad calls, first ones:";
    for (const std::string& f : first_) out += "\n  " + f;
    return out;
  }

 private:
  std::mutex mu_;
  int count_ = 0;
  std::vector<std::string> first_;
};

// Checks how a cancelled call ended. Returns "" if it is fine, otherwise
// what went wrong.
std::string Check(const grpc::Status& status, How how, Clock::duration late) {
  grpc::StatusCode want = how == How::kTryCancel
                              ? grpc::StatusCode::CANCELLED
                              : grpc::StatusCode::DEADLINE_EXCEEDED;
  auto ms = std::chrono::duration_cast<milliseconds>(late).count();
  if (status.error_code() == want && late <= kPrompt) return "";
  return "ended with " + std::to_string(status.error_code()) + " (" +
         status.error_message() + "), want " + std::to_string(want) + ", " +
         std::to_string(ms) + " ms after the cancel";
}

class CancelTest : public WarrendTest {
 protected:
  // A deadline for call `i`: 20 to 50 ms, so that some calls are cut off
  // before the handler runs and others while it waits or streams.
  static milliseconds ShortDeadline(int i) {
    return milliseconds(20 + (i * 7) % 31);
  }

  static void SetDeadline(grpc::ClientContext* ctx, How how, int i,
                          Clock::time_point* deadline) {
    auto wait =
        how == How::kDeadline
            ? std::chrono::duration_cast<Clock::duration>(ShortDeadline(i))
            : std::chrono::duration_cast<Clock::duration>(kSafety);
    *deadline = Clock::now() + wait;
    ctx->set_deadline(std::chrono::system_clock::now() + wait);
  }

  // Wait on the running ticker, through the callback API so that this
  // thread can cancel it while it blocks in warrend.
  std::string CancelledWait(How how, int i) {
    grpc::ClientContext ctx;
    Clock::time_point deadline;
    SetDeadline(&ctx, how, i, &deadline);
    v1::WaitRequest req;
    req.set_id(kTicker);
    v1::WaitResponse resp;
    // Shared: the callback may still be inside set_value when get returns.
    auto done = std::make_shared<std::promise<grpc::Status>>();
    std::future<grpc::Status> result = done->get_future();
    stub_->async()->Wait(&ctx, &req, &resp,
                         [done](grpc::Status s) { done->set_value(s); });
    Clock::time_point cancelled = deadline;
    if (how == How::kTryCancel) {
      // Long enough for the handler to be in the manager's Wait.
      std::this_thread::sleep_for(milliseconds(10 + i % 21));
      cancelled = Clock::now();
      ctx.TryCancel();
    }
    bool prompt =
        result.wait_until(cancelled + kPrompt) == std::future_status::ready;
    grpc::Status status = result.get();  // ends by kSafety at the latest
    if (!prompt) return "did not return within 5 s of the cancel";
    return Check(status, how, Clock::now() - cancelled);
  }

  // Ends a started streaming call. With TryCancel, the call is cancelled
  // after its first message (so warrend is in the middle of it). With a
  // deadline, the call is read until the deadline ends it.
  template <typename Message, typename Reader>
  std::string EndStream(grpc::ClientContext* ctx, Reader* reader, How how,
                        Clock::time_point deadline) {
    Message msg;
    Clock::time_point cancelled = deadline;
    if (how == How::kTryCancel) {
      if (!reader->Read(&msg)) {
        grpc::Status s = reader->Finish();
        return "ended before its first message: " +
               std::to_string(s.error_code()) + " " + s.error_message();
      }
      cancelled = Clock::now();
      ctx->TryCancel();
    }
    while (reader->Read(&msg)) {
    }
    grpc::Status status = reader->Finish();
    return Check(status, how, Clock::now() - cancelled);
  }

  std::string CancelledLogs(How how, int i) {
    grpc::ClientContext ctx;
    Clock::time_point deadline;
    SetDeadline(&ctx, how, i, &deadline);
    v1::LogsRequest req;
    req.set_id(kTicker);
    req.set_follow(true);
    req.set_tail(1);  // the first message at once, not the whole history
    auto reader = stub_->Logs(&ctx, req);
    return EndStream<v1::LogsResponse>(&ctx, reader.get(), how, deadline);
  }

  std::string CancelledEvents(How how, int i) {
    grpc::ClientContext ctx;
    Clock::time_point deadline;
    SetDeadline(&ctx, how, i, &deadline);
    v1::EventsRequest req;
    req.add_container_ids(kTicker);  // replays "created" and "started"
    auto reader = stub_->Events(&ctx, req);
    return EndStream<v1::Event>(&ctx, reader.get(), how, deadline);
  }

  std::string CancelledStream(How how, int i) {
    grpc::ClientContext ctx;
    Clock::time_point deadline;
    SetDeadline(&ctx, how, i, &deadline);
    auto stream = stub_->Stream(&ctx);
    v1::StreamRequest first;
    first.mutable_target()->set_container_id(kTicker);  // its init
    // The write fails if the deadline has already passed, and the reads
    // below then see the end of the call.
    (void)stream->Write(first);
    return EndStream<v1::StreamResponse>(&ctx, stream.get(), how, deadline);
  }

  // Call `i` is of kind i % 4, and it is cancelled by TryCancel or by a
  // deadline depending on (i / 4) % 2, so every pairing occurs.
  void CancelledCall(int i, Failures* failures) {
    Kind kind = static_cast<Kind>(i % 4);
    How how = (i / 4) % 2 == 0 ? How::kTryCancel : How::kDeadline;
    std::string problem;
    switch (kind) {
      case Kind::kWait:
        problem = CancelledWait(how, i);
        break;
      case Kind::kLogs:
        problem = CancelledLogs(how, i);
        break;
      case Kind::kEvents:
        problem = CancelledEvents(how, i);
        break;
      case Kind::kStream:
        problem = CancelledStream(how, i);
        break;
    }
    if (!problem.empty()) {
      failures->Add(std::string(kKindNames[i % 4]) +
                    (how == How::kTryCancel ? " TryCancel #" : " deadline #") +
                    std::to_string(i) + ": " + problem);
    }
  }

  // Runs `calls` cancelled calls over kClientThreads threads. Meanwhile it
  // samples warrend's counts, and stores the highest ones in *peak.
  void Burst(int calls, Failures* failures, Counts* peak) {
    std::atomic<bool> running{true};
    std::thread sampler([&] {
      while (running) {
        Counts c = CountsOf(warrend_->pid());
        peak->threads = std::max(peak->threads, c.threads);
        peak->fds = std::max(peak->fds, c.fds);
        std::this_thread::sleep_for(milliseconds(10));
      }
    });
    std::vector<std::thread> clients;
    for (int t = 0; t < kClientThreads; ++t) {
      clients.emplace_back([this, t, calls, failures] {
        for (int i = t; i < calls; i += kClientThreads) {
          CancelledCall(i, failures);
        }
      });
    }
    for (std::thread& c : clients) c.join();
    running = false;
    sampler.join();
  }

  // Samples warrend's counts every 100 ms until they have stopped falling
  // for 2 s (or `limit` has passed), and returns the lowest counts seen.
  // gRPC's thread pool shrinks only after its threads have been idle.
  Counts Settle(std::chrono::seconds limit) {
    Counts low = CountsOf(warrend_->pid());
    Clock::time_point start = Clock::now();
    Clock::time_point last_drop = start;
    while (Clock::now() - last_drop < std::chrono::seconds(2) &&
           Clock::now() - start < limit) {
      std::this_thread::sleep_for(milliseconds(100));
      Counts c = CountsOf(warrend_->pid());
      if (c.threads < low.threads || c.fds < low.fds) last_drop = Clock::now();
      low.threads = std::min(low.threads, c.threads);
      low.fds = std::min(low.fds, c.fds);
    }
    return low;
  }
};

TEST_F(CancelTest, ThousandCancelledCallsLeaveNoThreadOrFdBehind) {
  ASSERT_GT(warrend_->pid(), 0);
  // A line every 100 ms, so that follows and attaches get data.
  CreateOrDie(kTicker,
              Spec({"sh", "-c", "while true; do echo tick; sleep 0.1; done"}));
  StartOrDie(kTicker);
  for (int i = 0; i < 100 && Logs(kTicker).first.empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_FALSE(Logs(kTicker).first.empty()) << "the ticker prints nothing";

  // Warm-up: gRPC sets up its pools and the connection's state.
  Failures warmup;
  Counts warm_peak;
  Burst(kWarmupCalls, &warmup, &warm_peak);
  ASSERT_EQ(warmup.count(), 0) << warmup.Summary();
  Counts baseline = Settle(std::chrono::seconds(15));
  ASSERT_GT(baseline.threads, 0);
  ASSERT_GT(baseline.fds, 0);
  ThreadNames baseline_names = ThreadsByName(warrend_->pid());

  Failures failures;
  Counts peak;
  Clock::time_point started = Clock::now();
  Burst(kCalls, &failures, &peak);
  auto burst_ms =
      std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
  EXPECT_EQ(failures.count(), 0) << failures.Summary();
  // The handlers really ran in warrend: otherwise this test proves nothing.
  EXPECT_GT(peak.threads, baseline.threads);

  // Each handler notices the cancel within its poll interval (at most
  // 200 ms). The pool then shrinks back.
  Counts after;
  ThreadNames after_names;
  int slack = 0;
  Clock::time_point settle_start = Clock::now();
  while (true) {
    after = CountsOf(warrend_->pid());
    after_names = ThreadsByName(warrend_->pid());
    slack = TimerSlack(baseline_names, after_names);
    bool back =
        after.threads - slack <= baseline.threads && after.fds <= baseline.fds;
    if (back || Clock::now() - settle_start > std::chrono::seconds(15)) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  auto settle_ms =
      std::chrono::duration_cast<milliseconds>(Clock::now() - settle_start)
          .count();
  std::cerr << "[cancel_test] baseline " << baseline << "; peak " << peak
            << "; after " << after << " (" << settle_ms << " ms later, "
            << slack << " timer threads more); " << kCalls << " calls in "
            << burst_ms << " ms; threads before: " << Format(baseline_names)
            << "; after: " << Format(after_names) << std::endl;
  EXPECT_LE(after.threads - slack, baseline.threads)
      << "baseline " << baseline << " (" << Format(baseline_names)
      << "), after " << after << " (" << Format(after_names) << ")";
  EXPECT_LE(after.fds, baseline.fds)
      << "baseline " << baseline << ", after " << after;
  EXPECT_LE(after.inotify, kMaxPooledInotify);

  // warrend still serves a plain call.
  v1::InspectRequest inspect;
  inspect.set_id(kTicker);
  v1::InspectResponse inspected;
  grpc::Status s = stub_->Inspect(Ctx().get(), inspect, &inspected);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(inspected.container().state(), v1::RUNNING);

  // A fresh subscription is woken by new events, so the journal's fan-out
  // is not stuck. The pause lets it reach its wait first; if it has not,
  // the replay from sequence 0 still delivers, so there is no race.
  v1::EventsRequest watch;
  watch.add_container_ids("probe");
  auto ctx = Ctx(30);
  auto events = stub_->Events(ctx.get(), watch);
  std::this_thread::sleep_for(milliseconds(300));
  CreateOrDie("probe", Spec({"true"}));
  v1::DeleteRequest del;
  del.set_id("probe");
  v1::DeleteResponse deleted;
  s = stub_->Delete(Ctx().get(), del, &deleted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> types;
  v1::Event e;
  while (events->Read(&e)) {
    types.push_back(e.type());
    if (e.type() == "deleted") break;
  }
  ctx->TryCancel();
  (void)events->Finish();
  // Deleting a created container may journal its init's "exited" too.
  ASSERT_FALSE(types.empty()) << "no event for the probe";
  EXPECT_EQ(types.front(), "created");
  EXPECT_EQ(types.back(), "deleted");

  // A Wait that is not cancelled still completes. (sh as PID 1 ignores the
  // stop signal: KILL spares TearDown the stop timeout.)
  v1::KillRequest kill;
  kill.set_id(kTicker);
  kill.set_signal("KILL");
  v1::KillResponse killed;
  ASSERT_TRUE(stub_->Kill(Ctx().get(), kill, &killed).ok());
  v1::WaitResponse waited;
  s = WaitFor(kTicker, &waited, 10);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(waited.status().signal(), "SIGKILL");
}

}  // namespace
}  // namespace warren::testing
