// Latency scenarios (run to exit, exec, network) and churn. Fleet scenarios
// are in warren_fleet.cc, streaming in warren_stream.cc.
#include "tools/bench/warren_scenarios.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tools/bench/warren_bench_util.h"

namespace warren::bench {
namespace {

constexpr int kWarmups = 2;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs `once` kWarmups + ctx.runs times; the last ctx.runs successes are
// the values, failures of measured runs are counted.
void Sample(const BenchContext& ctx,
            const std::function<absl::StatusOr<double>()>& once,
            Series* series) {
  ErrorLog errors;
  for (int i = 0; i < kWarmups + ctx.runs; ++i) {
    absl::StatusOr<double> v = once();
    if (i < kWarmups) continue;
    if (v.ok()) {
      series->values.push_back(*v);
    } else {
      errors.Add(std::string(v.status().message()));
    }
  }
  errors.Finish(series);
}

absl::Status Failed(const std::string& what, const grpc::Status& s) {
  return absl::InternalError(
      absl::StrCat(what, ": code ", s.error_code(), " ", s.error_message()));
}

// Per-phase times of the measured runs, for the note: where time goes.
class Phases {
 public:
  // Starts a run; a run's phases only count if it is measured.
  void NewRun(bool measured) { measured_ = measured; }
  void Add(const std::string& phase, absl::Time from, absl::Time to) {
    if (!measured_) return;
    for (auto& [name, values] : phases_) {
      if (name == phase) return values.push_back(Ms(from, to));
    }
    phases_.push_back({phase, {Ms(from, to)}});
  }
  // "create 1.2, start 0.8" (median ms of each phase).
  std::string Medians() const {
    std::string out;
    for (const auto& [name, values] : phases_) {
      absl::StrAppend(&out, out.empty() ? "" : ", ", name, " ",
                      absl::StrFormat("%.2f", Median(values)));
    }
    return out;
  }

