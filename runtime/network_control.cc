#include "runtime/network_control.h"

namespace warren::runtime {

bool WantsBridge(const v1::NetworkSpec& spec) {
  return spec.mode() == v1::NetworkSpec::MODE_BRIDGE ||
         (spec.mode() == v1::NetworkSpec::MODE_DEFAULT &&
          !spec.network().empty());
}

}  // namespace warren::runtime
