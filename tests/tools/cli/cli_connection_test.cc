// Tests of the warren client's global flags: how the daemon is reached
// (--socket, --host unix:// or tcp:// with the three TLS files), the tenant,
// which of flag, environment variable and default wins, and that every bad
// value is a one-line usage error naming what to fix.
#include "tools/cli/cli_connection.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warren::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Transport = Connection::Transport;

// The flags that make a complete tcp:// command line.
std::vector<std::string> TcpArgs(const std::string& host) {
  return {"--host", host,        "--tls_ca", "ca.pem", "--tls_cert",
          "a.pem",  "--tls_key", "a.key",    "ps"};
}

// The message of a failed parse (or "ok").
std::string ErrorOf(const std::vector<std::string>& args,
                    const ConnectionEnv& env = {}) {
  absl::StatusOr<GlobalOptions> g = ParseGlobalArgs(args, env);
  if (g.ok()) return "ok";
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(g.status().message());
}

TEST(GlobalArgsTest, SocketPrecedence) {
  absl::StatusOr<GlobalOptions> g = ParseGlobalArgs({"ps"}, {});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->connection.transport, Transport::kUnix);
  EXPECT_EQ(g->connection.socket, "/run/warren/warren.sock");
  EXPECT_EQ(g->connection.tenant, "");
  ConnectionEnv env;
  env.socket = "/env.sock";
  g = ParseGlobalArgs({"ps"}, env);
  EXPECT_EQ(g->connection.socket, "/env.sock");
  g = ParseGlobalArgs({"--socket", "/flag.sock", "--json", "ps", "-a"}, env);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->connection.socket, "/flag.sock");
  EXPECT_TRUE(g->json);
  EXPECT_EQ(g->command, "ps");
  EXPECT_THAT(g->args, ElementsAre("-a"));
}

TEST(GlobalArgsTest, CommandFlagsAreNotGlobal) {
  // --json and --host after the command belong to the command.
  absl::StatusOr<GlobalOptions> g =
      ParseGlobalArgs({"ps", "--json", "--host", "x"}, {});
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->json);
  EXPECT_EQ(g->connection.transport, Transport::kUnix);
  EXPECT_THAT(g->args, ElementsAre("--json", "--host", "x"));
}

