// The device rules as plain data: their v1 writes, where a BPF program is
// needed instead, and the program's instructions, run here by a tiny
// interpreter of the few opcodes the builder emits. No root, no kernel.
#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/cgroup_plan.h"
#include "runtime/cgroup_system.h"
#include "runtime/device_bpf.h"
#include "runtime/device_cgroup.h"

namespace warren::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint32_t kR = BPF_DEVCG_ACC_READ;
constexpr uint32_t kW = BPF_DEVCG_ACC_WRITE;
constexpr uint32_t kM = BPF_DEVCG_ACC_MKNOD;
constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR;
constexpr uint32_t kBlock = BPF_DEVCG_DEV_BLOCK;

// Runs `program` on one request the way the kernel would and returns R0;
// -1 (and a test failure) for anything the builder should never emit.
int64_t Evaluate(const std::vector<bpf_insn>& program, uint32_t type,
                 uint32_t access, uint32_t major, uint32_t minor) {
  bpf_cgroup_dev_ctx ctx{(access << 16) | type, major, minor};
  const auto* base = reinterpret_cast<const uint8_t*>(&ctx);
  uint64_t r[11] = {};
  for (size_t pc = 0, steps = 0; pc < program.size() && steps < 1000;
       ++pc, ++steps) {
    const bpf_insn& i = program[pc];
    uint64_t imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W:
        EXPECT_EQ(i.src_reg, BPF_REG_1);
        r[i.dst_reg] = *reinterpret_cast<const uint32_t*>(base + i.off);
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg] & imm);
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg]) >> i.imm;
        break;
      case BPF_ALU | BPF_MOV | BPF_X:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.src_reg]);
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        r[i.dst_reg] = imm;
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (r[i.dst_reg] != imm) pc += i.off;
        break;
      case BPF_JMP | BPF_JNE | BPF_X:
        if (r[i.dst_reg] != r[i.src_reg]) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int64_t>(r[BPF_REG_0]);
      default:
        ADD_FAILURE() << "unexpected opcode " << int{i.code} << " at " << pc;
        return -1;
    }
  }
  ADD_FAILURE() << "ran off the end of the program";
  return -1;
}

std::vector<bpf_insn> Build(const std::vector<DeviceRule>& rules) {
  absl::StatusOr<std::vector<bpf_insn>> program = BuildDeviceProgram(rules);
  EXPECT_TRUE(program.ok()) << program.status();
  return program.ok() ? *program : std::vector<bpf_insn>{};
}

// How many compares of `reg` against an immediate the program makes.
int ComparesOf(const std::vector<bpf_insn>& program, int reg) {
  int n = 0;
  for (const bpf_insn& i : program) {
    if (i.code == (BPF_JMP | BPF_JNE | BPF_K) && i.dst_reg == reg) ++n;
  }
  return n;
}

TEST(DeviceRulesTest, V1WritesAreTheSameAsBefore) {
  CgroupSystem hybrid({{false, "/sys/fs/cgroup/devices", {"devices"}},
                       {true, "/sys/fs/cgroup/unified", {}}});
  std::vector<std::string> values;
  for (const CgroupWrite& w : PlanDeviceWrites(hybrid, "warren/c")) {
    values.push_back(w.value);
  }
  EXPECT_THAT(values,
              ElementsAre("a", "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm",
                          "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
                          "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"));
}

TEST(DeviceRulesTest, V1SplitsAnAllTypesRuleIntoCharAndBlock) {
  CgroupSystem v1({{false, "/sys/fs/cgroup/devices", {"devices"}}});
  std::vector<CgroupWrite> writes =
      PlanDeviceWrites(v1, "warren/c", {{'a', 7, -1, "r"}});
  ASSERT_EQ(writes.size(), 3u);
  EXPECT_EQ(writes[1].value, "c 7:* r");
  EXPECT_EQ(writes[2].value, "b 7:* r");
}

TEST(DeviceRulesTest, ProgramOnlyWhereNoV1DevicesControllerEnforces) {
  CgroupSystem v2({{true, "/sys/fs/cgroup", {"memory", "pids"}}});
  EXPECT_EQ(DeviceProgramDir(v2, "warren/c"), "/sys/fs/cgroup/warren/c");
  EXPECT_THAT(PlanDeviceWrites(v2, "warren/c"), IsEmpty());

  CgroupSystem hybrid({{false, "/sys/fs/cgroup/devices", {"devices"}},
                       {true, "/sys/fs/cgroup/unified", {"hugetlb"}}});
  EXPECT_EQ(DeviceProgramDir(hybrid, "warren/c"), "");

  CgroupSystem hybrid_without_devices({{false, "/sys/fs/cgroup/cpu", {"cpu"}},
                                       {true, "/sys/fs/cgroup/unified", {}}});
  EXPECT_EQ(DeviceProgramDir(hybrid_without_devices, "warren/c"),
            "/sys/fs/cgroup/unified/warren/c");

  CgroupSystem v1_only({{false, "/sys/fs/cgroup/cpu", {"cpu"}}});
  EXPECT_EQ(DeviceProgramDir(v1_only, "warren/c"), "");
}

