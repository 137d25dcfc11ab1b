#!/usr/bin/env bash
# Install what the end-to-end tests need into .tools/ (gitignored, outside the .vsix):
#   .tools/node24       npm node@24       (code-server's engines asks for Node 24; the machine has 20)
#   .tools/code-server  npm code-server   (VS Code in the browser; the desktop build cannot be downloaded here)
# System packages it relies on (installed by .ci/run, or by hand): apt-get install -y chromium libkrb5-dev
# Idempotent: a finished install leaves a stamp holding its version; a second run with the stamp
# present does nothing. Prints the .tools path on stdout.
# Usage: scripts/e2e-setup.sh        (from anywhere; about 2-3 minutes the first time)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
node_version=24
code_server_version=4.139.1

for cmd in /usr/bin/chromium; do
  [ -x "$cmd" ] || { echo "kpath e2e: $cmd missing; run: apt-get install -y chromium libkrb5-dev" >&2; exit 1; }
done
# code-server's native modules (kerberos) build against krb5 headers.
if [ ! -e /usr/include/krb5.h ] && [ ! -e /usr/include/krb5/krb5.h ]; then
  echo "kpath e2e: krb5 headers missing; run: apt-get install -y libkrb5-dev" >&2; exit 1
fi

mkdir -p "$tools/node24" "$tools/code-server"

stamp_node="$tools/node24/.kpath-installed"
if [ "$(cat "$stamp_node" 2>/dev/null)" != "node@$node_version" ]; then
  echo "kpath e2e: installing node@$node_version into $tools/node24" >&2
  [ -f "$tools/node24/package.json" ] || echo '{"private":true}' >"$tools/node24/package.json"
  (cd "$tools/node24" && npm install --no-audit --no-fund --loglevel=error "node@$node_version" >&2)
  "$tools/node24/node_modules/.bin/node" --version | grep -q "^v$node_version\." \
    || { echo "kpath e2e: node@$node_version did not install a v$node_version binary" >&2; exit 1; }
  echo "node@$node_version" >"$stamp_node"
fi

stamp_cs="$tools/code-server/.kpath-installed"
if [ "$(cat "$stamp_cs" 2>/dev/null)" != "code-server@$code_server_version" ]; then
  echo "kpath e2e: installing code-server@$code_server_version into $tools/code-server (about 2 min, 600 MB)" >&2
  [ -f "$tools/code-server/package.json" ] || echo '{"private":true}' >"$tools/code-server/package.json"
  # Node 24 first in PATH: code-server's install scripts check the engine and build native modules with it.
  (cd "$tools/code-server" && PATH="$tools/node24/node_modules/.bin:$PATH" \
    npm install --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$code_server_version" >&2)
  [ -x "$tools/code-server/node_modules/.bin/code-server" ] \
    || { echo "kpath e2e: code-server binary missing after install" >&2; exit 1; }
  echo "code-server@$code_server_version" >"$stamp_cs"
fi

echo "$tools"
