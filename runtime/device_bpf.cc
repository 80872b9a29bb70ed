#include "runtime/device_bpf.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace warren::runtime {
namespace {

// One instruction; the helpers below mirror the kernel's BPF_* macros
// (include/linux/filter.h), which <linux/bpf.h> does not export.
bpf_insn Insn(uint8_t code, int dst, int src, int16_t off, int32_t imm) {
  bpf_insn insn;
  std::memset(&insn, 0, sizeof(insn));
  insn.code = code;
  insn.dst_reg = dst & 0xf;
  insn.src_reg = src & 0xf;
  insn.off = off;
  insn.imm = imm;
  return insn;
}

// dst = *(u32*)(ctx + off); the context pointer arrives in R1.
bpf_insn LoadContextWord(int dst, size_t off) {
  return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1,
              static_cast<int16_t>(off), 0);
}
bpf_insn Alu32Imm(uint8_t op, int dst, int32_t imm) {
  return Insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn Mov32Reg(int dst, int src) {
  return Insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn Mov64Imm(int dst, int32_t imm) {
  return Insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
// Jumps with offset 0; the rule block fills in the distance to its end.
bpf_insn JumpIfNotEqualImm(int dst, int32_t imm) {
  return Insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm);
}
bpf_insn JumpIfNotEqualReg(int dst, int src) {
  return Insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, 0, 0);
}
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

constexpr uint32_t kAllAccess =
    BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

absl::StatusOr<uint32_t> AccessBits(const DeviceRule& rule) {
  uint32_t bits = 0;
  for (char c : rule.access) {
    switch (c) {
      case 'r':
        bits |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        bits |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        bits |= BPF_DEVCG_ACC_MKNOD;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "device rule \"", rule.ToV1(), "\": access must be of \"rwm\""));
    }
  }
  return bits;
}

// Appends the block of one rule: each check jumps past the block when the
// request does not match; falling through all of them returns "allow".
// Returns false if the rule has no check (it matches every request).
absl::StatusOr<bool> AppendRule(const DeviceRule& rule,
                                std::vector<bpf_insn>* out) {
  if (rule.type != 'a' && rule.type != 'b' && rule.type != 'c') {
    return absl::InvalidArgumentError(absl::StrCat(
        "device rule \"", rule.ToV1(), "\": type must be 'a', 'b' or 'c'"));
  }
  if (rule.major < -1 || rule.minor < -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "device rule \"", rule.ToV1(), "\": numbers must be >= 0 or -1"));
  }
  absl::StatusOr<uint32_t> access = AccessBits(rule);
  if (!access.ok()) return access.status();

  std::vector<bpf_insn> block;
  if (rule.type != 'a') {
    block.push_back(JumpIfNotEqualImm(
        kDeviceTypeReg,
        rule.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
  }
  if (*access != kAllAccess) {
    // Every access asked for must be allowed: (asked & allowed) == asked.
    // R1 (the context) is free once the prologue has read it.
    block.push_back(Mov32Reg(BPF_REG_1, kDeviceAccessReg));
    block.push_back(Alu32Imm(BPF_AND, BPF_REG_1, *access));
    block.push_back(JumpIfNotEqualReg(BPF_REG_1, kDeviceAccessReg));
  }
  if (rule.major >= 0) {
    block.push_back(JumpIfNotEqualImm(kDeviceMajorReg, rule.major));
  }
  if (rule.minor >= 0) {
    block.push_back(JumpIfNotEqualImm(kDeviceMinorReg, rule.minor));
  }
  bool has_checks = !block.empty();
  block.push_back(Mov64Imm(BPF_REG_0, 1));
  block.push_back(Exit());
  // A jump lands on pc + 1 + off: the first instruction after the block.
  for (size_t i = 0; i < block.size(); ++i) {
    if (BPF_CLASS(block[i].code) == BPF_JMP &&
        BPF_OP(block[i].code) != BPF_EXIT) {
      block[i].off = static_cast<int16_t>(block.size() - i - 1);
    }
  }
  out->insert(out->end(), block.begin(), block.end());
  return has_checks;
}

int Bpf(int cmd, bpf_attr* attr) {
  return static_cast<int>(syscall(__NR_bpf, cmd, attr, sizeof(*attr)));
}

// BPF_PROG_LOAD; on failure, loads again with the verifier's log to say
// why. Returns the program fd or -1 with errno and `log` set.
int LoadProgram(const std::vector<bpf_insn>& program, std::string* log) {
  static const char kLicense[] = "Apache-2.0";
  bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uintptr_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uintptr_t>(kLicense);
  int fd = Bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) return fd;
  int err = errno;
  if (err == EINVAL || err == EACCES) {
    std::string buf(64 * 1024, '\0');
    attr.log_level = 1;
    attr.log_size = static_cast<uint32_t>(buf.size());
    attr.log_buf = reinterpret_cast<uintptr_t>(buf.data());
    fd = Bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0) return fd;  // a transient failure after all
    *log = std::string(absl::StripAsciiWhitespace(buf.c_str()));
  }
  errno = err;
  return -1;
}

}  // namespace

absl::StatusOr<std::vector<bpf_insn>> BuildDeviceProgram(
    const std::vector<DeviceRule>& rules) {
  constexpr size_t kType = offsetof(bpf_cgroup_dev_ctx, access_type);
  std::vector<bpf_insn> program = {
      // access_type: low 16 bits the device type, high 16 bits the access.
      LoadContextWord(kDeviceTypeReg, kType),
      Alu32Imm(BPF_AND, kDeviceTypeReg, 0xffff),
      LoadContextWord(kDeviceAccessReg, kType),
      Alu32Imm(BPF_RSH, kDeviceAccessReg, 16),
      LoadContextWord(kDeviceMajorReg, offsetof(bpf_cgroup_dev_ctx, major)),
      LoadContextWord(kDeviceMinorReg, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : rules) {
    absl::StatusOr<bool> has_checks = AppendRule(rule, &program);
    if (!has_checks.ok()) return has_checks.status();
    // Whatever follows a rule matching everything is unreachable.
    if (!*has_checks) return program;
  }
  program.push_back(Mov64Imm(BPF_REG_0, 0));
  program.push_back(Exit());
  return program;
}

absl::Status AttachDeviceProgram(const std::string& dir,
                                 const std::vector<bpf_insn>& program) {
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("open ", dir));
  std::string log;
  int prog_fd = LoadProgram(program, &log);
  if (prog_fd < 0) {
    absl::Status s = absl::ErrnoToStatus(
        errno, absl::StrCat("load the device program for ", dir,
                            log.empty() ? "" : ": ", log));
    close(dir_fd);
    return s;
  }
  bpf_attr attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(dir_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  absl::Status result;
  if (Bpf(BPF_PROG_ATTACH, &attr) != 0) {
    result = absl::ErrnoToStatus(
        errno, absl::StrCat("attach the device program to ", dir));
  }
  close(prog_fd);
  close(dir_fd);
  return result;
}

}  // namespace warren::runtime
