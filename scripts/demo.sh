#!/usr/bin/env bash
# The main job in one command: fetch Debian's 6.12 kernel source (or use the tree given),
# index it, and print the resolved send() path from the syscall to the drivers, for a kernel
# configuration: the one given with --config, else the tree's own .config, else Debian's amd64
# config when linux-config-6.12 is installed (apt-get install linux-config-6.12).
# Usage: npm run demo [-- /path/to/linux] [-- --config FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
tree=
config=
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=${2:?--config needs a file}; shift 2 ;;
    --config=*) config=${1#--config=}; shift ;;
    *) tree=$1; shift ;;
  esac
done
tree=${tree:-$(bash scripts/fetch-kernel.sh)}
if [ -z "$config" ] && [ ! -f "$tree/.config" ]; then
  for c in /usr/src/linux-config-6.12/config.amd64_none_amd64.xz; do [ -f "$c" ] && config=$c; done
fi
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
node esbuild.mjs cli worker
node dist/cli.js send-path "$tree" ${config:+--config "$config"}
