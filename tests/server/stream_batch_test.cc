// StreamBatcher: consecutive output of one stream is sent as one message
// of at most max_bytes; a change of stream, Flush and Send send what was
// collected first, and a failed send stops the batcher's caller.
#include "server/stream_batch.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::server {
namespace {

using ::testing::ElementsAre;

class StreamBatchTest : public ::testing::Test {
 protected:
  StreamBatcher::Sender Collect() {
    return [this](v1::StreamResponse& m) {
      switch (m.msg_case()) {
        case v1::StreamResponse::kStdout:
          sent_.push_back("out:" + m.stdout());
          break;
        case v1::StreamResponse::kStderr:
          sent_.push_back("err:" + m.stderr());
          break;
        case v1::StreamResponse::kExit:
          sent_.push_back("exit:" + std::to_string(m.exit().exit_code()));
          break;
        default:
          sent_.push_back("other");
      }
      return accept_;
    };
  }
  std::vector<std::string> sent_;
  bool accept_ = true;
};

TEST_F(StreamBatchTest, JoinsOneStreamUntilFlush) {
  StreamBatcher b(Collect(), 100);
  EXPECT_TRUE(b.Add("stdout", "ab"));
  EXPECT_TRUE(b.Add("stdout", "cd\n"));
  EXPECT_TRUE(sent_.empty());
  EXPECT_TRUE(b.Flush());
  EXPECT_TRUE(b.Flush());  // nothing more to send
  EXPECT_THAT(sent_, ElementsAre("out:abcd\n"));
}

TEST_F(StreamBatchTest, StreamChangeSendsTheBatch) {
  StreamBatcher b(Collect(), 100);
  EXPECT_TRUE(b.Add("stdout", "o1"));
  EXPECT_TRUE(b.Add("stderr", "e1"));
  EXPECT_TRUE(b.Add("stderr", "e2"));
  EXPECT_TRUE(b.Add("stdout", "o2"));
  EXPECT_TRUE(b.Flush());
  EXPECT_THAT(sent_, ElementsAre("out:o1", "err:e1e2", "out:o2"));
}

TEST_F(StreamBatchTest, NoMessagePassesMaxBytes) {
  StreamBatcher b(Collect(), 4);
  EXPECT_TRUE(b.Add("stdout", "abc"));
  EXPECT_TRUE(b.Add("stdout", "de"));  // would make 5: "abc" goes first
  EXPECT_TRUE(b.Add("stdout", "fg"));  // reaches 4: sent at once
  EXPECT_TRUE(b.Add("stdout", "h"));
  EXPECT_THAT(sent_, ElementsAre("out:abc", "out:defg"));
  EXPECT_TRUE(b.Flush());
  EXPECT_THAT(sent_, ElementsAre("out:abc", "out:defg", "out:h"));
}

TEST_F(StreamBatchTest, SendGoesAfterTheOutput) {
  StreamBatcher b(Collect(), 100);
  EXPECT_TRUE(b.Add("stderr", "last words"));
  v1::StreamResponse exit;
  exit.mutable_exit()->set_exit_code(3);
  EXPECT_TRUE(b.Send(exit));
  EXPECT_THAT(sent_, ElementsAre("err:last words", "exit:3"));
}

TEST_F(StreamBatchTest, FailedSendIsReported) {
  StreamBatcher b(Collect(), 4);
  accept_ = false;
  EXPECT_TRUE(b.Add("stdout", "ab"));
  EXPECT_FALSE(b.Add("stderr", "cd"));    // sending "ab" failed
  EXPECT_FALSE(b.Add("stdout", "efgh"));  // full: sent at once, failed
  EXPECT_THAT(sent_, ElementsAre("out:ab", "out:efgh"));
}

}  // namespace
}  // namespace warren::server
