// warren_probe: where a container's lifecycle time goes. Runs variants of
// the run-to-exit spec (seccomp off, no memory limit, host namespaces, a
// bridge) against a private BenchWarrend and prints the median of each
// call (Create, Start, Wait, Delete), so the cost of one feature is the
// difference of two lines. A profiling aid, not part of the report:
//   bazel-bin/tools/bench/warren_probe --runs=20
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/bench/bench_warrend.h"
#include "tools/bench/warren_bench_util.h"

ABSL_FLAG(std::string, work_dir, "/tmp/warren-probe", "scratch directory");
ABSL_FLAG(std::string, warrend, "bazel-bin/server/warrend", "warrend");
ABSL_FLAG(std::string, monitor, "bazel-bin/runtime/monitor/warren-monitor",
          "warren-monitor");
ABSL_FLAG(std::string, image_script, "tools/image/build_busybox_rootfs.sh",
          "builds the busybox image");
ABSL_FLAG(int, runs, 20, "runs per variant");
ABSL_FLAG(int, api_fleet, 0,
          "if > 0: only the API probe, with this many containers");

namespace warren::bench {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[4096];
  return std::string(getcwd(cwd, sizeof(cwd)) ? cwd : ".") + "/" + path;
}

// Create, Start, Wait (or, for a `sleep`, nothing) and Delete(force) of
// `spec`, `runs` times after 2 warm-ups; prints the median of each call.
void Probe(const char* name, v1::ContainerService::Stub* stub,
           const v1::ContainerSpec& spec, int runs) {
  const bool waits = spec.process().args(0) != "sleep";
  std::vector<double> create, start, wait, del, total;
  int errors = 0;
  for (int i = 0; i < runs + 2; ++i) {
    const std::string id = NewId("probe");
    absl::Time t0 = absl::Now();
    grpc::Status s = CreateContainer(stub, id, spec);
    absl::Time t1 = absl::Now();
    if (s.ok()) s = StartContainer(stub, id);
    absl::Time t2 = absl::Now();
    if (s.ok() && waits) s = WaitContainer(stub, id, nullptr);
    absl::Time t3 = absl::Now();
    grpc::Status d = DeleteContainer(stub, id, true);
    absl::Time t4 = absl::Now();
    if (!s.ok() || !d.ok()) {
      if (errors++ == 0) {
        fprintf(stderr, "%s: %s %s\n", name, s.error_message().c_str(),
                d.error_message().c_str());
      }
      continue;
    }
    if (i < 2) continue;
    create.push_back(Ms(t0, t1));
    start.push_back(Ms(t1, t2));
    wait.push_back(Ms(t2, t3));
    del.push_back(Ms(t3, t4));
    total.push_back(Ms(t0, t4));
  }
  printf(
      "%-24s total %7.2f  create %7.2f  start %7.2f  wait %6.2f  "
      "delete %7.2f ms  (errors %d)\n",
      name, Median(total), Median(create), Median(start), Median(wait),
      Median(del), errors);
  fflush(stdout);
}

// Sync Execs of /bin/true in a running `sleep`, with `security` if set.
void ProbeExec(const char* name, v1::ContainerService::Stub* stub,
               const BenchContext& ctx, const v1::SecuritySpec* security,
               int runs) {
  const std::string id = NewId("probe-exec");
  if (!CreateContainer(stub, id, BenchSpec(ctx, {"sleep", "1000"}, false))
           .ok() ||
      !StartContainer(stub, id).ok()) {
    fprintf(stderr, "%s: no container\n", name);
    return;
  }
  std::vector<double> ms;
  int errors = 0;
  for (int i = 0; i < runs + 2; ++i) {
    v1::ExecRequest req;
    req.set_container_id(id);
    req.mutable_process()->add_args("/bin/true");
    req.set_sync(true);
    if (security != nullptr) *req.mutable_security() = *security;
    v1::ExecResponse resp;
    absl::Time t0 = absl::Now();
    grpc::Status s = stub->Exec(CallContext().get(), req, &resp);
    absl::Time t1 = absl::Now();
    if (!s.ok() || resp.exit_code() != 0) {
      ++errors;
      continue;
    }
    if (i >= 2) ms.push_back(Ms(t0, t1));
  }
  (void)DeleteContainer(stub, id, true);
  printf("%-24s exec  %7.2f ms  (errors %d)\n", name, Median(ms), errors);
  fflush(stdout);
}

