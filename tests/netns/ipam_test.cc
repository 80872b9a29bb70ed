// IpamStore over a temporary directory: allocation order, static addresses,
// conflicts, exhaustion, persistence across instances, release, reconcile.
#include "netns/ipam.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/netns/status_matchers.h"

namespace warren::netns {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

NetworkConfig Net(const std::string& name, const std::string& subnet,
                  const std::string& gateway) {
  NetworkConfig c;
  c.name = name;
  c.bridge = "br-" + name;
  c.subnet = subnet;
  c.gateway = gateway;
  return c;
}

class IpamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        std::string(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp") +
        "/ipam.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl + "/state";  // Open creates it
    auto store = IpamStore::Open(dir_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }
  void TearDown() override {
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }

  std::string ReadFile(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_;
  std::unique_ptr<IpamStore> store_;
  const NetworkConfig net_ = Net("web", "10.89.0.0/24", "10.89.0.1");
};

TEST_F(IpamTest, AllocatesLowestFreeSkippingNetworkAndGateway) {
  EXPECT_EQ(*store_->Allocate(net_, "a"), "10.89.0.2");
  EXPECT_EQ(*store_->Allocate(net_, "b"), "10.89.0.3");
  EXPECT_EQ(*store_->Allocate(net_, "c"), "10.89.0.4");
  ASSERT_THAT(store_->Release("web", "b"), IsOk());
  EXPECT_EQ(*store_->Allocate(net_, "d"), "10.89.0.3");  // the hole first
  EXPECT_EQ(*store_->Lookup("web", "c"), "10.89.0.4");
}

TEST_F(IpamTest, GatewayInTheMiddleIsSkipped) {
  const NetworkConfig net = Net("mid", "10.90.0.0/29", "10.90.0.3");
  std::vector<std::string> got;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    absl::StatusOr<std::string> ip = store_->Allocate(net, id);
    ASSERT_THAT(ip, IsOk()) << id;
    got.push_back(*ip);
  }
  EXPECT_THAT(got, ElementsAre("10.90.0.1", "10.90.0.2", "10.90.0.4",
                               "10.90.0.5", "10.90.0.6"));
  EXPECT_THAT(store_->Allocate(net, "f"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("\"mid\""), HasSubstr("10.90.0.0/29"),
                             HasSubstr("no free address"))));
}

TEST_F(IpamTest, SlashThirtyHasOneAddress) {
  const NetworkConfig net = Net("tiny", "10.91.0.0/30", "10.91.0.1");
  EXPECT_EQ(*store_->Allocate(net, "a"), "10.91.0.2");
  EXPECT_THAT(store_->Allocate(net, "b"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("all 1 container addresses")));
  ASSERT_THAT(store_->Release("tiny", "a"), IsOk());
  EXPECT_EQ(*store_->Allocate(net, "b"), "10.91.0.2");
}

TEST_F(IpamTest, StaticAddressIsHonouredAndConflictsAreAlreadyExists) {
  EXPECT_EQ(*store_->Allocate(net_, "a", "10.89.0.50"), "10.89.0.50");
  EXPECT_EQ(*store_->Allocate(net_, "b"), "10.89.0.2");
  EXPECT_THAT(store_->Allocate(net_, "c", "10.89.0.50"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       AllOf(StartsWith("requested_ip: "),
                             HasSubstr("taken by container a"))));
  EXPECT_THAT(store_->Allocate(net_, "c", "10.89.0.2"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("b")));
  // Dynamic allocation walks around the static one.
  EXPECT_EQ(*store_->Allocate(net_, "c"), "10.89.0.3");
}

