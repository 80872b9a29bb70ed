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

// libnftables reports each error as a "<cmdline>:L:C-C: Error: ..." line,
// followed by the offending script line and a line of carets. One line per
// error, with the script line it is about, keeps the status message short
// and still says which object failed and why.
std::string SummarizeErrors(absl::string_view text) {
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  std::vector<std::string> errors;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!absl::StrContains(lines[i], "Error:")) continue;
    std::string error(absl::StripAsciiWhitespace(lines[i]));
    if (i + 1 < lines.size()) {
      absl::string_view at = absl::StripAsciiWhitespace(lines[i + 1]);
      if (!at.empty() && !absl::StrContains(at, "Error:")) {
        absl::StrAppend(&error, " (at: ", at, ")");
      }
    }
    errors.push_back(std::move(error));
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
  const std::string what = absl::StrCat("sysctl ", path, " = ", value);
  {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(errno, absl::StrCat("read ", what));
    char buf[64];
    const ssize_t n = read(fd, buf, sizeof(buf));
    const int err = errno;
    close(fd);
    if (n < 0) return ErrnoError(err, absl::StrCat("read ", what));
    if (absl::StripAsciiWhitespace(absl::string_view(buf, n)) == value) {
      return absl::OkStatus();
    }
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat("write ", what));
  const std::string line = value + "\n";
  const ssize_t n = write(fd, line.data(), line.size());
  const int err = errno;
  close(fd);
  if (n < 0) return ErrnoError(err, absl::StrCat("write ", what));
  if (static_cast<size_t>(n) != line.size()) {
    return absl::InternalError(
        absl::StrCat("write ", what, ": short write (", n, " bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace warren::netns
