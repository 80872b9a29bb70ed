// The real thing, as root: two named network namespaces attached with
// LibnlNetlinkOps to a test bridge on a private test subnet must reach each
// other and the gateway; afterwards no link, namespace or file of the test
// is left. Traffic goes only to addresses this test created. The fixture's
// TearDown removes everything even when an assertion fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netns/attachment_plan.h"
#include "netns/ipam.h"
#include "netns/libnl_netlink_ops.h"
#include "netns/netns_file.h"
#include "netns/network_attacher.h"
#include "netns/network_config.h"
#include "tests/netns/status_matchers.h"

namespace warren::netns {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

std::string FirstExisting(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

struct Result {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command line (test only), capturing stdout and stderr.
Result RunShell(const std::string& command) {
  Result result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe))
    result.output.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Whether any route of the host's main table overlaps `cidr`.
bool HostRoutesOverlap(Ipv4Cidr cidr) {
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t', absl::SkipEmpty());
    uint32_t dst = 0, mask = 0;
    if (f.size() < 8 || !absl::SimpleHexAtoi(f[1], &dst) ||
        !absl::SimpleHexAtoi(f[7], &mask)) {
      continue;
    }
    dst = ntohl(dst);
    mask = ntohl(mask);
    if (mask == 0) continue;  // the default route overlaps everything
    int prefix = __builtin_popcount(mask);
    if (CidrsOverlap(cidr, {dst, prefix})) return true;
  }
  return false;
}

class NetlinkIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_NET_ADMIN)";
    nsenter_ = FirstExisting({"/usr/bin/nsenter", "/bin/nsenter"});
    busybox_ = FirstExisting({"/usr/bin/busybox", "/bin/busybox"});
    ip_ = FirstExisting({"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"});
    ASSERT_FALSE(nsenter_.empty()) << "nsenter (util-linux) is needed";
    ASSERT_FALSE(busybox_.empty()) << "busybox is needed for ping";
    if (ip_.empty()) ip_ = busybox_ + " ip";

    const int pid = getpid();
    bridge_ = absl::StrCat("wtb", pid);
    // A private test /24 that no host route uses.
    for (int k = 0; k < 250 && network_.subnet.empty(); ++k) {
      const uint32_t third = (pid + k) % 250;
      Ipv4Cidr candidate{(10u << 24) | (231u << 16) | (third << 8), 24};
      if (HostRoutesOverlap(candidate)) continue;
      network_.subnet = FormatIpv4Cidr(candidate);
      network_.gateway = FormatIpv4(candidate.address + 1);
    }
    ASSERT_FALSE(network_.subnet.empty()) << "no free 10.231.x.0/24";
    network_.name = "nltest";
    network_.bridge = bridge_;
    network_.mtu = 1400;
    ASSERT_THAT(ValidateNetworkConfig(network_, {}, "network"), IsOk());

    char tmpl[] = "/tmp/warren-nltest.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    auto ipam = IpamStore::Open(tmp_ + "/ipam");
    ASSERT_THAT(ipam, IsOk());
    ipam_ = std::move(*ipam);
  }

  void TearDown() override {
    for (int fd : fds_) close(fd);
    for (const std::string& id : ids_) {
      EXPECT_THAT(ops_.DeleteLink(HostVethName(id)), IsOk());
    }
    for (const std::string& path : netns_files_) {
      EXPECT_THAT(RemoveNetnsFile(path), IsOk());
    }
    if (!bridge_.empty()) {
      EXPECT_THAT(ops_.DeleteLink(bridge_), IsOk());
    }
    if (!tmp_.empty()) std::filesystem::remove_all(tmp_);
  }

  // A named netns for `name`, opened; both are cleaned up by TearDown.
  int NewNetns(const std::string& name) {
    absl::StatusOr<std::string> path = CreateNetnsFile(tmp_ + "/netns", name);
    EXPECT_THAT(path, IsOk());
    if (!path.ok()) return -1;
    netns_files_.push_back(*path);
    absl::StatusOr<int> fd = OpenNetnsFile(*path);
    EXPECT_THAT(fd, IsOk());
    if (!fd.ok()) return -1;
    fds_.push_back(*fd);
    return *fd;
  }

  std::string Id(const std::string& suffix) {
    std::string id = absl::StrCat("nltest-", getpid(), "-", suffix);
    ids_.push_back(id);
    return id;
  }

  Result InNetns(const std::string& netns_file, const std::string& command) {
    return RunShell(
        absl::StrCat(nsenter_, " --net=", netns_file, " ", command));
  }

  // Inside the netns: ping `ip` once, retrying a little (first ARP).
  bool Ping(const std::string& netns_file, const std::string& ip) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (InNetns(netns_file, absl::StrCat(busybox_, " ping -c1 -W1 ", ip))
              .exit_code == 0) {
        return true;
      }
    }
    return false;
  }

  std::string nsenter_, busybox_, ip_;
  std::string bridge_;
  std::string tmp_;
  NetworkConfig network_;
  LibnlNetlinkOps ops_;
  std::unique_ptr<IpamStore> ipam_;
  std::vector<int> fds_;
  std::vector<std::string> ids_;
  std::vector<std::string> netns_files_;
};

