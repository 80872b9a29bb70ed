#include "tools/cli/cli_format.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli/cli_network_format.h"

namespace warren::cli {
namespace {

using warren::v1::Container;

constexpr size_t kCommandWidth = 40;

std::string Plural(int64_t n, const char* unit) {
  return absl::StrCat(n, " ", unit, n == 1 ? "" : "s");
}

// "2024-05-01T10:00:00Z (5 seconds ago)", or "-" if unset.
std::string TimeLine(const google::protobuf::Timestamp& ts, absl::Time now) {
  absl::Time t = FromTimestamp(ts);
  if (t == absl::InfinitePast()) return "-";
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()), " (",
      RelativeTime(ts, now), ")");
}

}  // namespace

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() &&
      arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
                            "yz0123456789_-./=:,+@%") == std::string::npos) {
    return arg;
  }
  return absl::StrCat("'", absl::StrReplaceAll(arg, {{"'", "'\\''"}}), "'");
}

std::string JoinCommand(
    const google::protobuf::RepeatedPtrField<std::string>& args) {
  std::vector<std::string> quoted;
  for (const std::string& a : args) quoted.push_back(ShellQuote(a));
  return absl::StrJoin(quoted, " ");
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return absl::InfinitePast();
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string HumanDuration(absl::Duration d) {
  int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 1) return "Less than a second";
  if (seconds < 60) return Plural(seconds, "second");
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return Plural(minutes, "minute");
  int64_t hours = minutes / 60;
  if (hours == 1) return "About an hour";
  if (hours < 48) return Plural(hours, "hour");
  if (hours < 24 * 7 * 2) return Plural(hours / 24, "day");
  if (hours < 24 * 30 * 2) return Plural(hours / 24 / 7, "week");
  if (hours < 24 * 365 * 2) return Plural(hours / 24 / 30, "month");
  return Plural(hours / 24 / 365, "year");
}

std::string RelativeTime(const google::protobuf::Timestamp& ts,
                         absl::Time now) {
  absl::Time t = FromTimestamp(ts);
  if (t == absl::InfinitePast()) return "-";
  return absl::StrCat(HumanDuration(now - t), " ago");
}

std::string StateName(warren::v1::ContainerState state) {
  if (state == warren::v1::CONTAINER_STATE_UNSPECIFIED) return "unknown";
  return absl::AsciiStrToLower(warren::v1::ContainerState_Name(state));
}

std::string ExitSummary(const Container& c) {
  if (c.state() != warren::v1::STOPPED) return "-";
  std::vector<std::string> why;
  if (!c.signal().empty()) why.push_back(c.signal());
  if (c.oom_killed()) why.push_back("OOM");
  if (why.empty()) return absl::StrCat(c.exit_code());
  return absl::StrCat(c.exit_code(), " (", absl::StrJoin(why, ", "), ")");
}

