// RunWarrenFleet: K running containers, then density, API latency and
// crash recovery measured on them.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/bench/host_quiet.h"
#include "tools/bench/warren_bench_util.h"
#include "tools/bench/warren_scenarios.h"

extern char** environ;

namespace warren::bench {
namespace {

constexpr int kCreators = 4;  // parallel clients starting the fleet
constexpr int kInspectSamples = 1000;
constexpr int kListSamples = 50;
constexpr int kApiWarmups = 20;

// Runs fn(i) for i in [0, n) on `threads` threads, each with its own stub
// (its own connection).
void ParallelFor(
    const BenchWarrend& warrend, int n, int threads,
    const std::function<void(v1::ContainerService::Stub*, int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min(threads, n); ++t) {
    pool.emplace_back([&] {
      auto stub = v1::ContainerService::NewStub(warrend.UnixChannel());
      for (int i; (i = next++) < n;) fn(stub.get(), i);
    });
  }
  for (auto& t : pool) t.join();
}

// `samples` timed calls of `call` (after kApiWarmups), microseconds each.
void TimeCalls(int samples, const std::function<grpc::Status(int)>& call,
               Series* series) {
  ErrorLog errors;
  for (int i = 0; i < kApiWarmups + samples; ++i) {
    absl::Time t0 = absl::Now();
    grpc::Status s = call(i);
    absl::Time t1 = absl::Now();
    if (i < kApiWarmups) continue;
    if (s.ok()) {
      series->values.push_back(Us(t0, t1));
    } else {
      errors.Add(series->scenario, s);
    }
  }
  errors.Finish(series);
}

// Inspect of random fleet members and List, over `stub`.
void MeasureApi(v1::ContainerService::Stub* stub, bool tls,
                const std::vector<std::string>& ids, std::vector<Series>* out) {
  std::mt19937 random(42);
  std::uniform_int_distribution<size_t> pick(0, ids.size() - 1);
  const std::string how =
      tls ? "mutual-TLS TCP to 127.0.0.1 as agent-a (admin, warren-tenant: "
            "default), one connection"
          : "unix socket, one connection";
  Series inspect{tls ? kInspectTls : kInspectUnix,
                 "warren",
                 "us",
                 {},
                 0,
                 absl::StrCat("unary Inspect of a random one of ", ids.size(),
                              " running containers; ", how)};
  TimeCalls(
      kInspectSamples,
      [&](int) {
        grpc::ClientContext ctx;
        if (tls) AddTenantMetadata(&ctx);
        v1::InspectRequest req;
        req.set_id(ids[pick(random)]);
        v1::InspectResponse resp;
        return stub->Inspect(&ctx, req, &resp);
      },
      &inspect);
  out->push_back(std::move(inspect));
  Series list{
      tls ? kListTls : kListUnix,
      "warren",
      "us",
      {},
      0,
      absl::StrCat("unary List of all ", ids.size(), " containers; ", how)};
  size_t bytes = 0;
  TimeCalls(
      kListSamples,
      [&](int) {
        grpc::ClientContext ctx;
        if (tls) AddTenantMetadata(&ctx);
        v1::ListResponse resp;
        grpc::Status s = stub->List(&ctx, {}, &resp);
        if (s.ok() && static_cast<size_t>(resp.containers_size()) < ids.size())
          return grpc::Status(grpc::StatusCode::INTERNAL, "List is short");
        bytes = resp.ByteSizeLong();
        return s;
      },
      &list);
  absl::StrAppend(&list.note,
                  absl::StrFormat(" (%.0f KB answer)", bytes / 1e3));
  out->push_back(std::move(list));
}

// kInspectSamples timed Health/Check calls through `health`.
void TimeHealthChecks(grpc::health::v1::Health::Stub* health, Series* series) {
  TimeCalls(
      kInspectSamples,
      [&](int) {
        grpc::ClientContext ctx;
        grpc::health::v1::HealthCheckRequest req;
        grpc::health::v1::HealthCheckResponse resp;
        return health->Check(&ctx, req, &resp);
      },
      series);
}

// The same timing for Health/Check, which gRPC answers itself: what a
// unary call over the unix socket costs here before any handler runs.
void MeasureHealthFloor(const BenchWarrend& warrend, std::vector<Series>* out) {
  auto health = grpc::health::v1::Health::NewStub(warrend.UnixChannel());
  Series floor{kHealthUnix,
               "warren",
               "us",
               {},
               0,
               "unary grpc.health.v1.Health/Check (answered by gRPC's "
               "built-in health service, no warren handler) over the unix "
               "socket, one connection: the floor under Inspect"};
  TimeHealthChecks(health.get(), &floor);
  out->push_back(std::move(floor));
}

// The same call against grpc_floor_server (one thread on one completion
// queue answering with an empty message): gRPC's own cost per call here,
// as a "bare-grpc" row under Inspect. Nothing if the binary is not given.
void MeasureBareGrpc(const BenchContext& ctx, std::vector<Series>* out) {
  if (ctx.grpc_floor_server.empty()) return;
  const std::string socket = ctx.work_dir + "/grpc-floor.sock";
  unlink(socket.c_str());
  std::string address = "unix:" + socket;
  std::string parent = std::to_string(getpid());
  char* argv[] = {const_cast<char*>(ctx.grpc_floor_server.c_str()),
                  address.data(), parent.data(), nullptr};
  Series bare{kInspectUnix,
              "bare-grpc",
              "us",
              {},
              0,
              "the same Health/Check call against tools/bench/"
              "grpc_floor_server: one thread polling one completion queue "
              "(gRPC's async API), answering with an empty message, no "
              "handler: what any server of this gRPC build costs per call "
              "here"};
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ) != 0) {
    bare.errors = 1;
    absl::StrAppend(&bare.note, "; cannot start ", argv[0]);
    out->push_back(std::move(bare));
    return;
  }
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(5))) {
    bare.errors = 1;
    absl::StrAppend(&bare.note, "; the server did not come up");
  } else {
    auto health = grpc::health::v1::Health::NewStub(channel);
    TimeHealthChecks(health.get(), &bare);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  unlink(socket.c_str());
  out->push_back(std::move(bare));
}