// warrend's CPU time (schedstat, ns) and context switches, summed over its
// threads, so a probe can say what one call costs warrend beyond its
// latency: every hand-off between two of gRPC's threads shows as context
// switches per call, and by_thread says which threads take part.
struct DaemonCost {
  double cpu_ms = 0;
  long switches = 0;
  std::map<std::string, long> switches_by_thread;  // by comm and tid
};

DaemonCost CostOf(pid_t pid) {
  DaemonCost cost;
  std::string dir = absl::StrCat("/proc/", pid, "/task");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return cost;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string base = absl::StrCat(dir, "/", e->d_name);
    if (FILE* f = fopen((base + "/schedstat").c_str(), "r")) {
      unsigned long long run_ns = 0;
      if (fscanf(f, "%llu", &run_ns) == 1) cost.cpu_ms += run_ns / 1e6;
      fclose(f);
    }
    if (FILE* f = fopen((base + "/status").c_str(), "r")) {
      char line[256];
      std::string name;
      while (fgets(line, sizeof(line), f)) {
        long v = 0;
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
            sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1) {
          cost.switches += v;
          cost.switches_by_thread[name] += v;
        }
        char comm[64];
        if (sscanf(line, "Name: %63s", comm) == 1) {
          name = absl::StrCat(comm, "/", e->d_name);
        }
      }
      fclose(f);
    }
  }
  closedir(d);
  return cost;
}

// Unary call latency with `n` running containers: gRPC's own Health/Check
// (before and after), Inspect of one, Inspect of an unknown id (no record
// copy, no /proc reads) and ListNetworks (a sync handler), to separate
// warren's work from gRPC's.
void ProbeApi(const BenchWarrend& warrend, v1::ContainerService::Stub* stub,
              const BenchContext& ctx, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(NewId("probe-api"));
    if (!CreateContainer(stub, ids.back(),
                         BenchSpec(ctx, {"sleep", "1000"}, false))
             .ok() ||
        !StartContainer(stub, ids.back()).ok()) {
      fprintf(stderr, "api: container %d failed\n", i);
    }
  }
  auto time = [&](const char* name, const std::function<grpc::Status()>& call) {
    std::vector<double> us;
    DaemonCost before;
    for (int i = 0; i < 1020; ++i) {
      if (i == 20) before = CostOf(warrend.pid());
      absl::Time t0 = absl::Now();
      grpc::Status s = call();
      absl::Time t1 = absl::Now();
      if (i >= 20) us.push_back(Us(t0, t1));
    }
    DaemonCost after = CostOf(warrend.pid());
    printf(
        "%-24s %7.1f us median with %d containers; warrend %.1f us CPU, "
        "%.2f context switches per call\n",
        // 1000 timed calls: milliseconds in all are microseconds per call.
        name, Median(us), n, after.cpu_ms - before.cpu_ms,
        (after.switches - before.switches) / 1000.0);
    for (const auto& [thread, count] : after.switches_by_thread) {
      long delta = count - before.switches_by_thread[thread];
      if (delta >= 100)
        printf("    %-28s %.2f per call\n", thread.c_str(), delta / 1000.0);
    }
    fflush(stdout);
  };
  auto health = grpc::health::v1::Health::NewStub(warrend.UnixChannel());
  time("health check", [&] {
    grpc::ClientContext c;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    return health->Check(&c, req, &resp);
  });
  int next = 0;
  time("inspect", [&] {
    grpc::ClientContext c;
    v1::InspectRequest req;
    req.set_id(ids[next++ % ids.size()]);
    v1::InspectResponse resp;
    return stub->Inspect(&c, req, &resp);
  });
  time("inspect unknown id", [&] {
    grpc::ClientContext c;
    v1::InspectRequest req;
    req.set_id("wbench-no-such-container");
    v1::InspectResponse resp;
    return stub->Inspect(&c, req, &resp);
  });
  time("list networks", [&] {
    grpc::ClientContext c;
    v1::ListNetworksResponse resp;
    return stub->ListNetworks(&c, {}, &resp);
  });
  time("health check again", [&] {
    grpc::ClientContext c;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    return health->Check(&c, req, &resp);
  });
  for (const std::string& id : ids) (void)DeleteContainer(stub, id, true);
}

