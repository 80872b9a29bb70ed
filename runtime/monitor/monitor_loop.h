// The monitor's event loop: one per container, single-threaded. It owns the
// container init's stdio pipes (and writes them to the log), reaps the init
// (it is its parent and a subreaper), answers warrend's requests on its
// control socket, and records the exit before it leaves. Nothing here
// depends on warrend being alive.
#ifndef WARREN_RUNTIME_MONITOR_MONITOR_LOOP_H_
#define WARREN_RUNTIME_MONITOR_MONITOR_LOOP_H_

#include <poll.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/warren/v1/container.pb.h"
#include "runtime/cgroup_procs_files.h"
#include "runtime/container_cgroup.h"
#include "runtime/file_util.h"
#include "runtime/log_writer.h"
#include "runtime/monitor/exec_process.h"
#include "runtime/monitor/monitor.pb.h"
#include "runtime/seccomp_bpf.h"
#include "runtime/store_layout.h"

namespace warren::runtime {

struct MonitorFds {
  int listen_fd = -1;    // control socket (SOCK_SEQPACKET, listening)
  int signal_fd = -1;    // signalfd for SIGCHLD
  int stdout_fd = -1;    // read end of init's stdout
  int stderr_fd = -1;    // read end of init's stderr
  int start_fd = -1;     // write end: one byte releases init
  int exec_err_fd = -1;  // read end: execve failure text, EOF on success
  int log_fd = -1;       // container log, O_APPEND
  int stdin_fd = -1;     // init's stdin (open_stdin): pipe or pty master
  int pty_fd = -1;       // init's terminal master (tty), also stdout_fd
};

class MonitorLoop {
 public:
  // `cgroup` (not owned) lists the container's processes for Kill(all) and
  // tells whether the OOM killer struck.
  // `log` writes the container log (fds.log_fd is its descriptor).
  // `seccomp` (not owned) has the compiled filters for execs. `layout`
  // names the exit record and the exec files.
  // `exec_template_idle`: how long an unused exec template is kept (zero:
  // none are made).
  MonitorLoop(pid_t init_pid, const ContainerCgroup* cgroup, MonitorFds fds,
              StoreLayout layout, LogWriter log, SeccompBpfCache* seccomp,
              absl::Duration exec_template_idle);

  // Runs until the init has exited and its output is drained, then writes
  // the exit record. Returns the status of writing it.
  absl::Status Run();

 private:
  void OnSignal();
  void OnOutput(int* fd, absl::string_view stream);
  void OnRequest(int conn);
  absl::Status HandleStart();
  absl::Status HandleKill(const MonitorRequest::Kill& kill);

  // Exec processes (monitor_exec.cc): the monitor's children like the init,
  // with their output in StoreLayout::ExecLogPath and their exit in
  // ExecExitPath.
  struct Exec {
    std::string id;
    ExecChild child;
    // Opened at the first output: a silent exec (a health check) costs no
    // inode on the state disk. Readers take a missing log as empty.
    std::unique_ptr<LogWriter> log;
    bool log_open = false;
    // The exit record, created while the exec starts (PreparedFile).
    std::unique_ptr<PreparedFile> exit_file;
    bool log_output = false;  // also into the container log
    bool exited = false;
    absl::Time drain_deadline = absl::InfiniteFuture();  // set when reaped
    v1::ExitStatus exit;
    std::string stdin_pending;  // bounded by kMaxStdinPending
    bool close_stdin = false;   // once stdin_pending is written
  };
  static constexpr size_t kMaxStdinPending = 1 << 20;
  absl::StatusOr<pid_t> HandleExec(const MonitorRequest::Exec& request);
  // The hardening of an exec as `uid`, seccomp program compiled. The execs
  // of a container usually share it: the last one is kept (building the
  // default profile's plan and key costs ~80 us).
  absl::StatusOr<const SecurityPlan*> ExecSecurity(
      const v1::SecuritySpec& security, uid_t uid);
  // The exec template (exec_template.h) for execs like `plan`, kept or
  // started; nullptr where an exec is forked from here: a tty, a user
  // namespace, a seccomp profile other than the default (a custom one
  // might refuse what the template does after loading it), or an rlimit
  // above the monitor's hard limit (only a process that still holds
  // CAP_SYS_RESOURCE may raise it).
  ExecTemplate* TemplateFor(const MonitorRequest::Exec& request,
                            const ExecPlan& plan);
  // Drops the templates that died or were given up, and those unused since
  // `exec_template_idle_` before `now` (InfinitePast: none for idleness).
  void DropGoneTemplates(absl::Time now);
  // Milliseconds until the next template falls idle; -1: none will.
  int MsUntilATemplateIsIdle(absl::Time now) const;
  absl::Status HandleStdin(const MonitorRequest::Stdin& request);
  absl::Status HandleResize(const MonitorRequest::Resize& request);
  absl::Status HandleKillExec(const MonitorRequest::KillExec& request);
  // Adds the execs' descriptors to `pfds`; OnExecEvents handles them.
  void PollExecs(std::vector<pollfd>* pfds);
  void OnExecEvents(const std::vector<pollfd>& pfds, size_t first);
  void OnExecOutput(Exec* exec, int* fd, absl::string_view stream);
  void WriteStdin(Exec* exec);
  // Writes what is pending for `*fd` (non-blocking) and closes it once
  // `close` and all is written; a tty gets its EOF character instead.
  static void PumpStdin(int* fd, int pty_fd, std::string* pending, bool close);
  // Records a reaped exec's status; false if `pid` is no exec.
  bool OnExecExit(pid_t pid, int wstatus);
  // Writes the exit record of every exec that has exited and whose output
  // ended (or, with `force`, every exec: the container is ending).
  void FinishExecs(bool force);
  // The buffer output is read into (output_buffer_).
  char* OutputBuffer();

  pid_t init_pid_;
  // The namespaces execs join (DifferentNamespaces), -1 until the first.
  int exec_ns_flags_ = -1;
  // The container's cgroup.procs files, opened at the first exec.
  std::optional<CgroupProcsFiles> procs_files_;
  // ExecSecurity's last plan and what it was built from.
  std::unique_ptr<SecurityPlan> exec_security_;
  std::string exec_security_key_;
  // TemplateFor's templates, least recently used first, each with the
  // hardening and identity it holds; keys whose template failed to start
  // are not tried again (their execs are forked from here).
  struct CachedTemplate {
    std::string key;
    std::unique_ptr<ExecTemplate> exec_template;
    absl::Time last_used;
  };
  const absl::Duration exec_template_idle_;
  static constexpr size_t kMaxExecTemplates = 4;
  std::vector<CachedTemplate> exec_templates_;
  std::set<std::string> failed_template_keys_;
  const ContainerCgroup* cgroup_;
  SeccompBpfCache* seccomp_;
  MonitorFds fds_;
  StoreLayout layout_;
  std::vector<int> conns_;
  std::map<std::string, std::unique_ptr<Exec>> execs_;
  std::string init_stdin_pending_;
  bool init_close_stdin_ = false;
  LogWriter log_;
  // For reads of output (kOutputPipeBytes): allocated on first use and
  // never written past what a read returned, so only the pages a burst of
  // output needed become resident.
  std::unique_ptr<char[]> output_buffer_;
  // A Stream client holds the container log (LogWriter::Held): the init's
  // output, and that of execs writing into the log, is not read meanwhile.
  bool output_held_ = false;
  bool started_ = false;
  bool init_exited_ = false;
  v1::ExitStatus exit_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_MONITOR_LOOP_H_
