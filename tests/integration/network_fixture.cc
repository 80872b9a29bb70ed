#include "tests/integration/network_fixture.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>

#include "gtest/gtest.h"
#include "netns/attachment_plan.h"

namespace warren::testing {

std::set<std::string> HostLinks() {
  std::set<std::string> links;
  DIR* d = opendir("/sys/class/net");
  if (d == nullptr) return links;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') links.insert(e->d_name);
  }
  closedir(d);
  return links;
}

// Host veths shaped like warren's: the per-container links a leak would
// leave (other activity on the host does not count).
std::set<std::string> ContainerLinks() {
  std::set<std::string> out;
  for (const std::string& link : HostLinks()) {
    if (netns::IsHostVethName(link)) out.insert(link);
  }
  return out;
}

// A deleted container's veth goes with its network namespace, which the
// kernel tears down asynchronously (warren frees the address once the veth
// has gone): the host veths once they equal `want`, or after 5 s.
std::set<std::string> ContainerLinksSettled(const std::set<std::string>& want) {
  std::set<std::string> now = ContainerLinks();
  for (int i = 0; i < 100 && now != want; ++i) {
    usleep(50 * 1000);
    now = ContainerLinks();
  }
  return now;
}

// Waits (at most 5 s) until container `id`'s host veth has gone, as after
// its Delete it does with the namespace teardown; true if it has.
bool VethGone(const std::string& id) {
  const std::string veth = netns::HostVethName(id);
  for (int i = 0; i < 100; ++i) {
    if (ContainerLinks().count(veth) == 0) return true;
    usleep(50 * 1000);
  }
  return false;
}

// `nft list table ip NAME`, or "" with a test failure.
std::string NftTable(const std::string& name) {
  std::string cmd =
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin; nft list table ip " + name;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p != nullptr && fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  int status = p == nullptr ? -1 : pclose(p);
  EXPECT_EQ(status, 0) << cmd;
  return out;
}

std::string Ip(const v1::Container& c) {
  return c.network().ip().substr(0, c.network().ip().find('/'));
}

}  // namespace warren::testing
