// A Stream client is waited for (log holds, runtime/log_writer.h): with
// log files of only 64 KiB, a container writing 16 MiB as fast as it can
// to a client that reads slowly loses nothing, because the container's
// output waits for the client; and a client that stops reading altogether
// delays the container only for the hold limit, after which it runs to its
// end and the client, once it reads again, is told of the gap.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {
namespace {

constexpr int kLogMaxBytes = 64 * 1024;
// 16 MiB of 16-byte lines: 256 log files' worth.
constexpr int kLines = 1 << 20;
const char kLine[] = "0123456789abcde\n";

class StreamTest : public WarrendTest {
 protected:
  void SetUp() override {
    WarrendTest::SetUp();
    warrend_->Stop(SIGTERM);
    warrend_->set_extra_args({absl::StrCat("--log_max_bytes=", kLogMaxBytes)});
    warrend_->Start();
    stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
  }

  // A container that says "ready", waits for a line on stdin, then writes
  // kLines lines as fast as it can.
  void CreateFlooder(const std::string& id) {
    v1::ContainerSpec spec = Spec(
        {"sh", "-c",
         absl::StrCat("echo ready; read go; yes 0123456789abcde | head -n ",
                      kLines)});
    spec.mutable_process()->set_open_stdin(true);
    CreateOrDie(id, spec);
    StartOrDie(id);
  }

  // What a client read: output bytes, lines that were not kLine, gaps, and
  // the exit code (-1: none came).
  struct Received {
    size_t bytes = 0;
    size_t odd_lines = 0;
    uint64_t lost_generations = 0;
    int exit_code = -1;
  };

  // Attaches to `id`, waits for "ready" (the follower has the log open),
  // releases the flood, then reads; `before_reading` runs between the
  // release and the first read of the flood (a stalled client).
  Received Attach(const std::string& id,
                  absl::Duration pause_per_message = absl::ZeroDuration(),
                  const std::function<void()>& before_reading = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(180));
    auto stream = stub_->Stream(&ctx);
    v1::StreamRequest first;
    first.mutable_target()->set_container_id(id);
    first.mutable_target()->set_from_start(true);
    EXPECT_TRUE(stream->Write(first));
    Received got;
    v1::StreamResponse msg;
    std::string text;
    while (text.find("ready\n") == std::string::npos && stream->Read(&msg)) {
      text += msg.stdout();
    }
    EXPECT_EQ(text, "ready\n");
    v1::StreamRequest go;
    go.set_stdin("go\n");
    EXPECT_TRUE(stream->Write(go));
    if (before_reading) before_reading();
    std::string partial;
    while (stream->Read(&msg)) {
      if (msg.has_exit()) {
        got.exit_code = msg.exit().exit_code();
        stream->WritesDone();
      } else if (msg.has_gap()) {
        got.lost_generations += msg.gap().lost_generations();
      } else {
        got.bytes += msg.stdout().size();
        partial += msg.stdout();
        size_t start = 0, nl;
        while ((nl = partial.find('\n', start)) != std::string::npos) {
          got.odd_lines +=
              partial.compare(start, nl + 1 - start, kLine) != 0 ? 1 : 0;
          start = nl + 1;
        }
        partial.erase(0, start);
        if (pause_per_message > absl::ZeroDuration()) {
          absl::SleepFor(pause_per_message);
        }
      }
    }
    got.odd_lines += partial.empty() ? 0 : 1;
    grpc::Status s = stream->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return got;
  }
};

TEST_F(StreamTest, SlowClientGetsEveryByte) {
  CreateFlooder("flood");
  Received got = Attach("flood", absl::Milliseconds(2));
  EXPECT_EQ(got.lost_generations, 0u);
  EXPECT_EQ(got.bytes, static_cast<size_t>(kLines) * (sizeof(kLine) - 1));
  EXPECT_EQ(got.odd_lines, 0u);
  EXPECT_EQ(got.exit_code, 0);
}

// The client stops reading; the container still ends (Wait answers), and
// the client then hears of the files it missed.
TEST_F(StreamTest, StalledClientDelaysTheContainerOnlyForAWhile) {
  CreateFlooder("stalled");
  absl::Duration waited;
  Received got = Attach("stalled", absl::ZeroDuration(), [&] {
    absl::Time start = absl::Now();
    v1::WaitResponse exit;
    grpc::Status s = WaitFor("stalled", &exit, 120);
    waited = absl::Now() - start;
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(exit.status().exit_code(), 0);
  });
  // Held at least once for the limit (10 s) before output went on.
  EXPECT_GE(waited, absl::Seconds(9)) << "output was never held";
  EXPECT_GT(got.lost_generations, 0u);
  EXPECT_LT(got.bytes, static_cast<size_t>(kLines) * (sizeof(kLine) - 1));
  EXPECT_EQ(got.exit_code, 0);
}

}  // namespace
}  // namespace warren::testing
