// The on-disk cache: a second run loads it, a changed file is re-indexed alone, and a corrupt or
// old-format cache is detected and rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, readFileSync, writeFileSync, readdirSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import { decodeParts, encodeParts, factsFingerprint } from '../../server/index/cache';
import { createHash } from 'node:crypto';
import { parseFile } from '../../server/parse/parseFile';
import { callCount, callsUnread, mayDefineMacro, typedMacros } from '../../server/index/lazyFacts';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minikernel');

function setup(): { root: string; cache: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kpath-cache-tree-'));
  cpSync(FIXTURE, root, { recursive: true });
  return { root, cache: mkdtempSync(path.join(os.tmpdir(), 'kpath-cache-')) };
}

const cacheFileIn = (dir: string): string =>
  path.join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.jsonl'))!,
  );

test('second run loads everything from the cache; one edited file is re-indexed alone', async () => {
  const { root, cache } = setup();
  const first = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.equal(first.fromCache, 0);
  const second = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.equal(second.parsed, 0);
  assert.equal(second.fromCache, first.files);
  assert.equal(second.index.stats().functions, first.index.stats().functions);
  const file = path.join(root, 'net/ipv4/udp.c');
  writeFileSync(file, readFileSync(file, 'utf8') + '\nint udp_added_later(void) { return 0; }\n');
  const third = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.equal(third.parsed, 1);
  assert.equal(third.index.functionsNamed('udp_added_later').length, 1);
});

test('a corrupt cache is detected, reported and rebuilt', async () => {
  const { root, cache } = setup();
  await buildIndex(root, { cacheDir: cache, threads: 1 });
  const file = cacheFileIn(cache);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('inet_sendmsg', 'inet_sendmsX'));
  const problems: string[] = [];
  const r = await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => problems.push(m) });
  assert.match(problems.join('\n'), /checksum mismatch/);
  assert.equal(r.fromCache, 0);
  assert.equal(r.index.functionsNamed('inet_sendmsg').length, 1);
  const again = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.equal(again.parsed, 0, 'the rebuilt cache is good');
});

test('a truncated or old-format cache is not trusted', async () => {
  const { root, cache } = setup();
  await buildIndex(root, { cacheDir: cache, threads: 1 });
  const file = cacheFileIn(cache);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
  const problems: string[] = [];
  await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => problems.push(m) });
  assert.match(problems.join('\n'), /cache not used/);
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[0] = lines[0].replace(/"format":\d+/, '"format":1');
  writeFileSync(file, lines.join('\n'));
  appendFileSync(file, '');
  const p2: string[] = [];
  const r = await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => p2.push(m) });
  assert.match(p2.join('\n'), /cache not used/);
  assert.equal(r.fromCache, 0);
});

test('a cache written by other extraction code is not trusted, even with a good checksum', async () => {
  const { root, cache } = setup();
  await buildIndex(root, { cacheDir: cache, threads: 1 });
  const file = cacheFileIn(cache);
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.match(lines[0], new RegExp(`"facts":"${factsFingerprint()}"`));
  // As a cache written by another version of the extractor would be: another fingerprint, a valid trailer.
  lines[0] = lines[0].replace(/"facts":"\w+"/, '"facts":"0000"');
  const body = lines.slice(0, -2).join('\n') + '\n';
  const trailer = JSON.parse(lines[lines.length - 2]) as { lines: number };
  writeFileSync(
    file,
    body + JSON.stringify({ end: true, lines: trailer.lines, sha1: createHash('sha1').update(body).digest('hex') }) + '\n',
  );
  const problems: string[] = [];
  const r = await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => problems.push(m) });
  assert.match(problems.join('\n'), /cache not used: cache written by other extraction code/);
  assert.equal(r.fromCache, 0);
  assert.equal((await buildIndex(root, { cacheDir: cache, threads: 1 })).parsed, 0, 'the rewritten cache is good');
});

test('a cached file keeps its calls packed until read, and a copy of its facts still has them', async () => {
  const { root, cache } = setup();
  const first = await buildIndex(root, { cacheDir: cache, threads: 1 });
  const warm = await buildIndex(root, { cacheDir: cache, threads: 1 });
  const rel = 'net/core/socket.c';
  const facts = warm.index.files.get(rel)!;
  assert.ok(facts, rel);
  assert.ok(callsUnread(facts), 'calls are not unpacked by loading');
  assert.equal(callCount(facts), first.index.files.get(rel)!.calls.length);
  assert.equal(warm.index.stats().calls, first.index.stats().calls);
  assert.ok(callsUnread(facts), 'counting them does not unpack them');
  const line = encodeParts({ rel, size: 1, mtimeMs: 1, hash: 'x', facts });
  assert.ok(callsUnread(facts), 'writing them back does not unpack them');
  assert.deepEqual({ ...facts }.calls, first.index.files.get(rel)!.calls);
  assert.ok(!callsUnread(facts));
  assert.deepEqual(decodeParts(line).facts.calls, facts.calls);
  assert.ok(warm.index.callers('sock_sendmsg_nosec').length > 0, 'callers read the calls they need');
});

