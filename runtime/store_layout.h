// Where one container's files live. The bundle directory (under state_dir)
// holds what must survive a reboot of warrend: spec, record, exit, log and
// the writable layer. The run directory (under run_dir) holds the monitor's
// socket and the root mount point.
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
  // The ContainerSpec, written by warrend before the monitor starts.
  std::string SpecPath() const { return bundle_dir_ + "/spec.pb"; }
  // The Container record warrend keeps (state, pids, times).
  std::string RecordPath() const { return bundle_dir_ + "/container.pb"; }
  // The ExitStatus the monitor writes when init exits.
  std::string ExitPath() const { return bundle_dir_ + "/exit.pb"; }
  std::string LogPath() const { return bundle_dir_ + "/container.log"; }
  // Exec processes: the ProcessSpec warrend records before asking the
  // monitor (it reserves the id), the output and the exit the monitor
  // writes.
  std::string ExecDir() const { return bundle_dir_ + "/execs"; }
  std::string ExecSpecPath(const std::string& exec_id) const {
    return ExecDir() + "/" + exec_id + ".pb";
  }
  std::string ExecLogPath(const std::string& exec_id) const {
    return ExecDir() + "/" + exec_id + ".log";
  }
  std::string ExecExitPath(const std::string& exec_id) const {
    return ExecDir() + "/" + exec_id + ".exit.pb";
  }
  ContainerPaths Paths() const {
    return {bundle_dir_ + "/upper", bundle_dir_ + "/work",
            run_dir_ + "/rootfs"};
  }

 private:
  std::string bundle_dir_;
  std::string run_dir_;
};

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_STORE_LAYOUT_H_
