// The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, as Docker
// users expect them: its own name resolves to its address, and DNS is the
// network's (or the host's). Written into a layer of their own in the run
// directory before the monitor starts, which the root's overlay puts over
// the image: they shadow the image's files without touching the shared
// image, and go away with the container.
#ifndef WARREN_RUNTIME_ETC_FILES_H_
#define WARREN_RUNTIME_ETC_FILES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace warren::runtime {

// File contents; an empty one is not written (the image's stays).
struct EtcFiles {
  std::string hosts;
  std::string hostname;
  std::string resolv_conf;
};

// `ip` is the container's address without prefix ("" for no network, when
// the name resolves to 127.0.1.1 as on Debian); `resolv_conf` as written.
EtcFiles RenderEtcFiles(const std::string& hostname, const std::string& ip,
                        const std::string& resolv_conf);

// Writes the files under `layer_dir`/etc (both made if needed): a layer
// the root's overlay puts over the image (ContainerPaths::etc_layer_dir),
// so the container sees ordinary files (a write copies them up) that cost
// no inode on the state disk. In a user namespace the monitor hands the
// layer to the container's root.
absl::Status WriteEtcFiles(const std::string& layer_dir, const EtcFiles& files);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_ETC_FILES_H_
