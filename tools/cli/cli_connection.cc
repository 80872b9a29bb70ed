#include "tools/cli/cli_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace warren::cli {
namespace {

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// A connection setting from its flag or, failing that, its variable.
struct Setting {
  bool set = false;
  std::string value;
  std::string source;  // "--tls_ca" or "$WARREN_TLS_CA"
  bool from_flag = false;
};

Setting Pick(const ParsedArgs& p, const std::string& flag,
             const std::string& env_value, const std::string& env_name) {
  if (p.flags.count(flag)) return {true, p.Last(flag), "--" + flag, true};
  if (!env_value.empty()) return {true, env_value, "$" + env_name, false};
  return {};
}

absl::Status NotEmpty(const Setting& s) {
  if (s.set && s.value.empty()) {
    return Usage(absl::StrCat(s.source, " must not be empty"));
  }
  return absl::OkStatus();
}

bool ValidHostName(const std::string& host) {
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

// "HOST:PORT" with IPv6 addresses in brackets.
std::string HostPort(const Connection& c) {
  std::string host =
      c.host.find(':') == std::string::npos ? c.host : "[" + c.host + "]";
  return absl::StrCat(host, ":", c.port);
}

// Resolves the TLS files of a tcp:// connection; all three are required.
absl::Status ResolveTls(const ParsedArgs& p, const ConnectionEnv& env,
                        Connection* out) {
  struct Want {
    const char* flag;
    const std::string& env_value;
    const char* env_name;
    const char* what;
    TlsFile* file;
  };
  const Want wants[] = {
      {"tls_ca", env.tls_ca, "WARREN_TLS_CA",
       "the CA that signed warrend's certificate", &out->tls_ca},
      {"tls_cert", env.tls_cert, "WARREN_TLS_CERT", "this client's certificate",
       &out->tls_cert},
      {"tls_key", env.tls_key, "WARREN_TLS_KEY", "this client's private key",
       &out->tls_key},
  };
  for (const Want& w : wants) {
    Setting s = Pick(p, w.flag, w.env_value, w.env_name);
    if (absl::Status st = NotEmpty(s); !st.ok()) return st;
    if (!s.set) {
      return Usage(absl::StrCat("tcp:// needs --", w.flag, " FILE or $",
                                w.env_name, " (", w.what,
                                "); plain TCP is not offered"));
    }
    *w.file = {s.value, s.source};
  }
  return absl::OkStatus();
}

// Reads a whole file; errors name its flag.
absl::StatusOr<std::string> ReadPem(const TlsFile& f) {
  std::string where = absl::StrCat(f.source, " \"", f.path, "\"");
  int fd = open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", where, ": ", strerror(errno)));
  }
  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) data.append(buf, n);
  int error = errno;
  close(fd);
  if (n < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", where, ": ", strerror(error)));
  }
  if (data.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(where, " is empty"));
  }
  if (!absl::StrContains(data, "-----BEGIN ")) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, " is not PEM (no -----BEGIN line)"));
  }
  return data;
}

}  // namespace

