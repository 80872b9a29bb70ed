#!/usr/bin/env bash
# The benchmark command: warren side by side with runc, crun, containerd
# (ctr), podman and the CNI bridge plugin, in one run on this machine and the
# same busybox root filesystem. Not a test: it reports medians, p90, ratios
# and the targets met or missed in tools/bench/results/ (table.txt,
# bench.json, bench.png: the README shows the latest).
#
#   tools/bench/bench.sh                 # everything (a few minutes)
#   tools/bench/bench.sh --quick         # small sizes, under a minute
#   tools/bench/bench.sh --scenarios=run,exec --runs=50
#
# Options go to warren-bench (see `warren-bench --help`). It installs the
# peers it lacks from Debian's packages, runs its own warrend and containerd
# on private directories, and leaves nothing behind (containers, netns,
# veths, mounts, cgroups, daemons), also when interrupted with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ $(id -u) -ne 0 ]]; then
  echo "bench: run as root (it creates namespaces, cgroups and bridges)" >&2
  exit 1
fi

# One benchmark per host at a time: the runs share a bridge, an nftables table
# and a private containerd, and would skew each other's numbers anyway.
if [[ -z "${WARREN_BENCH_LOCKED:-}" ]]; then
  export WARREN_BENCH_LOCKED=1
  echo "bench: waiting for /run/lock/warren-bench.lock" >&2
  # -o: the lock stays with flock itself; nothing this script starts (a
  # Bazel server, a daemon) inherits it and holds it after the run.
  exec flock -o /run/lock/warren-bench.lock "$0" "$@"
fi

tools/install_deps.sh
peers=(runc crun containerd podman conmon containernetworking-plugins
  gnuplot-nox)
missing=()
for p in "${peers[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "bench: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    >/dev/null
fi

bazel build --noshow_progress -c opt //server:warrend \
  //runtime/monitor:warren-monitor //tools/cli:warren //tools/bench:warren-bench \
  //tools/bench:grpc_floor_server
bin=$(bazel info -c opt bazel-bin 2>/dev/null)

work=$(mktemp -d /tmp/warren-bench.XXXXXX)
bench_pid=
cleanup() {
  trap - INT TERM EXIT
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  "$bin/tools/bench/warren-bench" --cleanup_only --work_dir="$work" \
    --warrend="$bin/server/warrend" --monitor="$bin/runtime/monitor/warren-monitor" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "bench: interrupted, cleaning up" >&2; exit 130' INT TERM

mkdir -p tools/bench/results
"$bin/tools/bench/warren-bench" \
  --work_dir="$work" \
  --out_dir="$PWD/tools/bench/results" \
  --warrend="$bin/server/warrend" \
  --monitor="$bin/runtime/monitor/warren-monitor" \
  --warren_cli="$bin/tools/cli/warren" \
  --grpc_floor_server="$bin/tools/bench/grpc_floor_server" \
  --image_script="$PWD/tools/image/build_busybox_rootfs.sh" \
  --make_certs="$PWD/tools/make_test_certs.sh" \
  "$@" &
bench_pid=$!
wait "$bench_pid"
