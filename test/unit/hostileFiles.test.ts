// Files that are not what their names say: a FIFO named like a source or in place of the cache, a
// source far over the size limit, a file that cannot be parsed, a cache folder under /proc, the
// temporaries of killed writers. Each gets a one-line message in bounded time; nothing blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import { CacheDirError, cacheDirFor, cacheFile, checkCacheDir, loadCache, makeFolder } from '../../server/index/cache';
import { FileRefused, readRegular } from '../../server/index/fileSlice';
import { decodeParts } from '../../server/index/cache';
import { parseAll } from '../../server/parse/pool';
import { hashOnDisk, parseFile, sourceText } from '../../server/parse/parseFile';
import { main } from '../../server/cli';
import { KbuildTree } from '../../server/config/kbuild/tree';
import { NotesStore } from '../../server/notes/store';
import { mkfifo, timedAgainst } from '../helpers/fifo';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minikernel');
const repo = path.join(__dirname, '..', '..');
/**
 * A reader that blocked on a FIFO is let go after this; answers must come well before. Both are
 * far apart so that a loaded machine (CI, other tests) is not taken for a reader that blocked.
 */
const LET_GO_MS = 20_000;
const PROMPT_MS = 10_000;

function tree(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kpath-hostile-'));
  cpSync(FIXTURE, root, { recursive: true });
  return root;
}
const tmp = (name: string): string => mkdtempSync(path.join(os.tmpdir(), `kpath-${name}-`));

test('a FIFO named like a source: every reader refuses it at once, with what it is', async (t) => {
  const root = tree();
  const fifo = path.join(root, 'net/x.c');
  if (!mkfifo(fifo)) {
    t.skip('no mkfifo');
    return;
  }
  const { value, ms } = await timedAgainst([fifo], LET_GO_MS, () => ({
    parsed: parseFile(root, 'net/x.c'),
    text: sourceText(root, 'net/x.c'),
    hash: hashOnDisk(root, 'net/x.c'),
    refused: (() => {
      try {
        readRegular(fifo, 100);
        return undefined;
      } catch (e) {
        return e;
      }
    })(),
  }));
  assert.ok(ms < PROMPT_MS, `took ${ms.toFixed(0)} ms: a reader blocked on the FIFO`);
  assert.deepEqual(value.parsed.facts.notes, ['unreadable: a FIFO, not a regular file']);
  assert.equal(value.parsed.hash, '', 'not cached: it is looked at again next time');
  assert.equal(value.text, undefined);
  assert.equal(value.hash, undefined);
  assert.ok(value.refused instanceof FileRefused && value.refused.message === `${fifo}: a FIFO, not a regular file`, String(value.refused));
  // A device: the same.
  assert.throws(() => readRegular('/dev/null', 100), /\/dev\/null: a character device, not a regular file/);
});

test('a FIFO in place of a Makefile or of the notes file: refused at once, not waited on', async (t) => {
  const root = tree();
  const makefile = path.join(root, 'net/Makefile');
  rmSync(makefile, { force: true });
  const notes = path.join(root, 'notes.json');
  if (!mkfifo(makefile) || !mkfifo(notes)) {
    t.skip('no mkfifo');
    return;
  }
  const { value, ms } = await timedAgainst([makefile, notes], LET_GO_MS, () => ({
    makefile: new KbuildTree(root).makefile('net/Makefile'),
    notes: (() => {
      try {
        new NotesStore(notes).load();
        return undefined;
      } catch (e) {
        return e;
      }
    })(),
  }));
  assert.ok(ms < PROMPT_MS, `took ${ms.toFixed(0)} ms: a reader blocked on a FIFO`);
  assert.equal(value.makefile, 'unreadable');
  assert.ok(
    value.notes instanceof FileRefused && /notes\.json: a FIFO, not a regular file$/.test(value.notes.message),
    String(value.notes),
  );
});

