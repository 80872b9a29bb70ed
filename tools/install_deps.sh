#!/usr/bin/env bash
# Installs everything warren needs to build, test and run, from Debian 12's
# packages only (Bazel fetches nothing: see WORKSPACE). Safe to run again.
set -euo pipefail

packages=(
  bazel-bootstrap bazel-rules-java bazel-skylib pkg-config
  g++ libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto libabsl-dev libnl-3-dev libnl-route-3-dev libgtest-dev
  libgmock-dev libseccomp-dev libcap-dev busybox-static iproute2 util-linux
  libnftables-dev nftables openssl libssl-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install_deps: run as root to install: ${missing[*]}" >&2
  exit 1
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
