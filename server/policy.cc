#include "server/policy.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "runtime/file_util.h"

namespace warren::server {
namespace {

// Keeps the first syntax error (protobuf reports 0-based positions).
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!error_.empty()) return;
    error_ =
        absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

bool ValidTenant(absl::string_view tenant) {
  if (tenant.empty() || tenant.size() > 63) return false;
  for (char c : tenant) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

bool HasControlChars(absl::string_view s) {
  for (char c : s) {
    if (absl::ascii_iscntrl(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Policy> Policy::Parse(absl::string_view text,
                                     absl::string_view source) {
  auto fail = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy ", source, ": ", what));
  };
  Policy policy;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &policy.proto_)) {
    return fail(errors.error().empty() ? "not a warren.v1.AccessPolicy"
                                       : errors.error());
  }
  absl::flat_hash_map<std::string, int> index_of;
  for (int i = 0; i < policy.proto_.entries_size(); ++i) {
    const v1::PolicyEntry& e = policy.proto_.entries(i);
    std::string at = absl::StrCat("entries[", i, "]");
    if (e.identity().empty())
      return fail(absl::StrCat(at, ": identity is required"));
    if (HasControlChars(e.identity())) {
      return fail(absl::StrCat(at, ": identity has control characters"));
    }
    at = absl::StrCat(at, " (\"", absl::CEscape(e.identity()), "\")");
    if (e.identity() == kUnixIdentity) {
      return fail(absl::StrCat(at, ": identity \"", kUnixIdentity,
                               "\" is reserved for the unix socket"));
    }
    auto [it, inserted] = index_of.emplace(e.identity(), i);
    if (!inserted) {
      return fail(absl::StrCat(at, ": identity is listed twice (also entries[",
                               it->second, "])"));
    }
    if (e.tenant().empty())
      return fail(absl::StrCat(at, ": tenant is required"));
    if (!ValidTenant(e.tenant())) {
      return fail(absl::StrCat(at, ": tenant \"", absl::CEscape(e.tenant()),
                               "\": 1-63 characters of [A-Za-z0-9_.-]"));
    }
    if (e.role().empty()) {
      return fail(
          absl::StrCat(at, ": role is required (admin, operator or viewer)"));
    }
    std::optional<Role> role = ParseRole(e.role());
    if (!role.has_value()) {
      return fail(absl::StrCat(at, ": unknown role \"", absl::CEscape(e.role()),
                               "\" (admin, operator or viewer)"));
    }
    policy.entries_[e.identity()] = Entry{e.tenant(), *role};
  }
  absl::flat_hash_map<std::string, int> limits_of;
  for (int i = 0; i < policy.proto_.tenant_limits_size(); ++i) {
    const v1::TenantLimits& l = policy.proto_.tenant_limits(i);
    std::string at = absl::StrCat("tenant_limits[", i, "]");
    if (l.tenant().empty())
      return fail(absl::StrCat(at, ": tenant is required"));
    if (!ValidTenant(l.tenant())) {
      return fail(absl::StrCat(at, ": tenant \"", absl::CEscape(l.tenant()),
                               "\": 1-63 characters of [A-Za-z0-9_.-]"));
    }
    auto [it, inserted] = limits_of.emplace(l.tenant(), i);
    if (!inserted) {
      return fail(absl::StrCat(at, ": tenant \"", l.tenant(),
                               "\" is listed twice (also tenant_limits[",
                               it->second, "])"));
    }
    if (!std::isfinite(l.creates_per_second()) || l.creates_per_second() < 0) {
      return fail(absl::StrCat(at, ": creates_per_second must be >= 0"));
    }
  }
  return policy;
}

absl::StatusOr<Policy> Policy::Load(const std::string& path) {
  absl::StatusOr<std::string> text = runtime::ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy ", path, ": ", text.status().message()));
  }
  return Parse(*text, path);
}

const Policy::Entry* Policy::Find(absl::string_view identity) const {
  auto it = entries_.find(identity);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace warren::server
