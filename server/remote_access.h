// Remote agents: warrend's TCP listeners (--listen), always mutual TLS, with
// the policy that says which client identity may call what. Everything is
// checked before warrend serves anything, so a bad flag, file or policy
// stops it with a one-line reason; SIGHUP re-reads the policy and the TLS
// files, keeping the old ones if the new ones are bad.
#ifndef WARREN_SERVER_REMOTE_ACCESS_H_
#define WARREN_SERVER_REMOTE_ACCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/authorizer.h"
#include "server/tls_material.h"

namespace warren::server {

// Limits of the TCP listeners (the unix socket keeps gRPC's defaults).
// Requests are small (specs, stdin chunks); answers can carry a sync Exec's
// output (16 MiB per stream).
inline constexpr int kTcpMaxReceiveMessageBytes = 4 << 20;
inline constexpr int kTcpMaxSendMessageBytes = 64 << 20;
// Concurrent calls (streams) per connection; more wait for a free one.
inline constexpr int kTcpMaxConcurrentStreams = 100;
// Clients may ping at most every 10 s (2 strikes, then GOAWAY), also idle.
inline constexpr int kTcpMinClientPingIntervalMs = 10000;
inline constexpr int kTcpMaxPingStrikes = 2;
// warrend pings idle connections every 60 s and drops them after 20 s
// without an answer, so a vanished agent's streams are released.
inline constexpr int kTcpKeepaliveTimeMs = 60000;
inline constexpr int kTcpKeepaliveTimeoutMs = 20000;
// A TLS handshake must finish within 10 s.
inline constexpr int kTcpHandshakeTimeoutMs = 10000;
// How often gRPC's file watcher looks at the published TLS files; bounds
// how long after SIGHUP new connections still get the old certificate.
inline constexpr int kTlsRefreshSeconds = 1;

// warrend's remote-access flags.
struct RemoteOptions {
  std::vector<std::string> listen;  // HOST:PORT, one TCP listener each
  TlsFiles tls;
  std::string policy_path;  // --policy; empty: no TCP caller is allowed
  std::string stage_dir;    // private copy of the TLS files (run_dir/tls)
};

// Removes every --listen occurrence ("--listen X", "--listen=X", also with
// one dash; commas separate several) from argv before absl parses it, and
// returns their values in order: absl flags keep only the last occurrence
// of a flag, and --listen is meant to be repeated.
std::vector<std::string> TakeListenFlags(int* argc, char** argv);

// Checks a --listen value: "HOST:PORT" with a port 1-65535 ("[::1]:7443"
// for IPv6). The error is one line.
absl::Status ValidateListenAddress(absl::string_view address);

// Owns the policy, the published TLS files and the TCP server.
class RemoteAccess {
 public:
  // Validates `options` (listen addresses, TLS files, key/cert match,
  // policy) and publishes the TLS files; nothing listens yet.
  static absl::StatusOr<std::unique_ptr<RemoteAccess>> Create(
      RemoteOptions options);
  // Removes the published copy of the TLS files (destroy the TCP server
  // first: its file watcher reads them).
  ~RemoteAccess();

  // The audit interceptor for a server's builder (unix or TCP).
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
  Interceptors() const;

  // Starts the TCP server with `services` on every --listen address;
  // nullptr server (and no error) without --listen. Fails if an address
  // cannot be bound.
  absl::StatusOr<std::unique_ptr<grpc::Server>> StartTcpServer(
      const std::vector<grpc::Service*>& services);

  // SIGHUP: re-reads the policy and the TLS files; each is replaced only if
  // the new one is valid, and each outcome is one log line. New calls and
  // connections see the result; open ones keep running.
  void Reload();

  const Authorizer& authorizer() const { return *authorizer_; }
  const std::vector<std::string>& listen() const { return options_.listen; }

 private:
  RemoteAccess(RemoteOptions options, Policy policy);

  RemoteOptions options_;
  std::unique_ptr<Authorizer> authorizer_;
  std::shared_ptr<TcpAuthProcessor> processor_;
  TlsStage stage_;
  TlsMaterial tls_;  // what is published (empty without --listen)
};

}  // namespace warren::server

#endif  // WARREN_SERVER_REMOTE_ACCESS_H_
