// Container networking end to end: containers on a bridge network reach
// each other (ping, TCP), the host reaches them by address and through a
// mapped port on 127.0.0.1, none/host modes, named networks with their
// /etc files, and bad input refused with nothing left behind. Traffic only
// goes to the namespaces and bridges these tests create.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

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
using ::testing::StartsWith;

// Connects to ip:port (retrying while the server starts) and reads until
// EOF or `timeout_ms`.
std::string ReadFrom(const std::string& ip, int port, int timeout_ms = 5000) {
  for (int waited = 0; waited < timeout_ms; waited += 100) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      std::string out;
      char buf[256];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
      close(fd);
      if (!out.empty()) return out;
    } else {
      close(fd);
    }
    usleep(100 * 1000);
  }
  return "";
}

TEST_F(NetworkTest, TwoContainersPingAndTalkTcp) {
  v1::Container a =
      CreateOrDie("a", Bridged("nc -l -p 5000 > /tmp/got; cat /tmp/got"));
  StartOrDie("a");
  ASSERT_THAT(a.network().ip(), StartsWith("10.233."));
  EXPECT_EQ(a.network().network(), "warren");
  auto [code, out, err] =
      Run("b", Bridged(absl::StrCat("ping -c 1 -W 2 ", Ip(a),
                                    " >/dev/null && echo ping-ok; "
                                    "for i in 1 2 3 4 5; do echo hello-from-b "
                                    "| nc ",
                                    Ip(a), " 5000 && break; sleep 0.2; done")));
  EXPECT_THAT(out, HasSubstr("ping-ok")) << err;
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("a", &waited).ok());
  auto [a_out, a_err] = Logs("a");
  EXPECT_EQ(a_out, "hello-from-b\n") << a_err;
}

TEST_F(NetworkTest, HostReachesContainerByIpAndMappedPort) {
  v1::Container by_ip =
      CreateOrDie("byip", Bridged("echo served-by-ip | nc -l -p 5001"));
  StartOrDie("byip");
  EXPECT_EQ(ReadFrom(Ip(by_ip), 5001), "served-by-ip\n");

  int host_port = 21000 + getpid() % 20000;
  v1::ContainerSpec spec = Bridged("echo served-mapped | nc -l -p 5002");
  v1::PortMapping* port = spec.mutable_network()->add_ports();
  port->set_host_port(host_port);
  port->set_container_port(5002);
  v1::Container mapped = CreateOrDie("mapped", spec);
  ASSERT_EQ(mapped.network().ports_size(), 1);
  StartOrDie("mapped");
  EXPECT_EQ(ReadFrom("127.0.0.1", host_port), "served-mapped\n");
  Delete("mapped");
  // The rule went with the container: nobody answers there any more.
  EXPECT_EQ(ReadFrom("127.0.0.1", host_port, 300), "");
}

// A stand-in for "outside": a network namespace of this test's own behind
// a veth on the host, with no route to container subnets. A container's
// connection only completes if it was masqueraded to the host's address.
class OutsideNamespace {
 public:
  OutsideNamespace() {
    int n = getpid() % 250;
    name_ = "wto" + std::to_string(getpid() % 100000);
    host_ip_ = absl::StrCat("10.236.", n, ".1");
    ip_ = absl::StrCat("10.236.", n, ".2");
    Sh("ip netns add " + name_);
    Sh(absl::StrCat("ip link add ", name_, "h type veth peer name eth0 netns ",
                    name_));
    Sh(absl::StrCat("ip addr add ", host_ip_, "/24 dev ", name_, "h"));
    Sh(absl::StrCat("ip link set ", name_, "h up"));
    Sh(absl::StrCat("ip -n ", name_, " addr add ", ip_, "/24 dev eth0"));
    Sh(absl::StrCat("ip -n ", name_, " link set eth0 up"));
    Sh(absl::StrCat("ip -n ", name_, " link set lo up"));
  }
  ~OutsideNamespace() {
    (void)system(("PATH=/usr/sbin:/usr/bin:/sbin:/bin; ip link del " + name_ +
                  "h 2>/dev/null; ip netns del " + name_ + " 2>/dev/null")
                     .c_str());
  }

