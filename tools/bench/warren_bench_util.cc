#include "tools/bench/warren_bench_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tools/bench/bench_warrend.h"

extern char** environ;

namespace warren::bench {
namespace {

// "Key:   123 kB" -> 123 from a /proc file; -1 if absent.
int64_t ProcKb(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, key) || !absl::ConsumePrefix(&rest, ":")) {
      continue;
    }
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, "kB");
    int64_t kb = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kb)) return kb;
  }
  return -1;
}

}  // namespace

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv,
                            const SpawnIo& io) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const int fds[3] = {io.stdin_fd, io.stdout_fd, io.stderr_fd};
  for (int target = 0; target < 3; ++target) {
    if (fds[target] < 0) {
      posix_spawn_file_actions_addopen(&actions, target, "/dev/null",
                                       target == 0 ? O_RDONLY : O_WRONLY, 0);
    } else {
      posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    }
  }
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::ErrnoToStatus(rc, absl::StrCat("spawn ", argv[0]));
  return pid;
}

int WaitPid(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

int RunProgram(const std::vector<std::string>& argv, std::string* output) {
  int out[2] = {-1, -1};
  if (output != nullptr && pipe2(out, O_CLOEXEC) != 0) return -1;
  SpawnIo io;
  io.stdout_fd = out[1];
  io.stderr_fd = out[1];
  absl::StatusOr<pid_t> pid = Spawn(argv, io);
  if (out[1] >= 0) close(out[1]);
  if (output != nullptr) {
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof(buf))) > 0 ||
           (n < 0 && errno == EINTR))
      if (n > 0) output->append(buf, static_cast<size_t>(n));
    close(out[0]);
  }
  return pid.ok() ? WaitPid(*pid) : -1;
}

int RunShell(const std::string& script) {
  return RunProgram({"/bin/sh", "-c",
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                     "/sbin:/bin; " +
                         script});
}

int64_t StatusKb(pid_t pid, const std::string& field) {
  return ProcKb(absl::StrCat("/proc/", pid, "/status"), field);
}

int64_t PssKb(pid_t pid) {
  return ProcKb(absl::StrCat("/proc/", pid, "/smaps_rollup"), "Pss");
}

std::unique_ptr<grpc::ClientContext> CallContext(absl::Duration timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return ctx;
}

std::string NewId(const std::string& tag) {
  static std::atomic<int> counter{0};
  return absl::StrCat(kBenchIdPrefix, tag, "-", getpid(), "-", counter++);
}

v1::ContainerSpec BenchSpec(const BenchContext& ctx,
                            std::vector<std::string> args, bool bridge) {
  v1::ContainerSpec spec;
  spec.set_rootfs(ctx.image);
  for (std::string& a : args) spec.mutable_process()->add_args(std::move(a));
  v1::NamespacesSpec* ns = spec.mutable_namespaces();
  for (v1::NamespaceSpec* n :
       {ns->mutable_pid(), ns->mutable_ipc(), ns->mutable_uts(),
        ns->mutable_mount(), ns->mutable_network()}) {
    n->set_mode(v1::NamespaceSpec::MODE_NEW);
  }
  spec.mutable_network()->set_mode(bridge ? v1::NetworkSpec::MODE_BRIDGE
                                          : v1::NetworkSpec::MODE_NONE);
  spec.set_stop_signal("SIGKILL");
  return spec;
}

grpc::Status CreateContainer(v1::ContainerService::Stub* stub,
                             const std::string& id,
                             const v1::ContainerSpec& spec,
                             v1::Container* out) {
  v1::CreateRequest req;
  req.set_id(id);
  *req.mutable_spec() = spec;
  v1::CreateResponse resp;
  grpc::Status s = stub->Create(CallContext().get(), req, &resp);
  if (out != nullptr) *out = resp.container();
  return s;
}

grpc::Status StartContainer(v1::ContainerService::Stub* stub,
                            const std::string& id) {
  v1::StartRequest req;
  req.set_id(id);
  v1::StartResponse resp;
  return stub->Start(CallContext().get(), req, &resp);
}

grpc::Status WaitContainer(v1::ContainerService::Stub* stub,
                           const std::string& id, v1::ExitStatus* out) {
  v1::WaitRequest req;
  req.set_id(id);
  v1::WaitResponse resp;
  grpc::Status s = stub->Wait(CallContext().get(), req, &resp);
  if (out != nullptr) *out = resp.status();
  return s;
}

grpc::Status DeleteContainer(v1::ContainerService::Stub* stub,
                             const std::string& id, bool force) {
  v1::DeleteRequest req;
  req.set_id(id);
  req.set_force(force);
  v1::DeleteResponse resp;
  return stub->Delete(CallContext().get(), req, &resp);
}

double Ms(absl::Time from, absl::Time to) {
  return absl::ToDoubleMilliseconds(to - from);
}

double Us(absl::Time from, absl::Time to) {
  return absl::ToDoubleMicroseconds(to - from);
}

void ErrorLog::Add(const std::string& what) {
  absl::MutexLock lock(&mu_);
  ++count_;
  if (messages_.size() < 3 &&
      std::find(messages_.begin(), messages_.end(), what) == messages_.end()) {
    messages_.push_back(what.substr(0, 300));
  }
}

void ErrorLog::Add(const std::string& what, const grpc::Status& status) {
  Add(absl::StrCat(what, ": code ", status.error_code(), " ",
                   status.error_message()));
}

int ErrorLog::count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

void ErrorLog::Finish(Series* series) const {
  absl::MutexLock lock(&mu_);
  series->errors += count_;
  for (const std::string& m : messages_) {
    absl::StrAppend(&series->note, series->note.empty() ? "" : "; ",
                    "error: ", m);
  }
}

}  // namespace warren::bench
