#!/usr/bin/env bash
# Builds warren's default image: a small busybox root filesystem made from
# Debian's busybox-static, so the quick start, the tests and the benchmarks
# need no registry. Usage: build_busybox_rootfs.sh DIR [BUSYBOX]
# Idempotent: an existing image built from the same busybox is kept.
set -euo pipefail

dir=${1:?usage: build_busybox_rootfs.sh DIR [BUSYBOX]}
busybox=${2:-/bin/busybox}

if ! "$busybox" --list >/dev/null 2>&1; then
  echo "build_busybox_rootfs: $busybox is not a busybox binary (apt-get install busybox-static)" >&2
  exit 1
fi
if ! file_type=$(LC_ALL=C readelf -d "$busybox" 2>&1) || grep -q NEEDED <<<"$file_type"; then
  echo "build_busybox_rootfs: $busybox is dynamically linked; use busybox-static" >&2
  exit 1
fi

stamp="$dir/.warren-image"
want=$(sha256sum "$busybox" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

# Build next to the target and rename, so a half-built image is never used.
mkdir -p "$(dirname "${dir%/}")"
tmp=$(mktemp -d "${dir%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home,var/tmp,run}
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 0700 "$tmp/root"
install -m 0755 "$busybox" "$tmp/bin/busybox"
for applet in $("$busybox" --list-full); do
  [[ "$applet" == bin/busybox ]] && continue
  mkdir -p "$tmp/$(dirname "$applet")"
  ln -sf /bin/busybox "$tmp/$applet"
done
cat >"$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$tmp/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo "$want" >"$tmp/.warren-image"

rm -rf "$dir"
mv "$tmp" "$dir"
chmod 0755 "$dir"
trap - EXIT
echo "built busybox image in $dir"