 private:
  bool measured_ = false;
  std::vector<std::pair<std::string, std::vector<double>>> phases_;
};

// Create+Start+Wait+Delete of `spec`; ms.
absl::StatusOr<double> RunOnce(v1::ContainerService::Stub* stub,
                               const v1::ContainerSpec& spec, Phases* phases) {
  const std::string id = NewId("run");
  absl::Time t0 = absl::Now();
  if (grpc::Status s = CreateContainer(stub, id, spec); !s.ok()) {
    return Failed("create", s);
  }
  absl::Time created = absl::Now();
  grpc::Status s = StartContainer(stub, id);
  absl::Time started = absl::Now();
  v1::ExitStatus exit;
  if (s.ok()) s = WaitContainer(stub, id, &exit);
  absl::Time waited = absl::Now();
  if (!s.ok()) {
    (void)DeleteContainer(stub, id, true);
    return Failed("start/wait", s);
  }
  if (s = DeleteContainer(stub, id, false); !s.ok()) {
    (void)DeleteContainer(stub, id, true);
    return Failed("delete", s);
  }
  absl::Time t1 = absl::Now();
  if (exit.exit_code() != 0 || !exit.signal().empty()) {
    return absl::InternalError(
        absl::StrCat("exit ", exit.exit_code(), " ", exit.signal()));
  }
  phases->Add("create", t0, created);
  phases->Add("start", created, started);
  phases->Add("wait", started, waited);
  phases->Add("delete", waited, t1);
  return Ms(t0, t1);
}

// What one Create+Start+Delete(force) cycle took, per call (ms).
struct Cycle {
  double create = 0, start = 0, del = 0;
  double total() const { return create + start + del; }
};

// Create+Start+Delete(force) of a `sleep 1000` in `spec`.
absl::StatusOr<Cycle> CycleOnce(v1::ContainerService::Stub* stub,
                                const v1::ContainerSpec& spec,
                                const std::string& tag,
                                Phases* phases = nullptr) {
  const std::string id = NewId(tag);
  absl::Time t0 = absl::Now();
  if (grpc::Status s = CreateContainer(stub, id, spec); !s.ok()) {
    return Failed("create", s);
  }
  absl::Time created = absl::Now();
  grpc::Status started = StartContainer(stub, id);
  absl::Time t_started = absl::Now();
  grpc::Status deleted = DeleteContainer(stub, id, true);
  absl::Time t1 = absl::Now();
  if (!started.ok()) return Failed("start", started);
  if (!deleted.ok()) return Failed("delete", deleted);
  if (phases != nullptr) {
    phases->Add(tag + " create", t0, created);
    phases->Add(tag + " start", created, t_started);
    phases->Add(tag + " delete", t_started, t1);
  }
  return Cycle{Ms(t0, created), Ms(created, t_started), Ms(t_started, t1)};
}

}  // namespace

void RunWarrenRunToExit(const BenchContext& ctx, BenchWarrend& warrend,
                        std::vector<Series>* out) {
  v1::ContainerSpec spec = BenchSpec(ctx, {"/bin/true"}, false);
  spec.mutable_resources()->set_memory_limit_bytes(int64_t{64} << 20);
  auto stub = warrend.UnixStub();

  Series grpc_series{kRunToExit,
                     "warren",
                     "ms",
                     {},
                     0,
                     "gRPC in-process over the unix socket: Create+Start+"
                     "Wait+Delete of /bin/true; new pid/ipc/uts/mount/net(none)"
                     "/cgroup namespaces, 64 MiB memory limit"};
  Phases phases;
  int run = 0;
  Sample(
      ctx,
      [&] {
        phases.NewRun(run++ >= kWarmups);
        return RunOnce(stub.get(), spec, &phases);
      },
      &grpc_series);
  absl::StrAppend(&grpc_series.note,
                  "; median ms per call: ", phases.Medians());
  out->push_back(std::move(grpc_series));

  Series cli{kRunToExit,
             "warren-cli",
             "ms",
             {},
             0,
             "spawned `warren --socket S run --rm --network none --memory 64m "
             "--rootfs IMG /bin/true` to its exit (process start, gRPC "
             "connect, Create+Start+attach+Wait+Delete)"};
  Sample(
      ctx,
      [&]() -> absl::StatusOr<double> {
        const std::string id = NewId("cli");
        std::string output;
        absl::Time t0 = absl::Now();
        int status =
            RunProgram({ctx.warren_cli, "--socket", warrend.socket(), "run",
                        "--rm", "--name", id, "--rootfs", ctx.image,
                        "--network", "none", "--memory", "64m", "/bin/true"},
                       &output);
        absl::Time t1 = absl::Now();
        if (status != 0) {
          (void)DeleteContainer(stub.get(), id, true);
          return absl::InternalError(
              absl::StrCat("warren run: status ", status, ": ", output));
        }
        return Ms(t0, t1);
      },
      &cli);
  out->push_back(std::move(cli));
}

void RunWarrenExec(const BenchContext& ctx, BenchWarrend& warrend,
                   std::vector<Series>* out) {
  Series series{kExec,
                "warren",
                "ms",
                {},
                0,
                "gRPC Exec(sync) of /bin/true in a running `sleep 1000` "
                "container (to its exit status)"};
  auto stub = warrend.UnixStub();
  const std::string id = NewId("exec");
  grpc::Status s =
      CreateContainer(stub.get(), id, BenchSpec(ctx, {"sleep", "1000"}, false));
  if (s.ok()) s = StartContainer(stub.get(), id);
  if (!s.ok()) {
    ErrorLog errors;
    errors.Add("container for exec", s);
    series.errors += ctx.runs - 1;
    errors.Finish(&series);
    (void)DeleteContainer(stub.get(), id, true);
    out->push_back(std::move(series));
    return;
  }
  Sample(
      ctx,
      [&]() -> absl::StatusOr<double> {
        v1::ExecRequest req;
        req.set_container_id(id);
        req.mutable_process()->add_args("/bin/true");
        req.set_sync(true);
        v1::ExecResponse resp;
        absl::Time t0 = absl::Now();
        grpc::Status e = stub->Exec(CallContext().get(), req, &resp);
        absl::Time t1 = absl::Now();
        if (!e.ok()) return Failed("exec", e);
        if (resp.exit_code() != 0 || !resp.signal().empty()) {
          return absl::InternalError(
              absl::StrCat("exec exit ", resp.exit_code()));
        }
        return Ms(t0, t1);
      },
      &series);
  (void)DeleteContainer(stub.get(), id, true);
  out->push_back(std::move(series));
}

void RunWarrenNetwork(const BenchContext& ctx, BenchWarrend& warrend,
                      std::vector<Series>* out) {
  auto stub = warrend.UnixStub();
  const v1::ContainerSpec bridged = BenchSpec(ctx, {"sleep", "1000"}, true);
  const v1::ContainerSpec none = BenchSpec(ctx, {"sleep", "1000"}, false);
  std::vector<double> with_net, without_net;
  Series series{kNetwork, "warren", "ms", {}, 0, ""};
  Phases phases;
  int pair = 0;
  Sample(
      ctx,
      [&]() -> absl::StatusOr<double> {
        // Alternate which goes first, so drift hits both sides alike.
        absl::StatusOr<Cycle> a, b;
        phases.NewRun(pair >= kWarmups);
        if (pair++ % 2 == 0) {
          a = CycleOnce(stub.get(), bridged, "bridge", &phases);
          b = CycleOnce(stub.get(), none, "none", &phases);
        } else {
          b = CycleOnce(stub.get(), none, "none", &phases);
          a = CycleOnce(stub.get(), bridged, "bridge", &phases);
        }
        if (!a.ok()) return a.status();
        if (!b.ok()) return b.status();
        if (pair > kWarmups) {  // the medians of measured runs only
          with_net.push_back(a->total());
          without_net.push_back(b->total());
        }
        // Start does no network work (the veth is made in Create, removed
        // in Delete): leaving it out of both sides only removes noise.
        return (a->create + a->del) - (b->create + b->del);
      },
      &series);
  series.note = absl::StrFormat(
      "per run: Create+Delete(force) of a started `sleep 1000` with "
      "MODE_BRIDGE (veth on %s, IPAM address, default route, all removed on "
      "delete) minus the same with network none (a new netns with only lo), "
      "the pair interleaved; Start (no network work) is timed but left out "
      "of both sides; medians of Create+Start+Delete bridged %.2f ms, none "
      "%.2f ms (per call: %s)%s",
      kBenchBridge, Median(with_net), Median(without_net), phases.Medians(),
      series.note.empty() ? "" : "; " + series.note);
  out->push_back(std::move(series));
}

void RunWarrenChurn(const BenchContext& ctx, BenchWarrend& warrend,
                    std::vector<Series>* out) {
  const v1::ContainerSpec spec = BenchSpec(ctx, {"sleep", "1000"}, true);
  std::atomic<int> completed{0};
  ErrorLog errors;
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(ctx.churn_seconds);
  std::vector<std::thread> clients;
  for (int c = 0; c < std::max(1, ctx.churn_clients); ++c) {
    clients.emplace_back([&] {
      // Its own channel: its own connection, as separate clients would.
      auto stub = v1::ContainerService::NewStub(warrend.UnixChannel());
      while (absl::Now() < end) {
        absl::StatusOr<Cycle> cycle = CycleOnce(stub.get(), spec, "churn");
        if (cycle.ok()) {
          ++completed;
        } else {
          errors.Add(std::string(cycle.status().message()));
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  Series series{kChurn,
                "warren",
                "containers/s",
                {completed / seconds},
                0,
                absl::StrFormat("%d clients (one connection each) for %.1f s "
                                "looping Create(bridge)+Start+Delete(force) "
                                "of `sleep 1000`; %d completed",
                                std::max(1, ctx.churn_clients), seconds,
                                completed.load())};
  errors.Finish(&series);
  out->push_back(std::move(series));
}

}  // namespace warren::bench
