// A StartupSteps that touches nothing: it records every call in order, fails
// a chosen step on request, and models what the real steps leave on the host
// (a cgroup, the monitor's switched namespaces, a live init, a listening
// socket), so a test can check that a failed startup leaves none of them.
// It also notes violations of the ordering the real steps depend on: an undo
// of something that was never done, removing a cgroup the init is still in,
// releasing an init before it is in its cgroup.
#ifndef WARREN_TESTS_RUNTIME_MONITOR_FAKE_STARTUP_STEPS_H_
#define WARREN_TESTS_RUNTIME_MONITOR_FAKE_STARTUP_STEPS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/monitor/container_startup.h"

namespace warren::runtime::testing {

class FakeStartupSteps : public StartupSteps {
 public:
  static constexpr pid_t kDefaultInitPid = 4242;
  static constexpr int kListenFd = 77;

  // Step `name` (as recorded, without arguments) fails with `status` and
  // changes nothing.
  void Fail(const std::string& name, absl::Status status) {
    failures_[name] = std::move(status);
  }
  // The pid a successful CloneInit returns.
  void SetClonedPid(pid_t pid) { cloned_pid_ = pid; }

  const std::vector<std::string>& calls() const { return calls_; }
  const std::vector<std::string>& violations() const { return violations_; }

  // What the steps done so far (minus their undo) left behind.
  bool cgroup_exists() const { return cgroup_exists_; }
  bool namespaces_switched() const { return namespaces_switched_; }
  bool init_alive() const { return init_alive_; }
  bool listening() const { return listening_; }

  absl::Status CreateCgroup() override {
    if (absl::Status s = Record("CreateCgroup"); !s.ok()) return s;
    Check(!cgroup_exists_, "cgroup created twice");
    cgroup_exists_ = true;
    return absl::OkStatus();
  }

  absl::Status PrepareNamespaces() override {
    if (absl::Status s = Record("PrepareNamespaces"); !s.ok()) return s;
    Check(!namespaces_switched_, "namespaces prepared twice");
    namespaces_switched_ = true;
    return absl::OkStatus();
  }

  void RestoreNamespaces() override {
    calls_.push_back("RestoreNamespaces");
    Check(namespaces_switched_, "restored namespaces that were not prepared");
    namespaces_switched_ = false;
  }

  absl::StatusOr<pid_t> CloneInit() override {
    if (absl::Status s = Record("CloneInit"); !s.ok()) return s;
    Check(cgroup_exists_, "init cloned before its cgroup exists");
    Check(namespaces_switched_, "init cloned before namespaces were prepared");
    Check(!init_alive_, "init cloned twice");
    init_alive_ = cloned_pid_ > 0;
    return cloned_pid_;
  }

  absl::Status JoinCgroup(pid_t init_pid) override {
    if (absl::Status s = Record(absl::StrCat("JoinCgroup ", init_pid));
        !s.ok()) {
      return s;
    }
    CheckInit(init_pid, "JoinCgroup");
    Check(cgroup_exists_, "joined a cgroup that does not exist");
    Check(!namespaces_switched_, "namespaces not restored after clone");
    init_in_cgroup_ = true;
    return absl::OkStatus();
  }

  absl::Status ReleaseInit(pid_t init_pid) override {
    if (absl::Status s = Record(absl::StrCat("ReleaseInit ", init_pid));
        !s.ok()) {
      return s;
    }
    CheckInit(init_pid, "ReleaseInit");
    Check(init_in_cgroup_, "init released before it joined its cgroup");
    released_ = true;
    return absl::OkStatus();
  }

  absl::Status AwaitInit() override {
    if (absl::Status s = Record("AwaitInit"); !s.ok()) return s;
    Check(released_, "awaited an init that was not released");
    return absl::OkStatus();
  }

  absl::StatusOr<int> Listen() override {
    if (absl::Status s = Record("Listen"); !s.ok()) return s;
    listening_ = true;
    return kListenFd;
  }

  void KillInit(pid_t init_pid) override {
    calls_.push_back(absl::StrCat("KillInit ", init_pid));
    CheckInit(init_pid, "KillInit");
    init_alive_ = false;
    init_in_cgroup_ = false;
  }

  void RemoveCgroup() override {
    calls_.push_back("RemoveCgroup");
    Check(cgroup_exists_, "removed a cgroup that was not created");
    Check(!init_alive_, "removed the cgroup while the init lives");
    cgroup_exists_ = false;
  }

 private:
  absl::Status Record(const std::string& call) {
    calls_.push_back(call);
    auto it = failures_.find(call.substr(0, call.find(' ')));
    return it == failures_.end() ? absl::OkStatus() : it->second;
  }
  void Check(bool ok, const std::string& what) {
    if (!ok) violations_.push_back(what);
  }
  void CheckInit(pid_t pid, const std::string& call) {
    Check(init_alive_ && pid == cloned_pid_,
          absl::StrCat(call, " of ", pid, ", which is not a live init"));
  }

  std::map<std::string, absl::Status> failures_;
  pid_t cloned_pid_ = kDefaultInitPid;
  std::vector<std::string> calls_;
  std::vector<std::string> violations_;
  bool cgroup_exists_ = false;
  bool namespaces_switched_ = false;
  bool init_alive_ = false;
  bool init_in_cgroup_ = false;
  bool released_ = false;
  bool listening_ = false;
};

}  // namespace warren::runtime::testing

#endif  // WARREN_TESTS_RUNTIME_MONITOR_FAKE_STARTUP_STEPS_H_
