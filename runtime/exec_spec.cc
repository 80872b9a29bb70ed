#include "runtime/exec_spec.h"

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/container_id.h"
#include "runtime/id_map.h"
#include "runtime/rlimits.h"

namespace warren::runtime {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

}  // namespace

absl::StatusOr<ExecSpec> BuildExecSpec(const v1::ContainerSpec& container,
                                       const ExecOptions& options) {
  if (!options.exec_id.empty()) {
    if (absl::Status s = ValidateContainerId(options.exec_id, "exec_id");
        !s.ok()) {
      return s;
    }
  }
  const v1::ProcessSpec& req = options.process;
  const v1::ProcessSpec& base = container.process();
  if (req.args().empty() || req.args(0).empty()) {
    return Invalid("process.args", "is required (the program to run)");
  }
  ExecSpec out;
  v1::ProcessSpec& p = out.process;
  *p.mutable_args() = req.args();
  // Environment: the container's, then the request's, later keys winning.
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  auto add = [&](const std::string& kv) {
    std::string key = kv.substr(0, kv.find('='));
    if (!env.count(key)) order.push_back(key);
    env[key] = kv;
  };
  for (const std::string& kv : base.env()) add(kv);
  for (int i = 0; i < req.env_size(); ++i) {
    size_t eq = req.env(i).find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid(absl::StrCat("process.env[", i, "]"), "must be KEY=value");
    }
    add(req.env(i));
  }
  for (const std::string& key : order) p.add_env(env[key]);
  // As execve counts them: each string with its NUL, and a pointer to it.
  size_t arg_bytes = 0;
  auto count = [&arg_bytes](const std::string& text, const std::string& field,
                            absl::string_view what) {
    if (text.size() >= kMaxExecStringBytes) {
      return Invalid(field, absl::StrCat(what, "of ", text.size(),
                                         " bytes; execve takes at most ",
                                         kMaxExecStringBytes - 1));
    }
    arg_bytes += text.size() + 1 + sizeof(char*);
    return absl::OkStatus();
  };
  for (int i = 0; i < p.args_size(); ++i) {
    absl::Status s =
        count(p.args(i), absl::StrCat("process.args[", i, "]"), "");
    if (!s.ok()) return s;
  }
  for (const std::string& kv : p.env()) {
    absl::Status s =
        count(kv, "process.env",
              absl::StrCat("\"", kv.substr(0, kv.find('=')), "\" "));
    if (!s.ok()) return s;
  }
  if (arg_bytes > kMaxExecArgBytes) {
    return Invalid(
        "process",
        absl::StrCat("args and env (with the container's env) of ", arg_bytes,
                     " bytes; at most ", kMaxExecArgBytes));
  }
  if (!req.cwd().empty() && req.cwd()[0] != '/') {
    return Invalid("process.cwd", "must be an absolute path");
  }
  p.set_cwd(!req.cwd().empty() ? req.cwd() : base.cwd());
  // uid/gid 0 is also "unset" in proto3: a request for root in a non-root
  // container says so with uid 0 and the container's own 0 default.
  bool own_ids = req.uid() != 0 || req.gid() != 0;
  p.set_uid(own_ids ? req.uid() : base.uid());
  p.set_gid(own_ids ? req.gid() : base.gid());
  *p.mutable_additional_gids() =
      own_ids ? req.additional_gids() : base.additional_gids();
  *p.mutable_rlimits() = req.rlimits().empty() ? base.rlimits() : req.rlimits();
  for (int i = 0; i < p.rlimits_size(); ++i) {
    if (!ParseRlimitName(p.rlimits(i).type()).ok()) {
      return Invalid(
          absl::StrCat("process.rlimits[", i, "]"),
          absl::StrCat("unknown type \"", p.rlimits(i).type(), "\""));
    }
  }
  p.set_tty(req.tty());
  p.set_open_stdin(req.open_stdin());
  if (container.namespaces().user().mode() == v1::NamespaceSpec::MODE_NEW) {
    if (!MapToHost(container.uid_mappings(), p.uid())) {
      return Invalid("process.uid",
                     "is not mapped in the container's user "
                     "namespace");
    }
    if (!MapToHost(container.gid_mappings(), p.gid())) {
      return Invalid("process.gid",
                     "is not mapped in the container's user "
                     "namespace");
    }
  }
  out.security = options.has_security ? options.security : container.security();
  return out;
}

std::string NewExecId() {
  unsigned char bytes[6] = {0};
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, bytes, sizeof(bytes));
    (void)n;
    close(fd);
  }
  std::string id;
  for (unsigned char b : bytes) absl::StrAppendFormat(&id, "%02x", b);
  return id;
}

}  // namespace warren::runtime
