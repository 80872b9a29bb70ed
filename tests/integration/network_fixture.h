// What the network integration tests share: a fixture with bridged specs
// and network calls, and looks at the host's links and nftables, so tests
// can check that containers leave no veth, address or rule behind.
#ifndef WARREN_TESTS_INTEGRATION_NETWORK_FIXTURE_H_
#define WARREN_TESTS_INTEGRATION_NETWORK_FIXTURE_H_

#include <set>
#include <string>
#include <vector>

#include "tests/integration/warrend_fixture.h"

namespace warren::testing {

// Every link in the host's network namespace.
std::set<std::string> HostLinks();
// Host veths shaped like warren's: the per-container links a leak would
// leave (other activity on the host does not count).
std::set<std::string> ContainerLinks();
// A deleted container's veth goes with its network namespace, which the
// kernel tears down asynchronously (warren frees the address once the veth
// has gone): the host veths once they equal `want`, or after 5 s.
std::set<std::string> ContainerLinksSettled(const std::set<std::string>& want);
// Waits (at most 5 s) until container `id`'s host veth has gone, as after
// its Delete it does with the namespace teardown; true if it has.
bool VethGone(const std::string& id);
// `nft list table ip NAME`, or "" with a test failure.
std::string NftTable(const std::string& name);
// A container's address without its prefix length.
std::string Ip(const v1::Container& c);

// One warrend per test, with helpers for bridged containers and networks.
class NetworkTest : public WarrendTest {
 protected:
  v1::ContainerSpec Bridged(const std::string& script,
                            const std::string& network = "") const {
    v1::ContainerSpec spec = Spec({"sh", "-c", script});
    spec.mutable_network()->set_mode(v1::NetworkSpec::MODE_BRIDGE);
    spec.mutable_network()->set_network(network);
    spec.mutable_stop_timeout()->set_seconds(1);
    return spec;
  }

  grpc::Status CreateNetwork(const v1::NetworkConfig& config) {
    v1::CreateNetworkRequest req;
    *req.mutable_config() = config;
    v1::CreateNetworkResponse resp;
    return stub_->CreateNetwork(Ctx().get(), req, &resp);
  }

  std::vector<v1::Network> Networks() {
    v1::ListNetworksResponse resp;
    EXPECT_TRUE(stub_->ListNetworks(Ctx().get(), {}, &resp).ok());
    return {resp.networks().begin(), resp.networks().end()};
  }

  void Delete(const std::string& id) {
    v1::DeleteRequest del;
    del.set_id(id);
    del.set_force(true);
    v1::DeleteResponse resp;
    grpc::Status s = stub_->Delete(Ctx().get(), del, &resp);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  // Ids holding an address on the default network.
  std::set<std::string> Holders() {
    for (const v1::Network& n : Networks()) {
      if (n.config().name() == "warren") {
        return {n.containers().begin(), n.containers().end()};
      }
    }
    return {};
  }
};

}  // namespace warren::testing

#endif  // WARREN_TESTS_INTEGRATION_NETWORK_FIXTURE_H_
