// No leftovers from container networking: 200 networked containers
// created and deleted, warrend killed in the middle of network setup and
// restarted, and the same id networked again right after its Delete leave
// no host veth, address or port rule behind.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netns/attachment_plan.h"
#include "tests/integration/network_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(NetworkTest, ChurnOf200LeavesNoLeftovers) {
  // Make the bridge first, so only per-container links are counted.
  CreateOrDie("warmup", Bridged("true"));
  Delete("warmup");
  ASSERT_TRUE(VethGone("warmup"));
  std::set<std::string> before = ContainerLinks();
  size_t links_before = HostLinks().size();
  int base_port = 25000 + getpid() % 20000;
  for (int i = 0; i < 200; ++i) {
    std::string id = absl::StrCat("churn", i);
    v1::ContainerSpec spec = Bridged("true");
    if (i % 10 == 0) {
      spec.mutable_network()->add_ports()->set_host_port(base_port + i);
    }
    CreateOrDie(id, spec);
    if (i % 2 == 0) StartOrDie(id);
    Delete(id);
  }
  EXPECT_EQ(ContainerLinksSettled(before), before);
  EXPECT_EQ(HostLinks().size(), links_before);  // the kernel's link count
  EXPECT_TRUE(Holders().empty());
  // The table is still there (the default network masquerades), without a
  // single forward left.
  std::string rules = NftTable(warrend_->nft_table());
  EXPECT_THAT(rules, HasSubstr("masquerade"));
  EXPECT_THAT(rules, Not(HasSubstr("dnat"))) << rules;
}

TEST_F(NetworkTest, KilledDuringSetupIsReconciledAfterRestart) {
  CreateOrDie("warmup", Bridged("true"));
  Delete("warmup");
  ASSERT_TRUE(VethGone("warmup"));
  std::set<std::string> before = ContainerLinks();
  for (int round = 0; round < 4; ++round) {
    std::atomic<bool> stop{false};
    std::thread creator([&] {
      auto stub = v1::ContainerService::NewStub(warrend_->NewChannel());
      for (int i = 0; !stop && i < 50; ++i) {
        v1::CreateRequest req;
        req.set_id(absl::StrCat("r", round, "-", i));
        *req.mutable_spec() = Bridged("sleep 100");
        v1::CreateResponse resp;
        (void)stub->Create(Ctx(5).get(), req, &resp);
      }
    });
    usleep((100 + 70 * round) * 1000);
    warrend_->Stop(SIGKILL);
    stop = true;
    creator.join();
    warrend_->Start();
    stub_ = v1::ContainerService::NewStub(warrend_->NewChannel());
    v1::ListResponse list;
    ASSERT_TRUE(stub_->List(Ctx().get(), {}, &list).ok());
    std::set<std::string> listed;
    for (const auto& c : list.containers()) listed.insert(c.id());
    // Only containers warrend knows hold addresses and host veths.
    EXPECT_EQ(Holders(), listed) << "round " << round;
    for (const std::string& link : HostLinks()) {
      if (!netns::IsHostVethName(link)) continue;
      bool owned = false;
      for (const std::string& id : listed) {
        owned |= netns::HostVethName(id) == link;
      }
      EXPECT_TRUE(owned) << "stale veth " << link << " in round " << round;
    }
    for (const std::string& id : listed) Delete(id);
  }
  EXPECT_EQ(ContainerLinksSettled(before), before);
  EXPECT_TRUE(Holders().empty());
}

// Delete returns before the kernel has removed the veth; a new container
// of the same id right away still gets a veth of that name, an address and
// a working network, and none of it is left at the end.
TEST_F(NetworkTest, SameIdRightAfterDeleteIsNetworkedAgain) {
  CreateOrDie("warmup", Bridged("true"));
  Delete("warmup");
  ASSERT_TRUE(VethGone("warmup"));
  std::set<std::string> before = ContainerLinks();
  for (int round = 0; round < 5; ++round) {
    v1::Container c = CreateOrDie("again", Bridged("sleep 100"));
    ASSERT_FALSE(c.network().ip().empty()) << "round " << round;
    StartOrDie("again");
    EXPECT_EQ(Holders(), std::set<std::string>{"again"}) << "round " << round;
    EXPECT_EQ(ContainerLinks().count(netns::HostVethName("again")), 1u)
        << "round " << round;
    Delete("again");
    // Not listed on the network any more, even while its veth may linger.
    EXPECT_TRUE(Holders().empty()) << "round " << round;
  }
  EXPECT_EQ(ContainerLinksSettled(before), before);
}

}  // namespace
}  // namespace warren::testing
