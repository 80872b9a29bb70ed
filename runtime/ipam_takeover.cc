#include "runtime/ipam_takeover.h"

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/file_util.h"

namespace warren::runtime {
namespace {

bool SameDirectory(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// An IPAM file: its comment lines, and its "<ip> <container id>" lines by
// address.
struct IpamText {
  std::vector<std::string> comments;
  std::map<std::string, std::string> by_ip;
};

IpamText Parse(const std::string& text) {
  IpamText out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (absl::StartsWith(line, "#")) {
      out.comments.emplace_back(line);
      continue;
    }
    std::string ip(line.substr(0, line.find(' ')));
    out.by_ip.emplace(ip, std::string(line));
  }
  return out;
}

// `into`'s lines plus `from`'s; FAILED_PRECONDITION if an address is held
// by different containers in the two.
absl::StatusOr<std::string> Merge(const std::string& into_path,
                                  const std::string& into,
                                  const std::string& from_path,
                                  const std::string& from) {
  IpamText merged = Parse(into);
  for (const auto& [ip, line] : Parse(from).by_ip) {
    auto [it, added] = merged.by_ip.emplace(ip, line);
    if (!added && it->second != line) {
      return absl::FailedPreconditionError(absl::StrCat(
          "take over IPAM: ", ip, " has two holders, \"", it->second, "\" in ",
          into_path, " and \"", line, "\" in ", from_path));
    }
  }
  std::string out;
  for (const std::string& c : merged.comments) absl::StrAppend(&out, c, "\n");
  for (const auto& [ip, line] : merged.by_ip) absl::StrAppend(&out, line, "\n");
  return out;
}

}  // namespace

absl::Status TakeOverLegacyIpam(const std::string& legacy,
                                const std::string& dir) {
  if (access(legacy.c_str(), F_OK) != 0 || SameDirectory(legacy, dir)) {
    return absl::OkStatus();
  }
  std::vector<std::string> taken;
  for (const std::string& file : ListDir(legacy)) {
    const std::string from = legacy + "/" + file;
    if (!absl::EndsWith(file, ".ips")) {
      taken.push_back(from);  // a temporary file of a write that died
      continue;
    }
    absl::StatusOr<std::string> old_text = ReadFile(from);
    if (!old_text.ok()) return old_text.status();
    const std::string to = dir + "/" + file;
    std::string text = *old_text;
    absl::StatusOr<std::string> current = ReadFile(to);
    if (current.ok()) {
      absl::StatusOr<std::string> merged = Merge(to, *current, from, text);
      if (!merged.ok()) return merged.status();
      text = *std::move(merged);
    } else if (!absl::IsNotFound(current.status())) {
      return current.status();
    }
    if (absl::Status s = WriteFileAtomic(to, text, 0600, Durability::kAtomic);
        !s.ok()) {
      return s;
    }
    taken.push_back(from);
  }
  for (const std::string& path : taken) unlink(path.c_str());
  rmdir(legacy.c_str());
  return absl::OkStatus();
}

}  // namespace warren::runtime
