// Turns measured Series into the benchmark's report: medians and
// percentiles, warren's ratio to each peer, the targets met or
// missed, a terminal table, JSON, and a gnuplot chart. Pure functions over
// plain data (only WriteChart runs a program), so they are unit-tested.
#ifndef WARREN_TOOLS_BENCH_BENCH_REPORT_H_
#define WARREN_TOOLS_BENCH_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench/bench_report.pb.h"
#include "tools/bench/bench_types.h"

namespace warren::bench {

// Nearest-rank percentile (p in 0..100) of `values`; 0 for none.
double Percentile(std::vector<double> values, double p);

// The summary of one series (warren_ratio left 0).
SeriesResult Summarize(const Series& series);

// Summaries of all `series`, each peer's warren_ratio filled in from the
// "warren" series of the same scenario.
std::vector<SeriesResult> SummarizeAll(const std::vector<Series>& series);

// The targets, evaluated on `results` (fleet: the K asked for).
std::vector<TargetResult> EvaluateTargets(
    const std::vector<SeriesResult>& results, int fleet);

// The terminal table: one line per series (median, p90, unit, ratio), then
// one line per target with met / MISSED and by how much.
std::string FormatTable(const BenchReport& report);

// `report` as indented JSON (protobuf's JSON printer).
absl::Status WriteJson(const BenchReport& report, const std::string& path);

// The gnuplot data and script for the chart of latency scenarios (median
// per subject, log scale), and the PNG rendered from them by `gnuplot`.
std::string ChartData(const BenchReport& report);
std::string ChartScript(const std::string& data_path,
                        const std::string& png_path);
absl::Status WriteChart(const BenchReport& report, const std::string& dir);

}  // namespace warren::bench

#endif  // WARREN_TOOLS_BENCH_BENCH_REPORT_H_
