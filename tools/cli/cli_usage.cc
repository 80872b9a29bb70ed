#include "tools/cli/cli_usage.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace warren::cli {
namespace {

constexpr char kCreateFlags[] =
    "  --name ID           container id (default: 12 random hex digits)\n"
    "  --rootfs DIR        root filesystem on the daemon's host\n"
    "                      (default: /var/lib/warren/images/busybox)\n"
    "  --hostname NAME     hostname (default: the container id)\n"
    "  -e, --env K=V       environment variable (repeatable)\n"
    "  -w, --workdir DIR   working directory inside the container (default: "
    "/)\n"
    "  -u, --user UID[:GID]  numeric user and group (default: 0:0)\n"
    "  -l, --label K[=V]   label (repeatable)\n"
    "  --network NET       none (default), host, bridge (the default network\n"
    "                      \"warren\") or the name of a network\n"
    "  --ip IP             the container's IPv4 address on its bridge network\n"
    "  -p, --publish [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]\n"
    "                      forward a host port, e.g. 8080:80 (repeatable;\n"
    "                      without --network: the default network)\n"
    "  --dns IP            DNS server for /etc/resolv.conf (repeatable)\n"
    "  --dns-search DOMAIN DNS search domain (repeatable)\n"
    "  --uidmap C:H:N      new user namespace: container uids C..C+N-1 are\n"
    "                      host uids H..H+N-1 (repeatable), e.g. "
    "0:100000:65536\n"
    "  --gidmap C:H:N      the same for gids (default: as --uidmap)\n"
    "  --stop-signal SIG   signal for kill without --signal (default: "
    "SIGTERM)\n";

constexpr char kResourceFlags[] =
    "  -m, --memory SIZE   memory limit: bytes or N with k, m, g or t (64m)\n"
    "  --memory-swap SIZE  memory plus swap limit, or -1 for unlimited swap\n"
    "  --cpu-quota US      CPU time per period, in microseconds\n"
    "  --cpu-period US     CPU period in microseconds (default: 100000)\n"
    "  --cpu-weight N      relative CPU weight, 1 to 10000\n"
    "  --cpuset-cpus LIST  CPUs allowed, e.g. 0-1,3\n"
    "  --cpuset-mems LIST  memory nodes allowed\n"
    "  --pids-limit N      maximum number of processes (-1: unlimited)\n";

constexpr char kNetworkLsUsage[] =
    "Usage: warren network ls [-q] (alias: list)\n\n"
    "Lists networks: NAME, BRIDGE, SUBNET, GATEWAY, NAT (outbound NAT on or\n"
    "off) and CONTAINERS (how many are attached).\n\n"
    "Flags:\n"
    "  -q, --quiet         print names only\n";
constexpr char kNetworkRmUsage[] =
    "Usage: warren network rm NAME... (alias: remove)\n\n"
    "Removes networks and their bridges. Prints each removed name. The\n"
    "default network, and a network with containers on it, cannot be "
    "removed.\n";

constexpr char kPauseUsage[] =
    "Usage: warren pause ID...\n\nFreezes every process of the containers. "
    "Prints each paused id.\n";
constexpr char kResumeUsage[] =
    "Usage: warren resume ID... (alias: unpause)\n\nThaws paused "
    "containers. Prints each resumed id.\n";

const std::map<std::string, std::string>& Usages() {
  static const auto* usages = new std::map<std::string, std::string>{
      {"create",
       absl::StrCat("Usage: warren create [flags] CMD [ARGS...]\n\n"
                    "Creates a container that will run CMD, without starting "
                    "it. Prints its id.\n\nFlags:\n",
                    kCreateFlags, kResourceFlags)},
      {"run",
       absl::StrCat(
           "Usage: warren run [--rm] [-d] [create flags] CMD [ARGS...]\n\n"
           "Creates and starts a container. Without -d, waits for it to "
           "exit,\nprints its output and exits with its exit code (128+N if "
           "killed by\nsignal N); Ctrl-C is forwarded to the container.\n\n"
           "Flags:\n"
           "  --rm                remove the container after it exits\n"
           "  -d, --detach        print the id after starting and return\n"
           "  -i, --interactive   keep the init's stdin open and send ours to "
           "it\n"
           "  -t, --tty           give the init a terminal (raw mode here, "
           "size follows)\n",
           kCreateFlags, kResourceFlags)},
      {"start",
       "Usage: warren start ID\n\nStarts a created container. Prints its "
       "id.\n"},
      {"wait",
       "Usage: warren wait ID\n\nBlocks until the container exits, prints its "
       "exit code\nand exits with it.\n"},
      {"kill",
       "Usage: warren kill [--signal SIG] [--all] ID\n\n"
       "Sends a signal to the container's init (default: its stop signal).\n\n"
       "Flags:\n"
       "  -s, --signal SIG    name (TERM, SIGKILL) or number\n"
       "  -a, --all           signal every process of the container\n"},
      {"rm",
       "Usage: warren rm [-f] ID...\n\n"
       "Removes containers. Prints each removed id.\n\n"
       "Flags:\n"
       "  -f, --force         stop running containers first\n"},
      {"inspect",
       "Usage: warren inspect ID\n\nShows everything about one container "
       "(with --json: the\nContainer message).\n"},
      {"ps",
       "Usage: warren ps [-a] [-q] [--no-trunc] [--filter F]...\n\n"
       "Lists containers (without -a, only those not stopped). A PORTS "
       "column\nappears when a container has ports published.\n\n"
       "Flags:\n"
       "  -a, --all           include stopped containers\n"
       "  -q, --quiet         print ids only\n"
       "  --no-trunc          do not shorten the COMMAND column\n"
       "  -f, --filter F      label=KEY[=VALUE] or state=created|running|"
       "paused|stopped\n"},
      {"logs",
       "Usage: warren logs [-f] [--tail N] [--since TIME] ID\n\n"
       "Prints the container's output: its stdout to stdout, its stderr to "
       "stderr.\n\n"
       "Flags:\n"
       "  -f, --follow        keep printing new output until the container "
       "stops;\n"
       "                      if warrend restarts, reconnect (for up to "
       "30s) and\n"
       "                      resume after the last line printed\n"
       "  -n, --tail N        only the last N lines (default: all; with -f, "
       "0 means\n"
       "                      only new output)\n"
       "  --since TIME        only lines written at or after TIME: RFC 3339\n"
       "                      (2024-01-02T15:04:05Z), Unix seconds, or a "
       "duration\n"
       "                      ago (10m, 1h30m)\n"},
      {"exec",
       "Usage: warren exec [-i] [-t] [-e K=V]... [-w DIR] [-u UID[:GID]] "
       "[-d] ID CMD\n"
       "                   [ARGS...]\n\n"
       "Runs CMD in the running container ID and streams its output; exits "
       "with its\nexit code (128+N if killed by signal N). Ctrl-C kills "
       "the process (with -it\nit is a key for the process's terminal "
       "instead).\n\n"
       "Flags:\n"
       "  -i, --interactive   forward stdin to the process (EOF closes "
       "its stdin)\n"
       "  -t, --tty           give the process a terminal; with -i the "
       "local one is\n"
       "                      raw and its size follows the window\n"
       "  -e, --env K=V       environment variable (repeatable; adds to "
       "the\n"
       "                      container's)\n"
       "  -w, --workdir DIR   absolute working directory (default: the "
       "container's)\n"
       "  -u, --user UID[:GID]  numeric user and group (default: the "
       "container's)\n"
       "  -d, --detach        print the exec id and return\n"},
      {"attach",
       "Usage: warren attach [--sig-proxy=false] ID\n\n"
       "Prints the output of the container's init from now on (`logs` has "
       "the\nhistory) until it exits, and exits with its exit code. No "
       "stdin: the init\nhas none yet.\n\n"
       "Ctrl-C is sent to the init, as docker does; as PID 1 it ignores "
       "SIGINT\nunless it handles it.\n\n"
       "Flags:\n"
       "  --sig-proxy=false   Ctrl-C detaches instead (the container keeps "
       "running)\n"},
      {"stats",
       "Usage: warren stats ID...\n\n"
       "Shows the resource usage of containers: CPU time, memory usage "
       "and\nlimit (\"-\": unlimited), peak memory, processes and their "
       "limit.\n"},
      {"pause", kPauseUsage},
      {"resume", kResumeUsage},
      {"unpause", kResumeUsage},
      {"update",
       absl::StrCat("Usage: warren update [flags] ID\n\n"
                    "Changes resource limits of a live container; limits "
                    "not named are kept.\nPrints its id.\n\nFlags:\n",
                    kResourceFlags)},
      {"events",
       "Usage: warren events [--filter F]... [--since-seq N]\n\n"
       "Prints container lifecycle events as they happen, one per line:\n"
       "TIME SEQUENCE TYPE CONTAINER [exec_id=X] [exit_code=N] [signal=SIG] "
       "[oom].\nRuns until Ctrl-C or until warrend ends the stream.\n\n"
       "Flags:\n"
       "  -f, --filter F      container=ID or type=TYPE (repeatable; "
       "created,\n"
       "                      started, exited, oom, paused, resumed, "
       "updated,\n"
       "                      deleted, exec_started, exec_exited)\n"
       "  --since-seq N       first replay the journaled events after "
       "sequence N\n"
       "                      (0: all it holds)\n"},
      {"network",
       "Usage: warren network COMMAND [flags] [ARGS...]\n\n"
       "Manages bridge networks. A container joins one with --network NAME "
       "on\ncreate/run; the default network \"warren\" (bridge warren0, "
       "10.88.0.0/16,\ngateway 10.88.0.1, outbound NAT) always exists.\n\n"
       "Commands:\n"
       "  create    create a network\n"
       "  ls        list networks (alias: list)\n"
       "  rm        remove networks (alias: remove)\n"
       "  inspect   show one network\n\n"
       "Run 'warren help network COMMAND' for its flags.\n"},
      {"network create",
       "Usage: warren network create --subnet CIDR [flags] NAME\n\n"
       "Creates a bridge network (the bridge itself appears with its first\n"
       "container). Prints its name.\n\n"
       "Flags:\n"
       "  --subnet CIDR       IPv4 subnet, e.g. 10.89.0.0/24 (required)\n"
       "  --gateway IP        the bridge's address (default: the first host\n"
       "                      address of the subnet)\n"
       "  --bridge NAME       bridge link name, at most 15 characters\n"
       "                      (default: wbr- and the first 11 of NAME)\n"
       "  --mtu N             MTU of the bridge and veths, 68 to 65535\n"
       "                      (default: 1500)\n"
       "  --disable-nat       do not masquerade traffic leaving the subnet\n"
       "                      (outbound NAT is on by default)\n"
       "  --internal          the same as --disable-nat\n"
       "  --dns IP            DNS server for its containers (repeatable)\n"
       "  --dns-search DOMAIN DNS search domain for its containers "
       "(repeatable)\n"},
      {"network ls", kNetworkLsUsage},
      {"network list", kNetworkLsUsage},
      {"network rm", kNetworkRmUsage},
      {"network remove", kNetworkRmUsage},
      {"network inspect",
       "Usage: warren network inspect NAME\n\n"
       "Shows one network and the containers on it (with --json: the "
       "Network\nmessage).\n"},
      {"version", "Usage: warren version\n\nPrints the client version.\n"},
      {"help", "Usage: warren help [COMMAND]\n\nShows help.\n"},
  };
  return *usages;
}

}  // namespace

