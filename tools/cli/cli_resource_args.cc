#include "tools/cli/cli_resource_args.h"

#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warren::cli {
namespace {

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// A positive decimal integer up to `max` for `--flag`.
absl::StatusOr<int64_t> ParsePositive(const std::string& flag,
                                      const std::string& value, int64_t max,
                                      const std::string& want) {
  int64_t n = 0;
  if (!AllDigits(value) || !absl::SimpleAtoi(value, &n) || n <= 0 || n > max) {
    return Usage(absl::StrCat("--", flag, " \"", value, "\": want ", want));
  }
  return n;
}

}  // namespace

std::vector<FlagSpec> ResourceFlags() {
  return {{"memory", 'm', true},    {"memory-swap", 0, true},
          {"cpu-quota", 0, true},   {"cpu-period", 0, true},
          {"cpu-weight", 0, true},  {"cpuset-cpus", 0, true},
          {"cpuset-mems", 0, true}, {"pids-limit", 0, true}};
}

bool HasResourceFlags(const ParsedArgs& p) {
  for (const FlagSpec& f : ResourceFlags()) {
    if (p.flags.count(f.name)) return true;
  }
  return false;
}

absl::StatusOr<int64_t> ParseSize(const std::string& flag,
                                  const std::string& value) {
  std::string v = absl::AsciiStrToLower(value);
  if (!v.empty() && v.back() == 'b') v.pop_back();  // "64mb", "100b"
  int shift = 0;
  if (!v.empty()) {
    switch (v.back()) {
      case 'k':
        shift = 10;
        break;
      case 'm':
        shift = 20;
        break;
      case 'g':
        shift = 30;
        break;
      case 't':
        shift = 40;
        break;
    }
    if (shift != 0) v.pop_back();
  }
  int64_t n = 0;
  if (!AllDigits(v) || !absl::SimpleAtoi(v, &n) || n <= 0) {
    return Usage(absl::StrCat("--", flag, " \"", value,
                              "\": want a positive size in bytes or N with "
                              "suffix k, m, g or t (e.g. 64m)"));
  }
  if (n > (std::numeric_limits<int64_t>::max() >> shift)) {
    return Usage(absl::StrCat("--", flag, " \"", value, "\": too large"));
  }
  return n << shift;
}

absl::Status ApplyResourceFlags(const ParsedArgs& p,
                                warren::v1::ResourcesSpec* out) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (p.flags.count("memory")) {
    absl::StatusOr<int64_t> n = ParseSize("memory", p.Last("memory"));
    if (!n.ok()) return n.status();
    out->set_memory_limit_bytes(*n);
  }
  if (p.flags.count("memory-swap")) {
    std::string v = p.Last("memory-swap");
    if (v == "-1") {
      out->set_memory_swap_limit_bytes(-1);
    } else {
      absl::StatusOr<int64_t> n = ParseSize("memory-swap", v);
      if (!n.ok()) return n.status();
      out->set_memory_swap_limit_bytes(*n);
    }
  }
  if (p.flags.count("cpu-quota")) {
    absl::StatusOr<int64_t> n =
        ParsePositive("cpu-quota", p.Last("cpu-quota"), kMax,
                      "a positive number of microseconds");
    if (!n.ok()) return n.status();
    out->set_cpu_quota_us(*n);
  }
  if (p.flags.count("cpu-period")) {
    absl::StatusOr<int64_t> n =
        ParsePositive("cpu-period", p.Last("cpu-period"), kMax,
                      "a positive number of microseconds");
    if (!n.ok()) return n.status();
    out->set_cpu_period_us(*n);
  }
  if (p.flags.count("cpu-weight")) {
    absl::StatusOr<int64_t> n = ParsePositive(
        "cpu-weight", p.Last("cpu-weight"), 10000, "a weight from 1 to 10000");
    if (!n.ok()) return n.status();
    out->set_cpu_weight(*n);
  }
  for (const char* name : {"cpuset-cpus", "cpuset-mems"}) {
    if (!p.flags.count(name)) continue;
    std::string v = p.Last(name);
    if (v.empty() || v.find_first_not_of("0123456789,-") != std::string::npos) {
      return Usage(
          absl::StrCat("--", name, " \"", v, "\": want a list like 0-2,4"));
    }
    if (std::string(name) == "cpuset-cpus") {
      out->set_cpuset_cpus(v);
    } else {
      out->set_cpuset_mems(v);
    }
  }
  if (p.flags.count("pids-limit")) {
    std::string v = p.Last("pids-limit");
    if (v == "-1") {
      out->set_pids_limit(-1);
    } else {
      absl::StatusOr<int64_t> n = ParsePositive(
          "pids-limit", v, kMax, "a positive number of processes or -1");
      if (!n.ok()) return n.status();
      out->set_pids_limit(*n);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<IdsOptions> ParseIdsArgs(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p = ParseFlags({}, args, true);
  if (!p.ok()) return p.status();
  IdsOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (p->positional.empty()) return Usage("requires at least 1 container id");
  out.ids = p->positional;
  return out;
}

absl::StatusOr<UpdateOptions> ParseUpdateArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p = ParseFlags(ResourceFlags(), args, true);
  if (!p.ok()) return p.status();
  UpdateOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (p->positional.empty()) return Usage("requires a container id");
  if (p->positional.size() > 1) {
    return Usage(absl::StrCat("takes exactly 1 container id, got ",
                              p->positional.size()));
  }
  if (!HasResourceFlags(*p)) {
    return Usage("requires at least one flag (--memory, --cpu-quota, ...)");
  }
  out.request.set_id(p->positional[0]);
  if (absl::Status s = ApplyResourceFlags(*p, out.request.mutable_resources());
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<EventsOptions> ParseEventsArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"filter", 'f', true}, {"since-seq", 0, true}}, args, true);
  if (!p.ok()) return p.status();
  EventsOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (!p->positional.empty()) {
    return Usage(absl::StrCat("unexpected argument \"", p->positional[0],
                              "\" (events takes only flags)"));
  }
  for (const std::string& f : p->All("filter")) {
    std::vector<std::string> kv = absl::StrSplit(f, absl::MaxSplits('=', 1));
    if (kv.size() == 2 && !kv[1].empty() && kv[0] == "container") {
      out.request.add_container_ids(kv[1]);
    } else if (kv.size() == 2 && !kv[1].empty() && kv[0] == "type") {
      out.request.add_types(kv[1]);
    } else {
      return Usage(
          absl::StrCat("--filter \"", f, "\": want container=ID or type=TYPE"));
    }
  }
  if (p->flags.count("since-seq")) {
    std::string v = p->Last("since-seq");
    uint64_t n = 0;
    if (!AllDigits(v) || !absl::SimpleAtoi(v, &n)) {
      return Usage(absl::StrCat("--since-seq \"", v,
                                "\": want an event sequence number"));
    }
    out.request.set_after_sequence(n);
  }
  return out;
}

}  // namespace warren::cli
