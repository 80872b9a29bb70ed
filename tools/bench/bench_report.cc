#include "tools/bench/bench_report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/file_util.h"

namespace warren::bench {
namespace {

const SeriesResult* FindSeries(const std::vector<SeriesResult>& results,
                               const std::string& scenario,
                               const std::string& subject) {
  for (const SeriesResult& r : results) {
    if (r.scenario() == scenario && r.subject() == subject && r.samples() > 0) {
      return &r;
    }
  }
  return nullptr;
}

// A target on a value (or ratio) compared with `limit`.
TargetResult Target(const std::string& name, const std::string& description,
                    double measured, bool measured_ok, const char* comparison,
                    double limit, const std::string& missing) {
  TargetResult t;
  t.set_name(name);
  t.set_description(description);
  t.set_comparison(comparison);
  t.set_limit(limit);
  t.set_measured_ok(measured_ok);
  if (!measured_ok) {
    t.set_detail(missing);
    return t;
  }
  t.set_measured(measured);
  bool le = std::string(comparison) == "<=";
  t.set_met(le ? measured <= limit : measured >= limit);
  if (!t.met()) {
    t.set_detail(
        le ? absl::StrFormat("%.2fx over the limit", measured / limit)
           : absl::StrFormat("at %.0f%% of the limit", 100 * measured / limit));
  }
  return t;
}

// warren's median over `peer`'s for `scenario` against `limit`.
TargetResult RatioTarget(const std::vector<SeriesResult>& results,
                         const std::string& name, const std::string& scenario,
                         const std::string& peer, double limit) {
  const SeriesResult* w = FindSeries(results, scenario, "warren");
  const SeriesResult* p = FindSeries(results, scenario, peer);
  bool ok = w != nullptr && p != nullptr && p->median() > 0;
  std::string missing = absl::StrCat("no ", w == nullptr ? "warren" : peer, " ",
                                     scenario, " measurement in this run");
  return Target(
      name, absl::StrFormat("%s median <= %.2fx %s's", scenario, limit, peer),
      ok ? w->median() / p->median() : 0, ok, "<=", limit, missing);
}

// An absolute target on warren's `scenario` median; needs `fleet` >= 1000
// when `at_scale`.
TargetResult ValueTarget(const std::vector<SeriesResult>& results,
                         const std::string& name, const std::string& scenario,
                         const char* comparison, double limit,
                         const std::string& what, bool at_scale, int fleet) {
  const SeriesResult* w = FindSeries(results, scenario, "warren");
  std::string missing = absl::StrCat("no warren ", scenario, " measurement");
  bool ok = w != nullptr;
  if (ok && at_scale && fleet < 1000) {
    ok = false;
    missing = absl::StrCat("measured with ", fleet,
                           " containers; the target is for 1,000");
  }
  return Target(name, what, ok ? w->median() : 0, ok, comparison, limit,
                missing);
}

// `target`, missed if `series` had errors (churn, stream: a rate with
// failures or lost bytes is not one that counts).
TargetResult WithoutErrors(TargetResult target, const SeriesResult* series) {
  if (target.met() && series != nullptr && series->errors() > 0) {
    target.set_met(false);
    target.set_detail(absl::StrCat(series->errors(), " errors"));
  }
  return target;
}

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100 * values.size()));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

SeriesResult Summarize(const Series& s) {
  SeriesResult r;
  r.set_scenario(s.scenario);
  r.set_subject(s.subject);
  r.set_unit(s.unit);
  r.set_samples(static_cast<int>(s.values.size()));
  r.set_errors(s.errors);
  r.set_note(s.note);
  if (!s.values.empty()) {
    r.set_median(Percentile(s.values, 50));
    r.set_p90(Percentile(s.values, 90));
    r.set_p99(Percentile(s.values, 99));
    r.set_min(*std::min_element(s.values.begin(), s.values.end()));
    r.set_max(*std::max_element(s.values.begin(), s.values.end()));
  }
  return r;
}

std::vector<SeriesResult> SummarizeAll(const std::vector<Series>& series) {
  std::vector<SeriesResult> out;
  for (const Series& s : series) out.push_back(Summarize(s));
  for (SeriesResult& r : out) {
    if (r.subject() == "warren" || r.median() <= 0) continue;
    const SeriesResult* w = FindSeries(out, r.scenario(), "warren");
    if (w != nullptr) r.set_warren_ratio(w->median() / r.median());
  }
  return out;
}

