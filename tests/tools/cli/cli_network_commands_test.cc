// Tests of `warren network` and of the network flags of run/create, and of
// the network output of inspect and ps, against an in-process fake
// ContainerService that keeps networks in memory.
#include "tools/cli/cli_network_commands.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/tools/cli/command_test_harness.h"
#include "tools/cli/cli_commands.h"
#include "tools/cli/cli_usage.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Networks live in a map (the default "warren" is always there, with one
// container on it); Create/Inspect/List serve container calls. Every call
// is recorded.
class FakeService : public v1::ContainerService::Service {
 public:
  FakeService() {
    v1::Network& d = networks["warren"];
    d.mutable_config()->set_name("warren");
    d.mutable_config()->set_bridge("warren0");
    d.mutable_config()->set_subnet("10.88.0.0/16");
    d.mutable_config()->set_gateway("10.88.0.1");
    d.add_containers("web1");
  }

  grpc::Status CreateNetwork(grpc::ServerContext*,
                             const v1::CreateNetworkRequest* req,
                             v1::CreateNetworkResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    const std::string& name = req->config().name();
    calls.push_back("CreateNetwork " + name);
    last_create_network = *req;
    if (networks.count(name)) {
      return grpc::Status(
          grpc::StatusCode::ALREADY_EXISTS,
          "config.name: network \"" + name + "\" already exists");
    }
    v1::Network& n = networks[name];
    *n.mutable_config() = req->config();
    if (n.config().bridge().empty()) {
      n.mutable_config()->set_bridge("wbr-" + name.substr(0, 11));
    }
    *resp->mutable_network() = n;
    return grpc::Status::OK;
  }
  grpc::Status ListNetworks(grpc::ServerContext*,
                            const v1::ListNetworksRequest*,
                            v1::ListNetworksResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("ListNetworks");
    if (!list_status.ok()) return list_status;
    // Reverse name order: the CLI sorts.
    for (auto it = networks.rbegin(); it != networks.rend(); ++it) {
      *resp->add_networks() = it->second;
    }
    return grpc::Status::OK;
  }
  grpc::Status DeleteNetwork(grpc::ServerContext*,
                             const v1::DeleteNetworkRequest* req,
                             v1::DeleteNetworkResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("DeleteNetwork " + req->name());
    auto it = networks.find(req->name());
    if (it == networks.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no network \"" + req->name() + "\"");
    }
    if (it->second.containers_size() > 0) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "network \"" + req->name() + "\" has containers");
    }
    networks.erase(it);
    return grpc::Status::OK;
  }

  grpc::Status Create(grpc::ServerContext*, const v1::CreateRequest* req,
                      v1::CreateResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Create " + req->id());
    last_create = *req;
    resp->mutable_container()->set_id(req->id());
    return grpc::Status::OK;
  }
  grpc::Status Start(grpc::ServerContext*, const v1::StartRequest* req,
                     v1::StartResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Start " + req->id());
    return grpc::Status::OK;
  }
  grpc::Status Inspect(grpc::ServerContext*, const v1::InspectRequest* req,
                       v1::InspectResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Inspect " + req->id());
    *resp->mutable_container() = Web1();
    return grpc::Status::OK;
  }
  grpc::Status List(grpc::ServerContext*, const v1::ListRequest*,
                    v1::ListResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("List");
    *resp->add_containers() = Web1();
    return grpc::Status::OK;
  }

  // The container on the default network, publishing 8080->80.
  static v1::Container Web1() {
    v1::Container c;
    c.set_id("web1");
    c.set_state(v1::RUNNING);
    c.set_pid(4242);
    c.mutable_spec()->mutable_process()->add_args("httpd");
    c.mutable_spec()->mutable_network()->set_mode(v1::NetworkSpec::MODE_BRIDGE);
    c.mutable_spec()->mutable_network()->set_network("warren");
    v1::NetworkInfo* info = c.mutable_network();
    info->set_network("warren");
    info->set_ip("10.88.0.2/16");
    info->set_mac("02:42:0a:58:00:02");
    info->set_gateway("10.88.0.1");
    info->set_host_veth("wv0001");
    info->set_netns_path("/proc/4242/ns/net");
    info->set_netns_inode(4026532650);
    v1::PortMapping* p = info->add_ports();
    p->set_host_port(8080);
    p->set_container_port(80);
    p->set_protocol("tcp");
    return c;
  }

  std::mutex mu;
  std::vector<std::string> calls;
  std::map<std::string, v1::Network> networks;
  v1::CreateNetworkRequest last_create_network;
  v1::CreateRequest last_create;
  grpc::Status list_status;
};

