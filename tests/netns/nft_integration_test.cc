// The real thing, as root: a Firewall with NftFirewallOps (libnftables) on a
// unique table forwards a host port to an echo server in a test network
// namespace on a test bridge, reachable through 127.0.0.1 and the bridge's
// host address; after RemoveContainer the port is closed, after a
// "restart" a Reconcile drops stale rules, and Clear removes the table.
// Traffic goes only to 127.0.0.1 and to addresses this test created.
// TearDown removes the table, nc, the netns and the bridge and restores the
// sysctls, also when an assertion fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netns/attachment_plan.h"
#include "netns/firewall.h"
#include "netns/firewall_plan.h"
#include "netns/libnl_netlink_ops.h"
#include "netns/netns_file.h"
#include "netns/network_attacher.h"
#include "netns/network_config.h"
#include "netns/nft_firewall_ops.h"
#include "tests/netns/status_matchers.h"

extern char** environ;

namespace warren::netns {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::warren::netns::testing::IsOk;
using ::warren::netns::testing::StatusIs;

constexpr int kServerPort = 8000;

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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  std::getline(in, value);
  return std::string(absl::StripAsciiWhitespace(value));
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
        !absl::SimpleHexAtoi(f[7], &mask) || mask == 0) {
      continue;
    }
    if (CidrsOverlap(cidr, {ntohl(dst), __builtin_popcount(mask)})) {
      return true;
    }
  }
  return false;
}

struct Echo {
  int error = 0;  // errno of connect/send/recv, 0 if the echo came back
  std::string reply;
};

// TCP to ip:port (2 s timeouts): sends `line` + "\n", reads one line back.
Echo SendLine(const std::string& ip, int port, const std::string& line) {
  Echo echo;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {errno, ""};
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  const std::string out = line + "\n";
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      send(fd, out.data(), out.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(out.size())) {
    echo.error = errno;
  }
  char c;
  while (echo.error == 0 && echo.reply.find('\n') == std::string::npos) {
    const ssize_t n = recv(fd, &c, 1, 0);
    if (n < 0) echo.error = errno;
    if (n <= 0) break;
    echo.reply.push_back(c);
  }
  close(fd);
  echo.reply = std::string(absl::StripAsciiWhitespace(echo.reply));
  return echo;
}

// Whether TCP `port` and `port + 1` are free on every host address.
bool PortsFree(int port) {
  for (int p : {port, port + 1}) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(p);
    const bool ok =
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (!ok) return false;
  }
  return true;
}

class NftIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_NET_ADMIN)";
    nsenter_ = FirstExisting({"/usr/bin/nsenter", "/bin/nsenter"});
    busybox_ = FirstExisting({"/usr/bin/busybox", "/bin/busybox"});
    nft_ = FirstExisting({"/usr/sbin/nft", "/sbin/nft"});
    cat_ = FirstExisting({"/bin/cat", "/usr/bin/cat"});
    ASSERT_FALSE(nsenter_.empty()) << "nsenter (util-linux) is needed";
    ASSERT_FALSE(busybox_.empty()) << "busybox is needed for nc";
    ASSERT_FALSE(nft_.empty()) << "nft (Debian: nftables) is needed to check";
    ASSERT_FALSE(cat_.empty());

    const int pid = getpid();
    table_ = absl::StrCat("warren_t", pid);
    id_ = absl::StrCat("nfttest-", pid);
    old_ip_forward_ = ReadFile("/proc/sys/net/ipv4/ip_forward");
    for (int k = 0; k < 250 && network_.subnet.empty(); ++k) {
      const uint32_t third = (pid + k) % 250;
      Ipv4Cidr candidate{(10u << 24) | (232u << 16) | (third << 8), 24};
      if (HostRoutesOverlap(candidate)) continue;
      network_.subnet = FormatIpv4Cidr(candidate);
      network_.gateway = FormatIpv4(candidate.address + 1);
      container_ip_ = FormatIpv4(candidate.address + 2);
    }
    ASSERT_FALSE(network_.subnet.empty()) << "no free 10.232.x.0/24";
    network_.name = "nfttest";
    network_.bridge = absl::StrCat("wfb", pid);
    ASSERT_THAT(ValidateNetworkConfig(network_, {}, "network"), IsOk());
    for (int p = 20000 + pid % 10000; p < 30000 + pid % 10000; p += 2) {
      if (PortsFree(p)) {
        port_ = p;
        break;
      }
    }
    ASSERT_NE(port_, 0) << "no free host port pair";

    char tmpl[] = "/tmp/warren-nfttest.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    absl::StatusOr<std::string> file = CreateNetnsFile(tmp_, "c");
    ASSERT_THAT(file, IsOk());
    netns_file_ = *file;
    absl::StatusOr<int> fd = OpenNetnsFile(netns_file_);
    ASSERT_THAT(fd, IsOk());
    netns_fd_ = *fd;
    absl::StatusOr<AttachmentPlan> plan =
        BuildAttachmentPlan(network_, id_, container_ip_);
    ASSERT_THAT(plan, IsOk());
    plan_ = *plan;
    bridge_made_ = true;
    NetworkAttacher attacher(&links_);
    ASSERT_THAT(attacher.Attach(plan_, netns_fd_), IsOk());
    old_localnet_ = ReadFile(LocalnetPath());

    StartEchoServer();
    for (int i = 0; i < 50; ++i) {
      if (SendLine(container_ip_, kServerPort, "ping").reply == "ping") {
        return;
      }
      usleep(100 * 1000);
    }
    FAIL() << "echo server in the netns did not come up";
  }

  void TearDown() override {
    if (nc_pid_ > 0) {
      kill(-nc_pid_, SIGKILL);
      waitpid(nc_pid_, nullptr, 0);
    }
    if (!table_.empty()) {
      EXPECT_THAT(nft_ops_.Run(RenderDeleteTable(table_)), IsOk());
    }
    if (!old_localnet_.empty()) {
      EXPECT_THAT(nft_ops_.WriteSysctl(LocalnetPath(), old_localnet_), IsOk());
    }
    if (!old_ip_forward_.empty()) {
      EXPECT_THAT(nft_ops_.WriteSysctl("/proc/sys/net/ipv4/ip_forward",
                                       old_ip_forward_),
                  IsOk());
    }
    if (netns_fd_ >= 0) close(netns_fd_);
    if (bridge_made_) {
      EXPECT_THAT(links_.DeleteLink(plan_.host_veth), IsOk());
    }
    if (!netns_file_.empty()) {
      EXPECT_THAT(RemoveNetnsFile(netns_file_), IsOk());
    }
    if (bridge_made_) {
      EXPECT_THAT(links_.DeleteLink(network_.bridge), IsOk());
    }
    if (!tmp_.empty()) std::filesystem::remove_all(tmp_);
  }

  std::string LocalnetPath() const {
    return absl::StrCat("/proc/sys/net/ipv4/conf/", network_.bridge,
                        "/route_localnet");
  }

  // busybox nc inside the netns, persistent (-ll), echoing with cat, in its
  // own process group so TearDown can kill it and its children.
  void StartEchoServer() {
    const std::string net = absl::StrCat("--net=", netns_file_);
    const std::string port = absl::StrCat(kServerPort);
    std::vector<std::string> args = {nsenter_, net,  busybox_, "nc", "-ll",
                                     "-p",     port, "-e",     cat_};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = -1;
    const int rc =
        posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ASSERT_EQ(rc, 0) << "spawn nc: " << strerror(rc);
    nc_pid_ = pid;
  }

  NatNetwork Nat() const {
    return {network_.name, network_.subnet, network_.bridge, true};
  }
  PortForward Forward(const std::string& host_ip, int host_port) const {
    return {"", "tcp", host_ip, host_port, container_ip_, kServerPort};
  }
  Result ListTable() const {
    return RunShell(absl::StrCat(nft_, " list table ip ", table_));
  }

  std::string nsenter_, busybox_, nft_, cat_;
  std::string table_, id_, tmp_, netns_file_, container_ip_;
  std::string old_ip_forward_, old_localnet_;
  int port_ = 0;
  int netns_fd_ = -1;
  pid_t nc_pid_ = -1;
  bool bridge_made_ = false;
  NetworkConfig network_;
  AttachmentPlan plan_;
  LibnlNetlinkOps links_;
  NftFirewallOps nft_ops_;
};