  // Accepts one TCP connection on `port` inside the namespace (on its own
  // thread: setns moves only the calling thread) and returns the peer's
  // address, or "" after `seconds`.
  std::string AcceptPeer(int port, int seconds) {
    std::string peer;
    std::thread t([&] {
      int ns = open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) return;
      close(ns);
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
          listen(fd, 4) != 0) {
        close(fd);
        return;
      }
      ready_ = true;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, seconds * 1000) == 1) {
        sockaddr_in from{};
        socklen_t len = sizeof(from);
        int c = accept(fd, reinterpret_cast<sockaddr*>(&from), &len);
        char text[INET_ADDRSTRLEN] = {0};
        inet_ntop(AF_INET, &from.sin_addr, text, sizeof(text));
        peer = text;
        if (c >= 0) close(c);
      }
      close(fd);
    });
    t.join();
    return peer;
  }

  const std::string& ip() const { return ip_; }
  const std::string& host_ip() const { return host_ip_; }
  std::atomic<bool> ready_{false};

 private:
  static void Sh(const std::string& cmd) {
    std::string full = "PATH=/usr/sbin:/usr/bin:/sbin:/bin; " + cmd;
    ASSERT_EQ(system(full.c_str()), 0) << cmd;
  }
  std::string name_, ip_, host_ip_;
};

TEST_F(NetworkTest, OutboundTrafficIsMasqueraded) {
  OutsideNamespace outside;
  std::string peer;
  std::thread server([&] { peer = outside.AcceptPeer(7000, 10); });
  while (!outside.ready_) usleep(10 * 1000);
  RunResult r =
      Run("client", Bridged(absl::StrCat("echo x | nc -w 3 ", outside.ip(),
                                         " 7000; echo exit=$?")));
  server.join();
  EXPECT_EQ(peer, outside.host_ip()) << r.out << r.err;
}

TEST_F(NetworkTest, NoneHasOnlyLoopbackAndHostSeesHostLinks) {
  v1::ContainerSpec none = Spec({"ls", "/sys/class/net"});
  none.mutable_network()->set_mode(v1::NetworkSpec::MODE_NONE);
  RunResult r = Run("none", none);
  EXPECT_EQ(r.out, "lo\n");

  v1::ContainerSpec host = Spec({"ls", "/sys/class/net"});
  host.mutable_network()->set_mode(v1::NetworkSpec::MODE_HOST);
  r = Run("host", host);
  for (const std::string& link : HostLinks()) {
    EXPECT_THAT(r.out, HasSubstr(link + "\n"));
  }
}

TEST_F(NetworkTest, NamedNetworkWithEtcFilesAndInspect) {
  v1::NetworkConfig config;
  config.set_name("backend");
  config.set_subnet("10.234." + std::to_string(getpid() % 250) + ".0/24");
  config.set_bridge("wtb-" + std::to_string(getpid() % 100000));
  config.set_mtu(1400);
  config.add_dns_servers("10.234.0.53");
  ASSERT_TRUE(CreateNetwork(config).ok());
  v1::ContainerSpec spec = Bridged(
      "cat /etc/hosts /etc/hostname /etc/resolv.conf; cat "
      "/sys/class/net/eth0/mtu; ip route",
      "backend");
  spec.set_hostname("db1");
  spec.mutable_network()->set_ip("10.234." + std::to_string(getpid() % 250) +
                                 ".77");
  v1::Container c = CreateOrDie("db", spec);
  EXPECT_EQ(Ip(c), "10.234." + std::to_string(getpid() % 250) + ".77");
  EXPECT_EQ(c.network().mac(),
            absl::StrCat("02:42:0a:ea:",
                         absl::Hex(getpid() % 250, absl::kZeroPad2), ":4d"));
  EXPECT_EQ(c.network().host_veth(), netns::HostVethName("db"));
  EXPECT_EQ(c.network().netns_path(),
            absl::StrCat("/proc/", c.pid(), "/ns/net"));
  EXPECT_NE(c.network().netns_inode(), 0u);
  StartOrDie("db");
  v1::WaitResponse waited;
  ASSERT_TRUE(WaitFor("db", &waited).ok());
  auto [out, err] = Logs("db");
  EXPECT_THAT(out, HasSubstr(Ip(c) + "\tdb1\n"));
  EXPECT_THAT(out, HasSubstr("db1\n"));
  EXPECT_THAT(out, HasSubstr("nameserver 10.234.0.53\n"));
  EXPECT_THAT(out, HasSubstr("1400\n"));
  EXPECT_THAT(out, HasSubstr("default via 10.234."));

  // A network with containers cannot go; without, it can.
  v1::DeleteNetworkRequest del;
  del.set_name("backend");
  v1::DeleteNetworkResponse resp;
  grpc::Status s = stub_->DeleteNetwork(Ctx().get(), del, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("db"));
  Delete("db");
  EXPECT_TRUE(stub_->DeleteNetwork(Ctx().get(), del, &resp).ok());
  EXPECT_EQ(HostLinks().count(config.bridge()), 0u);
}

