#include "tools/cli/cli_args.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/cli/cli_network_args.h"
#include "tools/cli/cli_resource_args.h"

namespace warren::cli {
namespace {

using warren::v1::ContainerSpec;
using warren::v1::ContainerState;

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs,
                         const std::string& name) {
  for (const FlagSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char c) {
  for (const FlagSpec& s : specs) {
    if (s.short_name != 0 && s.short_name == c) return &s;
  }
  return nullptr;
}

// The create/run flags, shared so `run` accepts exactly what `create` does.
std::vector<FlagSpec> CreateFlags() {
  std::vector<FlagSpec> flags = {
      {"name", 0, true},    {"rootfs", 0, true},      {"hostname", 0, true},
      {"env", 'e', true},   {"workdir", 'w', true},   {"user", 'u', true},
      {"label", 'l', true}, {"stop-signal", 0, true}, {"uidmap", 0, true},
      {"gidmap", 0, true}};
  for (const FlagSpec& f : ResourceFlags()) flags.push_back(f);
  for (const FlagSpec& f : ContainerNetworkFlags()) flags.push_back(f);
  return flags;
}

// --uidmap/--gidmap CONTAINER:HOST:SIZE (as podman's), repeatable.
absl::Status ParseIdMaps(
    const ParsedArgs& p, const std::string& flag,
    google::protobuf::RepeatedPtrField<warren::v1::IdMapping>* out) {
  for (const std::string& value : p.All(flag)) {
    std::vector<std::string> parts = absl::StrSplit(value, ':');
    uint32_t ids[3];
    bool ok = parts.size() == 3;
    for (size_t i = 0; ok && i < 3; ++i) {
      ok = absl::SimpleAtoi(parts[i], &ids[i]);
    }
    if (!ok) {
      return Usage(absl::StrCat("--", flag, " \"", value,
                                "\": want CONTAINER_ID:HOST_ID:SIZE"));
    }
    warren::v1::IdMapping* m = out->Add();
    m->set_container_id(ids[0]);
    m->set_host_id(ids[1]);
    m->set_size(ids[2]);
  }
  return absl::OkStatus();
}

// Either map asks for a new user namespace; a missing --gidmap copies
// --uidmap (podman does the same).
absl::Status ApplyUserNamespaceFlags(const ParsedArgs& p, ContainerSpec* spec) {
  if (!p.flags.count("uidmap") && !p.flags.count("gidmap")) {
    return absl::OkStatus();
  }
  if (absl::Status s = ParseIdMaps(p, "uidmap", spec->mutable_uid_mappings());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParseIdMaps(p, "gidmap", spec->mutable_gid_mappings());
      !s.ok()) {
    return s;
  }
  if (spec->gid_mappings().empty()) {
    *spec->mutable_gid_mappings() = spec->uid_mappings();
  }
  if (spec->uid_mappings().empty()) {
    *spec->mutable_uid_mappings() = spec->gid_mappings();
  }
  spec->mutable_namespaces()->mutable_user()->set_mode(
      warren::v1::NamespaceSpec::MODE_NEW);
  return absl::OkStatus();
}

absl::StatusOr<CreateOptions> BuildCreate(const ParsedArgs& p) {
  CreateOptions out;
  out.help = p.Bool("help");
  if (out.help) return out;
  out.id = p.Last("name");
  if (p.flags.count("name") && out.id.empty()) {
    return Usage("--name must not be empty");
  }
  ContainerSpec& spec = out.spec;
  spec.set_rootfs(p.Last("rootfs", kDefaultRootfs));
  if (spec.rootfs().empty()) return Usage("--rootfs must not be empty");
  spec.set_hostname(p.Last("hostname"));
  spec.set_stop_signal(p.Last("stop-signal"));
  warren::v1::ProcessSpec* process = spec.mutable_process();
  process->set_cwd(p.Last("workdir"));
  for (const std::string& e : p.All("env")) {
    absl::StatusOr<std::pair<std::string, std::string>> kv =
        SplitKeyValue("env", e, /*need_value=*/true);
    if (!kv.ok()) return kv.status();
    process->add_env(e);
  }
  if (p.flags.count("user")) {
    if (absl::Status s = ParseUser(p.Last("user"), process); !s.ok()) return s;
  }
  for (const std::string& l : p.All("label")) {
    absl::StatusOr<std::pair<std::string, std::string>> kv =
        SplitKeyValue("label", l, /*need_value=*/false);
    if (!kv.ok()) return kv.status();
    (*spec.mutable_labels())[kv->first] = kv->second;
  }
  if (absl::Status s = ApplyContainerNetworkFlags(p, &spec); !s.ok()) {
    return s;
  }
  if (absl::Status s = ApplyUserNamespaceFlags(p, &spec); !s.ok()) return s;
  if (HasResourceFlags(p)) {
    absl::Status s = ApplyResourceFlags(p, spec.mutable_resources());
    if (!s.ok()) return s;
  }
  if (p.positional.empty()) {
    return Usage("requires a command to run: CMD [ARGS...] after the flags");
  }
  for (const std::string& a : p.positional) process->add_args(a);
  return out;
}

absl::Status ExpectIds(const std::vector<std::string>& ids, size_t max) {
  if (ids.empty()) return Usage("requires a container id");
  if (ids.size() > max) {
    return Usage(
        absl::StrCat("takes exactly 1 container id, got ", ids.size()));
  }
  return absl::OkStatus();
}

}  // namespace

bool ParsedArgs::Bool(const std::string& name) const {
  auto it = flags.find(name);
  return it != flags.end() && !it->second.empty() &&
         it->second.back() == "true";
}

std::string ParsedArgs::Last(const std::string& name,
                             const std::string& def) const {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) return def;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::All(const std::string& name) const {
  auto it = flags.find(name);
  return it == flags.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<ParsedArgs> ParseFlags(const std::vector<FlagSpec>& specs_in,
                                      const std::vector<std::string>& args,
                                      bool interspersed) {
  std::vector<FlagSpec> specs = specs_in;
  if (!FindLong(specs, "help")) specs.push_back({"help", 'h', false});
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.positional.insert(out.positional.end(), args.begin() + i + 1,
                            args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (!interspersed) {
        out.positional.insert(out.positional.end(), args.begin() + i,
                              args.end());
        break;
      }
      out.positional.push_back(arg);
      continue;
    }
    if (arg[1] == '-') {  // --name, --name=value
      size_t eq = arg.find('=');
      std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
      const FlagSpec* spec = FindLong(specs, name);
      if (spec == nullptr) return Usage(absl::StrCat("unknown flag --", name));
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        if (!spec->takes_value && value != "true" && value != "false") {
          return Usage(absl::StrCat("flag --", name,
                                    " takes no value (or =true/=false)"));
        }
      } else if (spec->takes_value) {
        if (i + 1 >= args.size()) {
          return Usage(absl::StrCat("flag --", name, " needs a value"));
        }
        value = args[++i];
      } else {
        value = "true";
      }
      out.flags[spec->name].push_back(value);
      continue;
    }
    // -a, -af (grouped booleans), -e K=V, -eK=V
    for (size_t j = 1; j < arg.size(); ++j) {
      const FlagSpec* spec = FindShort(specs, arg[j]);
      if (spec == nullptr) {
        return Usage(absl::StrCat("unknown flag -", std::string(1, arg[j])));
      }
      if (!spec->takes_value) {
        out.flags[spec->name].push_back("true");
        continue;
      }
      std::string value = arg.substr(j + 1);
      if (value.empty()) {
        if (i + 1 >= args.size()) {
          return Usage(
              absl::StrCat("flag -", std::string(1, arg[j]), " needs a value"));
        }
        value = args[++i];
      }
      out.flags[spec->name].push_back(value);
      break;
    }
  }
  return out;
}