TEST_F(NftIntegrationTest, ForwardsFromLoopbackAndHostAddressThenRemoves) {
  Firewall fw(&nft_ops_, table_);
  ASSERT_THAT(fw.SetNetworks({Nat()}), IsOk());
  // port_: every address; port_ + 1: 127.0.0.1 only.
  ASSERT_THAT(fw.AddForwards(
                  id_, {Forward("", port_), Forward("127.0.0.1", port_ + 1)}),
              IsOk());
  Result listed = ListTable();
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output,
              HasSubstr(absl::StrCat("tcp dport ", port_, " dnat to ",
                                     container_ip_, ":", kServerPort)));
  EXPECT_THAT(listed.output, HasSubstr("masquerade"));
  EXPECT_EQ(ReadFile(LocalnetPath()), "1");
  EXPECT_EQ(ReadFile("/proc/sys/net/ipv4/ip_forward"), "1");

  Echo lo = SendLine("127.0.0.1", port_, "via loopback");
  EXPECT_EQ(lo.error, 0) << strerror(lo.error);
  EXPECT_EQ(lo.reply, "via loopback");
  Echo gw = SendLine(network_.gateway, port_, "via the bridge address");
  EXPECT_EQ(gw.error, 0) << strerror(gw.error);
  EXPECT_EQ(gw.reply, "via the bridge address");
  Echo lo_only = SendLine("127.0.0.1", port_ + 1, "loopback only");
  EXPECT_EQ(lo_only.reply, "loopback only") << strerror(lo_only.error);
  // The 127.0.0.1-only mapping does not apply to the bridge address.
  EXPECT_EQ(SendLine(network_.gateway, port_ + 1, "x").error, ECONNREFUSED);

  // A taken port is refused without touching the table.
  EXPECT_THAT(fw.AddForwards("other", {Forward("127.0.0.1", port_)}),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("ports[0].host_port")));

  ASSERT_THAT(fw.RemoveContainer(id_), IsOk());
  listed = ListTable();
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, Not(HasSubstr(absl::StrCat("dport ", port_))));
  EXPECT_THAT(listed.output, Not(HasSubstr("dnat")));
  EXPECT_EQ(SendLine("127.0.0.1", port_, "x").error, ECONNREFUSED);
  EXPECT_EQ(SendLine("127.0.0.1", port_ + 1, "x").error, ECONNREFUSED);
  // The container itself is still there: only the mapping went.
  EXPECT_EQ(SendLine(container_ip_, kServerPort, "direct").reply, "direct");

  ASSERT_THAT(fw.Clear(), IsOk());
  Result gone = ListTable();
  EXPECT_NE(gone.exit_code, 0) << gone.output;
  EXPECT_THAT(RunShell(nft_ + " list tables").output,
              Not(HasSubstr(absl::StrCat("ip ", table_, "\n"))));
}

TEST_F(NftIntegrationTest, RestartedFirewallReconcilesAwayStaleRules) {
  {
    Firewall crashed(&nft_ops_, table_);
    ASSERT_THAT(crashed.SetNetworks({Nat()}), IsOk());
    ASSERT_THAT(crashed.AddForwards(id_, {Forward("", port_)}), IsOk());
  }  // "crash": the table stays in the kernel.
  EXPECT_EQ(SendLine("127.0.0.1", port_, "stale").reply, "stale");
  Firewall restarted(&nft_ops_, table_);
  ASSERT_THAT(restarted.Reconcile({Nat()}, {}), IsOk());
  EXPECT_THAT(ListTable().output, Not(HasSubstr("dnat")));
  EXPECT_EQ(SendLine("127.0.0.1", port_, "x").error, ECONNREFUSED);
}

TEST_F(NftIntegrationTest, RealOpsReportErrorsAndApplyNothingOnFailure) {
  // A transaction whose last command fails leaves no trace of the others.
  const std::string script =
      absl::StrCat("add table ip ", table_, "\nadd chain ip ", table_,
                   " c\nadd rule ip ", table_, " nochain accept\n");
  EXPECT_THAT(nft_ops_.Run(script),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr("nftables transaction failed"),
                             HasSubstr("Could not process rule: No such file "
                                       "or directory"))));
  EXPECT_NE(ListTable().exit_code, 0) << "table must not exist";
  EXPECT_THAT(nft_ops_.Run("this is not nft\n"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("syntax error")));
  EXPECT_THAT(
      nft_ops_.WriteSysctl("/proc/sys/net/ipv4/conf/wfbnone/route_localnet",
                           "1"),
      StatusIs(absl::StatusCode::kNotFound,
               "set sysctl /proc/sys/net/ipv4/conf/wfbnone/route_localnet to "
               "1: read: No such file or directory"));
  // Same value: no write needed, OK.
  EXPECT_THAT(nft_ops_.WriteSysctl(LocalnetPath(), ReadFile(LocalnetPath())),
              IsOk());
}

}  // namespace
}  // namespace warren::netns