test('a file swapped for a FIFO between the scan and the parse: the parser thread refuses it', async (t) => {
  const root = tree();
  const fifo = path.join(root, 'net/swapped.c');
  if (!mkfifo(fifo)) {
    t.skip('no mkfifo');
    return;
  }
  const lines: string[][] = [];
  const { ms } = await timedAgainst([fifo], LET_GO_MS, () =>
    parseAll(
      root,
      [
        { rel: 'net/swapped.c', size: 200 },
        { rel: 'net/socket.c', size: 200 },
      ],
      (l) => {
        const f = decodeParts(l);
        lines.push([f.rel, ...f.facts.notes]);
      },
      undefined,
      1,
    ),
  );
  assert.ok(ms < PROMPT_MS + 2000, `took ${ms.toFixed(0)} ms: the parser thread blocked on the FIFO`);
  assert.deepEqual(
    lines.find((l) => l[0] === 'net/swapped.c'),
    ['net/swapped.c', 'unreadable: a FIFO, not a regular file'],
  );
  assert.ok(
    lines.some((l) => l[0] === 'net/socket.c'),
    'the other file of the batch is parsed',
  );
});

test('a FIFO in place of the cache file: not read, said, and replaced by a good cache', async (t) => {
  const root = tree();
  const dir = tmp('fifo-cache');
  const file = cacheFile(dir, 'all');
  if (!mkfifo(file)) {
    t.skip('no mkfifo');
    return;
  }
  const load = await timedAgainst([file], LET_GO_MS, () => loadCache(file));
  assert.ok(load.ms < PROMPT_MS, `took ${load.ms.toFixed(0)} ms: the loader blocked on the FIFO`);
  assert.deepEqual(load.value, { ok: false, reason: `unreadable cache (${file}: a FIFO, not a regular file)` });
  const problems: string[] = [];
  const built = await timedAgainst([file], LET_GO_MS, () =>
    buildIndex(root, { cacheDir: dir, threads: 1, onProblem: (m) => problems.push(m) }),
  );
  assert.ok(
    problems.some((p) => p === `index cache not used: unreadable cache (${file}: a FIFO, not a regular file); rebuilding it`),
    problems.join('\n'),
  );
  assert.equal(built.value.index.functionsNamed('inet_sendmsg').length, 1);
  assert.ok(lstatSync(file).isFile(), 'the FIFO was replaced by the new cache');
  assert.equal((await buildIndex(root, { cacheDir: dir, threads: 1 })).parsed, 0);
});

test('a source over the read limit (600 MB, sparse) is not read: a note and a problem, cold and warm', async () => {
  const root = tree();
  const big = path.join(root, 'net/huge_generated.c');
  writeFileSync(big, '');
  truncateSync(big, 600 * 1024 * 1024);
  const parsed = parseFile(root, 'net/huge_generated.c');
  assert.deepEqual(parsed.facts.notes, ['not read: 600 MB, over the 64 MB limit for a source file']);
  assert.equal(parsed.size, 600 * 1024 * 1024);
  const cache = tmp('big-cache');
  for (const run of ['cold', 'warm']) {
    const problems: string[] = [];
    const r = await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => problems.push(m) });
    assert.deepEqual(
      problems.filter((p) => p.startsWith('net/huge_generated.c')),
      ['net/huge_generated.c: not read: 600 MB, over the 64 MB limit for a source file'],
      `${run}: ${problems.join('\n')}`,
    );
    assert.equal(r.index.functionsNamed('inet_sendmsg').length, 1, `${run}: the rest is indexed`);
    if (run === 'warm') assert.equal(r.parsed, 0, 'the unread file is cached as it is');
  }
  rmSync(big);
});

test('a file not parsed (50,000 nested #if) counts as a problem in `kpath index`, cold and warm', async () => {
  const root = tree();
  writeFileSync(path.join(root, 'net/nested.c'), '#if A\n'.repeat(50_000) + 'int deep(void) { return 0; }\n' + '#endif\n'.repeat(50_000));
  const cache = tmp('nested-cache');
  for (const run of ['cold', 'warm']) {
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(
      await main(
        ['index', root, '--scope', 'all', '--cache', cache, '--json'],
        (s) => out.push(s),
        (s) => err.push(s),
      ),
      0,
      err.join('\n'),
    );
    const summary = JSON.parse(out.join('\n')) as { problems: number; fromCache: number; seconds: number; phases: Record<string, number> };
    assert.ok(summary.problems >= 1, `${run}: problems ${summary.problems}`);
    // The phases add up to the index's seconds (each rounded to 0.1 s); resolving comes after.
    const { scan, cache: c, parse, outside, save, resolve } = summary.phases;
    assert.ok(Math.abs(scan + c + parse + outside + save - summary.seconds) <= 0.3, JSON.stringify(summary));
    assert.ok(resolve >= 0, JSON.stringify(summary.phases));
    if (run === 'warm') assert.ok(summary.fromCache > 0);
  }
  const problems: string[] = [];
  await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => problems.push(m) });
  assert.ok(
    problems.some((p) => /^net\/nested\.c: not parsed: Maximum call stack size exceeded/.test(p)),
    problems.join('\n'),
  );
});

