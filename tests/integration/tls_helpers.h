// Helpers for the TCP + mutual TLS tests: throw-away certificates from
// tools/make_test_certs.sh, TLS client channels, and a warrend whose log
// (stderr, where the audit lines go) the test can read and whose pid it
// knows (for SIGHUP). Traffic stays on 127.0.0.1.
#ifndef WARREN_TESTS_INTEGRATION_TLS_HELPERS_H_
#define WARREN_TESTS_INTEGRATION_TLS_HELPERS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {

// The certificates of tools/make_test_certs.sh in a fresh /tmp directory,
// removed again by the destructor.
class TestCerts {
 public:
  TestCerts();
  ~TestCerts();
  const std::string& dir() const { return dir_; }
  // "agent-a" -> DIR/agent-a.pem (and .key).
  std::string pem(const std::string& name) const;
  std::string key(const std::string& name) const;

 private:
  std::string dir_;
};

// The whole file; empty if it cannot be read.
std::string ReadAll(const std::string& path);
// Writes via a temporary file and rename, as a careful operator would.
void WriteAll(const std::string& path, const std::string& data);

// A 127.0.0.1 TCP port nobody listens on: 30000 + pid % 20000 or the next
// free one.
int FreePort();

// A TLS channel trusting ca.pem, presenting client certificate `client`
// ("" for none). It has its own subchannel pool, so it always makes a new
// connection (and handshake) rather than sharing one with another channel.
std::shared_ptr<grpc::Channel> TlsChannel(const TestCerts& certs, int port,
                                          const std::string& client);
// A plaintext channel to the same port (must fail).
std::shared_ptr<grpc::Channel> PlaintextChannel(int port);

// The subject common name of the certificate a new connection (as agent-a)
// is served; empty if the call fails.
std::string ServedCommonName(const TestCerts& certs, int port);

// How many times `text` occurs in `log`.
int Occurrences(const std::string& log, const std::string& text);

// What a finished warrend run printed and how it ended.
struct ExitResult {
  int status = -1;  // waitpid status
  std::string log;
};

// Runs warrend with `args` (after the common flags of `dirs`), expecting it
// to exit by itself within 20 s; kills it otherwise.
ExitResult RunWarrendToExit(const WarrendProcess& dirs,
                            const std::vector<std::string>& args);

// A warrend (with the directories, image and cleanup of a WarrendProcess)
// started with extra flags, its stderr in log_path().
class LoggedWarrend {
 public:
  explicit LoggedWarrend(std::vector<std::string> extra_args);
  ~LoggedWarrend();

  // Starts it and waits until the unix socket answers; false if it does not.
  bool Start();
  // SIGTERM and wait; expects a clean exit.
  void Stop();
  pid_t pid() const { return pid_; }
  const WarrendProcess& dirs() const { return *dirs_; }
  std::string log_path() const { return dirs_->dir() + "/warrend.log"; }
  std::string Log() const { return ReadAll(log_path()); }
  // Waits up to `seconds` for `text` to appear in the log.
  bool WaitForLog(const std::string& text, int seconds = 10) const;
  // Lines of the log containing " audit: ".
  std::vector<std::string> AuditLines() const;
  // Stub over the unix socket (identity "unix").
  std::unique_ptr<v1::ContainerService::Stub> UnixStub() const;

 private:
  std::unique_ptr<WarrendProcess> dirs_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

}  // namespace warren::testing

#endif  // WARREN_TESTS_INTEGRATION_TLS_HELPERS_H_