TEST(DeviceProgramTest, InstructionCountOfTheDefaultRules) {
  // mknod rules: type + access (3) + return; exact devices: type + major +
  // minor + return; pts: type + major + return.
  size_t expected = kDeviceProgramPrologue + 2 * (1 + 3 + 2) + 8 * (3 + 2) +
                    (2 + 2) + kDeviceProgramEpilogue;
  EXPECT_EQ(Build(DefaultDeviceRules()).size(), expected);
}

TEST(DeviceProgramTest, WildcardMajorSkipsTheMajorCompare) {
  std::vector<bpf_insn> program = Build({{'c', -1, 3, "rwm"}});
  EXPECT_EQ(program.size(),
            kDeviceProgramPrologue + 1 + 1 + 2 + kDeviceProgramEpilogue);
  EXPECT_EQ(ComparesOf(program, kDeviceMajorReg), 0);
  EXPECT_EQ(ComparesOf(program, kDeviceMinorReg), 1);
  EXPECT_EQ(ComparesOf(program, kDeviceTypeReg), 1);
  EXPECT_EQ(Evaluate(program, kChar, kR, 99, 3), 1);
  EXPECT_EQ(Evaluate(program, kChar, kR, 99, 4), 0);
}

TEST(DeviceProgramTest, AllTypesAndAllAccessSkipThoseCompares) {
  std::vector<bpf_insn> program = Build({{'a', 4, -1, "rwm"}});
  EXPECT_EQ(program.size(),
            kDeviceProgramPrologue + 1 + 2 + kDeviceProgramEpilogue);
  EXPECT_EQ(ComparesOf(program, kDeviceTypeReg), 0);
  EXPECT_EQ(Evaluate(program, kBlock, kR | kW, 4, 1), 1);
  EXPECT_EQ(Evaluate(program, kChar, kM, 4, 7), 1);
  EXPECT_EQ(Evaluate(program, kChar, kM, 5, 7), 0);
}

TEST(DeviceProgramTest, RulesAfterAMatchAllAreDropped) {
  std::vector<bpf_insn> program =
      Build({{'a', -1, -1, "rwm"}, {'c', 1, 3, "r"}});
  // No final "return 0": the verifier rejects unreachable instructions.
  EXPECT_EQ(program.size(), kDeviceProgramPrologue + 2u);
  EXPECT_EQ(Evaluate(program, kBlock, kR | kW | kM, 8, 0), 1);
}

TEST(DeviceProgramTest, NoRulesDenyEverything) {
  std::vector<bpf_insn> program = Build({});
  EXPECT_EQ(program.size(),
            size_t{kDeviceProgramPrologue + kDeviceProgramEpilogue});
  EXPECT_EQ(Evaluate(program, kChar, kR, 1, 3), 0);
}

TEST(DeviceProgramTest, DefaultRulesAllowTheStandardDevicesOnly) {
  std::vector<bpf_insn> program = Build(DefaultDeviceRules());
  EXPECT_EQ(Evaluate(program, kChar, kR | kW, 1, 3), 1);       // null
  EXPECT_EQ(Evaluate(program, kChar, kR | kW | kM, 1, 9), 1);  // urandom
  EXPECT_EQ(Evaluate(program, kChar, kR | kW, 5, 2), 1);       // ptmx
  EXPECT_EQ(Evaluate(program, kChar, kR | kW, 136, 42), 1);    // a pts
  EXPECT_EQ(Evaluate(program, kBlock, kM, 8, 0), 1);  // mknod of a disk
  EXPECT_EQ(Evaluate(program, kBlock, kR, 8, 0), 0);  // but not open
  EXPECT_EQ(Evaluate(program, kBlock, kR, 1, 3), 0);  // block 1:3
  EXPECT_EQ(Evaluate(program, kChar, kM, 1, 11), 1);  // mknod of kmsg
  EXPECT_EQ(Evaluate(program, kChar, kR, 1, 11), 0);  // open kmsg
  EXPECT_EQ(Evaluate(program, kChar, kW, 1, 1), 0);   // mem
  EXPECT_EQ(Evaluate(program, kChar, kR, 5, 3), 0);   // 5:3
  // Each access asked for must be allowed by the same rule.
  EXPECT_EQ(Evaluate(program, kChar, kR | kM, 10, 200), 0);
}

TEST(DeviceProgramTest, JumpsLandInsideTheProgram) {
  std::vector<bpf_insn> program = Build(DefaultDeviceRules());
  for (size_t pc = 0; pc < program.size(); ++pc) {
    if (BPF_CLASS(program[pc].code) != BPF_JMP ||
        BPF_OP(program[pc].code) == BPF_EXIT) {
      continue;
    }
    EXPECT_GT(program[pc].off, 0) << pc;
    EXPECT_LT(pc + 1 + program[pc].off, program.size()) << pc;
  }
  EXPECT_EQ(program.back().code, BPF_JMP | BPF_EXIT);
}

TEST(DeviceProgramTest, RejectsMalformedRules) {
  for (const DeviceRule& rule : std::vector<DeviceRule>{{'x', 1, 3, "r"},
                                                        {'c', 1, 3, "rx"},
                                                        {'c', -2, 3, "r"},
                                                        {'c', 1, -5, "r"}}) {
    absl::StatusOr<std::vector<bpf_insn>> program =
        BuildDeviceProgram({{'c', 1, 3, "rwm"}, rule});
    EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument)
        << rule.ToV1();
  }
}

}  // namespace
}  // namespace warren::runtime
