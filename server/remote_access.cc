#include "server/remote_access.h"

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "runtime/file_util.h"
#include "server/audit.h"
#include "server/log.h"

namespace warren::server {

std::vector<std::string> TakeListenFlags(int* argc, char** argv) {
  std::vector<std::string> values;
  auto add = [&values](absl::string_view v) {
    for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
      values.emplace_back(part);
    }
  };
  int out = 1;
  int i = 1;
  for (; i < *argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;  // the rest is not flags
    absl::string_view name = arg;
    if (!absl::ConsumePrefix(&name, "--")) absl::ConsumePrefix(&name, "-");
    if (name == "listen" && i + 1 < *argc) {
      add(argv[++i]);
    } else if (absl::ConsumePrefix(&name, "listen=")) {
      add(name);
    } else {
      argv[out++] = argv[i];
    }
  }
  for (; i < *argc; ++i) argv[out++] = argv[i];
  argv[out] = nullptr;
  *argc = out;
  return values;
}

absl::Status ValidateListenAddress(absl::string_view address) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen \"", address, "\": ", why, " (e.g. 127.0.0.1:7443)"));
  };
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return bad("expected HOST:PORT");
  }
  absl::string_view host = address.substr(0, colon);
  if (host.front() == '[' ? host.back() != ']' || host.size() < 3
                          : host.find(':') != absl::string_view::npos) {
    return bad("an IPv6 host goes in brackets");
  }
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return bad("port must be 1-65535");
  }
  return absl::OkStatus();
}

RemoteAccess::RemoteAccess(RemoteOptions options, Policy policy)
    : options_(std::move(options)),
      authorizer_(std::make_unique<Authorizer>(std::move(policy))),
      processor_(std::make_shared<TcpAuthProcessor>(authorizer_.get())),
      stage_(options_.stage_dir) {}

RemoteAccess::~RemoteAccess() {
  if (!options_.listen.empty()) (void)runtime::RemoveTree(options_.stage_dir);
}

absl::StatusOr<std::unique_ptr<RemoteAccess>> RemoteAccess::Create(
    RemoteOptions options) {
  for (const std::string& address : options.listen) {
    if (absl::Status s = ValidateListenAddress(address); !s.ok()) return s;
  }
  const TlsFiles& tls = options.tls;
  bool any_tls =
      !tls.cert_path.empty() || !tls.key_path.empty() || !tls.ca_path.empty();
  if (!options.listen.empty()) {
    std::vector<std::string> missing;
    if (tls.cert_path.empty()) missing.push_back("--tls_cert");
    if (tls.key_path.empty()) missing.push_back("--tls_key");
    if (tls.ca_path.empty()) missing.push_back("--client_ca");
    if (!missing.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listen needs --tls_cert, --tls_key and --client_ca (TCP is "
          "always mutual TLS); missing: ",
          absl::StrJoin(missing, ", ")));
    }
    if (options.policy_path.empty()) {
      return absl::InvalidArgumentError(
          "--listen needs --policy (which client identities may call, and "
          "with what role)");
    }
  }
  Policy policy;
  if (!options.policy_path.empty()) {
    absl::StatusOr<Policy> loaded = Policy::Load(options.policy_path);
    if (!loaded.ok()) return loaded.status();
    policy = *std::move(loaded);
  }
  TlsMaterial material;
  if (!options.listen.empty()) {
    absl::StatusOr<TlsMaterial> loaded = LoadTlsMaterial(tls);
    if (!loaded.ok()) return loaded.status();
    material = *std::move(loaded);
  } else if (any_tls) {
    LogLine(
        "--tls_cert, --tls_key and --client_ca have no effect without "
        "--listen");
  }
  std::unique_ptr<RemoteAccess> remote(
      new RemoteAccess(std::move(options), std::move(policy)));
  if (!remote->options_.listen.empty()) {
    if (absl::Status s = remote->stage_.Init(material); !s.ok()) {
      return absl::InternalError(
          absl::StrCat("cannot publish the TLS files: ", s.message()));
    }
    remote->tls_ = std::move(material);
  }
  return remote;
}

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RemoteAccess::Interceptors() const {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      out;
  out.push_back(std::make_unique<AuditInterceptorFactory>(authorizer_.get()));
  return out;
}

