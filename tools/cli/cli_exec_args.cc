#include "tools/cli/cli_exec_args.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/cli/cli_args.h"

namespace warren::cli {
namespace {

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// The same wording as the other single-id commands (cli_args.cc).
absl::Status ExpectOneId(const std::vector<std::string>& ids) {
  if (ids.empty()) return Usage("requires a container id");
  if (ids.size() > 1) {
    return Usage(
        absl::StrCat("takes exactly 1 container id, got ", ids.size()));
  }
  return absl::OkStatus();
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t seconds = absl::ToUnixSeconds(t);
  // ToUnixSeconds rounds down, so the remainder is in [0, 1s).
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return ts;
}

}  // namespace

absl::StatusOr<ExecOptions> ParseExecArgs(
    const std::vector<std::string>& args) {
  // Not interspersed: everything after the container id is the command,
  // even if it looks like a flag (`exec c ls -l`).
  absl::StatusOr<ParsedArgs> p = ParseFlags({{"interactive", 'i', false},
                                             {"tty", 't', false},
                                             {"env", 'e', true},
                                             {"workdir", 'w', true},
                                             {"user", 'u', true},
                                             {"detach", 'd', false}},
                                            args, /*interspersed=*/false);
  if (!p.ok()) return p.status();
  ExecOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  out.detach = p->Bool("detach");
  warren::v1::ProcessSpec* process = out.request.mutable_process();
  process->set_open_stdin(p->Bool("interactive"));
  process->set_tty(p->Bool("tty"));
  if (out.detach && process->open_stdin()) {
    return Usage(
        "-d and -i cannot be combined (nothing would write to the detached "
        "process's stdin)");
  }
  for (const std::string& e : p->All("env")) {
    absl::StatusOr<std::pair<std::string, std::string>> kv =
        SplitKeyValue("env", e, /*need_value=*/true);
    if (!kv.ok()) return kv.status();
    process->add_env(e);
  }
  if (p->flags.count("workdir")) {
    std::string dir = p->Last("workdir");
    if (dir.empty()) return Usage("--workdir must not be empty");
    if (dir[0] != '/') {
      return Usage(
          absl::StrCat("--workdir \"", dir, "\": must be an absolute path"));
    }
    process->set_cwd(dir);
  }
  if (p->flags.count("user")) {
    if (absl::Status s = ParseUser(p->Last("user"), process); !s.ok()) {
      return s;
    }
  }
  if (p->positional.empty()) {
    return Usage("requires a container id and a command: ID CMD [ARGS...]");
  }
  if (p->positional.size() < 2) {
    return Usage(
        "requires a command to run after the container id: ID CMD "
        "[ARGS...]");
  }
  out.request.set_container_id(p->positional[0]);
  for (size_t i = 1; i < p->positional.size(); ++i) {
    process->add_args(p->positional[i]);
  }
  return out;
}

absl::StatusOr<AttachOptions> ParseAttachArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"sig-proxy", 0, false}}, args, /*interspersed=*/true);
  if (!p.ok()) return p.status();
  AttachOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (absl::Status s = ExpectOneId(p->positional); !s.ok()) return s;
  out.id = p->positional[0];
  out.sig_proxy = p->flags.count("sig-proxy") == 0 || p->Bool("sig-proxy");
  return out;
}

absl::StatusOr<absl::Time> ParseSince(const std::string& value,
                                      absl::Time now) {
  auto bad = [&value] {
    return Usage(absl::StrCat(
        "--since \"", value,
        "\": want an RFC 3339 time (2024-01-02T15:04:05Z), Unix seconds or "
        "a duration ago (10m, 1h30m)"));
  };
  if (value.empty()) return bad();
  // Unix seconds, optionally with up to 9 fraction digits.
  size_t dot = value.find('.');
  std::string whole = value.substr(0, dot);
  if (AllDigits(whole)) {
    std::string frac = dot == std::string::npos ? "" : value.substr(dot + 1);
    int64_t seconds = 0;
    int64_t nanos = 0;
    if ((dot != std::string::npos && !AllDigits(frac)) || frac.size() > 9 ||
        !absl::SimpleAtoi(whole, &seconds) ||
        (!frac.empty() &&
         !absl::SimpleAtoi(frac + std::string(9 - frac.size(), '0'), &nanos))) {
      return bad();
    }
    return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, value, &t, &err)) return t;
  absl::Duration d;
  if (absl::ParseDuration(value, &d) && d >= absl::ZeroDuration() &&
      d != absl::InfiniteDuration()) {
    return now - d;
  }
  return bad();
}

absl::StatusOr<LogsOptions> ParseLogsArgs(const std::vector<std::string>& args,
                                          absl::Time now) {
  absl::StatusOr<ParsedArgs> p = ParseFlags(
      {{"tail", 'n', true}, {"follow", 'f', false}, {"since", 0, true}}, args,
      true);
  if (!p.ok()) return p.status();
  LogsOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (absl::Status s = ExpectOneId(p->positional); !s.ok()) return s;
  out.request.set_id(p->positional[0]);
  out.request.set_follow(p->Bool("follow"));
  std::string tail = p->Last("tail", "all");
  int64_t n = 0;
  if (tail != "all" && (!AllDigits(tail) || !absl::SimpleAtoi(tail, &n))) {
    return Usage(absl::StrCat("--tail \"", tail,
                              "\": want a number of lines or \"all\""));
  }
  out.request.set_tail(n);
  absl::Time since = absl::InfinitePast();
  if (p->flags.count("since")) {
    absl::StatusOr<absl::Time> t = ParseSince(p->Last("since"), now);
    if (!t.ok()) return t.status();
    if (*t < absl::UnixEpoch()) {
      return Usage(absl::StrCat("--since \"", p->Last("since"),
                                "\": before 1970-01-01"));
    }
    since = *t;
  }
  bool zero_tail = tail != "all" && n == 0;
  if (zero_tail && out.request.follow()) {
    // Only what is written from now on (the daemon and the CLI share the
    // host's clock).
    since = std::max(since, now);
  } else {
    out.no_lines = zero_tail;
  }
  if (since != absl::InfinitePast()) {
    *out.request.mutable_since() = ToTimestamp(since);
  }
  return out;
}

}  // namespace warren::cli
