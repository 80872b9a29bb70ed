#include "runtime/seccomp_default_table.h"

#include <linux/capability.h>
#include <sys/socket.h>

#include <cerrno>

namespace warren::runtime {
namespace {

// The CLONE_NEW* flags (namespaces, cgroup namespace included): clone(2)
// without CAP_SYS_ADMIN may only be called with all of them clear.
constexpr uint64_t kCloneNewFlags = 0x7E020000;

// clang-format off
// Always allowed: the ordinary life of a process. Names this libseccomp
// or this architecture does not know are skipped when the filter is built
// (e.g. the *32 and *_time64 calls exist on 32-bit ABIs only).
constexpr const char* kAllowed[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32",
    "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
    "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
    "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
    "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
    "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
    "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
    "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
    "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
    "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat",
    "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
    "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
    "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
    "getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid",
    "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
    "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
    "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get",
    "ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule",
    "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32",
    "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
    "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
    "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2",
    "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify",
    "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
    "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep",
    "newfstatat", "_newselect", "open", "openat", "openat2", "pause",
    "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
    "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
    "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
    "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
    "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
    "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
    "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32",
    "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
    "setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt",
    "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr",
    "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
    "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
    "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
    "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
    "waitpid", "write", "writev",
};

// x86 only.
constexpr const char* kX86[] = {
    "arch_prctl", "modify_ldt",
};

// Safe without CAP_SYS_PTRACE since Linux 4.8 (a traced process can no
// longer bypass seccomp), as in Docker's profile; older kernels are not
// supported by warren.
constexpr const char* kTracing[] = {
    "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
    "process_vm_writev", "ptrace",
};
// clang-format on

template <size_t N>
DefaultSyscallGroup Allow(const char* const (&names)[N]) {
  DefaultSyscallGroup group;
  group.names.assign(names, names + N);
  return group;
}

// Allowed when the container holds `cap`.
DefaultSyscallGroup IfCap(int cap, std::vector<const char*> names) {
  DefaultSyscallGroup group;
  group.names = std::move(names);
  group.if_cap = cap;
  return group;
}

// `name` allowed when one of `alternatives` holds.
DefaultSyscallGroup AllowIf(const char* name,
                            std::vector<std::vector<SeccompArg>> alternatives) {
  DefaultSyscallGroup group;
  group.names = {name};
  group.alternatives = std::move(alternatives);
  return group;
}

std::vector<DefaultSyscallGroup> MakeTable() {
  using A = SeccompArg;
  std::vector<DefaultSyscallGroup> table = {Allow(kAllowed), Allow(kX86),
                                            Allow(kTracing)};

  // Sockets of every family but AF_VSOCK (reaches the hypervisor host).
  table.push_back(AllowIf("socket", {{A{0, A::kNotEqual, AF_VSOCK, 0}}}));
  // personality(2) only for the harmless execution domains Docker allows:
  // PER_LINUX, UNAME26, PER_LINUX32, PER_LINUX32|UNAME26 and the query.
  table.push_back(AllowIf("personality", {{A{0, A::kEqual, 0x0, 0}},
                                          {A{0, A::kEqual, 0x0008, 0}},
                                          {A{0, A::kEqual, 0x20000, 0}},
                                          {A{0, A::kEqual, 0x20008, 0}},
                                          {A{0, A::kEqual, 0xffffffff, 0}}}));

  // Namespaces, mounts and the rest CAP_SYS_ADMIN guards.
  table.push_back(IfCap(CAP_SYS_ADMIN, {"bpf",
                                        "clone",
                                        "clone3",
                                        "fanotify_init",
                                        "fsconfig",
                                        "fsmount",
                                        "fsopen",
                                        "fspick",
                                        "lookup_dcookie",
                                        "mount",
                                        "mount_setattr",
                                        "move_mount",
                                        "name_to_handle_at",
                                        "open_tree",
                                        "perf_event_open",
                                        "quotactl",
                                        "quotactl_fd",
                                        "setdomainname",
                                        "sethostname",
                                        "setns",
                                        "syslog",
                                        "umount",
                                        "umount2",
                                        "unshare"}));
  // Without it, clone(2) may not create namespaces, and clone3(2) (whose
  // flags live in memory a filter cannot read) fails with ENOSYS so that
  // libc falls back to clone(2).
  DefaultSyscallGroup clone =
      AllowIf("clone", {{A{0, A::kMaskedEqual, 0, kCloneNewFlags}}});
  clone.unless_cap = CAP_SYS_ADMIN;
  table.push_back(clone);
  DefaultSyscallGroup clone3;
  clone3.names = {"clone3"};
  clone3.unless_cap = CAP_SYS_ADMIN;
  clone3.action = SeccompAction::kErrno;
  clone3.errno_value = ENOSYS;
  table.push_back(clone3);

  // The other capability-guarded groups of Docker's profile.
  table.push_back(IfCap(CAP_SYS_BOOT, {"reboot"}));
  table.push_back(IfCap(CAP_SYS_CHROOT, {"chroot"}));
  table.push_back(
      IfCap(CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module"}));
  table.push_back(IfCap(CAP_SYS_PACCT, {"acct"}));
  table.push_back(IfCap(CAP_SYS_RAWIO, {"iopl", "ioperm"}));
  table.push_back(IfCap(CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime",
                                       "clock_settime64"}));
  table.push_back(IfCap(CAP_SYS_TTY_CONFIG, {"vhangup"}));
  table.push_back(IfCap(
      CAP_SYS_NICE,
      {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}));
  table.push_back(IfCap(CAP_SYSLOG, {"syslog"}));
  table.push_back(IfCap(CAP_BPF, {"bpf"}));
  table.push_back(IfCap(CAP_PERFMON, {"perf_event_open"}));
  table.push_back(IfCap(CAP_DAC_READ_SEARCH, {"open_by_handle_at"}));
  // Never allowed: the kernel keyring is not namespaced (keyctl, add_key,
  // request_key), nor are kexec_load, kexec_file_load, userfaultfd,
  // io_uring_*, nfsservctl, swapon/swapoff and the obsolete calls.
  return table;
}

}  // namespace

const std::vector<DefaultSyscallGroup>& DefaultSyscallTable() {
  static const auto* table = new std::vector<DefaultSyscallGroup>(MakeTable());
  return *table;
}

}  // namespace warren::runtime