TEST_F(IpamTest, BadStaticAddressesAreInvalid) {
  for (const char* bad :
       {"10.89.0.0", "10.89.0.1", "10.89.0.255", "10.88.0.2", "nope"}) {
    EXPECT_THAT(store_->Allocate(net_, "a", bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith("requested_ip: ")))
        << bad;
  }
  EXPECT_THAT(store_->Allocate(net_, "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("container_id: ")));
  EXPECT_THAT(store_->Allocate(net_, "a b", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("container_id: ")));
  EXPECT_THAT(
      store_->Release("../etc", "a"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("network: ")));
}

TEST_F(IpamTest, AllocateIsIdempotentPerContainer) {
  EXPECT_EQ(*store_->Allocate(net_, "a"), "10.89.0.2");
  EXPECT_EQ(*store_->Allocate(net_, "a"), "10.89.0.2");
  EXPECT_EQ(*store_->Allocate(net_, "a", "10.89.0.2"), "10.89.0.2");
  EXPECT_THAT(store_->Allocate(net_, "a", "10.89.0.9"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("already holds 10.89.0.2")));
  EXPECT_THAT(*store_->List("web"), ::testing::SizeIs(1));
}

TEST_F(IpamTest, PersistsAcrossInstancesAndNetworksAreSeparate) {
  const NetworkConfig other = Net("db", "10.92.0.0/24", "10.92.0.1");
  ASSERT_THAT(store_->Allocate(net_, "a"), IsOk());
  ASSERT_THAT(store_->Allocate(net_, "b", "10.89.0.77"), IsOk());
  ASSERT_THAT(store_->Allocate(other, "a"), IsOk());

  auto reopened = IpamStore::Open(dir_);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(*(*reopened)->Lookup("web", "a"), "10.89.0.2");
  EXPECT_EQ(*(*reopened)->Lookup("web", "b"), "10.89.0.77");
  EXPECT_EQ(*(*reopened)->Lookup("db", "a"), "10.92.0.2");
  EXPECT_EQ(*(*reopened)->Allocate(net_, "c"), "10.89.0.3");
  EXPECT_THAT((*reopened)->Lookup("web", "zzz"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("zzz")));

  // The on-disk format is plain text, and no temporary file is left.
  EXPECT_THAT(ReadFile("web.ips"),
              AllOf(HasSubstr("10.89.0.2 a\n"), HasSubstr("10.89.0.77 b\n"),
                    HasSubstr("10.89.0.3 c\n")));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/web.ips.tmp"));
}

TEST_F(IpamTest, ReleaseIsPersistedAndIdempotent) {
  ASSERT_THAT(store_->Allocate(net_, "a"), IsOk());
  ASSERT_THAT(store_->Release("web", "a"), IsOk());
  ASSERT_THAT(store_->Release("web", "a"), IsOk());
  ASSERT_THAT(store_->Release("never", "a"), IsOk());
  auto reopened = IpamStore::Open(dir_);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_THAT((*reopened)->Lookup("web", "a"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("a")));
}

TEST_F(IpamTest, ReconcileFreesAddressesOfGoneContainers) {
  const NetworkConfig other = Net("db", "10.92.0.0/24", "10.92.0.1");
  ASSERT_THAT(store_->Allocate(net_, "live1"), IsOk());
  ASSERT_THAT(store_->Allocate(net_, "dead1"), IsOk());
  ASSERT_THAT(store_->Allocate(other, "dead2"), IsOk());
  ASSERT_THAT(store_->Allocate(other, "live1"), IsOk());

  // A fresh instance (as after a restart) sees all networks on disk.
  auto reopened = IpamStore::Open(dir_);
  ASSERT_THAT(reopened, IsOk());
  absl::StatusOr<std::vector<IpAllocation>> freed =
      (*reopened)->Reconcile({"live1"});
  ASSERT_THAT(freed, IsOk());
  std::vector<std::string> what;
  for (const IpAllocation& a : *freed) {
    what.push_back(a.network + " " + a.container_id + " " + a.ip);
  }
  std::sort(what.begin(), what.end());
  EXPECT_THAT(what, ElementsAre("db dead2 10.92.0.2", "web dead1 10.89.0.3"));
  EXPECT_EQ(*(*reopened)->Lookup("web", "live1"), "10.89.0.2");
  EXPECT_EQ(*(*reopened)->Lookup("db", "live1"), "10.92.0.3");
  EXPECT_THAT(*(*reopened)->Reconcile({"live1"}), IsEmpty());
  // Persisted.
  auto third = IpamStore::Open(dir_);
  EXPECT_THAT((*third)->Lookup("web", "dead1"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("dead1")));
}

TEST_F(IpamTest, DropNetworkOnlyWhenEmpty) {
  ASSERT_THAT(store_->Allocate(net_, "a"), IsOk());
  EXPECT_THAT(store_->DropNetwork("web"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("container a")));
  ASSERT_THAT(store_->Release("web", "a"), IsOk());
  EXPECT_THAT(store_->DropNetwork("web"), IsOk());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/web.ips"));
  EXPECT_THAT(store_->DropNetwork("web"), IsOk());
}

TEST_F(IpamTest, CorruptFileIsDataLoss) {
  {
    std::ofstream out(dir_ + "/bad.ips");
    out << "# comment\n10.89.0.2 a\nnot-an-ip b\n";
  }
  EXPECT_THAT(store_->Lookup("bad", "a"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("bad.ips:3")));
}

TEST_F(IpamTest, ConcurrentAllocationsGetDistinctAddresses) {
  std::vector<std::thread> threads;
  std::vector<std::string> ips(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      ips[i] = store_->Allocate(net_, "c" + std::to_string(i)).value_or("");
    });
  }
  for (std::thread& t : threads) t.join();
  std::sort(ips.begin(), ips.end());
  EXPECT_EQ(std::unique(ips.begin(), ips.end()), ips.end());
  EXPECT_NE(ips.front(), "");
}

TEST_F(IpamTest, DirectoryIsPrivate) {
  struct stat st {};
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace warren::netns
