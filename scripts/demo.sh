#!/usr/bin/env bash
# The main job in one command: fetch Debian's 6.12 kernel source (or use the tree given),
# index it, and print the resolved send() path from the syscall to the drivers.
# Usage: npm run demo [-- /path/to/linux]
set -euo pipefail
cd "$(dirname "$0")/.."
tree=${1:-$(bash scripts/fetch-kernel.sh)}
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
node esbuild.mjs cli worker
node dist/cli.js send-path "$tree"