TEST(GlobalArgsTest, TcpHostWithTls) {
  absl::StatusOr<GlobalOptions> g =
      ParseGlobalArgs(TcpArgs("tcp://127.0.0.1:7443"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  const Connection& c = g->connection;
  EXPECT_EQ(c.transport, Transport::kTcp);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 7443);
  EXPECT_EQ(c.tls_ca.path, "ca.pem");
  EXPECT_EQ(c.tls_ca.source, "--tls_ca");
  EXPECT_EQ(c.tls_cert.path, "a.pem");
  EXPECT_EQ(c.tls_key.path, "a.key");
  EXPECT_EQ(DaemonName(c), "tcp://127.0.0.1:7443");
  EXPECT_EQ(GrpcTarget(c), "dns:///127.0.0.1:7443");
  EXPECT_EQ(g->command, "ps");
}

TEST(GlobalArgsTest, BracketedIpv6AndHostNames) {
  absl::StatusOr<GlobalOptions> g =
      ParseGlobalArgs(TcpArgs("tcp://[::1]:7443"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.host, "::1");
  EXPECT_EQ(DaemonName(g->connection), "tcp://[::1]:7443");
  EXPECT_EQ(GrpcTarget(g->connection), "dns:///[::1]:7443");
  g = ParseGlobalArgs(TcpArgs("tcp://node-1.example.com:65535"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.host, "node-1.example.com");
  EXPECT_EQ(g->connection.port, 65535);
  // A host called "unix" must not become gRPC's unix scheme.
  g = ParseGlobalArgs(TcpArgs("tcp://unix:1"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(GrpcTarget(g->connection), "dns:///unix:1");
}

TEST(GlobalArgsTest, UnixHostIsTheSocket) {
  ConnectionEnv env;
  env.tls_ca = "/ignored/ca.pem";  // TLS variables do not matter here
  absl::StatusOr<GlobalOptions> g =
      ParseGlobalArgs({"--host", "unix:///tmp/w.sock", "ps"}, env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.transport, Transport::kUnix);
  EXPECT_EQ(g->connection.socket, "/tmp/w.sock");
  EXPECT_EQ(DaemonName(g->connection), "unix:///tmp/w.sock");
  EXPECT_EQ(GrpcTarget(g->connection), "unix:///tmp/w.sock");
  env.host = "unix:///env/w.sock";
  g = ParseGlobalArgs({"ps"}, env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.socket, "/env/w.sock");
}

TEST(GlobalArgsTest, RelativeSocketIsMadeAbsolute) {
  Connection c;
  c.socket = "w.sock";
  char cwd[PATH_MAX];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(DaemonName(c), std::string("unix://") + cwd + "/w.sock");
}

TEST(GlobalArgsTest, EnvironmentAndPrecedence) {
  ConnectionEnv env;
  env.host = "tcp://10.0.0.1:7443";
  env.tls_ca = "/env/ca.pem";
  env.tls_cert = "/env/a.pem";
  env.tls_key = "/env/a.key";
  env.tenant = "team-env";
  absl::StatusOr<GlobalOptions> g = ParseGlobalArgs({"ps"}, env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(DaemonName(g->connection), "tcp://10.0.0.1:7443");
  EXPECT_EQ(g->connection.tls_ca.path, "/env/ca.pem");
  EXPECT_EQ(g->connection.tls_ca.source, "$WARREN_TLS_CA");
  EXPECT_EQ(g->connection.tls_key.path, "/env/a.key");
  EXPECT_EQ(g->connection.tenant, "team-env");

  // Each flag beats only its own variable.
  g = ParseGlobalArgs({"--host", "tcp://10.0.0.2:1", "--tls_cert", "/f/b.pem",
                       "--tenant", "team-flag", "ps"},
                      env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(DaemonName(g->connection), "tcp://10.0.0.2:1");
  EXPECT_EQ(g->connection.tls_ca.path, "/env/ca.pem");
  EXPECT_EQ(g->connection.tls_cert.path, "/f/b.pem");
  EXPECT_EQ(g->connection.tls_cert.source, "--tls_cert");
  EXPECT_EQ(g->connection.tenant, "team-flag");

  // --socket beats $WARREN_HOST (and the TLS variables are then unused).
  g = ParseGlobalArgs({"--socket", "/s.sock", "ps"}, env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.transport, Transport::kUnix);
  EXPECT_EQ(g->connection.socket, "/s.sock");

  // --host beats $WARREN_SOCKET.
  ConnectionEnv socket_env;
  socket_env.socket = "/env.sock";
  g = ParseGlobalArgs({"--host", "unix:///h.sock", "ps"}, socket_env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.socket, "/h.sock");
}

TEST(GlobalArgsTest, HostAndSocketConflict) {
  EXPECT_EQ(ErrorOf({"--host", "unix:///a", "--socket", "/b", "ps"}),
            "--host and --socket cannot be combined (--host unix:///PATH "
            "names a socket too)");
  ConnectionEnv env;
  env.host = "unix:///a";
  env.socket = "/b";
  EXPECT_EQ(ErrorOf({"ps"}, env),
            "$WARREN_HOST and $WARREN_SOCKET are both set; unset one or pass "
            "--host or --socket");
}

TEST(GlobalArgsTest, BadHostValues) {
  const std::pair<std::string, std::string> cases[] = {
      {"tcp://127.0.0.1", "the port is missing (want tcp://HOST:PORT)"},
      {"tcp://127.0.0.1:", "the port is missing (want tcp://HOST:PORT)"},
      {"tcp://127.0.0.1:0", "the port must be a number from 1 to 65535"},
      {"tcp://127.0.0.1:65536", "the port must be a number from 1 to 65535"},
      {"tcp://127.0.0.1:+80", "the port must be a number from 1 to 65535"},
      {"tcp://127.0.0.1:http", "the port must be a number from 1 to 65535"},
      {"tcp://:7443", "the host is missing (want tcp://HOST:PORT)"},
      {"tcp://::1:7443", "IPv6 addresses go in brackets: tcp://[ADDRESS]:PORT"},
      {"tcp://[::1]", "the port is missing (want tcp://[ADDRESS]:PORT)"},
      {"tcp://[::1:7443", "missing ']' after the address"},
      {"tcp://[nope]:7443", "\"nope\" is not an IPv6 address"},
      {"tcp://h:1/path", "want just tcp://HOST:PORT (no user or path)"},
      {"tcp://me@h:1", "want just tcp://HOST:PORT (no user or path)"},
      {"tcp://a b:1", "a host name has only letters, digits, '.', '-' and '_'"},
      {"http://h:1", "want tcp://HOST:PORT or unix:///PATH"},
      {"127.0.0.1:7443", "want tcp://HOST:PORT or unix:///PATH"},
      {"unix://", "the socket path is missing (unix:///PATH)"},
  };
  for (const auto& [host, why] : cases) {
    EXPECT_EQ(ErrorOf(TcpArgs(host)),
              absl::StrCat("--host \"", host, "\": ", why));
  }
  EXPECT_EQ(ErrorOf({"--host", "", "ps"}), "--host must not be empty");
  EXPECT_EQ(ErrorOf({"--socket=", "ps"}), "--socket must not be empty");
  ConnectionEnv env;
  env.host = "tcp://h";
  EXPECT_EQ(ErrorOf({"ps"}, env),
            "$WARREN_HOST \"tcp://h\": the port is missing (want "
            "tcp://HOST:PORT)");
}

TEST(GlobalArgsTest, TcpNeedsAllThreeTlsFiles) {
  EXPECT_EQ(ErrorOf({"--host", "tcp://h:1", "ps"}),
            "tcp:// needs --tls_ca FILE or $WARREN_TLS_CA (the CA that "
            "signed warrend's certificate); plain TCP is not offered");
  EXPECT_EQ(ErrorOf({"--host", "tcp://h:1", "--tls_ca", "c", "ps"}),
            "tcp:// needs --tls_cert FILE or $WARREN_TLS_CERT (this "
            "client's certificate); plain TCP is not offered");
  EXPECT_EQ(ErrorOf({"--host", "tcp://h:1", "--tls_ca", "c", "--tls_cert", "a",
                     "ps"}),
            "tcp:// needs --tls_key FILE or $WARREN_TLS_KEY (this client's "
            "private key); plain TCP is not offered");
  EXPECT_EQ(ErrorOf({"--host", "tcp://h:1", "--tls_ca=", "ps"}),
            "--tls_ca must not be empty");
}

TEST(GlobalArgsTest, TlsFlagsNeedTcp) {
  EXPECT_EQ(ErrorOf({"--tls_ca", "ca.pem", "ps"}),
            "--tls_ca applies only to --host tcp://HOST:PORT (the unix "
            "socket needs no TLS)");
  EXPECT_EQ(ErrorOf({"--host", "unix:///s", "--tls_key", "k", "ps"}),
            "--tls_key applies only to --host tcp://HOST:PORT (the unix "
            "socket needs no TLS)");
}

TEST(GlobalArgsTest, Tenant) {
  absl::StatusOr<GlobalOptions> g =
      ParseGlobalArgs({"--tenant", "team_b.prod-1", "ps"}, {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.tenant, "team_b.prod-1");
  std::string longest(63, 'a');
  EXPECT_EQ(ErrorOf({"--tenant", longest, "ps"}), "ok");
  EXPECT_EQ(ErrorOf({"--tenant", longest + "a", "ps"}),
            "--tenant \"" + longest + "a\": longer than 63 characters");
  EXPECT_EQ(ErrorOf({"--tenant", "", "ps"}), "--tenant must not be empty");
  EXPECT_EQ(ErrorOf({"--tenant", "a/b", "ps"}),
            "--tenant \"a/b\": may contain only letters, digits, '_', '.' "
            "and '-'");
  EXPECT_EQ(ErrorOf({"--tenant", "..", "ps"}),
            "--tenant \"..\": must start with a letter or digit");
  ConnectionEnv env;
  env.tenant = "bad tenant";
  EXPECT_EQ(ErrorOf({"ps"}, env),
            "$WARREN_TENANT \"bad tenant\": may contain only letters, "
            "digits, '_', '.' and '-'");
  // The flag wins, so a bad variable does not matter then.
  g = ParseGlobalArgs({"--tenant", "ok", "ps"}, env);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->connection.tenant, "ok");
}

// A temporary directory with files for LoadTlsOptions.
class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/warren-cli-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ASSERT_EQ(system(("rm -rf '" + dir_ + "'").c_str()), 0);
  }
  std::string Write(const std::string& name, const std::string& data) {
    std::string path = dir_ + "/" + name;
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, data.data(), data.size()),
              static_cast<ssize_t>(data.size()));
    close(fd);
    return path;
  }
  Connection Tcp() {
    Connection c;
    c.transport = Transport::kTcp;
    c.tls_ca = {Write("ca.pem", "-----BEGIN CERTIFICATE-----\nca\n"),
                "--tls_ca"};
    c.tls_cert = {Write("a.pem", "-----BEGIN CERTIFICATE-----\ncert\n"),
                  "--tls_cert"};
    c.tls_key = {Write("a.key", "-----BEGIN PRIVATE KEY-----\nkey\n"),
                 "$WARREN_TLS_KEY"};
    return c;
  }

  std::string dir_;
};

TEST_F(TlsFilesTest, ReadsAllThree) {
  absl::StatusOr<grpc::SslCredentialsOptions> o = LoadTlsOptions(Tcp());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->pem_root_certs, "-----BEGIN CERTIFICATE-----\nca\n");
  EXPECT_EQ(o->pem_cert_chain, "-----BEGIN CERTIFICATE-----\ncert\n");
  EXPECT_EQ(o->pem_private_key, "-----BEGIN PRIVATE KEY-----\nkey\n");
}

TEST_F(TlsFilesTest, ErrorsNameTheFile) {
  Connection c = Tcp();
  c.tls_cert.path = dir_ + "/missing.pem";
  EXPECT_EQ(LoadTlsOptions(c).status().message(),
            "cannot read --tls_cert \"" + dir_ +
                "/missing.pem\": No such file or directory");
  c = Tcp();
  c.tls_key.path = dir_;
  EXPECT_EQ(LoadTlsOptions(c).status().message(),
            "cannot read $WARREN_TLS_KEY \"" + dir_ + "\": Is a directory");
  c = Tcp();
  c.tls_ca.path = Write("empty.pem", "");
  // gRPC would take empty root certificates as "use the system's CAs".
  EXPECT_EQ(LoadTlsOptions(c).status().message(),
            "--tls_ca \"" + c.tls_ca.path + "\" is empty");
  c = Tcp();
  c.tls_ca.path = Write("der.pem", "\x30\x82garbage");
  EXPECT_EQ(
      LoadTlsOptions(c).status().message(),
      "--tls_ca \"" + c.tls_ca.path + "\" is not PEM (no -----BEGIN line)");
}

}  // namespace
}  // namespace warren::cli
