#!/usr/bin/env bash
# The one test command (npm test): build, type-check, lint and format check, then unit, LSP integration and end-to-end tests.
# Kernel-tree tests need KPATH_KERNEL (scripts/fetch-kernel.sh prints it); .ci/run sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
node esbuild.mjs
npx tsc -p . --noEmit
# The linter and the formatter: a finding fails the run (npm run format fixes the layout).
npx eslint .
npx prettier --check . --log-level warn
# Query commands answer in their own process: a test's `kpath targets` leaves no daemon behind (the
# daemon's own tests, test/server/daemon.test.ts, turn it back on for their commands).
export KPATH_NO_DAEMON=1
shopt -s nullglob
files=(test/unit/*.test.ts test/kernel/*.test.ts test/server/*.test.ts test/e2e/*.test.ts)
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