absl::StatusOr<std::unique_ptr<grpc::Server>> RemoteAccess::StartTcpServer(
    const std::vector<grpc::Service*>& services) {
  if (options_.listen.empty()) return std::unique_ptr<grpc::Server>();
  // gRPC re-reads the published files every kTlsRefreshSeconds and hands
  // changed ones to new handshakes; established connections keep theirs.
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          stage_.key_path(), stage_.cert_path(), stage_.ca_path(),
          kTlsRefreshSeconds);
  grpc::experimental::TlsServerCredentialsOptions tls_options(provider);
  tls_options.watch_root_certs();
  tls_options.watch_identity_key_cert_pairs();
  // No certificate, or one that does not chain to --client_ca (or has
  // expired): the handshake fails, before any call exists.
  tls_options.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  std::shared_ptr<grpc::ServerCredentials> creds =
      grpc::experimental::TlsServerCredentials(tls_options);
  creds->SetAuthMetadataProcessor(processor_);

  grpc::ServerBuilder builder;
  std::vector<int> ports(options_.listen.size(), 0);
  for (size_t i = 0; i < options_.listen.size(); ++i) {
    builder.AddListeningPort(options_.listen[i], creds, &ports[i]);
  }
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(kTcpMaxReceiveMessageBytes);
  builder.SetMaxSendMessageSize(kTcpMaxSendMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             kTcpMaxConcurrentStreams);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      kTcpMinClientPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES,
                             kTcpMaxPingStrikes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kTcpKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             kTcpKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             kTcpHandshakeTimeoutMs);
  builder.experimental().SetInterceptorCreators(Interceptors());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  std::string all = absl::StrJoin(options_.listen, ", ");
  if (server == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", all));
  }
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i] == 0) {
      server->Shutdown();
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options_.listen[i]));
    }
  }
  LogLine(absl::StrCat("serving mutual TLS on ", all, " (", tls_.summary, "; ",
                       authorizer_->PolicySize(), " identities in ",
                       options_.policy_path, ")"));
  return server;
}

void RemoteAccess::Reload() {
  if (options_.policy_path.empty() && options_.listen.empty()) {
    LogLine("SIGHUP: no --policy or --listen: nothing to reload");
    return;
  }
  if (!options_.policy_path.empty()) {
    absl::StatusOr<Policy> policy = Policy::Load(options_.policy_path);
    if (policy.ok()) {
      size_t n = policy->size();
      authorizer_->Replace(*std::move(policy));
      LogLine(absl::StrCat("SIGHUP: policy reloaded: ", n, " identities from ",
                           options_.policy_path));
    } else {
      LogLine(absl::StrCat("SIGHUP: keeping the previous policy: ",
                           policy.status().message()));
    }
  }
  if (options_.listen.empty()) return;
  absl::StatusOr<TlsMaterial> material = LoadTlsMaterial(options_.tls);
  if (!material.ok()) {
    LogLine(absl::StrCat("SIGHUP: keeping the previous TLS files: ",
                         material.status().message()));
    return;
  }
  if (material->SameAs(tls_)) {
    LogLine(absl::StrCat("SIGHUP: TLS files unchanged (", tls_.summary, ")"));
    return;
  }
  if (absl::Status s = stage_.Publish(*material); !s.ok()) {
    LogLine(
        absl::StrCat("SIGHUP: keeping the previous TLS files: ", s.message()));
    return;
  }
  tls_ = *std::move(material);
  LogLine(absl::StrCat("SIGHUP: TLS files reloaded (", tls_.summary,
                       "); new connections get them, open ones keep theirs"));
}

}  // namespace warren::server
