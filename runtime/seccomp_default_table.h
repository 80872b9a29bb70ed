// The default seccomp profile's syscall table, as data: which syscalls a
// container may make, and under which capability. Modeled on Docker's and
// containerd's default profile (moby profiles/seccomp/default.json); kept
// apart from the code that turns it into rules so reviewing the list is
// reviewing one file.
#ifndef WARREN_RUNTIME_SECCOMP_DEFAULT_TABLE_H_
#define WARREN_RUNTIME_SECCOMP_DEFAULT_TABLE_H_

#include <vector>

#include "runtime/seccomp_profile.h"

namespace warren::runtime {

// One group of syscalls sharing an action and a condition.
struct DefaultSyscallGroup {
  std::vector<const char*> names;
  // Only when the container holds this capability (-1: always).
  int if_cap = -1;
  // Only when the container does not hold this capability (-1: always).
  int unless_cap = -1;
  SeccompAction action = SeccompAction::kAllow;
  int errno_value = 0;
  // Argument conditions; each entry is one alternative rule (OR), each
  // rule's conditions must all hold (AND). Empty: unconditional.
  std::vector<std::vector<SeccompArg>> alternatives;
};

// The whole table, in order.
const std::vector<DefaultSyscallGroup>& DefaultSyscallTable();

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_SECCOMP_DEFAULT_TABLE_H_