test('cache folders: empty or under /proc, /sys, /dev (also through a link) are refused with a message', async () => {
  const root = tree();
  for (const bad of ['', '   ']) {
    assert.throws(
      () => cacheDirFor(root, bad),
      (e: Error) => e instanceof CacheDirError && /the cache folder is empty/.test(e.message),
    );
    await assert.rejects(buildIndex(root, { cacheDir: bad, threads: 1 }), CacheDirError);
  }
  const saved = process.env.KPATH_CACHE_DIR;
  try {
    process.env.KPATH_CACHE_DIR = '';
    assert.throws(() => cacheDirFor(root), /KPATH_CACHE_DIR is empty/);
    process.env.KPATH_CACHE_DIR = '/proc/kpath';
    assert.throws(() => cacheDirFor(root), /KPATH_CACHE_DIR \/proc\/kpath is under \/proc/);
  } finally {
    if (saved === undefined) delete process.env.KPATH_CACHE_DIR;
    else process.env.KPATH_CACHE_DIR = saved;
  }
  for (const [dir, system] of [
    ['/proc/kpath/index', '/proc'],
    ['/sys/kpath', '/sys'],
    ['/dev/shm/kpath', '/dev'],
    ['/proc', '/proc'],
  ]) {
    assert.throws(
      () => checkCacheDir(dir, 'the cache folder'),
      new RegExp(`the cache folder ${dir} is under ${system}, where no cache can be written`),
    );
  }
  const link = path.join(tmp('link'), 'proc');
  symlinkSync('/proc/self', link);
  assert.throws(() => checkCacheDir(path.join(link, 'cache'), 'the cache folder'), /is under \/proc/);
  assert.equal(checkCacheDir('relative/dir', 'x'), path.resolve('relative/dir'));
});

test('making a cache folder where mkdir cannot (under /proc) fails at once instead of spinning', () => {
  // In a child with a time limit: Node's recursive mkdir spins for ever there.
  const script = `require(${JSON.stringify(path.join(repo, 'server/index/cache.ts'))}).makeFolder('/proc/kpath-no-such/a/b')`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, timeout: 20_000, encoding: 'utf8' });
  assert.notEqual(r.signal, 'SIGTERM', 'makeFolder did not return within 20 s');
  assert.match(r.stderr, /cannot create the folder \/proc\/kpath-no-such \(ENOENT\)/);
  assert.throws(() => makeFolder('/proc/kpath-no-such/x'), CacheDirError);
  const ok = path.join(tmp('mk'), 'a', 'b', 'c');
  makeFolder(ok);
  makeFolder(ok);
  assert.ok(existsSync(ok));
});

test('the CLI refuses a cache folder under /proc with exit status 2 and one line, in bounded time', () => {
  const cli = path.join(repo, 'dist', 'cli.js');
  if (!existsSync(cli)) spawnSync(process.execPath, ['esbuild.mjs', 'cli', 'worker'], { cwd: repo });
  const r = spawnSync(process.execPath, [cli, 'index', FIXTURE, '--cache', '/proc/kpath-cache'], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /^kpath: the cache folder \/proc\/kpath-cache is under \/proc, where no cache can be written: name another folder\n$/,
  );
});

test("temporaries of writers that died are removed at start; a live writer's and other files are kept", async () => {
  const root = tree();
  const dir = tmp('stale');
  const dead = spawnSync('true').pid!;
  const names = {
    deadCache: `index-all.jsonl.${dead}.tmp`,
    deadFlows: `index-0123456789.flows.json.${dead}.tmp`,
    live: `index-all.jsonl.${process.ppid}.tmp`,
    other: `notes.json.${dead}.tmp`,
    noPid: 'index-all.jsonl.tmp',
  };
  for (const n of Object.values(names)) writeFileSync(path.join(dir, n), 'partial');
  await buildIndex(root, { cacheDir: dir, threads: 1 });
  const left = readdirSync(dir);
  assert.ok(!left.includes(names.deadCache) && !left.includes(names.deadFlows), left.join(' '));
  for (const n of [names.live, names.other, names.noPid]) assert.ok(left.includes(n), `${n} kept: ${left.join(' ')}`);
});
