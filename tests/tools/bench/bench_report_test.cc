// The benchmark's arithmetic and verdicts: percentiles, warren's ratio to
// each peer, targets met / missed / not measured, and the report formats.
#include "tools/bench/bench_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::bench {
namespace {

using ::testing::HasSubstr;

Series Make(const std::string& scenario, const std::string& subject,
            std::vector<double> values, const std::string& unit = "ms") {
  Series s;
  s.scenario = scenario;
  s.subject = subject;
  s.unit = unit;
  s.values = std::move(values);
  return s;
}

const TargetResult& Find(const std::vector<TargetResult>& targets,
                         const std::string& name) {
  for (const TargetResult& t : targets) {
    if (t.name() == name) return t;
  }
  ADD_FAILURE() << "no target " << name;
  static TargetResult none;
  return none;
}

TEST(BenchReportTest, NearestRankPercentiles) {
  std::vector<double> v = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
  EXPECT_EQ(Percentile(v, 50), 5);
  EXPECT_EQ(Percentile(v, 90), 9);
  EXPECT_EQ(Percentile(v, 99), 10);
  EXPECT_EQ(Percentile(v, 0), 1);
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({7}, 99), 7);
}

TEST(BenchReportTest, SummaryAndRatiosToWarren) {
  std::vector<SeriesResult> r = SummarizeAll(
      {Make(kRunToExit, "warren", {4, 5, 6}),
       Make(kRunToExit, "runc", {40, 50, 60}), Make(kExec, "runc", {10})});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].median(), 5);
  EXPECT_EQ(r[0].warren_ratio(), 0);  // warren itself
  EXPECT_EQ(r[1].median(), 50);
  EXPECT_DOUBLE_EQ(r[1].warren_ratio(), 0.1);
  EXPECT_EQ(r[2].warren_ratio(), 0);  // no warren exec series
  EXPECT_EQ(r[1].min(), 40);
  EXPECT_EQ(r[1].max(), 60);
}

TEST(BenchReportTest, RatioTargetsMetMissedAndMissing) {
  std::vector<SeriesResult> r = SummarizeAll(
      {Make(kRunToExit, "warren", {5}), Make(kRunToExit, "runc", {50}),
       Make(kRunToExit, "ctr", {100}), Make(kExec, "warren", {2}),
       Make(kExec, "runc", {25})});
  std::vector<TargetResult> t = EvaluateTargets(r, 1000);
  EXPECT_TRUE(Find(t, "run_to_exit_vs_runc").met());  // 0.1 <= 0.12
  const TargetResult& ctr = Find(t, "run_to_exit_vs_ctr");
  EXPECT_FALSE(ctr.met());  // 0.05 > 0.03
  EXPECT_TRUE(ctr.measured_ok());
  EXPECT_THAT(ctr.detail(), HasSubstr("1.67x over"));
  EXPECT_TRUE(Find(t, "exec_vs_runc").met());  // 0.08
  const TargetResult& net = Find(t, "network_vs_cni");
  EXPECT_FALSE(net.measured_ok());
  EXPECT_FALSE(net.met());
  EXPECT_THAT(net.detail(), HasSubstr("no warren network"));
}

TEST(BenchReportTest, ScaleTargetsNeedTheFullFleet) {
  std::vector<SeriesResult> r =
      SummarizeAll({Make(kInspectUnix, "warren", {50, 60, 70}, "us"),
                    Make(kRecovery, "warren", {900})});
  std::vector<TargetResult> small = EvaluateTargets(r, 50);
  EXPECT_FALSE(Find(small, "inspect_p50").measured_ok());
  EXPECT_THAT(Find(small, "inspect_p50").detail(), HasSubstr("50 containers"));
  std::vector<TargetResult> full = EvaluateTargets(r, 1000);
  EXPECT_TRUE(Find(full, "inspect_p50").met());
  EXPECT_TRUE(Find(full, "recovery").met());
}