ConnectionEnv ConnectionEnvFromProcess() {
  auto get = [](const char* name) {
    const char* v = getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  ConnectionEnv env;
  env.socket = get("WARREN_SOCKET");
  env.host = get("WARREN_HOST");
  env.tls_ca = get("WARREN_TLS_CA");
  env.tls_cert = get("WARREN_TLS_CERT");
  env.tls_key = get("WARREN_TLS_KEY");
  env.tenant = get("WARREN_TENANT");
  return env;
}

absl::Status ParseHost(const std::string& value, const std::string& source,
                       Connection* out) {
  auto bad = [&](const std::string& why) {
    return Usage(absl::StrCat(source, " \"", value, "\": ", why));
  };
  if (absl::StartsWith(value, "unix://")) {
    std::string path = value.substr(7);
    if (path.empty()) return bad("the socket path is missing (unix:///PATH)");
    out->transport = Connection::Transport::kUnix;
    out->socket = path;
    return absl::OkStatus();
  }
  if (!absl::StartsWith(value, "tcp://")) {
    return bad("want tcp://HOST:PORT or unix:///PATH");
  }
  std::string rest = value.substr(6);
  if (rest.find_first_of("/?#@") != std::string::npos) {
    return bad("want just tcp://HOST:PORT (no user or path)");
  }
  std::string host, port;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return bad("missing ']' after the address");
    host = rest.substr(1, close - 1);
    in6_addr addr;
    if (inet_pton(AF_INET6, host.c_str(), &addr) != 1) {
      return bad(absl::StrCat("\"", host, "\" is not an IPv6 address"));
    }
    rest = rest.substr(close + 1);
    if (rest.empty() || rest[0] != ':') {
      return bad("the port is missing (want tcp://[ADDRESS]:PORT)");
    }
    port = rest.substr(1);
  } else {
    size_t colon = rest.find(':');
    if (colon == std::string::npos) {
      return bad("the port is missing (want tcp://HOST:PORT)");
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.find(':') != std::string::npos) {
      return bad("IPv6 addresses go in brackets: tcp://[ADDRESS]:PORT");
    }
    if (host.empty()) return bad("the host is missing (want tcp://HOST:PORT)");
    if (!ValidHostName(host)) {
      return bad("a host name has only letters, digits, '.', '-' and '_'");
    }
  }
  int number = 0;
  if (port.empty()) return bad("the port is missing (want tcp://HOST:PORT)");
  if (port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  out->transport = Connection::Transport::kTcp;
  out->host = host;
  out->port = number;
  return absl::OkStatus();
}

absl::Status ValidateTenant(const std::string& tenant,
                            const std::string& source) {
  auto bad = [&](const std::string& why) {
    return Usage(absl::StrCat(source, " \"", tenant, "\": ", why));
  };
  if (tenant.empty()) return Usage(absl::StrCat(source, " must not be empty"));
  if (tenant.size() > 63) return bad("longer than 63 characters");
  if (!absl::ascii_isalnum(static_cast<unsigned char>(tenant[0]))) {
    return bad("must start with a letter or digit");
  }
  for (char c : tenant) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.' && c != '-') {
      return bad("may contain only letters, digits, '_', '.' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<GlobalOptions> ParseGlobalArgs(
    const std::vector<std::string>& args, const ConnectionEnv& env) {
  absl::StatusOr<ParsedArgs> p = ParseFlags({{"socket", 0, true},
                                             {"host", 0, true},
                                             {"tls_ca", 0, true},
                                             {"tls_cert", 0, true},
                                             {"tls_key", 0, true},
                                             {"tenant", 0, true},
                                             {"json", 0, false},
                                             {"version", 'v', false}},
                                            args, /*interspersed=*/false);
  if (!p.ok()) return p.status();
  GlobalOptions out;
  Connection& c = out.connection;
  Setting socket = Pick(*p, "socket", env.socket, "WARREN_SOCKET");
  Setting host = Pick(*p, "host", env.host, "WARREN_HOST");
  if (absl::Status s = NotEmpty(socket); !s.ok()) return s;
  if (absl::Status s = NotEmpty(host); !s.ok()) return s;
  if (socket.from_flag && host.from_flag) {
    return Usage(
        "--host and --socket cannot be combined (--host unix:///PATH names a "
        "socket too)");
  }
  if (socket.set && host.set && !socket.from_flag && !host.from_flag) {
    return Usage(
        "$WARREN_HOST and $WARREN_SOCKET are both set; unset one or pass "
        "--host or --socket");
  }
  // A flag beats the other setting's variable.
  bool use_host = host.set && (host.from_flag || !socket.from_flag);
  if (use_host) {
    if (absl::Status s = ParseHost(host.value, host.source, &c); !s.ok()) {
      return s;
    }
  } else if (socket.set) {
    c.socket = socket.value;
  }
  if (c.transport == Connection::Transport::kTcp) {
    if (absl::Status s = ResolveTls(*p, env, &c); !s.ok()) return s;
  } else {
    // The socket is local and root-only; TLS flags there are a mistake
    // (the variables may be set for other invocations and are ignored).
    for (const char* flag : {"tls_ca", "tls_cert", "tls_key"}) {
      if (p->flags.count(flag)) {
        return Usage(absl::StrCat("--", flag,
                                  " applies only to --host tcp://HOST:PORT "
                                  "(the unix socket needs no TLS)"));
      }
    }
  }
  Setting tenant = Pick(*p, "tenant", env.tenant, "WARREN_TENANT");
  if (tenant.set) {
    if (absl::Status s = ValidateTenant(tenant.value, tenant.source); !s.ok()) {
      return s;
    }
    c.tenant = tenant.value;
  }
  out.json = p->Bool("json");
  out.help = p->Bool("help");
  out.version = p->Bool("version");
  if (!p->positional.empty()) {
    out.command = p->positional[0];
    out.args.assign(p->positional.begin() + 1, p->positional.end());
  }
  return out;
}

std::string DaemonName(const Connection& c) {
  if (c.transport == Connection::Transport::kTcp) {
    return "tcp://" + HostPort(c);
  }
  const std::string& socket = c.socket;
  if (absl::StartsWith(socket, "unix:")) return socket;
  if (!socket.empty() && socket[0] == '/') return "unix://" + socket;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return "unix:" + socket;
  return std::string("unix://") + cwd + "/" + socket;
}

std::string GrpcTarget(const Connection& c) {
  if (c.transport == Connection::Transport::kTcp) {
    return "dns:///" + HostPort(c);
  }
  return DaemonName(c);
}

absl::StatusOr<grpc::SslCredentialsOptions> LoadTlsOptions(
    const Connection& c) {
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> ca = ReadPem(c.tls_ca);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadPem(c.tls_cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(c.tls_key);
  if (!key.ok()) return key.status();
  options.pem_root_certs = *std::move(ca);
  options.pem_cert_chain = *std::move(cert);
  options.pem_private_key = *std::move(key);
  return options;
}

}  // namespace warren::cli
