// Where one container's files live. The bundle directory (under state_dir)
// holds what must survive a reboot of the host: the record, the log and the
// writable layer. The run directory (under run_dir, a tmpfs that a reboot
// empties) holds what only matters while the container's processes exist:
// the monitor's socket, the root mount point, the spec the monitor starts
// from, the start mark and the init's exit status. Writing them costs no
// disk inode and no fsync; a warrend crash keeps them, and a host crash
// ends the processes they describe anyway.
#ifndef WARREN_RUNTIME_STORE_LAYOUT_H_
#define WARREN_RUNTIME_STORE_LAYOUT_H_

#include <string>

#include "runtime/container_id.h"
#include "runtime/init_plan.h"

namespace warren::runtime {

class StoreLayout {
 public:
  StoreLayout(std::string bundle_dir, std::string run_dir)
      : bundle_dir_(std::move(bundle_dir)), run_dir_(std::move(run_dir)) {}

  // Layout of the container with key `key` (see container_id.h) under
  // warrend's state and run directories: containers/<tenant>/<id>, so two
  // tenants' containers named alike never share a file.
  static StoreLayout For(const std::string& state_dir,
                         const std::string& run_dir, const std::string& key) {
    ScopedId scoped = SplitContainerKey(key);
    std::string rel = "/containers/" + scoped.tenant + "/" + scoped.id;
    return StoreLayout(state_dir + rel, run_dir + rel);
  }

  const std::string& bundle_dir() const { return bundle_dir_; }
  const std::string& run_dir() const { return run_dir_; }
  // The ContainerSpec, written by warrend for the monitor to start from
  // (the record keeps the spec for good).
  std::string SpecPath() const { return run_dir_ + "/spec.pb"; }
  // The Container record warrend keeps (state, pids, times), fsync'd.
  std::string RecordPath() const { return bundle_dir_ + "/container.pb"; }
  // When Start succeeded (a google.protobuf.Timestamp): the record on disk
  // keeps saying CREATED, so a reboot finds a container that never ran
  // rather than paying two fsyncs per Start.
  std::string StartedPath() const { return run_dir_ + "/started.pb"; }
  // The ExitStatus the monitor writes when init exits; warrend copies it
  // into the record (fsync'd) when it learns of the exit.
  std::string ExitPath() const { return run_dir_ + "/exit.pb"; }
  std::string LogPath() const { return bundle_dir_ + "/container.log"; }
  // Exec processes: the ProcessSpec warrend records before asking the
  // monitor (it reserves the id), the exit the monitor writes and the mark
  // that warrend journaled it are about processes, so in the run
  // directory; the output log, which can be large, in the bundle.
  std::string ExecDir() const { return run_dir_ + "/execs"; }
  std::string ExecLogDir() const { return bundle_dir_ + "/execs"; }
  std::string ExecSpecPath(const std::string& exec_id) const {
    return ExecDir() + "/" + exec_id + ".pb";
  }
  std::string ExecLogPath(const std::string& exec_id) const {
    return ExecLogDir() + "/" + exec_id + ".log";
  }
  std::string ExecExitPath(const std::string& exec_id) const {
    return ExecDir() + "/" + exec_id + ".exit.pb";
  }
  ContainerPaths Paths() const {
    return {bundle_dir_ + "/upper", bundle_dir_ + "/work", run_dir_ + "/rootfs",
            run_dir_ + "/etc-layer"};
  }

 private:
  std::string bundle_dir_;
  std::string run_dir_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_STORE_LAYOUT_H_