// Median of the first (or last) tenth of `ms`: how a fleet's Create+Start
// latency grows with the number of containers already there.
double TenthMedian(const std::vector<double>& ms, bool last) {
  const size_t n = std::max<size_t>(1, ms.size() / 10);
  std::vector<double> part(last ? ms.end() - n : ms.begin(),
                           last ? ms.end() : ms.begin() + n);
  std::sort(part.begin(), part.end());
  return part.empty() ? 0 : part[part.size() / 2];
}

// How many of `want` List shows RUNNING; -1 if List fails.
int CountRunning(v1::ContainerService::Stub* stub,
                 const std::vector<std::string>& want) {
  auto ctx = CallContext(absl::Seconds(2));
  ctx->set_wait_for_ready(true);
  v1::ListRequest req;
  req.set_state(v1::RUNNING);
  v1::ListResponse resp;
  if (!stub->List(ctx.get(), req, &resp).ok()) return -1;
  std::vector<std::string> running;
  for (const auto& c : resp.containers()) running.push_back(c.id());
  std::sort(running.begin(), running.end());
  return static_cast<int>(
      std::count_if(want.begin(), want.end(), [&](auto& id) {
        return std::binary_search(running.begin(), running.end(), id);
      }));
}

void MeasureRecovery(const BenchContext& ctx, BenchWarrend& warrend,
                     const std::vector<std::string>& ids,
                     std::vector<Series>* out) {
  Series series{kRecovery,
                "warren",
                "ms",
                {},
                0,
                absl::StrCat("SIGKILL warrend (reaped), then from spawning a "
                             "new one on the same state until List shows all ",
                             ids.size(), " containers RUNNING")};
  ErrorLog errors;
  const int runs = std::max(1, std::min(3, ctx.runs));
  for (int r = 0; r < runs; ++r) {
    warrend.Kill();
    absl::Time t0 = absl::Now();
    if (absl::Status s = warrend.Restart(); !s.ok()) {
      errors.Add(std::string(s.message()));
      continue;
    }
    auto stub = warrend.UnixStub();
    int seen = 0;
    while ((seen = CountRunning(stub.get(), ids)) !=
               static_cast<int>(ids.size()) &&
           absl::Now() - t0 < absl::Seconds(120)) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    absl::Time t1 = absl::Now();
    if (seen != static_cast<int>(ids.size())) {
      errors.Add(absl::StrCat("only ", seen, " of ", ids.size(),
                              " RUNNING after restart"));
      continue;
    }
    series.values.push_back(Ms(t0, t1));
  }
  errors.Finish(&series);
  out->push_back(std::move(series));
}

}  // namespace

