// A FirewallOps that records every script and sysctl write in order and can
// be told to fail, so Firewall's syncing and rollback are tested without
// root. Like the kernel, a failed Run leaves the "applied" script unchanged.
#ifndef WARREN_TESTS_NETNS_FAKE_FIREWALL_OPS_H_
#define WARREN_TESTS_NETNS_FAKE_FIREWALL_OPS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "netns/firewall_ops.h"

namespace warren::netns::testing {

class FakeFirewallOps : public FirewallOps {
 public:
  // The next `n` Runs fail with `status` (n < 0: all of them).
  void FailRuns(absl::Status status, int n = -1) {
    run_status_ = std::move(status);
    failing_runs_ = n;
  }
  // Writes to `path` fail with `status`.
  void FailSysctl(const std::string& path, absl::Status status) {
    sysctl_status_[path] = std::move(status);
  }

  // Every script Run was called with (also failed ones), in order.
  const std::vector<std::string>& scripts() const { return scripts_; }
  // The last script that succeeded: what the "kernel" has.
  const std::string& applied() const { return applied_; }
  // "path=value" per successful write, in order.
  const std::vector<std::string>& sysctl_writes() const {
    return sysctl_writes_;
  }
  // Every call, in order: "run" or "sysctl path=value".
  const std::vector<std::string>& calls() const { return calls_; }

  absl::Status Run(const std::string& nft_script) override {
    calls_.push_back("run");
    scripts_.push_back(nft_script);
    if (failing_runs_ != 0) {
      if (failing_runs_ > 0) --failing_runs_;
      return run_status_;
    }
    applied_ = nft_script;
    return absl::OkStatus();
  }

  absl::Status WriteSysctl(const std::string& path,
                           const std::string& value) override {
    calls_.push_back(absl::StrCat("sysctl ", path, "=", value));
    auto it = sysctl_status_.find(path);
    if (it != sysctl_status_.end()) return it->second;
    sysctl_writes_.push_back(absl::StrCat(path, "=", value));
    return absl::OkStatus();
  }

 private:
  absl::Status run_status_;
  int failing_runs_ = 0;
  std::map<std::string, absl::Status> sysctl_status_;
  std::vector<std::string> scripts_;
  std::string applied_;
  std::vector<std::string> sysctl_writes_;
  std::vector<std::string> calls_;
};

}  // namespace warren::netns::testing

#endif  // WARREN_TESTS_NETNS_FAKE_FIREWALL_OPS_H_
