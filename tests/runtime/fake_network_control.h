// A NetworkControl that records what the container manager asks of
// networking (reserve, attach, release, reconcile) and can be told to fail
// a step, so the manager's ordering and undo are tested without root.
#ifndef WARREN_TESTS_RUNTIME_FAKE_NETWORK_CONTROL_H_
#define WARREN_TESTS_RUNTIME_FAKE_NETWORK_CONTROL_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/network_control.h"

namespace warren::testing {

class FakeNetworkControl : public runtime::NetworkControl {
 public:
  // Outlives the fake, so a test can look at it after the manager is gone.
  struct State {
    std::vector<std::string> calls;  // "reserve web", "attach web 42", ...
    std::set<std::string> held;      // ids holding an address
    absl::Status fail_reserve;
    absl::Status fail_attach;
    absl::flat_hash_map<std::string, v1::NetworkInfo> reconciled;
  };

  explicit FakeNetworkControl(State* state) : state_(state) {}

  absl::StatusOr<v1::NetworkInfo> Reserve(
      const std::string& id, const v1::NetworkSpec& spec) override {
    state_->calls.push_back("reserve " + id);
    if (!state_->fail_reserve.ok()) return state_->fail_reserve;
    state_->held.insert(id);
    v1::NetworkInfo info;
    info.set_network(spec.network().empty() ? "warren" : spec.network());
    info.set_ip(absl::StrCat("10.88.0.", state_->held.size() + 1, "/16"));
    *info.mutable_ports() = spec.ports();
    return info;
  }
  absl::Status Attach(const std::string& id, pid_t pid) override {
    state_->calls.push_back(absl::StrCat("attach ", id, " ", pid));
    return state_->fail_attach;
  }
  absl::Status Release(const std::string& id,
                       const std::string& network) override {
    state_->calls.push_back(absl::StrCat("release ", id, " ", network));
    state_->held.erase(id);
    return absl::OkStatus();
  }
  absl::Status ReleaseExited(const std::string& id,
                             const std::string& network) override {
    state_->calls.push_back(absl::StrCat("release-exited ", id, " ", network));
    state_->held.erase(id);
    return absl::OkStatus();
  }
  absl::Status Reconcile(
      const absl::flat_hash_map<std::string, v1::NetworkInfo>& live) override {
    state_->calls.push_back("reconcile");
    state_->reconciled = live;
    return absl::OkStatus();
  }
  std::string ResolvConf(const std::string&) override {
    return "nameserver 10.0.0.53\n";
  }
  absl::StatusOr<v1::Network> CreateNetwork(
      const v1::NetworkConfig& config, const std::string& tenant) override {
    v1::Network n;
    *n.mutable_config() = config;
    n.set_tenant(tenant);
    return n;
  }
  std::vector<v1::Network> ListNetworks(const std::string&) override {
    return {};
  }
  absl::Status DeleteNetwork(const std::string&, const std::string&) override {
    return absl::OkStatus();
  }

 private:
  State* state_;
};

}  // namespace warren::testing

#endif  // WARREN_TESTS_RUNTIME_FAKE_NETWORK_CONTROL_H_