std::string FormatPsTable(
    const google::protobuf::RepeatedPtrField<Container>& list, absl::Time now,
    bool no_trunc) {
  // PORTS only when something publishes ports, so the usual table stays
  // narrow; like `docker ps`, the ports in force (none once stopped).
  const bool ports = std::any_of(list.begin(), list.end(), [](const auto& c) {
    return c.network().ports_size() > 0;
  });
  // TENANT only when the listing spans tenants (an admin over TCP), so a
  // single-tenant table looks as it always did.
  const bool tenants = std::any_of(list.begin(), list.end(), [](const auto& c) {
    return !c.tenant().empty() && c.tenant() != "default";
  });
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATE", "PID", "EXIT", "CREATED", "COMMAND"}};
  if (tenants) rows[0].insert(rows[0].begin() + 1, "TENANT");
  if (ports) rows[0].push_back("PORTS");
  for (const Container& c : list) {
    std::string command = JoinCommand(c.spec().process().args());
    if (!no_trunc && command.size() > kCommandWidth) {
      command = command.substr(0, kCommandWidth - 3) + "...";
    }
    rows.push_back({c.id(), StateName(c.state()),
                    c.pid() > 0 ? absl::StrCat(c.pid()) : "-", ExitSummary(c),
                    RelativeTime(c.created_at(), now), command});
    if (tenants) {
      rows.back().insert(rows.back().begin() + 1,
                         c.tenant().empty() ? "default" : c.tenant());
    }
    if (ports) rows.back().push_back(FormatPorts(c.network().ports()));
  }
  return FormatTable(rows);
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return "";
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 3, ' ');
    }
    // An empty last cell would leave the padding of the one before.
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string FormatInspect(const Container& c, absl::Time now) {
  const warren::v1::ContainerSpec& spec = c.spec();
  const warren::v1::ProcessSpec& proc = spec.process();
  std::vector<std::pair<std::string, std::string>> lines = {
      {"ID", c.id()},
      {"State", StateName(c.state())},
  };
  if (c.state() == warren::v1::STOPPED)
    lines.push_back({"Exit", ExitSummary(c)});
  if (c.pid() > 0) lines.push_back({"Pid", absl::StrCat(c.pid())});
  if (c.monitor_pid() > 0) {
    lines.push_back({"Monitor pid", absl::StrCat(c.monitor_pid())});
  }
  lines.push_back({"Created", TimeLine(c.created_at(), now)});
  lines.push_back({"Started", TimeLine(c.started_at(), now)});
  lines.push_back({"Finished", TimeLine(c.finished_at(), now)});
  lines.push_back({"Command", JoinCommand(proc.args())});
  lines.push_back({"Rootfs", spec.rootfs()});
  lines.push_back(
      {"Hostname", spec.hostname().empty() ? c.id() : spec.hostname()});
  lines.push_back({"Working dir", proc.cwd().empty() ? "/" : proc.cwd()});
  lines.push_back({"User", absl::StrCat(proc.uid(), ":", proc.gid())});
  for (auto& line : NetworkInspectLines(c)) lines.push_back(std::move(line));
  lines.push_back({"Stop signal", spec.stop_signal().empty()
                                      ? "SIGTERM"
                                      : spec.stop_signal()});
  if (!c.log_path().empty()) lines.push_back({"Log path", c.log_path()});

  std::string out;
  for (const auto& [key, value] : lines) {
    std::string label = key + ":";
    absl::StrAppend(&out, label, std::string(14 - label.size(), ' '), value,
                    "\n");
  }
  if (proc.env_size() > 0) {
    out += "Env:\n";
    for (const std::string& e : proc.env())
      absl::StrAppend(&out, "  ", e, "\n");
  }
  if (!spec.labels().empty()) {
    out += "Labels:\n";
    std::map<std::string, std::string> sorted(spec.labels().begin(),
                                              spec.labels().end());
    for (const auto& [k, v] : sorted)
      absl::StrAppend(&out, "  ", k, "=", v, "\n");
  }
  if (c.namespaces_size() > 0) {
    out += "Namespaces:\n";
    for (const warren::v1::NamespaceInfo& ns : c.namespaces()) {
      std::string type = ns.type();
      type.resize(std::max<size_t>(type.size(), 8), ' ');
      absl::StrAppend(&out, "  ", type, ns.inode(),
                      ns.shared_with_host() ? " (host)" : "", "\n");
    }
  }
  return out;
}

std::string FormatRpcError(const grpc::Status& status) {
  std::string message = status.error_message();
  message = absl::StrReplaceAll(message, {{"\r\n", "; "}, {"\n", "; "}});
  std::string code = absl::StatusCodeToString(
      static_cast<absl::StatusCode>(status.error_code()));
  if (code.empty()) code = absl::StrCat("CODE_", status.error_code());
  if (message.empty()) return code;
  return absl::StrCat(code, ": ", message);
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message,
                                   bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print JSON: ", status.ToString()));
  }
  // With add_whitespace protobuf already ends the text with a newline.
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

}  // namespace warren::cli