std::string MainUsage() {
  return "Usage: warren [global flags] COMMAND [flags] [ARGS...]\n\n"
         "Client of warrend, the warren container daemon.\n\n"
         "Global flags:\n"
         "  --socket PATH   warrend's unix socket (default: $WARREN_SOCKET or\n"
         "                  /run/warren/warren.sock)\n"
         "  --host URL      tcp://HOST:PORT (TLS; IPv6 in brackets) or\n"
         "                  unix:///PATH (default: $WARREN_HOST)\n"
         "  --tls_ca FILE   CA of warrend's certificate ($WARREN_TLS_CA)\n"
         "  --tls_cert FILE this client's certificate ($WARREN_TLS_CERT)\n"
         "  --tls_key FILE  this client's key ($WARREN_TLS_KEY); tcp:// needs\n"
         "                  all three\n"
         "  --tenant NAME   act in tenant NAME ($WARREN_TENANT); others than\n"
         "                  your own need an admin identity\n"
         "  --json          print results as protobuf JSON\n"
         "  -v, --version   print the version\n\n"
         "Commands:\n"
         "  run       create and start a container, wait, print its output\n"
         "  create    create a container\n"
         "  start     start a created container\n"
         "  wait      wait for a container to exit\n"
         "  kill      send a signal to a container\n"
         "  rm        remove containers\n"
         "  ps        list containers\n"
         "  inspect   show one container\n"
         "  exec      run a command in a running container\n"
         "  attach    follow a container's output until it exits\n"
         "  logs      print (-f: follow) a container's output\n"
         "  stats     show containers' resource usage\n"
         "  pause     freeze containers\n"
         "  resume    thaw paused containers (alias: unpause)\n"
         "  update    change a container's resource limits\n"
         "  events    stream lifecycle events\n"
         "  network   manage bridge networks (create, ls, rm, inspect)\n"
         "  version   print the version\n"
         "  help      show help (warren help COMMAND)\n";
}

std::string CommandUsage(const std::string& command) {
  auto it = Usages().find(command);
  return it == Usages().end() ? std::string() : it->second;
}

}  // namespace warren::cli
