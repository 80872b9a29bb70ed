#include "server/tls_material.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/file_util.h"

namespace warren::server {
namespace {

struct OpenSslFree {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(char* p) const { OPENSSL_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

Owned<BIO> MemBio(const std::string& data) {
  return Owned<BIO>(
      BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// Every certificate in a PEM text, in order.
std::vector<Owned<X509>> ReadCertificates(const std::string& pem) {
  std::vector<Owned<X509>> out;
  Owned<BIO> bio = MemBio(pem);
  while (bio != nullptr) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the read past the last one "fails"
  return out;
}

// No passphrase prompt: encrypted keys are refused instead of blocking
// warrend on a terminal read.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::string Summary(X509* cert) {
  std::string subject = "?";
  if (Owned<BIO> out(BIO_new(BIO_s_mem())); out != nullptr) {
    X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0,
                       XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(out.get(), &data);
    if (n > 0) subject.assign(data, static_cast<size_t>(n));
  }
  std::string serial = "?";
  Owned<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr));
  if (bn != nullptr) {
    if (Owned<char> hex(BN_bn2hex(bn.get())); hex != nullptr)
      serial = hex.get();
  }
  return absl::StrCat("subject ", subject, ", serial ", serial);
}

absl::StatusOr<std::string> Read(const char* flag, const std::string& path) {
  if (path.empty())
    return absl::InvalidArgumentError(absl::StrCat(flag, " is required"));
  absl::StatusOr<std::string> data = runtime::ReadFile(path);
  if (!data.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", data.status().message()));
  }
  return data;
}

}  // namespace

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files) {
  TlsMaterial m;
  absl::StatusOr<std::string> cert = Read("--tls_cert", files.cert_path);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = Read("--tls_key", files.key_path);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> ca = Read("--client_ca", files.ca_path);
  if (!ca.ok()) return ca.status();
  m.cert_pem = *std::move(cert);
  m.key_pem = *std::move(key);
  m.ca_pem = *std::move(ca);

  std::vector<Owned<X509>> chain = ReadCertificates(m.cert_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert ", files.cert_path, ": no PEM certificate in it"));
  }
  Owned<BIO> key_bio = MemBio(m.key_pem);
  Owned<EVP_PKEY> pkey(key_bio == nullptr
                           ? nullptr
                           : PEM_read_bio_PrivateKey(key_bio.get(), nullptr,
                                                     NoPassphrase, nullptr));
  ERR_clear_error();
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_key ", files.key_path,
        ": no PEM private key in it (encrypted keys are not supported)"));
  }
  if (X509_check_private_key(chain[0].get(), pkey.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key ", files.key_path,
                     " does not match --tls_cert ", files.cert_path));
  }
  if (ReadCertificates(m.ca_pem).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--client_ca ", files.ca_path, ": no PEM certificate in it"));
  }
  m.summary = Summary(chain[0].get());
  return m;
}

absl::Status TlsStage::Init(const TlsMaterial& material) {
  if (absl::Status s = runtime::RemoveTree(dir_); !s.ok()) return s;
  if (absl::Status s = runtime::MakeDirs(dir_, 0700); !s.ok()) return s;
  return Publish(material);
}

absl::Status TlsStage::Publish(const TlsMaterial& material) {
  uint64_t next = generation_ + 1;
  std::string name = absl::StrCat("g", next);
  std::string gen = absl::StrCat(dir_, "/", name);
  if (absl::Status s = runtime::MakeDirs(gen, 0700); !s.ok()) return s;
  for (const auto& [file, data] : {std::pair<const char*, const std::string*>{
                                       "key.pem", &material.key_pem},
                                   {"cert.pem", &material.cert_pem},
                                   {"ca.pem", &material.ca_pem}}) {
    absl::Status s =
        runtime::WriteFileAtomic(absl::StrCat(gen, "/", file), *data, 0600);
    if (!s.ok()) return s;
  }
  std::string link = dir_ + "/current.new";
  unlink(link.c_str());
  if (symlink(name.c_str(), link.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("symlink ", link));
  }
  if (rename(link.c_str(), (dir_ + "/current").c_str()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("rename ", link));
  }
  generation_ = next;
  if (next > 2) {
    (void)runtime::RemoveTree(absl::StrCat(dir_, "/g", next - 2));
  }
  return absl::OkStatus();
}

}  // namespace warren::server
