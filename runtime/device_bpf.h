// The device allow-list on cgroup v2, which has no devices controller: a
// BPF_PROG_TYPE_CGROUP_DEVICE program, attached to the container's cgroup
// directory, that the kernel runs on every open and mknod of a device node
// by a process of that cgroup (and its descendants).
//
// No library assembles such programs (libseccomp is only for seccomp), so
// the instructions are built here from <linux/bpf.h>, as runc
// (libcontainer/cgroups/devices/devicefilter.go) and crun (src/libcrun/
// ebpf.c) do. Building is a pure function, unit-tested without root;
// loading and attaching need root and a kernel with CONFIG_CGROUP_BPF.
#ifndef WARREN_RUNTIME_DEVICE_BPF_H_
#define WARREN_RUNTIME_DEVICE_BPF_H_

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/device_cgroup.h"

namespace warren::runtime {

// The program's shape, so tests can read it without guessing: a prologue
// loading struct bpf_cgroup_dev_ctx into registers, one block per rule
// (checks that jump past the block on mismatch, then "return 1"), and a
// final "return 0". A rule's block has one compare per constrained field:
// type unless 'a', access (3 instructions) unless "rwm", major and minor
// unless -1.
inline constexpr int kDeviceProgramPrologue = 6;
inline constexpr int kDeviceProgramEpilogue = 2;
// Registers holding the request during the rule blocks.
inline constexpr int kDeviceTypeReg = BPF_REG_2;    // BPF_DEVCG_DEV_*
inline constexpr int kDeviceAccessReg = BPF_REG_3;  // BPF_DEVCG_ACC_*
inline constexpr int kDeviceMajorReg = BPF_REG_4;
inline constexpr int kDeviceMinorReg = BPF_REG_5;

// Instructions allowing exactly what one of `rules` allows (a request is
// allowed if its type, numbers and every access it asks for match one
// rule) and denying everything else. Rules after one that matches every
// request are dropped (the verifier rejects unreachable code).
// INVALID_ARGUMENT for a type other than 'a'/'b'/'c', an access letter
// other than r/w/m, or a number below -1.
absl::StatusOr<std::vector<bpf_insn>> BuildDeviceProgram(
    const std::vector<DeviceRule>& rules);

// Loads `program` (BPF_PROG_LOAD) and attaches it to the cgroup directory
// `dir` (BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI). The
// attachment holds the program, so no fd stays open: it goes away with the
// cgroup directory. Called before the container's processes join, so they
// never run unrestricted.
absl::Status AttachDeviceProgram(const std::string& dir,
                                 const std::vector<bpf_insn>& program);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_DEVICE_BPF_H_
