// BridgeNetworking over fake netlink and nftables: how Delete's release
// (ReleaseExited) waits for the kernel to remove a dying container's veth,
// and what must not wait for it (a new container of the same id, deleting
// the network, the network's container list). No root.
#include "runtime/bridge_networking.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/algorithm/container.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netns/attachment_plan.h"
#include "netns/firewall.h"
#include "runtime/file_util.h"
#include "tests/netns/fake_firewall_ops.h"
#include "tests/netns/fake_netlink_ops.h"

namespace warren::runtime {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

using ::testing::Not;

class BridgeNetworkingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warren-bn-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    BridgeNetworkingOptions options;
    options.state_dir = dir_ + "/state";
    options.run_dir = dir_ + "/run";
    // The queue's own checks never come due: what happens is what the test
    // asks for, on the test's thread.
    options.deferred_release.first_interval = absl::Hours(1);
    options.deferred_release.grace = absl::Hours(2);
    options_ = options;
    absl::StatusOr<std::unique_ptr<BridgeNetworking>> n =
        BridgeNetworking::Open(options, &ops_, &firewall_);
    ASSERT_TRUE(n.ok()) << n.status();
    net_ = *std::move(n);
  }
  void TearDown() override {
    net_.reset();
    (void)system(("rm -rf " + dir_).c_str());
  }

  // Reserve + Attach of a bridged container `id` on `network`.
  v1::NetworkInfo Connect(const std::string& id,
                          const std::string& network = "") {
    v1::NetworkSpec spec;
    spec.set_mode(v1::NetworkSpec::MODE_BRIDGE);
    spec.set_network(network);
    absl::StatusOr<v1::NetworkInfo> info = net_->Reserve(id, spec);
    EXPECT_TRUE(info.ok()) << info.status();
    if (!info.ok()) return {};
    absl::Status attached = net_->Attach(id, getpid());
    EXPECT_TRUE(attached.ok()) << attached;
    return *info;
  }
  std::vector<std::string> Containers(const std::string& network) {
    for (const v1::Network& n : net_->ListNetworks("")) {
      if (n.config().name() == network) {
        return {n.containers().begin(), n.containers().end()};
      }
    }
    return {};
  }
  bool HasLink(const std::string& name) { return ops_.links().count(name) > 0; }
  int Count(const std::string& call) {
    return absl::c_count(ops_.calls(), call);
  }

  std::string dir_;
  BridgeNetworkingOptions options_;
  netns::testing::FakeNetlinkOps ops_;
  netns::testing::FakeFirewallOps firewall_ops_;
  netns::Firewall firewall_{&firewall_ops_, "warren_test"};
  std::unique_ptr<BridgeNetworking> net_;
};

TEST_F(BridgeNetworkingTest, VethAlreadyGoneIsReleasedAtOnce) {
  v1::NetworkInfo info = Connect("web");
  const std::string veth = netns::HostVethName("web");
  ASSERT_TRUE(HasLink(veth));
  ASSERT_TRUE(ops_.DeleteLink(veth).ok());  // the kernel was quick
  ASSERT_TRUE(net_->ReleaseExited("web", "warren").ok());
  EXPECT_THAT(Containers("warren"), IsEmpty());
  // The address is free again: another container may take it.
  v1::NetworkSpec spec;
  spec.set_mode(v1::NetworkSpec::MODE_BRIDGE);
  spec.set_ip(info.ip().substr(0, info.ip().find('/')));
  EXPECT_TRUE(net_->Reserve("other", spec).ok());
}