int Main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  BenchContext ctx;
  ctx.work_dir = Absolute(absl::GetFlag(FLAGS_work_dir));
  ctx.warrend = Absolute(absl::GetFlag(FLAGS_warrend));
  ctx.monitor = Absolute(absl::GetFlag(FLAGS_monitor));
  ctx.image = ctx.work_dir + "/images/busybox";
  const int runs = absl::GetFlag(FLAGS_runs);
  BenchWarrend(ctx, "").Cleanup();
  if (RunProgram({"/bin/bash", Absolute(absl::GetFlag(FLAGS_image_script)),
                  ctx.image}) != 0) {
    fprintf(stderr, "cannot build the image\n");
    return 1;
  }
  {
    BenchWarrend warrend(ctx, "");
    if (absl::Status s = warrend.Start(); !s.ok()) {
      fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 1;
    }
    auto stub = warrend.UnixStub();
    if (absl::GetFlag(FLAGS_api_fleet) > 0) {
      ProbeApi(warrend, stub.get(), ctx, absl::GetFlag(FLAGS_api_fleet));
      return 0;  // ~BenchWarrend cleans up
    }
    const v1::ContainerSpec base = BenchSpec(ctx, {"/bin/true"}, false);
    auto variant = [&](const char* name,
                       const std::function<void(v1::ContainerSpec*)>& edit) {
      v1::ContainerSpec spec = base;
      edit(&spec);
      Probe(name, stub.get(), spec, runs);
    };
    ProbeExec("exec default", stub.get(), ctx, nullptr, runs);
    v1::SecuritySpec unconfined;
    unconfined.set_seccomp_profile("unconfined");
    ProbeExec("exec unconfined", stub.get(), ctx, &unconfined, runs);
    variant("true, none", [](auto*) {});
    variant("+ memory 64m", [](v1::ContainerSpec* s) {
      s->mutable_resources()->set_memory_limit_bytes(64 << 20);
    });
    variant("seccomp unconfined", [](v1::ContainerSpec* s) {
      s->mutable_security()->set_seccomp_profile("unconfined");
    });
    variant("privileged", [](v1::ContainerSpec* s) {
      s->mutable_security()->set_privileged(true);
    });
    variant("host network", [](v1::ContainerSpec* s) {
      s->mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
      s->mutable_namespaces()->mutable_network()->set_mode(
          v1::NamespaceSpec::MODE_HOST);
    });
    variant("host cgroup ns", [](v1::ContainerSpec* s) {
      s->mutable_namespaces()->mutable_cgroup()->set_mode(
          v1::NamespaceSpec::MODE_HOST);
    });
    variant("bridge", [](v1::ContainerSpec* s) {
      s->mutable_network()->set_mode(v1::NetworkSpec::MODE_BRIDGE);
    });
    variant("sleep, none", [](v1::ContainerSpec* s) {
      s->mutable_process()->set_args(0, "sleep");
      s->mutable_process()->add_args("1000");
    });
    variant("sleep, bridge", [](v1::ContainerSpec* s) {
      s->mutable_process()->set_args(0, "sleep");
      s->mutable_process()->add_args("1000");
      s->mutable_network()->set_mode(v1::NetworkSpec::MODE_BRIDGE);
    });
  }
  RunProgram({"/bin/rm", "-rf", ctx.work_dir});
  return 0;
}

}  // namespace
}  // namespace warren::bench

int main(int argc, char** argv) { return warren::bench::Main(argc, argv); }
