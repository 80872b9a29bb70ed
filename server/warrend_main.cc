// warrend: the warren daemon. Wires the real implementations together
// (process-spawning monitors, the container manager, the gRPC services),
// serves them on a root-only unix socket, and shuts down gracefully on
// SIGTERM/SIGINT. Containers keep running when it stops: their monitors own
// them, and the next warrend recovers them from --state_dir.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "netns/firewall.h"
#include "netns/libnl_netlink_ops.h"
#include "netns/network_config.h"
#include "netns/nft_firewall_ops.h"
#include "runtime/bridge_networking.h"
#include "runtime/cgroup_control.h"
#include "runtime/cgroup_favor_dynmods.h"
#include "runtime/cgroup_system.h"
#include "runtime/container_cgroup.h"
#include "runtime/container_manager.h"
#include "runtime/file_util.h"
#include "runtime/process_monitor_control.h"
#include "server/container_service.h"
#include "server/log.h"
#include "server/remote_access.h"
#include "server/tenant_limiter.h"

ABSL_FLAG(std::string, socket, "/run/warren/warren.sock",
          "Unix socket to serve on (created with mode 0600).");
ABSL_FLAG(std::string, state_dir, "/var/lib/warren",
          "Directory for container records, logs and writable layers.");
ABSL_FLAG(std::string, run_dir, "/run/warren",
          "Directory for monitor sockets and mount points.");
ABSL_FLAG(std::string, monitor, "",
          "Path of the warren-monitor binary; default: next to warrend.");
ABSL_FLAG(uint64_t, log_max_bytes, 10 << 20,
          "Container logs rotate past this size: the file becomes "
          "container.log.1 (the older half is dropped); 0: never.");
ABSL_FLAG(absl::Duration, exec_template_idle, absl::Seconds(60),
          "How long a container's exec template (a process kept in its "
          "namespaces with an identity's hardening loaded, so each exec under "
          "the default seccomp profile skips the filter's ~0.35 ms load) is "
          "kept unused; 0: none, every exec is forked by the monitor.");
ABSL_FLAG(std::string, default_bridge, "warren0",
          "Bridge of the default network \"warren\".");
ABSL_FLAG(std::string, default_subnet, "10.88.0.0/16",
          "Subnet of the default network; its gateway is the first address.");
ABSL_FLAG(std::string, nft_table, "warren",
          "nftables table (family ip) holding warren's NAT and port rules; "
          "replaced as a whole, so give each warrend on a host its own.");
ABSL_FLAG(std::string, cgroup_parent, warren::runtime::kDefaultCgroupParent,
          "cgroup (relative to each hierarchy's root) below which containers "
          "live, as <parent>/<tenant>/<id>; give each warrend on a host its "
          "own, or equal container ids would share one cgroup.");
// --listen is taken out of argv before absl parses it (TakeListenFlags), so
// it can be repeated; this definition documents it in --help.
ABSL_FLAG(bool, cgroup_favordynmods, false,
          "Remount the cgroup2 hierarchy with favordynmods (kernel 6.0+): "
          "moving a process into a cgroup no longer waits for an RCU grace "
          "period (ms per container start and exec on a busy host). "
          "Host-wide: it stays after warrend and applies to every runtime.");
ABSL_FLAG(std::vector<std::string>, listen, {},
          "HOST:PORT of a TCP listener (repeatable) serving the same "
          "services as the socket, always with mutual TLS: needs --tls_cert, "
          "--tls_key, --client_ca and --policy.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the TCP listeners (re-read on SIGHUP).");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert (re-read on SIGHUP).");
ABSL_FLAG(std::string, client_ca, "",
          "PEM CA certificates a TCP client's certificate must chain to "
          "(re-read on SIGHUP).");
ABSL_FLAG(std::string, policy, "",
          "warren.v1.AccessPolicy in text format: identity -> tenant and "
          "role of TCP clients (re-read on SIGHUP).");

