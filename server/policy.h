// The --policy file (warren.v1.AccessPolicy in protobuf text format),
// parsed and checked once, so the per-call check is a map lookup and every
// mistake in the file is one line naming the entry at fault.
#ifndef WARREN_SERVER_POLICY_H_
#define WARREN_SERVER_POLICY_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/warren/v1/policy.pb.h"
#include "server/role_table.h"

namespace warren::server {

// The identity of unix socket callers; reserved in policy files.
inline constexpr absl::string_view kUnixIdentity = "unix";

// A validated policy: identity -> tenant and role. Immutable; a reload makes
// a new one.
class Policy {
 public:
  struct Entry {
    std::string tenant;
    Role role = Role::kNone;
  };

  // Parses and validates `text`. Errors are one line starting with
  // "policy <source>: " (a line and column for syntax errors, the entry's
  // index and identity otherwise).
  static absl::StatusOr<Policy> Parse(absl::string_view text,
                                      absl::string_view source);
  // Parse() of the file at `path` (its path is the source).
  static absl::StatusOr<Policy> Load(const std::string& path);

  // The entry of `identity`; nullptr if the policy does not list it.
  const Entry* Find(absl::string_view identity) const;
  size_t size() const { return entries_.size(); }
  // The parsed file (tenant_limits are read from it per call).
  const v1::AccessPolicy& proto() const { return proto_; }

 private:
  absl::flat_hash_map<std::string, Entry> entries_;
  v1::AccessPolicy proto_;
};

}  // namespace warren::server

#endif  // WARREN_SERVER_POLICY_H_
