// A SeccompPlan compiled to the classic BPF program that seccomp(2) loads.
// Compiling with libseccomp costs milliseconds (hundreds of rules, three
// x86 ABIs), loading the result (a binary tree) about 0.15 ms: so a plan
// is compiled once and the program reused by every container and exec that
// has the same plan (SeccompBpfCache), and the init only loads bytes right
// before execve.
#ifndef WARREN_RUNTIME_SECCOMP_BPF_H_
#define WARREN_RUNTIME_SECCOMP_BPF_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/seccomp_profile.h"

namespace warren::runtime {

// The program for `plan` (struct sock_filter instructions, native byte
// order), built by libseccomp. Errors name the rule libseccomp refused.
absl::StatusOr<std::string> CompileSeccompBpf(const SeccompPlan& plan);

// Installs `program` (from CompileSeccompBpf) on the calling thread with
// seccomp(SECCOMP_SET_MODE_FILTER). The kernel requires no_new_privs or
// CAP_SYS_ADMIN. Async-signal-safe: fine in a freshly cloned child.
absl::Status LoadSeccompBpf(const std::string& program);

// Everything that decides the program: the plan, the libseccomp version
// and the native architecture. Equal keys compile to equal programs.
std::string SeccompPlanKey(const SeccompPlan& plan);

// Compiled programs shared by all monitors through files in one directory
// (under warrend's run directory), each named by a hash of its key and
// holding the key itself, so a hash collision or a stale file from another
// libseccomp is recompiled, never loaded. Written by rename, so a reader
// sees a whole file or none; losing the directory only costs a recompile.
// One per (single-threaded) monitor: it also remembers the last program, so
// the execs of a container reuse its init's without reading the file.
class SeccompBpfCache {
 public:
  // `dir` "" keeps nothing on disk (every Get compiles).
  explicit SeccompBpfCache(std::string dir) : dir_(std::move(dir)) {}

  // The program for `plan`, from the directory when it is there.
  absl::StatusOr<std::string> Get(const SeccompPlan& plan);

  // The file that holds (or would hold) the program for `key`.
  std::string PathFor(const std::string& key) const;

 private:
  void Store(const std::string& path, const std::string& key,
             const std::string& program);

  std::string dir_;
  std::string last_key_;
  std::string last_program_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SECCOMP_BPF_H_
