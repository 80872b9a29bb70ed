#include "runtime/capabilities.h"

#include <linux/capability.h>
#include <sys/capability.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {
namespace {

// containerd's oci.defaultUnixCaps (the same list as Docker's).
constexpr int kDefaultCaps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};

bool IsAll(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "ALL") ||
         absl::EqualsIgnoreCase(name, "CAP_ALL");
}

CapabilityList Sorted(const std::set<int>& caps) {
  return CapabilityList(caps.begin(), caps.end());
}

// Parses one list of the spec ("cap_add" or "cap_drop") into numbers and
// whether it contains "ALL".
absl::Status ParseList(
    const google::protobuf::RepeatedPtrField<std::string>& names,
    absl::string_view field, std::set<int>* caps, bool* all) {
  for (int i = 0; i < names.size(); ++i) {
    if (IsAll(names[i])) {
      *all = true;
      continue;
    }
    absl::StatusOr<int> cap = ParseCapabilityName(names[i]);
    if (!cap.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "spec.security.", field, "[", i, "]: ", cap.status().message()));
    }
    caps->insert(*cap);
  }
  return absl::OkStatus();
}

}  // namespace

CapabilityList DefaultCapabilities() {
  return Sorted(
      std::set<int>(std::begin(kDefaultCaps), std::end(kDefaultCaps)));
}

CapabilityList AllCapabilities() {
  CapabilityList all;
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) all.push_back(cap);
  return all;
}

absl::StatusOr<int> ParseCapabilityName(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(name);
  bool letters =
      !lower.empty() && std::all_of(lower.begin(), lower.end(), [](char c) {
        return absl::ascii_islower(static_cast<unsigned char>(c)) || c == '_';
      });
  cap_value_t cap = 0;
  if (letters && !absl::StartsWith(lower, "cap_")) lower = "cap_" + lower;
  // libcap's table knows the names of every capability of its headers;
  // numbers and "all" (a text-form keyword) are rejected above and below.
  if (!letters || lower == "cap_all" ||
      cap_from_name(lower.c_str(), &cap) != 0 || cap < 0 ||
      cap > CAP_LAST_CAP) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown capability \"", name, "\""));
  }
  return static_cast<int>(cap);
}

std::string CapabilityName(int cap) {
  char* name = cap_to_name(static_cast<cap_value_t>(cap));
  if (name == nullptr) return absl::StrCat("CAP_", cap);
  std::string result = absl::AsciiStrToUpper(name);
  cap_free(name);
  return result;
}

uint64_t CapabilityMask(const CapabilityList& caps) {
  uint64_t mask = 0;
  for (int cap : caps) {
    if (cap >= 0 && cap < 64) mask |= uint64_t{1} << cap;
  }
  return mask;
}

absl::StatusOr<CapabilityPlan> BuildCapabilityPlan(
    const v1::SecuritySpec& security, uid_t uid) {
  std::set<int> add, drop;
  bool add_all = false;
  bool drop_all = false;
  if (absl::Status s = ParseList(security.cap_add(), "cap_add", &add, &add_all);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ParseList(security.cap_drop(), "cap_drop", &drop, &drop_all);
      !s.ok()) {
    return s;
  }
  if (add_all) {
    add.clear();
    for (int cap : AllCapabilities()) add.insert(cap);
  }

  std::set<int> granted;
  if (security.privileged()) {
    for (int cap : AllCapabilities()) granted.insert(cap);
  } else if (add_all) {
    for (int cap : add) {
      if (drop.count(cap) == 0) granted.insert(cap);
    }
  } else {
    if (!drop_all) {
      for (int cap : DefaultCapabilities()) {
        if (drop.count(cap) == 0) granted.insert(cap);
      }
    }
    granted.insert(add.begin(), add.end());
  }

  CapabilityPlan plan;
  plan.granted = Sorted(granted);
  if (uid != 0) {
    for (int cap : add) {
      if (granted.count(cap) != 0) plan.ambient.push_back(cap);
    }
  }
  return plan;
}

}  // namespace warren::runtime
