#!/usr/bin/env bash
# One command from a fresh Debian 12 machine (as root) to a running warrend
# and a demo container: installs the packages, builds, installs the
# binaries to /usr/local/bin, builds the default busybox image, (re)starts
# warrend and runs a container that shows its own hostname, PID 1 and mounts.
# Containers keep running across the warrend restart.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "quickstart: run as root (warrend creates namespaces and mounts)" >&2
  exit 1
fi
tools/install_deps.sh

echo "quickstart: building (the first build takes a few minutes)"
# Optimized (-c opt), as the benchmark measures them: Bazel's default
# fastbuild leaves generated protobuf code and gRPC glue unoptimized.
bazel build --noshow_progress -c opt //server:warrend \
  //runtime/monitor:warren-monitor //tools/cli:warren
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
install -m 0755 "$bin/server/warrend" "$bin/runtime/monitor/warren-monitor" \
  "$bin/tools/cli/warren" /usr/local/bin/

image=/var/lib/warren/images/busybox
tools/image/build_busybox_rootfs.sh "$image"

# (Re)start warrend in the background, logging to /var/log/warrend.log.
pidfile=/run/warren/warrend.pid
mkdir -p /run/warren
if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "quickstart: restarting warrend (containers keep running)"
  kill -TERM "$(cat "$pidfile")"
  for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
fi
setsid /usr/local/bin/warrend >>/var/log/warrend.log 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 100); do
  warren ps >/dev/null 2>&1 && break
  sleep 0.1
done
echo "quickstart: warrend is serving on /run/warren/warren.sock (pid $(cat "$pidfile"), log /var/log/warrend.log)"

demo='echo "hostname: $(hostname)"; echo "my pid: $$"; echo "my mounts:"; cat /proc/self/mounts'
echo
echo "\$ warren run --rm --hostname demo sh -c '$demo'"
warren run --rm --hostname demo sh -c "$demo"
echo
echo "quickstart: done. Try: warren run --rm sh -c 'ps; ls /'   |   warren help"
