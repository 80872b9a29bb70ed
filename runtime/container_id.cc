#include "runtime/container_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace warren::runtime {

absl::Status ValidateContainerId(absl::string_view id,
                                 absl::string_view field) {
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (id.size() > kMaxContainerIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " is longer than ", kMaxContainerIdLength, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(id[0]))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must start with a letter or digit"));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " may contain only letters, digits, '_', '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace warren::runtime
