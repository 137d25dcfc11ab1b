// Build the native parser (dist/flatTree.node): native/flatTree.c with tree-sitter's C library and
// tree-sitter-c's grammar (parser.c), both from node_modules. Optional: without a C compiler or
// Node's headers the index uses the binding path (same facts, slower).
//
// With GCC the build is profile-guided: an instrumented build parses our own C fixtures
// (test/fixtures, written for this project), and the final build is laid out for the branches that
// run took. The parse of net/ (34 MB, one thread) took 4.41 s of CPU at -O2 and 3.69 s with the
// profile (three runs each); a profile taken on 1 MB of kernel code gave the same. Any failed step
// falls back to the plain -O2 build: the profile changes speed only, never the tree.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const OUT = 'dist/flatTree.node';
const TS = 'node_modules/tree-sitter/vendor/tree-sitter/lib';
const GRAMMAR = 'node_modules/tree-sitter-c/src';
const SOURCES = ['native/flatTree.c', `${TS}/src/lib.c`, `${GRAMMAR}/parser.c`];
const TRAINING = 'test/fixtures';

function nodeHeaders() {
  return [process.env.KPATH_NODE_HEADERS, `${process.execPath.replace(/\/bin\/node$/, '')}/include/node`, '/usr/include/node'].find(
    (d) => d && existsSync(`${d}/node_api.h`),
  );
}

function compile(cc, headers, out, extra) {
  const args = [
    '-O2',
    '-shared',
    '-fPIC',
    '-std=c11',
    '-fvisibility=hidden',
    '-D_POSIX_C_SOURCE=200112L',
    '-D_DEFAULT_SOURCE',
    '-DNAPI_VERSION=8',
    `-I${headers}`,
    `-I${TS}/include`,
    `-I${TS}/src`,
    `-I${GRAMMAR}`,
    ...extra,
    ...SOURCES,
    '-o',
    out,
  ];
  return spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

function isGcc(cc) {
  const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /\bgcc\b|Free Software Foundation/i.test(r.stdout);
}

function cFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = path.join(dir, e.name);
    return e.isDirectory() ? cFiles(f) : /\.[ch]$/.test(e.name) ? [f] : [];
  });
}

// Parse every training file a few times with the instrumented addon (a child process, so that its
// counters are written when it exits).
function train(addon) {
  const files = existsSync(TRAINING) ? cFiles(TRAINING) : [];
  if (files.length === 0) return false;
  const script = `
    const fs = require('fs');
    const addon = require(${JSON.stringify(path.resolve(addon))});
    addon.init();
    const texts = ${JSON.stringify(files.map((f) => path.resolve(f)))}.map((f) => fs.readFileSync(f, 'utf8'));
    for (let i = 0; i < 5; i++) for (const t of texts) addon.parse(t, 0);`;
  return spawnSync(process.execPath, ['-e', script], { stdio: 'inherit' }).status === 0;
}

/** Profile-guided build into `out`; false when any step failed. */
function buildWithProfile(cc, headers, out) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpath-pgo-'));
  try {
    // Both builds write the same file name: the profile's counter files are named after it.
    const addon = path.join(dir, 'flatTree.node');
    const profile = path.join(dir, 'profile');
    if (compile(cc, headers, addon, [`-fprofile-generate=${profile}`, '-fprofile-update=single']).status !== 0) return false;
    if (!train(addon)) return false;
    if (compile(cc, headers, addon, [`-fprofile-use=${profile}`, '-fprofile-partial-training', '-Wno-missing-profile']).status !== 0)
      return false;
    copyFileSync(addon, out);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function buildNative() {
  const headers = nodeHeaders();
  if (!SOURCES.every((f) => existsSync(f))) return;
  const mtime = (f) => statSync(f).mtimeMs;
  if (existsSync(OUT) && [...SOURCES, 'native/build.mjs'].every((f) => mtime(f) <= mtime(OUT))) return;
  if (!headers) {
    console.warn('native parser not built: no node_api.h (set KPATH_NODE_HEADERS); indexing uses the slower binding path');
    return;
  }
  mkdirSync('dist', { recursive: true });
  const cc = process.env.CC || 'cc';
  if (process.env.KPATH_PGO !== '0' && isGcc(cc) && buildWithProfile(cc, headers, OUT)) return;
  const r = compile(cc, headers, OUT, []);
  if (r.status !== 0)
    console.warn(`native parser not built (${cc} ${r.error?.message ?? `exit ${r.status}`}); indexing uses the slower binding path`);
}