TEST(BenchReportTest, ChurnErrorsAndStreamAgainstPipe) {
  Series churn = Make(kChurn, "warren", {150}, "containers/s");
  churn.errors = 2;
  std::vector<SeriesResult> r =
      SummarizeAll({churn, Make(kStream, "warren", {900}, "MiB/s"),
                    Make(kStream, "pipe", {1500}, "MiB/s")});
  std::vector<TargetResult> t = EvaluateTargets(r, 1000);
  EXPECT_FALSE(Find(t, "churn_rate").met());
  EXPECT_THAT(Find(t, "churn_rate").detail(), HasSubstr("2 errors"));
  EXPECT_FALSE(Find(t, "stream_rate").met());
  EXPECT_THAT(Find(t, "stream_rate").detail(), HasSubstr("88%"));
  EXPECT_TRUE(Find(t, "stream_vs_pipe").met());  // 0.6
}

TEST(BenchReportTest, StreamThatLostBytesMeetsNoStreamTarget) {
  Series lossy = Make(kStream, "warren", {2000}, "MiB/s");
  lossy.errors = 1;  // "received N of M bytes"
  std::vector<SeriesResult> r =
      SummarizeAll({lossy, Make(kStream, "pipe", {2500}, "MiB/s")});
  std::vector<TargetResult> t = EvaluateTargets(r, 1000);
  EXPECT_FALSE(Find(t, "stream_rate").met());
  EXPECT_THAT(Find(t, "stream_rate").detail(), HasSubstr("1 errors"));
  EXPECT_FALSE(Find(t, "stream_vs_pipe").met());
}

TEST(BenchReportTest, TableJsonAndChart) {
  BenchReport report;
  for (SeriesResult& s : SummarizeAll(
           {Make(kRunToExit, "warren", {5}), Make(kRunToExit, "runc", {50})})) {
    *report.add_series() = s;
  }
  for (TargetResult& t : EvaluateTargets(
           {report.series().begin(), report.series().end()}, 1000)) {
    *report.add_targets() = t;
  }
  std::string table = FormatTable(report);
  EXPECT_THAT(table, HasSubstr("run_to_exit"));
  EXPECT_THAT(table, HasSubstr("0.100x"));
  EXPECT_THAT(table, HasSubstr("run_to_exit_vs_runc   met"));
  EXPECT_THAT(table, HasSubstr("not measured"));
  std::string data = ChartData(report);
  EXPECT_THAT(data, HasSubstr("\"run_to_exit\\nrunc\" 50.0000"));
  EXPECT_THAT(ChartScript("d.dat", "o.png"), HasSubstr("set output 'o.png'"));
  char dir[] = "/tmp/bench-report-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/bench.json";
  ASSERT_TRUE(WriteJson(report, path).ok());
  FILE* f = fopen(path.c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[4096] = {};
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  std::string json(buf, n);
  EXPECT_THAT(json, HasSubstr("\"warren_ratio\": 0.1"));
  EXPECT_THAT(json, HasSubstr("\"scenario\": \"run_to_exit\""));
  unlink(path.c_str());
  rmdir(dir);
}

TEST(BenchReportTest, RunWithoutMillisecondSeriesDropsTheOldChart) {
  char dir[] = "/tmp/bench-report-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string png = std::string(dir) + "/bench.png";
  FILE* old = fopen(png.c_str(), "w");
  ASSERT_NE(old, nullptr);
  fclose(old);
  BenchReport report;  // e.g. --scenarios=api: microseconds only
  SeriesResult* inspect = report.add_series();
  inspect->set_scenario("api_inspect_unix");
  inspect->set_subject("warren");
  inspect->set_unit("us");
  inspect->set_median(120);
  EXPECT_TRUE(WriteChart(report, dir).ok());
  EXPECT_NE(access(png.c_str(), F_OK), 0);
  rmdir(dir);
}

}  // namespace
}  // namespace warren::bench
