// The on-disk cache: a second run loads it, a changed file is re-indexed alone, and a corrupt or
// old-format cache is detected and rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, readFileSync, writeFileSync, readdirSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import { decodeParts, encodeParts } from '../../server/index/cache';
import { parseFile } from '../../server/parse/parseFile';
import { callCount, callsUnread, mayDefineMacro, typedMacros } from '../../server/index/lazyFacts';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minikernel');

function setup(): { root: string; cache: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kpath-cache-tree-'));
  cpSync(FIXTURE, root, { recursive: true });
  return { root, cache: mkdtempSync(path.join(os.tmpdir(), 'kpath-cache-')) };
}

const cacheFileIn = (dir: string): string => path.join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl'))!);

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
  assert.deepEqual(typedMacros(sock).map((m) => m.name), ['sk_prot', 'sk_family'], 'field aliases are read at load');
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