TEST_F(NetworkTest, BadInputIsRefusedAndLeavesNothing) {
  std::set<std::string> links_before = HostLinks();
  auto expect_network = [&](void (*mutate)(v1::NetworkConfig*),
                            grpc::StatusCode code, const std::string& field) {
    v1::NetworkConfig c;
    c.set_name("n1");
    c.set_subnet("10.235.1.0/24");
    mutate(&c);
    grpc::Status s = CreateNetwork(c);
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(field));
  };
  expect_network([](v1::NetworkConfig* c) { c->set_subnet("10.235.1.0/33"); },
                 grpc::StatusCode::INVALID_ARGUMENT, "config.subnet");
  expect_network([](v1::NetworkConfig* c) { c->set_gateway("10.9.9.1"); },
                 grpc::StatusCode::INVALID_ARGUMENT, "config.gateway");
  expect_network(
      [](v1::NetworkConfig* c) { c->set_bridge("a-very-long-bridge-name"); },
      grpc::StatusCode::INVALID_ARGUMENT, "config.bridge");
  expect_network([](v1::NetworkConfig* c) { c->set_bridge("bad/name"); },
                 grpc::StatusCode::INVALID_ARGUMENT, "config.bridge");
  expect_network([](v1::NetworkConfig* c) { c->set_name("warren"); },
                 grpc::StatusCode::ALREADY_EXISTS, "config.name");
  // Overlaps this warrend's default network.
  expect_network([](v1::NetworkConfig* c) { c->set_subnet("10.233.0.0/16"); },
                 grpc::StatusCode::INVALID_ARGUMENT, "config.subnet");

  v1::ContainerSpec outside = Bridged("true");
  outside.mutable_network()->set_ip("192.168.77.5");
  grpc::Status s = Create("x1", outside);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.network.ip"));

  v1::ContainerSpec port0 = Bridged("true");
  port0.mutable_network()->add_ports()->set_host_port(0);
  s = Create("x2", port0);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.network.ports[0].host_port"));

  v1::ContainerSpec unknown = Bridged("true", "nope");
  s = Create("x3", unknown);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.network.network"));

  int host_port = 23000 + getpid() % 20000;
  v1::ContainerSpec first = Bridged("sleep 100");
  first.mutable_network()->add_ports()->set_host_port(host_port);
  v1::Container held = CreateOrDie("holder", first);
  s = Create("x4", first);  // same host port
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.network.ports[0]"));
  v1::ContainerSpec same_ip = Bridged("true");
  same_ip.mutable_network()->set_ip(Ip(held));
  s = Create("x5", same_ip);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("spec.network.ip"));

  v1::ListResponse list;
  ASSERT_TRUE(stub_->List(Ctx().get(), {}, &list).ok());
  ASSERT_EQ(list.containers_size(), 1);
  EXPECT_EQ(Holders(), std::set<std::string>{"holder"});
  Delete("holder");
  EXPECT_TRUE(Holders().empty());
  std::set<std::string> veths_before;
  for (const std::string& link : links_before) {
    if (netns::IsHostVethName(link)) veths_before.insert(link);
  }
  (void)ContainerLinksSettled(veths_before);
  std::set<std::string> links_after = HostLinks();
  links_after.erase(warrend_->bridge());  // made by the first attach
  EXPECT_EQ(links_after, links_before);
}

}  // namespace
}  // namespace warren::testing