std::vector<TargetResult> EvaluateTargets(
    const std::vector<SeriesResult>& results, int fleet) {
  std::vector<TargetResult> t;
  t.push_back(
      RatioTarget(results, "run_to_exit_vs_runc", kRunToExit, "runc", 0.12));
  t.push_back(
      RatioTarget(results, "run_to_exit_vs_ctr", kRunToExit, "ctr", 0.03));
  t.push_back(RatioTarget(results, "exec_vs_runc", kExec, "runc", 0.1));
  t.push_back(
      RatioTarget(results, "network_vs_cni", kNetwork, "cni-bridge", 0.1));
  t.push_back(
      WithoutErrors(ValueTarget(results, "churn_rate", kChurn, ">=", 100,
                                "churn >= 100 networked containers/s, 0 errors",
                                false, fleet),
                    FindSeries(results, kChurn, "warren")));
  const SeriesResult* start = FindSeries(results, kDensityStart, "warren");
  bool started = start != nullptr && fleet >= 1000;
  TargetResult d = Target(
      "density_count", "1,000 running networked containers",
      started ? fleet - start->errors() : 0, started, ">=", 1000,
      start == nullptr ? "no density measurement"
                       : absl::StrCat("measured with ", fleet, " containers"));
  t.push_back(d);
  t.push_back(ValueTarget(results, "density_memory", kDensityMemory, "<=", 300,
                          "host memory per container <= 300 KB", true, fleet));
  // A stream that lost bytes (an error each) meets no rate target.
  const SeriesResult* ws = FindSeries(results, kStream, "warren");
  t.push_back(WithoutErrors(
      ValueTarget(results, "stream_rate", kStream, ">=", 1024,
                  "stream >= 1 GiB/s, every byte delivered", false, fleet),
      ws));
  const SeriesResult* pipe = FindSeries(results, kStream, "pipe");
  bool both = ws != nullptr && pipe != nullptr && pipe->median() > 0;
  t.push_back(WithoutErrors(
      Target("stream_vs_pipe", "stream >= 0.5x a plain pipe's rate",
             both ? ws->median() / pipe->median() : 0, both, ">=", 0.5,
             "no stream or pipe measurement"),
      ws));
  t.push_back(ValueTarget(results, "inspect_p50", kInspectUnix, "<=", 100,
                          "Inspect p50 <= 100 us with 1,000 containers", true,
                          fleet));
  t.push_back(ValueTarget(results, "recovery", kRecovery, "<=", 1000,
                          "recovery < 1 s with 1,000 containers", true, fleet));
  return t;
}

std::string FormatTable(const BenchReport& report) {
  std::string out =
      absl::StrFormat("%-18s %-16s %12s %12s %-13s %8s %s\n", "scenario",
                      "subject", "median", "p90", "unit", "warren/x", "errors");
  for (const SeriesResult& r : report.series()) {
    std::string ratio =
        r.warren_ratio() > 0 ? absl::StrFormat("%.3fx", r.warren_ratio()) : "";
    out += absl::StrFormat("%-18s %-16s %12.3f %12.3f %-13s %8s %d\n",
                           r.scenario(), r.subject(), r.median(), r.p90(),
                           r.unit(), ratio, r.errors());
  }
  out += "\ntargets:\n";
  for (const TargetResult& t : report.targets()) {
    std::string verdict = !t.measured_ok() ? "not measured"
                          : t.met()        ? "met"
                                           : "MISSED";
    out += absl::StrFormat("  %-21s %-12s %10.3f %s %-8g %s%s\n", t.name(),
                           verdict, t.measured(), t.comparison(), t.limit(),
                           t.description(),
                           t.detail().empty() ? "" : " (" + t.detail() + ")");
  }
  return out;
}

absl::Status WriteJson(const BenchReport& report, const std::string& path) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  auto s = google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!s.ok()) return absl::InternalError(std::string(s.message()));
  return runtime::WriteFileAtomic(path, json, 0644);
}

std::string ChartData(const BenchReport& report) {
  std::string out = "# scenario/subject median_ms\n";
  for (const SeriesResult& r : report.series()) {
    if (r.unit() != "ms" || r.median() <= 0) continue;
    out += absl::StrFormat("\"%s\\n%s\" %.4f\n", r.scenario(), r.subject(),
                           r.median());
  }
  return out;
}

std::string ChartScript(const std::string& data_path,
                        const std::string& png_path) {
  return absl::StrCat(
      "set terminal pngcairo size 1400,700 noenhanced font 'sans,10'\n"
      "set output '",
      png_path,
      "'\n"
      "set title 'warren vs peers: median latency (ms, log scale; lower is "
      "better)'\n"
      "set logscale y\nset grid ytics\nset style fill solid 0.8\n"
      "set boxwidth 0.7\nset xtics rotate by -45 font 'sans,8'\n"
      "set ylabel 'ms'\nunset key\n"
      "plot '",
      data_path,
      "' using 0:2:xtic(1) with boxes lc rgb '#3b7dd8', "
      "'' using 0:2:(sprintf('%.2f',$2)) with labels offset 0,0.7 "
      "font 'sans,8'\n");
}

absl::Status WriteChart(const BenchReport& report, const std::string& dir) {
  std::string data = dir + "/chart.dat";
  std::string script = dir + "/chart.gp";
  std::string png = dir + "/bench.png";
  bool any = std::any_of(
      report.series().begin(), report.series().end(),
      [](const SeriesResult& r) { return r.unit() == "ms" && r.median() > 0; });
  if (!any) {
    // Only microsecond or rate series (e.g. --scenarios=api): nothing to
    // draw, and an older chart would not match this run's table.
    unlink(data.c_str());
    unlink(script.c_str());
    unlink(png.c_str());
    return absl::OkStatus();
  }
  if (absl::Status s = runtime::WriteFileAtomic(data, ChartData(report), 0644);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          runtime::WriteFileAtomic(script, ChartScript(data, png), 0644);
      !s.ok()) {
    return s;
  }
  std::string cmd = absl::StrCat("gnuplot '", script, "' 2>&1");
  if (std::system(cmd.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("gnuplot failed on ", script,
                     " (install gnuplot-nox to render the chart)"));
  }
  return absl::OkStatus();
}

}  // namespace warren::bench