void RunWarrenFleet(const BenchContext& ctx, BenchWarrend& warrend,
                    bool density, bool api, bool recovery,
                    std::vector<Series>* out) {
  const int k = std::max(1, ctx.fleet);
  size_t start_index = SIZE_MAX;  // of the kDensityStart series in *out
  const int64_t rss_before = StatusKb(warrend.pid(), "VmRSS");
  const v1::ContainerSpec spec = BenchSpec(ctx, {"sleep", "1000"}, true);
  std::vector<std::string> ids(k);
  for (auto& id : ids) id = NewId("fleet");
  std::vector<char> up(k, 0);
  std::vector<double> cycle_ms(k, 0);  // Create+Start of each, in order
  ErrorLog start_errors;
  absl::Time t0 = absl::Now();
  ParallelFor(warrend, k, kCreators,
              [&](v1::ContainerService::Stub* stub, int i) {
                absl::Time c0 = absl::Now();
                grpc::Status s = CreateContainer(stub, ids[i], spec);
                if (s.ok()) s = StartContainer(stub, ids[i]);
                cycle_ms[i] = Ms(c0, absl::Now());
                if (s.ok()) {
                  up[i] = 1;
                } else {
                  start_errors.Add("fleet create/start", s);
                }
              });
  const double start_s = absl::ToDoubleSeconds(absl::Now() - t0);
  std::vector<std::string> running;
  for (int i = 0; i < k; ++i) {
    if (up[i]) running.push_back(ids[i]);
  }

  if (density) {
    Series start{kDensityStart,
                 "warren",
                 "s",
                 {start_s},
                 0,
                 absl::StrFormat("%d bridged `sleep 1000` containers created "
                                 "and started by %d parallel clients; "
                                 "Create+Start median %.1f ms for the first "
                                 "tenth, %.1f ms for the last",
                                 k, kCreators, TenthMedian(cycle_ms, false),
                                 TenthMedian(cycle_ms, true))};
    start_index = out->size();
    start_errors.Finish(&start);
    out->push_back(std::move(start));
    auto stub = warrend.UnixStub();
    v1::ListResponse list;
    int64_t pss = 0;
    int monitors = 0;
    if (stub->List(CallContext().get(), {}, &list).ok()) {
      for (const auto& c : list.containers()) {
        if (c.monitor_pid() <= 0) continue;
        int64_t kb = PssKb(c.monitor_pid());
        if (kb >= 0) pss += kb, ++monitors;
      }
    }
    const int64_t rss_at_k = StatusKb(warrend.pid(), "VmRSS");
    const int64_t growth = std::max<int64_t>(0, rss_at_k - rss_before);
    Series memory{kDensityMemory, "warren", "KB", {}, 0, ""};
    if (!running.empty()) {
      memory.values.push_back(static_cast<double>(pss + growth) /
                              running.size());
    } else {
      memory.errors = 1;
    }
    memory.note = absl::StrFormat(
        "(sum of PSS of %d warren-monitor processes = %d KB, + warrend RSS "
        "growth %d KB) / %d running; excludes the containers' own processes "
        "and kernel objects (netns, veth, cgroups, overlay)",
        monitors, pss, growth, running.size());
    out->push_back(std::move(memory));
    out->push_back({kDaemonRss,
                    "warren",
                    "MB",
                    {rss_at_k / 1024.0},
                    0,
                    absl::StrFormat("warrend VmRSS with %d containers (%d KB "
                                    "before the fleet)",
                                    running.size(), rss_before)});
  }
  if (api && !running.empty()) {
    // Starting the fleet leaves kernel work behind (namespaces, veths).
    const QuietResult quiet = WaitForQuietHost();
    auto unix_stub = warrend.UnixStub();
    const size_t api_first = out->size();
    MeasureApi(unix_stub.get(), false, running, out);
    MeasureHealthFloor(warrend, out);
    MeasureBareGrpc(ctx, out);
    if (warrend.has_tls()) {
      auto tls_stub = v1::ContainerService::NewStub(warrend.TlsChannel());
      MeasureApi(tls_stub.get(), true, running, out);
    }
    for (size_t i = api_first; i < out->size(); ++i) {
      absl::StrAppend(&(*out)[i].note, "; measured once the ",
                      quiet.Describe());
    }
  }
  if (recovery && !running.empty()) {
    MeasureRecovery(ctx, warrend, running, out);
  }
  ErrorLog delete_errors;
  absl::Time d0 = absl::Now();
  ParallelFor(warrend, k, 8, [&](v1::ContainerService::Stub* stub, int i) {
    if (!up[i]) return;
    if (grpc::Status s = DeleteContainer(stub, ids[i], true); !s.ok()) {
      delete_errors.Add("fleet delete", s);
    }
  });
  if (start_index < out->size()) {
    Series& start = (*out)[start_index];
    absl::StrAppend(&start.note,
                    absl::StrFormat("; then deleted by 8 clients in %.1f s "
                                    "(%d failed)",
                                    absl::ToDoubleSeconds(absl::Now() - d0),
                                    delete_errors.count()));
  }
}

}  // namespace warren::bench
