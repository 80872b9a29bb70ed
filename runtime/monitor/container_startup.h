// The order of the monitor's container-startup steps and their undo, in one
// place. Every step with a side effect outside the monitor (a cgroup, the
// monitor's own PID/time namespace for its children, the init process, the
// control socket) goes through StartupSteps, so "a Create that fails at any
// step leaves nothing behind" is tested without root by a recording fake
// (tests/runtime/monitor/container_startup_test.cc); SystemStartupSteps
// (system_startup_steps.h) is the real thing.
#ifndef WARREN_RUNTIME_MONITOR_CONTAINER_STARTUP_H_
#define WARREN_RUNTIME_MONITOR_CONTAINER_STARTUP_H_

#include <sys/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace warren::runtime {

// The side-effecting steps of starting one container, in the order
// ContainerStartup runs them, plus the undo operations it needs.
//
// Contract for implementations: each step is all-or-nothing: when it fails
// it has already undone its own partial work (a half-limited cgroup is
// removed, a half-prepared namespace switch is reverted), so the caller only
// undoes steps that succeeded. Undo operations cannot fail in a way the
// caller could act on, so they return nothing.
class StartupSteps {
 public:
  virtual ~StartupSteps() = default;

  // Creates the container's cgroup, applies the resource limits and (for
  // unprivileged containers) restricts devices, before the init exists.
  virtual absl::Status CreateCgroup() = 0;

  // Switches the namespaces the monitor's next child is born into (a
  // joined PID namespace, a new time namespace).
  virtual absl::Status PrepareNamespaces() = 0;

  // Switches them back, so later children of the monitor stay outside the
  // container. Called once after CloneInit, whether it succeeded or not,
  // and only if PrepareNamespaces succeeded.
  virtual void RestoreNamespaces() = 0;

  // Clones the container init and returns its pid (> 0). In the child it
  // never returns: the init runs its setup and execs or exits.
  virtual absl::StatusOr<pid_t> CloneInit() = 0;

  // Moves the init into the cgroup; it waits for that before anything else.
  virtual absl::Status JoinCgroup(pid_t init_pid) = 0;

  // Lets the init go on (in a user namespace after writing its id maps and
  // handing it the idmapped image).
  virtual absl::Status ReleaseInit(pid_t init_pid) = 0;

  // Waits until the init reports that its setup is done and it is blocked
  // before execve; its failure report becomes the error.
  virtual absl::Status AwaitInit() = 0;

  // Listens on the monitor's control socket; returns the listening fd.
  virtual absl::StatusOr<int> Listen() = 0;

  // Undo of CloneInit: SIGKILL the init and reap it.
  virtual void KillInit(pid_t init_pid) = 0;

  // Undo of CreateCgroup: removes the (by then empty) cgroup.
  virtual void RemoveCgroup() = 0;
};

// What a successful startup hands to the MonitorLoop.
struct StartedContainer {
  pid_t init_pid = 0;
  int listen_fd = -1;
};

// Runs the steps in order; on the first failure undoes exactly what was
// done, in reverse order (init killed and reaped iff it was cloned,
// namespaces restored iff prepared, cgroup removed iff created) and returns
// that failure unchanged: its code and message reach the user through
// warrend. The steps are passed in, so tests substitute a fake.
class ContainerStartup {
 public:
  // `steps` is not owned and must outlive Run.
  explicit ContainerStartup(StartupSteps* steps) : steps_(steps) {}

  absl::StatusOr<StartedContainer> Run();

 private:
  // The steps after the clone; any failure here means killing the init.
  absl::StatusOr<int> StartClonedInit(pid_t init_pid);

  StartupSteps* steps_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_MONITOR_CONTAINER_STARTUP_H_
