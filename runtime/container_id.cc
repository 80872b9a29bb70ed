#include "runtime/container_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

// The shared rule of ids and tenants: a safe file and cgroup name.
absl::Status ValidateName(absl::string_view name, absl::string_view field,
                          size_t max_length) {
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (name.size() > max_length) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", max_length, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must start with a letter or digit"));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " may contain only letters, digits, '_', '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateContainerId(absl::string_view id,
                                 absl::string_view field) {
  return ValidateName(id, field, kMaxContainerIdLength);
}

absl::Status ValidateTenant(absl::string_view tenant, absl::string_view field) {
  return ValidateName(tenant, field, kMaxTenantLength);
}

std::string ContainerKey(absl::string_view tenant, absl::string_view id) {
  if (tenant.empty() || tenant == kDefaultTenant) return std::string(id);
  return absl::StrCat(tenant, "/", id);
}

ScopedId SplitContainerKey(absl::string_view key) {
  size_t slash = key.find('/');
  if (slash == absl::string_view::npos) {
    return {std::string(kDefaultTenant), std::string(key)};
  }
  return {std::string(key.substr(0, slash)),
          std::string(key.substr(slash + 1))};
}

absl::Status ValidateContainerKey(absl::string_view key,
                                  absl::string_view field) {
  ScopedId scoped = SplitContainerKey(key);
  if (key.find('/') != absl::string_view::npos) {
    if (absl::Status s = ValidateTenant(scoped.tenant); !s.ok()) return s;
    if (scoped.tenant == kDefaultTenant) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": the default tenant's containers are named by bare id"));
    }
  }
  return ValidateContainerId(scoped.id, field);
}

}  // namespace warren::runtime