absl::StatusOr<CreateOptions> ParseCreateArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags(CreateFlags(), args, /*interspersed=*/false);
  if (!p.ok()) return p.status();
  return BuildCreate(*p);
}

absl::StatusOr<RunOptions> ParseRunArgs(const std::vector<std::string>& args) {
  std::vector<FlagSpec> specs = CreateFlags();
  specs.push_back({"rm", 0, false});
  specs.push_back({"detach", 'd', false});
  specs.push_back({"interactive", 'i', false});
  specs.push_back({"tty", 't', false});
  absl::StatusOr<ParsedArgs> p = ParseFlags(specs, args, false);
  if (!p.ok()) return p.status();
  RunOptions out;
  absl::StatusOr<CreateOptions> create = BuildCreate(*p);
  if (!create.ok()) return create.status();
  out.create = *std::move(create);
  out.rm = p->Bool("rm");
  out.detach = p->Bool("detach");
  // The container's init gets the terminal and stdin, as `docker run -it`.
  out.create.spec.mutable_process()->set_open_stdin(p->Bool("interactive"));
  out.create.spec.mutable_process()->set_tty(p->Bool("tty"));
  if (out.detach && p->Bool("interactive") && !out.create.help) {
    return Usage(
        "-d and -i cannot be combined (nothing would write to the "
        "container's stdin)");
  }
  if (out.rm && out.detach && !out.create.help) {
    return Usage(
        "--rm and -d cannot be combined (nothing would remove the "
        "container when it exits)");
  }
  return out;
}

absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(
    const std::string& flag, const std::string& value, bool need_value) {
  size_t eq = value.find('=');
  if (eq == 0 || value.empty()) {
    return Usage(
        absl::StrCat("--", flag, " \"", value,
                     "\": the key must not be empty (want KEY=VALUE)"));
  }
  if (eq == std::string::npos) {
    if (need_value) {
      return Usage(
          absl::StrCat("--", flag, " \"", value, "\": want KEY=VALUE"));
    }
    return std::make_pair(value, std::string());
  }
  return std::make_pair(value.substr(0, eq), value.substr(eq + 1));
}

absl::Status ParseUser(const std::string& value, warren::v1::ProcessSpec* out) {
  std::vector<std::string> parts = absl::StrSplit(value, ':');
  uint32_t uid = 0, gid = 0;
  auto number = [](const std::string& s, uint32_t* n) {
    // SimpleAtoi accepts "+1" and surrounding spaces; ids are plain digits.
    return !s.empty() &&
           s.find_first_not_of("0123456789") == std::string::npos &&
           absl::SimpleAtoi(s, n);
  };
  if (parts.size() > 2 || !number(parts[0], &uid) ||
      (parts.size() == 2 && !number(parts[1], &gid))) {
    return Usage(absl::StrCat("--user \"", value,
                              "\": want UID[:GID] with numeric ids"));
  }
  out->set_uid(uid);
  out->set_gid(gid);
  return absl::OkStatus();
}

absl::StatusOr<KillOptions> ParseKillArgs(
    const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"signal", 's', true}, {"all", 'a', false}}, args, true);
  if (!p.ok()) return p.status();
  KillOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (absl::Status s = ExpectIds(p->positional, 1); !s.ok()) return s;
  out.request.set_id(p->positional[0]);
  out.request.set_signal(p->Last("signal"));
  if (p->flags.count("signal") && out.request.signal().empty()) {
    return Usage("--signal must not be empty");
  }
  out.request.set_all(p->Bool("all"));
  return out;
}

absl::StatusOr<RmOptions> ParseRmArgs(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p =
      ParseFlags({{"force", 'f', false}}, args, true);
  if (!p.ok()) return p.status();
  RmOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (p->positional.empty()) return Usage("requires at least 1 container id");
  out.force = p->Bool("force");
  out.ids = p->positional;
  return out;
}

absl::StatusOr<ContainerState> ParseState(const std::string& name) {
  std::string n = absl::AsciiStrToLower(name);
  if (n == "created") return warren::v1::CREATED;
  if (n == "running") return warren::v1::RUNNING;
  if (n == "paused") return warren::v1::PAUSED;
  if (n == "stopped" || n == "exited") return warren::v1::STOPPED;
  return Usage(absl::StrCat("unknown state \"", name,
                            "\" (want created, running, paused or stopped)"));
}

absl::StatusOr<PsOptions> ParsePsArgs(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p = ParseFlags({{"all", 'a', false},
                                             {"quiet", 'q', false},
                                             {"no-trunc", 0, false},
                                             {"filter", 'f', true}},
                                            args, true);
  if (!p.ok()) return p.status();
  PsOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (!p->positional.empty()) {
    return Usage(absl::StrCat("unexpected argument \"", p->positional[0],
                              "\" (ps takes only flags)"));
  }
  out.all = p->Bool("all");
  out.quiet = p->Bool("quiet");
  out.no_trunc = p->Bool("no-trunc");
  for (const std::string& f : p->All("filter")) {
    std::vector<std::string> kv = absl::StrSplit(f, absl::MaxSplits('=', 1));
    if (kv.size() == 2 && kv[0] == "label") {
      absl::StatusOr<std::pair<std::string, std::string>> label =
          SplitKeyValue("filter label", kv[1], /*need_value=*/false);
      if (!label.ok()) return label.status();
      (*out.request.mutable_label_selector())[label->first] = label->second;
    } else if (kv.size() == 2 && (kv[0] == "state" || kv[0] == "status")) {
      absl::StatusOr<ContainerState> state = ParseState(kv[1]);
      if (!state.ok()) return state.status();
      if (out.request.state() != warren::v1::CONTAINER_STATE_UNSPECIFIED &&
          out.request.state() != *state) {
        return Usage("only one state filter is supported");
      }
      out.request.set_state(*state);
      out.all = true;
    } else {
      return Usage(absl::StrCat("--filter \"", f,
                                "\": want label=KEY[=VALUE] or state=STATE"));
    }
  }
  return out;
}

absl::StatusOr<IdOptions> ParseIdArgs(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> p = ParseFlags({}, args, true);
  if (!p.ok()) return p.status();
  IdOptions out;
  out.help = p->Bool("help");
  if (out.help) return out;
  if (absl::Status s = ExpectIds(p->positional, 1); !s.ok()) return s;
  out.id = p->positional[0];
  return out;
}

}  // namespace warren::cli
