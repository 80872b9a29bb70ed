#include "netns/nft_firewall_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace warren::netns {
namespace {

absl::Status ErrnoError(int err, absl::string_view what) {
  return absl::Status(absl::ErrnoToStatusCode(err),
                      absl::StrCat(what, ": ", std::strerror(err)));
}

// libnftables reports each error as an "Error: ..." line, followed by a
// script line and a line of carets. For buffer input, libnftables 1.0.6
// prints the buffer's first line there, not the offending one, so only the
// error lines are kept: one line per error, short, and still saying why.
std::string SummarizeErrors(absl::string_view text) {
  std::vector<std::string> errors;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, "Error:")) {
      errors.emplace_back(absl::StripAsciiWhitespace(line));
    }
  }
  if (errors.empty()) {
    absl::string_view all = absl::StripAsciiWhitespace(text);
    if (all.empty()) return "no error text from libnftables";
    return absl::StrJoin(absl::StrSplit(all, '\n', absl::SkipWhitespace()),
                         "; ");
  }
  return absl::StrJoin(errors, "; ");
}

struct CtxDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

}  // namespace

absl::Status NftFirewallOps::Run(const std::string& nft_script) {
  std::unique_ptr<nft_ctx, CtxDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (ctx == nullptr) {
    return absl::InternalError("nftables: nft_ctx_new failed (out of memory?)");
  }
  // Capture both streams: nothing goes to warrend's stdout/stderr, and the
  // error text ends up in the status.
  if (nft_ctx_buffer_output(ctx.get()) != 0 ||
      nft_ctx_buffer_error(ctx.get()) != 0) {
    return absl::InternalError("nftables: cannot buffer libnftables output");
  }
  if (nft_run_cmd_from_buffer(ctx.get(), nft_script.c_str()) == 0) {
    return absl::OkStatus();
  }
  const char* error_text = nft_ctx_get_error_buffer(ctx.get());
  const std::string summary =
      SummarizeErrors(error_text == nullptr ? "" : error_text);
  const std::string message =
      absl::StrCat("nftables transaction failed (nothing applied): ", summary);
  if (absl::StrContains(summary, "Operation not permitted")) {
    return absl::PermissionDeniedError(
        absl::StrCat(message, " (needs CAP_NET_ADMIN)"));
  }
  return absl::InternalError(message);
}

absl::Status NftFirewallOps::WriteSysctl(const std::string& path,
                                         const std::string& value) {
  const std::string what = absl::StrCat("set sysctl ", path, " to ", value);
  {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(errno, absl::StrCat(what, ": read"));
    char buf[64];
    const ssize_t n = read(fd, buf, sizeof(buf));
    const int err = errno;
    close(fd);
    if (n < 0) return ErrnoError(err, absl::StrCat(what, ": read"));
    if (absl::StripAsciiWhitespace(absl::string_view(buf, n)) == value) {
      return absl::OkStatus();
    }
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat(what, ": write"));
  const std::string line = value + "\n";
  const ssize_t n = write(fd, line.data(), line.size());
  const int err = errno;
  close(fd);
  if (n < 0) return ErrnoError(err, absl::StrCat(what, ": write"));
  if (static_cast<size_t>(n) != line.size()) {
    return absl::InternalError(
        absl::StrCat(what, ": short write (", n, " bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace warren::netns