namespace warren::server {
namespace {

void Log(const std::string& line) { LogLine(line); }

std::string DefaultMonitorPath() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "warren-monitor";
  std::string dir(self, static_cast<size_t>(n));
  return dir.substr(0, dir.rfind('/')) + "/warren-monitor";
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

int Main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex (gRPC's
  // locks included) also maintains a lock-order graph for deadlock
  // detection: measurable per call on a daemon. The tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("warren container daemon");
  std::vector<std::string> listen = TakeListenFlags(&argc, argv);
  absl::ParseCommandLine(argc, argv);
  // Block the shutdown and reload signals in every thread; one thread
  // sigwaits them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::string socket_path = absl::GetFlag(FLAGS_socket);
  std::string monitor = absl::GetFlag(FLAGS_monitor);
  if (monitor.empty()) monitor = DefaultMonitorPath();
  if (access(monitor.c_str(), X_OK) != 0) {
    Log(absl::StrCat("cannot run monitor binary ", monitor,
                     " (set --monitor)"));
    return 1;
  }

  runtime::RuntimeOptions options;
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  options.run_dir = absl::GetFlag(FLAGS_run_dir);
  // TCP listeners, TLS files and policy are checked before anything else is
  // touched, so a mistake there costs nothing but a one-line error.
  RemoteOptions remote_options;
  remote_options.listen = std::move(listen);
  remote_options.tls.cert_path = absl::GetFlag(FLAGS_tls_cert);
  remote_options.tls.key_path = absl::GetFlag(FLAGS_tls_key);
  remote_options.tls.ca_path = absl::GetFlag(FLAGS_client_ca);
  remote_options.policy_path = absl::GetFlag(FLAGS_policy);
  remote_options.stage_dir = options.run_dir + "/tls";
  absl::StatusOr<std::unique_ptr<RemoteAccess>> remote =
      RemoteAccess::Create(std::move(remote_options));
  if (!remote.ok()) {
    Log(absl::StrCat("cannot start: ", remote.status().message()));
    return 1;
  }
  std::string cgroup_parent = absl::GetFlag(FLAGS_cgroup_parent);
  if (absl::Status s =
          runtime::ValidateCgroupParent(cgroup_parent, "--cgroup_parent");
      !s.ok()) {
    Log(absl::StrCat("cannot start: ", s.message()));
    return 1;
  }
  const absl::Duration template_idle = absl::GetFlag(FLAGS_exec_template_idle);
  if (template_idle < absl::ZeroDuration()) {
    Log("cannot start: --exec_template_idle must not be negative");
    return 1;
  }
  absl::StatusOr<runtime::CgroupSystem> cgroups =
      runtime::CgroupSystem::Detect();
  if (!cgroups.ok()) {
    Log(absl::StrCat("cannot start: ", cgroups.status().ToString()));
    return 1;
  }
  Log(absl::StrCat("cgroups: ", cgroups->Mode()));
  if (absl::GetFlag(FLAGS_cgroup_favordynmods)) {
    // A speed option: without it warrend works, only slower to migrate.
    absl::StatusOr<std::string> changed = runtime::SetCgroupFavorDynmods(true);
    if (!changed.ok()) {
      Log(absl::StrCat("cgroups: favordynmods not set: ",
                       changed.status().message()));
    } else if (changed->empty()) {
      Log("cgroups: favordynmods already on");
    } else {
      Log(absl::StrCat("cgroups: remounted ", *changed, " with favordynmods"));
    }
  }
  netns::LibnlNetlinkOps netlink;
  netns::NftFirewallOps nft;
  netns::Firewall firewall(&nft, absl::GetFlag(FLAGS_nft_table));
  runtime::BridgeNetworkingOptions net_options;
  net_options.state_dir = options.state_dir;
  net_options.run_dir = options.run_dir;
  net_options.default_network.bridge = absl::GetFlag(FLAGS_default_bridge);
  net_options.default_network.subnet = absl::GetFlag(FLAGS_default_subnet);
  absl::StatusOr<netns::Ipv4Cidr> subnet = netns::ParseIpv4Cidr(
      net_options.default_network.subnet, "--default_subnet");
  if (!subnet.ok()) {
    Log(absl::StrCat("cannot start: ", subnet.status().message()));
    return 1;
  }
  net_options.default_network.gateway =
      netns::FormatIpv4(netns::NetworkAddress(*subnet) + 1);
  if (absl::Status s = netns::ValidateNetworkConfig(net_options.default_network,
                                                    {}, "default network");
      !s.ok()) {
    Log(absl::StrCat("cannot start: ", s.message()));
    return 1;
  }
  absl::StatusOr<std::unique_ptr<runtime::BridgeNetworking>> networks =
      runtime::BridgeNetworking::Open(net_options, &netlink, &firewall);
  if (!networks.ok()) {
    Log(absl::StrCat("cannot start: ", networks.status().ToString()));
    return 1;
  }
  runtime::ContainerManager manager(
      options,
      std::make_unique<runtime::ProcessMonitorControl>(
          monitor, runtime::MonitorOptions{absl::GetFlag(FLAGS_log_max_bytes),
                                           options.run_dir + "/seccomp",
                                           cgroup_parent, template_idle}),
      std::make_unique<runtime::SystemCgroupControl>(*cgroups, cgroup_parent),
      *std::move(networks));
  if (absl::Status s = manager.Init(); !s.ok()) {
    Log(absl::StrCat("cannot start: ", s.ToString()));
    return 1;
  }
  Log(absl::StrCat("recovered ", manager.List({}).size(), " containers from ",
                   options.state_dir));

  if (absl::Status s = runtime::MakeDirs(DirOf(socket_path)); !s.ok()) {
    Log(absl::StrCat("cannot create socket directory: ", s.ToString()));
    return 1;
  }
  unlink(socket_path.c_str());
  // Referencing the descriptor keeps health.proto linked, so reflection can
  // describe grpc.health.v1.Health.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::EnableDefaultHealthCheckService(true);

  TenantLimiter limiter;
  ContainerService service(&manager, &(*remote)->authorizer(), &limiter);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + socket_path,
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  builder.experimental().SetInterceptorCreators((*remote)->Interceptors());
  mode_t old_umask = umask(0177);  // the socket is born 0600
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(old_umask);
  if (server == nullptr) {
    Log(absl::StrCat("cannot listen on unix://", socket_path));
    return 1;
  }
  chmod(socket_path.c_str(), 0600);
  Log(absl::StrCat("serving on unix://", socket_path));
  // The TCP listeners are a server of their own: other limits, TLS
  // credentials and the authorization hook, the same service object.
  absl::StatusOr<std::unique_ptr<grpc::Server>> tcp_server =
      (*remote)->StartTcpServer({&service});
  if (!tcp_server.ok()) {
    Log(absl::StrCat("cannot start: ", tcp_server.status().message()));
    server->Shutdown(std::chrono::system_clock::now());
    unlink(socket_path.c_str());
    return 1;
  }

  std::thread stopper([&] {
    int sig = 0;
    while (sigwait(&stop, &sig) == 0 && sig == SIGHUP) (*remote)->Reload();
    Log(absl::StrCat("signal ", sig,
                     ": shutting down (containers keep running)"));
    manager.EndEvents();  // Events streams would hold Shutdown up
    auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(5);
    if (*tcp_server != nullptr) (*tcp_server)->Shutdown(deadline);
    server->Shutdown(deadline);
  });
  server->Wait();
  if (*tcp_server != nullptr) (*tcp_server)->Wait();
  stopper.join();
  unlink(socket_path.c_str());
  Log("stopped");
  return 0;
}

}  // namespace
}  // namespace warren::server

int main(int argc, char** argv) { return warren::server::Main(argc, argv); }
