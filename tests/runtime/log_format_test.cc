// The CRI log format the monitor writes and Logs reads back.
#include "runtime/log_format.h"

#include "gtest/gtest.h"

namespace warren::runtime {
namespace {

const absl::Time kT = absl::FromUnixNanos(1700000000123456789);

TEST(LogFormatTest, FormatsAndParsesRecord) {
  std::string line = FormatLogRecord({kT, "stdout", true, "hello world"});
  EXPECT_EQ(line, "2023-11-14T22:13:20.123456789Z stdout F hello world\n");
  LogRecord r;
  ASSERT_TRUE(ParseLogRecord(line.substr(0, line.size() - 1), &r));
  EXPECT_EQ(r.time, kT);
  EXPECT_EQ(r.stream, "stdout");
  EXPECT_TRUE(r.line_end);
  EXPECT_EQ(r.content, "hello world");
}

TEST(LogFormatTest, EmptyLineRoundTrips) {
  std::string line = FormatLogRecord({kT, "stderr", true, ""});
  LogRecord r;
  ASSERT_TRUE(ParseLogRecord(line.substr(0, line.size() - 1), &r));
  EXPECT_EQ(r.stream, "stderr");
  EXPECT_EQ(r.content, "");
}

TEST(LogFormatTest, RejectsGarbage) {
  LogRecord r;
  EXPECT_FALSE(ParseLogRecord("", &r));
  EXPECT_FALSE(ParseLogRecord("not a record", &r));
  EXPECT_FALSE(ParseLogRecord("2023-11-14T22:13:20Z stdout X text", &r));
}

TEST(LogLineSplitterTest, SplitsLinesAndKeepsPartials) {
  LogLineSplitter split("stdout");
  std::string out;
  split.Add("a\nb", kT, &out);
  EXPECT_EQ(out, FormatLogRecord({kT, "stdout", true, "a"}));
  out.clear();
  split.Add("c\n\n", kT, &out);
  EXPECT_EQ(out, FormatLogRecord({kT, "stdout", true, "bc"}) +
                     FormatLogRecord({kT, "stdout", true, ""}));
  out.clear();
  split.Add("tail", kT, &out);
  EXPECT_EQ(out, "");
  split.Flush(kT, &out);
  EXPECT_EQ(out, FormatLogRecord({kT, "stdout", false, "tail"}));
}

TEST(LogLineSplitterTest, LongLineBecomesPartialRecords) {
  LogLineSplitter split("stdout");
  std::string out;
  split.Add(std::string(LogLineSplitter::kMaxPartial, 'x'), kT, &out);
  EXPECT_EQ(out,
            FormatLogRecord({kT, "stdout", false,
                             std::string(LogLineSplitter::kMaxPartial, 'x')}));
}

}  // namespace
}  // namespace warren::runtime
