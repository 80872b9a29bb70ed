// The CRI log format the monitor writes and Logs reads back.
#include "runtime/log_format.h"

#include "absl/time/civil_time.h"
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

// Record times come back exactly, whatever the date (the reader parses
// LogWriter's fixed layout itself), and impossible dates are no records.
TEST(LogFormatTest, TimesRoundTrip) {
  for (absl::Time t :
       {absl::UnixEpoch(), kT, kT + absl::Nanoseconds(1),
        absl::FromCivil(absl::CivilSecond(2024, 2, 29, 23, 59, 59),
                        absl::UTCTimeZone()) +
            absl::Nanoseconds(999999999),
        absl::FromCivil(absl::CivilSecond(2099, 12, 31, 0, 0, 0),
                        absl::UTCTimeZone())}) {
    std::string line = FormatLogRecord({t, "stdout", false, "x"});
    LogRecord r;
    ASSERT_TRUE(ParseLogRecord(line.substr(0, line.size() - 1), &r)) << line;
    EXPECT_EQ(r.time, t) << line;
  }
  LogRecord r;
  EXPECT_FALSE(ParseLogRecord("2023-13-14T22:13:20.123456789Z stdout F x", &r));
  EXPECT_FALSE(ParseLogRecord("2023-02-30T22:13:20.123456789Z stdout F x", &r));
  EXPECT_FALSE(ParseLogRecord("2023-11-14T22:13:2x.123456789Z stdout F x", &r));
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

// One read can hold far more than kMaxPartial: a long line, complete or
// not, still becomes records of at most kMaxPartial, pending part included.
TEST(LogLineSplitterTest, LongReadsAreCutAtMaxPartial) {
  constexpr size_t kMax = LogLineSplitter::kMaxPartial;
  LogLineSplitter split("stdout");
  std::string out;
  split.Add("ab", kT, &out);
  split.Add(std::string(2 * kMax, 'x') + "\nyz", kT, &out);
  split.Flush(kT, &out);
  std::string want =
      FormatLogRecord(
          {kT, "stdout", false, "ab" + std::string(kMax - 2, 'x')}) +
      FormatLogRecord({kT, "stdout", false, std::string(kMax, 'x')}) +
      FormatLogRecord({kT, "stdout", true, std::string(2, 'x')}) +
      FormatLogRecord({kT, "stdout", false, "yz"});
  EXPECT_EQ(out, want);
}

// A complete line of exactly kMaxPartial stays one "F" record.
TEST(LogLineSplitterTest, LineOfMaxPartialIsOneRecord) {
  constexpr size_t kMax = LogLineSplitter::kMaxPartial;
  LogLineSplitter split("stderr");
  std::string out;
  split.Add(std::string(kMax, 'q') + "\n", kT, &out);
  EXPECT_EQ(out, FormatLogRecord({kT, "stderr", true, std::string(kMax, 'q')}));
}

// The batch form refers to the caller's data instead of copying it, and
// holds the same bytes as the formatted form.
TEST(LogLineSplitterTest, BatchViewsTheInput) {
  LogLineSplitter split("stdout");
  std::string data = "one\ntwo\nthr";
  LogRecordBatch batch;
  split.Add(data, kT, &batch);
  ASSERT_EQ(batch.records().size(), 2u);
  EXPECT_EQ(batch.records()[1].body.data(), data.data() + 4);
  EXPECT_EQ(batch.records()[1].bytes(),
            FormatLogRecord({kT, "stdout", true, "two"}).size());
  split.Add("ee\n", kT, &batch);
  std::string out;
  batch.AppendTo(&out);
  EXPECT_EQ(out, FormatLogRecord({kT, "stdout", true, "one"}) +
                     FormatLogRecord({kT, "stdout", true, "two"}) +
                     FormatLogRecord({kT, "stdout", true, "three"}));
}

}  // namespace
}  // namespace warren::runtime
