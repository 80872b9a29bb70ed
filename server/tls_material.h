// The TLS files of warrend's TCP listeners: read and checked with libcrypto
// (a key that does not match its certificate is refused here, with a
// one-line reason, instead of failing every handshake later), then
// published into a private directory that gRPC's file watcher serves from.
// Publishing only after the check is what makes SIGHUP rotation safe: a
// half-written or mismatched set is never served, the old one stays.
#ifndef WARREN_SERVER_TLS_MATERIAL_H_
#define WARREN_SERVER_TLS_MATERIAL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace warren::server {

// Where the operator keeps the files (--tls_cert, --tls_key, --client_ca).
struct TlsFiles {
  std::string cert_path;  // server certificate chain, leaf first (PEM)
  std::string key_path;   // its private key (PEM, not encrypted)
  std::string ca_path;    // CA certificates client certificates must chain to
};

// The checked contents of a TlsFiles.
struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
  // "subject CN=warrend, serial 5A3F..." of the server certificate (logs).
  std::string summary;

  bool SameAs(const TlsMaterial& other) const {
    return cert_pem == other.cert_pem && key_pem == other.key_pem &&
           ca_pem == other.ca_pem;
  }
};

// Reads and checks all three files: each parses, the key matches the leaf
// certificate, the CA file has at least one certificate. Errors name the
// flag and the file, in one line.
absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files);

// A directory (mode 0700) holding the published generation of TLS files,
// g<N>/{cert,key,ca}.pem, and a symlink "current" to it, switched with one
// rename so a reader never sees a new key with an old certificate.
class TlsStage {
 public:
  explicit TlsStage(std::string dir) : dir_(std::move(dir)) {}

  // Empties the directory (generations of an earlier warrend) and publishes
  // `material` as the first generation.
  absl::Status Init(const TlsMaterial& material);
  // Publishes `material` as the next generation; removes older ones except
  // the previous (a reader may still be on it).
  absl::Status Publish(const TlsMaterial& material);

  std::string cert_path() const { return dir_ + "/current/cert.pem"; }
  std::string key_path() const { return dir_ + "/current/key.pem"; }
  std::string ca_path() const { return dir_ + "/current/ca.pem"; }

 private:
  std::string dir_;
  uint64_t generation_ = 0;
};

}  // namespace warren::server

#endif  // WARREN_SERVER_TLS_MATERIAL_H_