test('signatures and plain #defines are read on demand; macros that type things are there from the start', async () => {
  const { root, cache } = setup();
  await buildIndex(root, { cacheDir: cache, threads: 1 });
  const warm = await buildIndex(root, { cacheDir: cache, threads: 1 });
  const sock = warm.index.files.get('include/net/sock.h')!;
  assert.deepEqual(
    typedMacros(sock).map((m) => m.name),
    ['sk_prot', 'sk_family'],
    'field aliases are read at load',
  );
  const parsed = parseFile(root, 'include/net/sock.h').facts.functions[0];
  const fn = warm.index.functionsNamed(parsed.name)[0];
  assert.equal(warm.index.fullDef(fn).signature, parsed.signature);
  assert.deepEqual(warm.index.fullDef(fn).params, parsed.params, 'parameters come back with the signatures');
  const rel = 'include/linux/net.h';
  const net = warm.index.files.get(rel)!;
  assert.equal(mayDefineMacro(net, 'no_such_macro_anywhere'), false);
  assert.equal(mayDefineMacro(net, 'READ_ONCE'), true);
  const line = encodeParts({ rel, size: 1, mtimeMs: 1, hash: 'x', facts: net });
  const all = parseFile(root, rel).facts.macros;
  assert.ok(all.length >= 5);
  assert.deepEqual(net.macros, all);
  assert.deepEqual(decodeParts(line).facts.macros, all, 'written back unread, read back whole');
});

test('facts come back from a cache line equal to what the parser gave, every expression kind included', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(FIXTURE, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (/\.[ch]$/.test(e.name)) files.push(rel);
    }
  };
  walk('');
  const kinds = new Set<string>();
  const seen = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    const k = (e as { k?: unknown }).k;
    if (typeof k === 'string') kinds.add(k);
    for (const v of Object.values(e)) seen(v);
  };
  for (const rel of files) {
    const facts = parseFile(FIXTURE, rel).facts;
    seen([facts.stores, facts.args, facts.icalls]);
    const back = decodeParts(encodeParts({ rel, size: 1, mtimeMs: 2, hash: 'h', facts })).facts;
    assert.deepStrictEqual({ ...back, calls: back.calls, macros: back.macros }, facts, rel);
  }
  assert.ok(files.length >= 10);
  for (const k of ['local', 'name', 'field', 'call', 'addr', 'init']) assert.ok(kinds.has(k), `no '${k}' expression in the fixtures`);

  // Kinds and optional members the fixtures may lack, built by hand.
  const t = { base: 'struct sock', ptr: 1 };
  const exprs = [
    { k: 'callp', e: { k: 'name', n: 'f' } },
    { k: 'index', e: { k: 'local', n: 'v', t: { base: 'ops_t', ptr: 0, fn: true }, param: 2 } },
    { k: 'deref', e: { k: 'other' } },
    { k: 'cond', a: { k: 'name', n: 'a' }, b: { k: 'cast', t, e: { k: 'addr', e: { k: 'name', n: 'b' } } } },
    { k: 'call', f: 'READ_ONCE', a: [{ k: 'field', e: { k: 'local', n: 'sk', t }, f: 'sk_prot' }] },
  ] as const;
  const facts = files.map((rel) => parseFile(FIXTURE, rel).facts).find((f) => f.functions.length)!;
  const hand = {
    ...facts,
    functions: [{ ...facts.functions[0], viaMacro: 'SYSCALL_DEFINE3' }],
    icalls: exprs.map((callee, i) => ({
      from: 'f',
      callee,
      line: i,
      col: 1,
      nameLine: i,
      nameCol: 2,
      endCol: 3,
      ...(i ? {} : { hints: ['inet_sendmsg'], via: 'INDIRECT_CALL_1' }),
    })),
    stores: exprs.map((rhs, i) => ({
      from: '',
      lhs: { k: 'init', t, path: ['#*', 'ops'], v: 'x' },
      rhs,
      line: i,
      col: 0,
      kind: i % 2 ? 'assign' : 'init',
    })),
    lexOnly: true,
  } as typeof facts;
  const back = decodeParts(encodeParts({ rel: 'x.c', size: 1, mtimeMs: 2, hash: 'h', facts: hand })).facts;
  assert.deepStrictEqual({ ...back, calls: back.calls, macros: back.macros }, hand);
});

test('unread parts are read from the cache a session loaded, even after a newer cache replaced it', async () => {
  const { root, cache } = setup();
  const cold = await buildIndex(root, { cacheDir: cache, threads: 1 });
  const warm = await buildIndex(root, { cacheDir: cache, threads: 1 });
  // Another process rewrites the cache (an edited file), renaming a new file over the old one.
  const file = path.join(root, 'net/ipv4/udp.c');
  writeFileSync(file, '/* moved */\n\n' + readFileSync(file, 'utf8'));
  const other = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.equal(other.parsed, 1);
  // Every file's calls, plain #defines and signatures, as a fresh parse gives them.
  let calls = 0;
  let macros = 0;
  for (const [rel, facts] of warm.index.files) {
    if (rel === 'net/ipv4/udp.c') continue; // edited since
    const coldFacts = cold.index.files.get(rel)!;
    assert.ok(callsUnread(facts) && callsUnread(coldFacts), rel);
    const parsed = parseFile(root, rel).facts;
    assert.deepEqual(facts.calls, parsed.calls, rel);
    assert.deepEqual(facts.macros, parsed.macros, rel);
    assert.deepEqual(facts.functions, parsed.functions, rel);
    // The cold run's facts moved their unread parts to the cache it wrote, since replaced as well.
    assert.deepEqual(coldFacts.calls, parsed.calls, rel);
    assert.deepEqual(coldFacts.macros, parsed.macros, rel);
    calls += parsed.calls.length;
    macros += parsed.macros.length;
  }
  assert.ok(calls >= 5 && macros >= 5, `${calls} calls, ${macros} macros`);
});
