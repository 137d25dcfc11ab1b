// A second editor that no one here wrote: Debian's Neovim, headless, with its built-in LSP client
// (test/server/neovim/definition.lua) asks the bundled server for the definition of `sendmsg` in
// sock_sendmsg_nosec on the real tree. The script waits for a non-empty answer (the index is then
// resolved), bounded by a timeout, and writes the locations to a JSON file read here.
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultCacheDir } from '../../server/index/cache';
import { repo, serverJs } from './lspClient';

const tree = process.env.KPATH_KERNEL;
const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const skip = !tree
  ? 'KPATH_KERNEL is not set: skipping the Neovim test'
  : nvim.status !== 0
    ? 'nvim is not installed (apt-get install neovim): skipping the Neovim test'
    : !existsSync(serverJs)
      ? 'dist/server.js is not built (node esbuild.mjs): skipping'
      : false;
// The same cache as kernel.test.ts: whichever runs first builds it.
const cacheDir = process.env.KPATH_TEST_CACHE ?? (tree ? defaultCacheDir(tree) : '');

interface NvimResult {
  locations: { uri: string; range: { start: { line: number; character: number } } }[];
  error?: string;
  polls: number;
  waited_ms: number;
  nvim: string;
}

it('Neovim: definition of sendmsg in sock_sendmsg_nosec lists inet_sendmsg and inet6_sendmsg', { skip, timeout: 25 * 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpath-nvim-'));
  try {
    const out = path.join(dir, 'result.json');
    const run = spawnSync(
      'nvim',
      ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${path.join(repo, 'test', 'server', 'neovim', 'definition.lua')}`],
      {
        env: {
          ...process.env,
          KPATH_TREE: tree,
          KPATH_SERVER: serverJs,
          KPATH_OUT: out,
          KPATH_CACHE: cacheDir,
          KPATH_TIMEOUT_MS: String(20 * 60_000),
          XDG_STATE_HOME: dir,
          XDG_CACHE_HOME: dir,
        },
        encoding: 'utf8',
        timeout: 24 * 60_000,
      },
    );
    assert.ok(existsSync(out), `nvim wrote no result (exit ${run.status}, signal ${run.signal})\n${run.stdout}\n${run.stderr}`);
    const r = JSON.parse(readFileSync(out, 'utf8')) as NvimResult;
    assert.equal(r.error, undefined, JSON.stringify(r));
    const names = r.locations.map((l) => {
      const line = readFileSync(new URL(l.uri), 'utf8').split('\n')[l.range.start.line] ?? '';
      return /^\w+/.exec(line.slice(l.range.start.character))?.[0] ?? '';
    });
    console.log(
      `# nvim ${r.nvim}: ${names.length} locations after ${r.polls} poll(s), ${(r.waited_ms / 1000).toFixed(1)} s: ${names.slice(0, 6).join(', ')}`,
    );
    assert.ok(names.includes('inet_sendmsg'), names.join(' '));
    assert.ok(names.includes('inet6_sendmsg'), names.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