class NetworkCommandsTest : public InProcessCommandTest<FakeService> {};

TEST_F(NetworkCommandsTest, CreateSendsConfigAndPrintsName) {
  EXPECT_EQ(Run("network",
                {"create", "--subnet", "10.89.0.0/24", "--gateway", "10.89.0.1",
                 "--bridge", "br-web", "--mtu", "1400", "--internal", "--dns",
                 "10.89.0.1", "--dns-search", "web.internal", "web"}),
            0);
  EXPECT_EQ(out_.text(), "web\n");
  EXPECT_EQ(err_.text(), "");
  const v1::NetworkConfig& c = service_.last_create_network.config();
  EXPECT_EQ(c.name(), "web");
  EXPECT_EQ(c.subnet(), "10.89.0.0/24");
  EXPECT_EQ(c.gateway(), "10.89.0.1");
  EXPECT_EQ(c.bridge(), "br-web");
  EXPECT_EQ(c.mtu(), 1400u);
  EXPECT_TRUE(c.disable_outbound_nat());
  EXPECT_THAT(c.dns_servers(), ElementsAre("10.89.0.1"));
  EXPECT_THAT(c.dns_search(), ElementsAre("web.internal"));
  EXPECT_EQ(service_.networks.count("web"), 1u);
}

TEST_F(NetworkCommandsTest, CreateJsonAndDuplicate) {
  env_.json = true;
  EXPECT_EQ(Run("network", {"create", "--subnet", "10.89.0.0/24", "db"}), 0);
  std::string out = out_.text();
  EXPECT_THAT(out, HasSubstr("\"name\": \"db\""));
  EXPECT_THAT(out, HasSubstr("\"bridge\": \"wbr-db\""));  // daemon default
  EXPECT_THAT(out, HasSubstr("\"disable_outbound_nat\": false"));
  EXPECT_EQ(Run("network", {"create", "--subnet", "10.89.0.0/24", "db"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: network create: ALREADY_EXISTS: config.name: network "
            "\"db\" already exists\n");
}

TEST_F(NetworkCommandsTest, CreateUsageErrorMakesNoCall) {
  EXPECT_EQ(Run("network", {"create", "web"}), 2);
  EXPECT_EQ(err_.text(),
            "warren: network create: --subnet is required (e.g. --subnet "
            "10.89.0.0/24) (see 'warren help network create')\n");
  EXPECT_EQ(Run("network",
                {"create", "--subnet", "10.89.0.0/24", "--mtu", "10", "web"}),
            2);
  EXPECT_THAT(err_.text(),
              HasSubstr("warren: network create: --mtu \"10\": want a number "
                        "from 68 to 65535 (see 'warren help network "
                        "create')\n"));
  EXPECT_TRUE(service_.calls.empty());
  EXPECT_EQ(out_.text(), "");
}

TEST_F(NetworkCommandsTest, LsTableQuietAndJson) {
  ASSERT_EQ(Run("network",
                {"create", "--subnet", "10.89.0.0/24", "--disable-nat", "web"}),
            0);
  Capture out;
  env_.out = out.file();
  EXPECT_EQ(Run("network", {"ls"}), 0);
  EXPECT_EQ(out.text(),
            "NAME     BRIDGE    SUBNET         GATEWAY     NAT   CONTAINERS\n"
            "warren   warren0   10.88.0.0/16   10.88.0.1   on    1\n"
            "web      wbr-web   10.89.0.0/24   -           off   0\n");
  Capture quiet;
  env_.out = quiet.file();
  EXPECT_EQ(Run("network", {"list", "-q"}), 0);
  EXPECT_EQ(quiet.text(), "warren\nweb\n");
  Capture json;
  env_.out = json.file();
  env_.json = true;
  EXPECT_EQ(Run("network", {"ls"}), 0);
  EXPECT_THAT(json.text(), StartsWith("{\n \"networks\": [\n"));
  EXPECT_THAT(json.text(), HasSubstr("\"containers\": [\n    \"web1\"\n   ]"));
  EXPECT_LT(json.text().find("\"warren\""), json.text().find("\"web\""));
}

TEST_F(NetworkCommandsTest, LsDaemonError) {
  service_.list_status =
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "ListNetworks");
  EXPECT_EQ(Run("network", {"ls"}), 1);
  EXPECT_EQ(err_.text(), "warren: network ls: UNIMPLEMENTED: ListNetworks\n");
  EXPECT_EQ(out_.text(), "");
}

TEST_F(NetworkCommandsTest, RmPrintsEachAndContinuesAfterErrors) {
  ASSERT_EQ(Run("network", {"create", "--subnet", "10.89.0.0/24", "a"}), 0);
  ASSERT_EQ(Run("network", {"create", "--subnet", "10.90.0.0/24", "b"}), 0);
  Capture out;
  env_.out = out.file();
  EXPECT_EQ(Run("network", {"rm", "a", "missing", "warren", "b"}), 1);
  EXPECT_EQ(out.text(), "a\nb\n");
  EXPECT_EQ(err_.text(),
            "warren: network rm: missing: NOT_FOUND: no network \"missing\"\n"
            "warren: network rm: warren: FAILED_PRECONDITION: network "
            "\"warren\" has containers\n");
  EXPECT_THAT(service_.calls,
              ElementsAre("CreateNetwork a", "CreateNetwork b",
                          "DeleteNetwork a", "DeleteNetwork missing",
                          "DeleteNetwork warren", "DeleteNetwork b"));
  EXPECT_EQ(service_.networks.size(), 1u);
}

TEST_F(NetworkCommandsTest, RmOneNameErrorHasNoPrefix) {
  EXPECT_EQ(Run("network", {"remove", "missing"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: network rm: NOT_FOUND: no network \"missing\"\n");
}

TEST_F(NetworkCommandsTest, InspectTextJsonAndNotFound) {
  EXPECT_EQ(Run("network", {"inspect", "warren"}), 0);
  EXPECT_EQ(out_.text(),
            "Name:         warren\n"
            "Bridge:       warren0\n"
            "Subnet:       10.88.0.0/16\n"
            "Gateway:      10.88.0.1\n"
            "MTU:          1500 (default)\n"
            "Outbound NAT: on\n"
            "DNS:          the host's\n"
            "Containers:\n"
            "  web1\n");
  EXPECT_EQ(Run("network", {"inspect", "nope"}), 1);
  EXPECT_EQ(err_.text(),
            "warren: network inspect: NOT_FOUND: no network \"nope\"\n");
  Capture json;
  env_.out = json.file();
  env_.json = true;
  EXPECT_EQ(Run("network", {"inspect", "warren"}), 0);
  EXPECT_THAT(json.text(), StartsWith("{\n \"config\": {\n  \"name\": "
                                      "\"warren\",\n"));
  EXPECT_THAT(service_.calls,
              ElementsAre("ListNetworks", "ListNetworks", "ListNetworks"));
}

TEST_F(NetworkCommandsTest, HelpAndBadSubcommands) {
  EXPECT_EQ(Run("network", {"--help"}), 0);
  EXPECT_EQ(out_.text(), CommandUsage("network"));
  EXPECT_THAT(CommandUsage("network"), HasSubstr("  create    "));

  Capture help;
  env_.out = help.file();
  EXPECT_EQ(Run("help", {"network", "create"}), 0);
  EXPECT_EQ(Run("network", {"create", "--help"}), 0);
  EXPECT_EQ(help.text(),
            CommandUsage("network create") + CommandUsage("network create"));
  EXPECT_THAT(CommandUsage("network create"), HasSubstr("--subnet CIDR"));
  for (const char* sub : {"ls", "list", "rm", "remove", "inspect"}) {
    EXPECT_THAT(CommandUsage(std::string("network ") + sub),
                StartsWith("Usage: warren network "))
        << sub;
  }

  EXPECT_EQ(Run("network", {}), 2);
  EXPECT_EQ(err_.text(), CommandUsage("network"));
  Capture err;
  env_.err = err.file();
  EXPECT_EQ(Run("network", {"connect", "web", "c1"}), 2);
  EXPECT_EQ(err.text(),
            "warren: network: unknown subcommand \"connect\" (want create, "
            "ls, rm or inspect) (see 'warren help network')\n");
  EXPECT_EQ(Run("network", {"inspect"}), 2);
  EXPECT_THAT(err.text(),
              HasSubstr("warren: network inspect: requires a network name "
                        "(see 'warren help network inspect')\n"));
  EXPECT_EQ(Run("help", {"network", "connect"}), 2);
  EXPECT_THAT(err.text(), HasSubstr("warren: help: unknown command \"network "
                                    "connect\"\n"));
  EXPECT_TRUE(service_.calls.empty());
  EXPECT_THAT(MainUsage(), HasSubstr("  network   "));
}

TEST_F(NetworkCommandsTest, RunSendsNetworkSpec) {
  EXPECT_EQ(Run("run",
                {"-d", "--name", "w2", "--network", "web", "--ip", "10.89.0.9",
                 "-p", "8080:80", "-p", "127.0.0.1:5353:53/udp", "--dns",
                 "1.1.1.1", "--dns-search", "example.com", "httpd", "-p", "x"}),
            0);
  EXPECT_EQ(out_.text(), "w2\n");
  const v1::NetworkSpec& n = service_.last_create.spec().network();
  EXPECT_EQ(n.mode(), v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(n.network(), "web");
  EXPECT_EQ(n.ip(), "10.89.0.9");
  ASSERT_EQ(n.ports_size(), 2);
  EXPECT_EQ(n.ports(0).host_port(), 8080u);
  EXPECT_EQ(n.ports(0).container_port(), 80u);
  EXPECT_EQ(n.ports(0).protocol(), "tcp");
  EXPECT_EQ(n.ports(1).host_ip(), "127.0.0.1");
  EXPECT_EQ(n.ports(1).protocol(), "udp");
  EXPECT_THAT(n.dns_servers(), ElementsAre("1.1.1.1"));
  EXPECT_THAT(n.dns_search(), ElementsAre("example.com"));
  EXPECT_THAT(service_.last_create.spec().process().args(),
              ElementsAre("httpd", "-p", "x"));
  EXPECT_THAT(service_.calls, ElementsAre("Create w2", "Start w2"));
}

TEST_F(NetworkCommandsTest, CreatePublishImpliesDefaultNetwork) {
  EXPECT_EQ(Run("create", {"--name", "c", "-p", "8080:80", "httpd"}), 0);
  EXPECT_EQ(service_.last_create.spec().network().mode(),
            v1::NetworkSpec::MODE_BRIDGE);
  EXPECT_EQ(service_.last_create.spec().network().network(), "warren");
}

TEST_F(NetworkCommandsTest, RunBadPublishIsUsageError) {
  EXPECT_EQ(Run("run", {"-p", "80", "httpd"}), 2);
  EXPECT_EQ(err_.text(),
            "warren: run: --publish \"80\": a port alone is not enough (no "
            "random host ports); write HOST_PORT:CONTAINER_PORT, e.g. 80:80 "
            "(see 'warren help run')\n");
  EXPECT_TRUE(service_.calls.empty());
}

TEST_F(NetworkCommandsTest, InspectAndPsShowTheNetwork) {
  EXPECT_EQ(Run("inspect", {"web1"}), 0);
  std::string text = out_.text();
  EXPECT_THAT(text, HasSubstr("Network:      bridge warren\n"
                              "IP:           10.88.0.2/16\n"
                              "MAC:          02:42:0a:58:00:02\n"
                              "Gateway:      10.88.0.1\n"
                              "Host veth:    wv0001\n"
                              "Netns:        /proc/4242/ns/net (inode "
                              "4026532650)\n"
                              "Ports:        0.0.0.0:8080->80/tcp\n"));
  Capture ps;
  env_.out = ps.file();
  EXPECT_EQ(Run("ps", {}), 0);
  EXPECT_THAT(ps.text(), StartsWith("ID     STATE     PID    EXIT   CREATED   "
                                    "COMMAND   PORTS\n"));
  EXPECT_THAT(ps.text(), HasSubstr("   httpd     0.0.0.0:8080->80/tcp\n"));
}

}  // namespace
}  // namespace warren::cli