TEST_F(NetlinkIntegrationTest, TwoContainersReachEachOtherAndTheGateway) {
  NetworkAttacher attacher(&ops_);
  const int fd_a = NewNetns("a");
  const int fd_b = NewNetns("b");
  ASSERT_GE(fd_a, 0);
  ASSERT_GE(fd_b, 0);
  const std::string file_a = netns_files_[0], file_b = netns_files_[1];

  std::vector<AttachmentPlan> plans;
  for (const auto& [suffix, fd] :
       std::vector<std::pair<std::string, int>>{{"a", fd_a}, {"b", fd_b}}) {
    const std::string id = Id(suffix);
    absl::StatusOr<std::string> ip = ipam_->Allocate(network_, id);
    ASSERT_THAT(ip, IsOk());
    absl::StatusOr<AttachmentPlan> plan =
        BuildAttachmentPlan(network_, id, *ip);
    ASSERT_THAT(plan, IsOk());
    ASSERT_THAT(attacher.Attach(*plan, fd), IsOk());
    plans.push_back(*plan);
  }
  const std::string ip_a =
      plans[0].address_cidr.substr(0, plans[0].address_cidr.find('/'));
  const std::string ip_b =
      plans[1].address_cidr.substr(0, plans[1].address_cidr.find('/'));

  // Host side: the bridge with both veths as ports.
  absl::StatusOr<std::vector<LinkInfo>> bridges = ops_.ListLinks(bridge_);
  ASSERT_THAT(bridges, IsOk());
  ASSERT_EQ(bridges->size(), 1u);
  EXPECT_EQ((*bridges)[0].kind, "bridge");
  EXPECT_EQ(ops_.BridgePorts(bridge_)->size(), 2u);
  for (const AttachmentPlan& plan : plans) {
    absl::StatusOr<std::vector<LinkInfo>> veth = ops_.ListLinks(plan.host_veth);
    ASSERT_THAT(veth, IsOk());
    ASSERT_EQ(veth->size(), 1u) << plan.host_veth;
    EXPECT_EQ((*veth)[0].kind, "veth");
    EXPECT_EQ((*veth)[0].master, bridge_);
  }
  Result host_links = RunShell(ip_ + " -o link show");
  ASSERT_EQ(host_links.exit_code, 0) << host_links.output;
  EXPECT_THAT(host_links.output, HasSubstr("mtu 1400"));
  // The container ends were never in the host namespace.
  EXPECT_THAT(host_links.output, Not(HasSubstr(plans[0].container_mac)));
  EXPECT_THAT(host_links.output, Not(HasSubstr(plans[1].container_mac)));

  // Inside: eth0 with the plan's MAC, MTU, address and default route; lo up.
  for (size_t i = 0; i < plans.size(); ++i) {
    const std::string& file = i == 0 ? file_a : file_b;
    Result link = InNetns(file, ip_ + " -o link show dev eth0");
    ASSERT_EQ(link.exit_code, 0) << link.output;
    EXPECT_THAT(link.output, HasSubstr(plans[i].container_mac));
    EXPECT_THAT(link.output, HasSubstr("mtu 1400"));
    EXPECT_THAT(link.output, HasSubstr("UP"));
    Result addr = InNetns(file, ip_ + " -o -4 addr show dev eth0");
    EXPECT_THAT(addr.output, HasSubstr(plans[i].address_cidr));
    Result route = InNetns(file, ip_ + " -4 route show default");
    EXPECT_THAT(route.output,
                HasSubstr(absl::StrCat("default via ", network_.gateway)));
    Result lo = InNetns(file, ip_ + " -o link show dev lo");
    EXPECT_THAT(lo.output, HasSubstr("UP"));
    // IPv4 networks: no IPv6 link-local address (no DAD, RS, MLD) on either
    // end.
    Result eth0_mode = InNetns(file, ip_ + " -d -o link show dev eth0");
    EXPECT_THAT(eth0_mode.output, HasSubstr("addrgenmode none"));
    Result eth0_v6 = InNetns(file, ip_ + " -6 -o addr show dev eth0");
    EXPECT_EQ(eth0_v6.exit_code, 0) << eth0_v6.output;
    EXPECT_THAT(eth0_v6.output, Not(HasSubstr("fe80")));
    Result host_mode =
        RunShell(ip_ + " -d -o link show dev " + plans[i].host_veth);
    EXPECT_THAT(host_mode.output, HasSubstr("addrgenmode none"));
    Result host_v6 =
        RunShell(ip_ + " -6 -o addr show dev " + plans[i].host_veth);
    EXPECT_EQ(host_v6.exit_code, 0) << host_v6.output;
    EXPECT_THAT(host_v6.output, Not(HasSubstr("fe80")));
  }

  EXPECT_TRUE(Ping(file_a, ip_b)) << "a -> b";
  EXPECT_TRUE(Ping(file_b, ip_a)) << "b -> a";
  EXPECT_TRUE(Ping(file_a, network_.gateway)) << "a -> gateway";
  EXPECT_TRUE(Ping(file_b, network_.gateway)) << "b -> gateway";
  // Negative control: an address of the test subnet nobody holds.
  absl::StatusOr<Ipv4Cidr> subnet = ParseIpv4Cidr(network_.subnet, "subnet");
  ASSERT_THAT(subnet, IsOk());
  const std::string nobody = FormatIpv4(subnet->address + 250);
  EXPECT_NE(InNetns(file_a, absl::StrCat(busybox_, " ping -c1 -W1 ", nobody))
                .exit_code,
            0)
      << "ping of unused " << nobody << " must fail";

  // Idempotent bridge; a second attach of the same container is refused
  // without disturbing the first.
  EXPECT_THAT(ops_.EnsureBridge(bridge_, 1400, plans[0].bridge_cidr,
                                plans[0].bridge_mac),
              IsOk());
  EXPECT_THAT(attacher.Attach(plans[0], fd_a),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("exists")));
  EXPECT_TRUE(Ping(file_a, ip_b)) << "a -> b after the refused attach";

  // A link of another kind under the bridge's name is not a bridge.
  EXPECT_THAT(ops_.EnsureBridge(plans[0].host_veth, 1400, "10.231.254.1/24",
                                "02:42:0a:e7:fe:01"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a bridge")));

  // Teardown through the product code, then check nothing is left.
  for (const AttachmentPlan& plan : plans) {
    ASSERT_THAT(attacher.Detach(plan), IsOk());
    ASSERT_THAT(attacher.Detach(plan), IsOk());
    ASSERT_THAT(ipam_->Release(plan.network, plan.container_id), IsOk());
  }
  EXPECT_EQ(ops_.BridgePorts(bridge_)->size(), 0u);
  Result eth0 = InNetns(file_a, ip_ + " -o link show dev eth0");
  EXPECT_NE(eth0.exit_code, 0) << "eth0 went with its host veth";
  for (const std::string& path : netns_files_) {
    ASSERT_THAT(RemoveNetnsFile(path), IsOk());
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  ASSERT_THAT(ops_.DeleteLink(bridge_), IsOk());
  for (const std::string& name :
       {bridge_, plans[0].host_veth, plans[1].host_veth}) {
    absl::StatusOr<std::vector<LinkInfo>> left = ops_.ListLinks(name);
    ASSERT_THAT(left, IsOk());
    EXPECT_THAT(*left, IsEmpty()) << name;
  }
  Result after = RunShell(ip_ + " -o link show");
  EXPECT_THAT(after.output, Not(HasSubstr(bridge_)));
}

TEST_F(NetlinkIntegrationTest, FailedAttachLeavesNoVeth) {
  NetworkAttacher attacher(&ops_);
  const int fd = NewNetns("x");
  ASSERT_GE(fd, 0);
  const std::string first = Id("first"), second = Id("second");
  AttachmentPlan one =
      *BuildAttachmentPlan(network_, first, *ipam_->Allocate(network_, first));
  ASSERT_THAT(attacher.Attach(one, fd), IsOk());
  // The netns already has an eth0: the kernel refuses the pair as a whole.
  AttachmentPlan two = *BuildAttachmentPlan(network_, second,
                                            *ipam_->Allocate(network_, second));
  EXPECT_THAT(
      attacher.Attach(two, fd),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr(two.host_veth)));
  EXPECT_THAT(*ops_.ListLinks(two.host_veth), IsEmpty());
  EXPECT_EQ(ops_.BridgePorts(bridge_)->size(), 1u);

  // Recovery: with only `second` live, `first`'s veth is stale.
  absl::StatusOr<std::vector<std::string>> stale =
      attacher.StaleHostVeths({second}, {bridge_});
  ASSERT_THAT(stale, IsOk());
  EXPECT_THAT(*stale, ::testing::Contains(one.host_veth));
  EXPECT_THAT(*stale, Not(::testing::Contains(two.host_veth)));
}

TEST_F(NetlinkIntegrationTest, NetnsFilesAndRunInNetns) {
  const std::string dir = tmp_ + "/netns";
  const int fd = NewNetns("n");
  ASSERT_GE(fd, 0);
  EXPECT_THAT(CreateNetnsFile(dir, "n"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("/n")));
  EXPECT_THAT(
      CreateNetnsFile(dir, "../x"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("netns name")));

  auto self_ns = [] {
    return std::filesystem::read_symlink("/proc/thread-self/ns/net").string();
  };
  const std::string before = self_ns();
  std::string inside;
  ASSERT_THAT(RunInNetns(fd,
                         [&] {
                           inside = self_ns();
                           return absl::OkStatus();
                         }),
              IsOk());
  EXPECT_NE(inside, before);
  EXPECT_EQ(self_ns(), before) << "the calling thread must not move";
  EXPECT_THAT(RunInNetns(fd, [] { return absl::UnavailableError("from fn"); }),
              StatusIs(absl::StatusCode::kUnavailable, "from fn"));
  EXPECT_THAT(RunInNetns(-1, [] { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("setns")));

  // The namespace file is pinned: the same namespace as RunInNetns saw.
  struct stat st {};
  ASSERT_EQ(stat(netns_files_[0].c_str(), &st), 0);
  EXPECT_THAT(inside, HasSubstr(std::to_string(st.st_ino)));

  // Removing is idempotent, also for a never-mounted (half-made) file.
  const std::string half = dir + "/half";
  close(open(half.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0444));
  EXPECT_THAT(RemoveNetnsFile(half), IsOk());
  EXPECT_FALSE(std::filesystem::exists(half));
  EXPECT_THAT(RemoveNetnsFile(half), IsOk());
}

}  // namespace
}  // namespace warren::netns
