#!/usr/bin/env bash
# Fetch Debian's linux-source-6.12 and extract it outside git. Prints the tree's path on stdout.
# Usage: scripts/fetch-kernel.sh [dest-dir]   (default: $KPATH_HOME or ~/.cache/kpath)
# Any other kernel checkout works too: pass its path to kpath directly.
set -euo pipefail
dest=${1:-${KPATH_HOME:-$HOME/.cache/kpath}}
version=6.12
tree="$dest/linux-source-$version"
tarball=/usr/src/linux-source-$version.tar.xz

if [ -f "$tree/Makefile" ] && [ -d "$tree/net" ] && [ -f "$tree/.kpath-extracted" ]; then
  echo "$tree"; exit 0
fi
if [ ! -f "$tarball" ]; then
  echo "kpath: installing Debian's linux-source-$version (needs root and apt)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 && apt-get install -y -qq "linux-source-$version" >&2
  else sudo apt-get update -qq >&2 && sudo apt-get install -y -qq "linux-source-$version" >&2; fi
fi
mkdir -p "$dest"
echo "kpath: extracting $tarball into $dest (about 10 s)" >&2
rm -rf "$tree"
tar -xJf "$tarball" -C "$dest"
touch "$tree/.kpath-extracted"
echo "$tree"