TEST_F(BridgeNetworkingTest, DyingVethIsNotDeletedByDelete) {
  Connect("web");
  const std::string veth = netns::HostVethName("web");
  ASSERT_TRUE(net_->ReleaseExited("web", "warren").ok());
  // No synchronous unregistration on Delete's path; the veth is left to
  // the namespace teardown, and the container is off the network's list.
  EXPECT_EQ(Count("DeleteLink " + veth), 0);
  EXPECT_THAT(ops_.calls(), Contains("LinkExists " + veth));
  EXPECT_THAT(Containers("warren"), IsEmpty());
  // Its address is still held (its veth may still answer): a static
  // request for it is refused.
  v1::NetworkSpec spec;
  spec.set_mode(v1::NetworkSpec::MODE_BRIDGE);
  spec.set_ip("10.88.0.2");
  EXPECT_EQ(net_->Reserve("other", spec).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(BridgeNetworkingTest, SameIdFinishesThePendingReleaseFirst) {
  Connect("web");
  const std::string veth = netns::HostVethName("web");
  ASSERT_TRUE(net_->ReleaseExited("web", "warren").ok());
  ASSERT_EQ(Count("DeleteLink " + veth), 0);
  // The new container needs the veth name: the old one is deleted now.
  Connect("web");
  EXPECT_EQ(Count("DeleteLink " + veth), 1);
  EXPECT_TRUE(HasLink(veth));  // the new container's
  EXPECT_EQ(Containers("warren"), std::vector<std::string>{"web"});
}

TEST_F(BridgeNetworkingTest, DeleteNetworkFinishesItsPendingReleases) {
  v1::NetworkConfig config;
  config.set_name("backend");
  config.set_subnet("10.77.0.0/24");
  ASSERT_TRUE(net_->CreateNetwork(config, "").ok());
  Connect("db", "backend");
  ASSERT_TRUE(net_->ReleaseExited("db", "backend").ok());
  EXPECT_TRUE(net_->DeleteNetwork("backend", "").ok());
  EXPECT_EQ(Count("DeleteLink " + netns::HostVethName("db")), 1);
}

TEST_F(BridgeNetworkingTest, ShutdownFinishesPendingReleases) {
  Connect("web");
  const std::string veth = netns::HostVethName("web");
  ASSERT_TRUE(net_->ReleaseExited("web", "warren").ok());
  net_.reset();
  EXPECT_EQ(Count("DeleteLink " + veth), 1);
  EXPECT_FALSE(HasLink(veth));
}

TEST_F(BridgeNetworkingTest, AllocationsLiveInTheRunDirectory) {
  Connect("a");
  EXPECT_TRUE(Exists(options_.run_dir + "/ipam/warren.ips"));
  EXPECT_FALSE(Exists(options_.state_dir + "/ipam"));
}

// A warrend from before kept allocations in the state directory: a new one
// takes them over (their containers may still run) and removes the old.
TEST_F(BridgeNetworkingTest, TakesOverAllocationsFromTheStateDirectory) {
  v1::NetworkInfo first = Connect("a");
  const std::string ip = first.ip().substr(0, first.ip().find('/'));
  ASSERT_FALSE(ip.empty());
  net_.reset();
  const std::string legacy = options_.state_dir + "/ipam";
  ASSERT_TRUE(MakeDirs(legacy).ok());
  ASSERT_EQ(rename((options_.run_dir + "/ipam/warren.ips").c_str(),
                   (legacy + "/warren.ips").c_str()),
            0);
  absl::StatusOr<std::unique_ptr<BridgeNetworking>> reopened =
      BridgeNetworking::Open(options_, &ops_, &firewall_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  net_ = *std::move(reopened);
  EXPECT_FALSE(Exists(legacy));
  v1::NetworkSpec spec;
  spec.set_mode(v1::NetworkSpec::MODE_BRIDGE);
  spec.set_ip(ip);
  absl::Status taken = net_->Reserve("b", spec).status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists) << taken;
  spec.clear_ip();
  absl::StatusOr<v1::NetworkInfo> other = net_->Reserve("c", spec);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(other->ip(), first.ip());
}

// After a reboot the run directory is empty; a stopped container's record
// still names its address, which it keeps until Delete.
TEST_F(BridgeNetworkingTest, ReconcileGivesRecordedAddressesBack) {
  v1::NetworkInfo kept = Connect("a");
  const std::string ip = kept.ip().substr(0, kept.ip().find('/'));
  net_.reset();
  ASSERT_EQ(system(("rm -rf " + options_.run_dir).c_str()), 0);
  absl::StatusOr<std::unique_ptr<BridgeNetworking>> rebooted =
      BridgeNetworking::Open(options_, &ops_, &firewall_);
  ASSERT_TRUE(rebooted.ok()) << rebooted.status();
  net_ = *std::move(rebooted);
  ASSERT_TRUE(net_->Reconcile({{"a", kept}}).ok());
  v1::NetworkSpec spec;
  spec.set_mode(v1::NetworkSpec::MODE_BRIDGE);
  spec.set_ip(ip);
  absl::Status taken = net_->Reserve("b", spec).status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists) << taken;
  EXPECT_THAT(Containers("warren"), Contains("a"));
}

}  // namespace
}  // namespace warren::runtime
