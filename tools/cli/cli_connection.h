// The global flags of the `warren` client, most of which say how to reach
// warrend: over its unix socket (the default) or, for remote agents, over
// TCP with mutual TLS (never plain TCP), optionally acting in a named
// tenant. Parsing is pure (the environment is a parameter) so every rule is
// unit-testable; only LoadTlsOptions touches the file system.
#ifndef WARREN_TOOLS_CLI_CLI_CONNECTION_H_
#define WARREN_TOOLS_CLI_CLI_CONNECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {

// The environment variables the connection flags fall back to, as
// DOCKER_HOST does for docker; empty means unset. A flag always wins over
// its variable.
struct ConnectionEnv {
  std::string socket;    // $WARREN_SOCKET
  std::string host;      // $WARREN_HOST
  std::string tls_ca;    // $WARREN_TLS_CA
  std::string tls_cert;  // $WARREN_TLS_CERT
  std::string tls_key;   // $WARREN_TLS_KEY
  std::string tenant;    // $WARREN_TENANT
};

// Reads ConnectionEnv from the process environment (main only; tests pass
// their own).
ConnectionEnv ConnectionEnvFromProcess();

// A PEM file for TLS and where its name came from ("--tls_ca" or
// "$WARREN_TLS_CA"), so errors point at what the user has to fix.
struct TlsFile {
  std::string path;
  std::string source;
};

// Where warrend is and how the CLI talks to it.
struct Connection {
  enum class Transport { kUnix, kTcp };
  Transport transport = Transport::kUnix;
  // kUnix: the socket path as given (may be relative).
  std::string socket = kDefaultSocket;
  // kTcp: a host name or IP address (IPv6 without brackets) and the port.
  std::string host;
  int port = 0;
  // kTcp: the CA that warrend's certificate must chain to, and this
  // client's certificate and key (warrend requires one).
  TlsFile tls_ca;
  TlsFile tls_cert;
  TlsFile tls_key;
  // Sent as "warren-tenant" metadata on every call; empty: none is sent
  // and warrend uses the caller's own tenant.
  std::string tenant;
};

// Flags that come before the command name.
struct GlobalOptions {
  Connection connection;
  bool json = false;
  bool help = false;
  bool version = false;
  std::string command;            // empty if none was given
  std::vector<std::string> args;  // everything after the command name
};

// Parses `warren [global flags] COMMAND ARGS...`: --socket PATH, --host
// tcp://HOST:PORT|unix:///PATH, --tls_ca/--tls_cert/--tls_key FILE,
// --tenant NAME, --json, -v/--version, -h/--help. Each connection flag
// beats its variable in `env`, which beats the default (the unix socket
// kDefaultSocket). Errors are InvalidArgument with a one-line message.
absl::StatusOr<GlobalOptions> ParseGlobalArgs(
    const std::vector<std::string>& args, const ConnectionEnv& env);

// Parses a --host value into `out` (transport, socket or host and port);
// `source` ("--host", "$WARREN_HOST") names it in errors. IPv6 addresses go
// in brackets: tcp://[::1]:7443.
absl::Status ParseHost(const std::string& value, const std::string& source,
                       Connection* out);

// The daemon's rule for tenant names (they become directory and cgroup
// names): 1-63 characters of [A-Za-z0-9_.-], starting with a letter or
// digit. `source` names the value in errors.
absl::Status ValidateTenant(const std::string& tenant,
                            const std::string& source);

// How messages name the daemon: "unix:///abs/path" or "tcp://HOST:PORT"
// ("tcp://[::1]:7443"). A relative socket is made absolute against the
// current directory (gRPC would resolve it differently than the shell).
std::string DaemonName(const Connection& c);

// The gRPC target: the unix one as DaemonName, "dns:///HOST:PORT" for TCP
// (an explicit scheme, so a host called e.g. "unix" is not a URI scheme).
std::string GrpcTarget(const Connection& c);

// The TLS material of a TCP connection read into gRPC's options. Errors
// name the flag and file: unreadable, empty (gRPC would silently fall back
// to the system's CAs) or not PEM.
absl::StatusOr<grpc::SslCredentialsOptions> LoadTlsOptions(const Connection& c);

}  // namespace warren::cli

#endif  // WARREN_TOOLS_CLI_CLI_CONNECTION_H_
