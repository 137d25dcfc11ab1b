// Resolved flows saved beside the cache: an unchanged tree takes them instead of resolving again
// and gets the same targets with the same evidence; other facts, other resolver code, an edit
// before the first query or a damaged file mean they are not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import type { KernelIndex } from '../../server/index/kernelIndex';
import { parseFile } from '../../server/parse/parseFile';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minikernel');

function setup(): { root: string; cache: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kpath-flows-tree-'));
  cpSync(FIXTURE, root, { recursive: true });
  return { root, cache: mkdtempSync(path.join(os.tmpdir(), 'kpath-flows-')) };
}

/** Every site with its slot and its targets with evidence, in a stable order. */
function answers(ix: KernelIndex): string[] {
  return [...ix.files.keys()]
    .sort()
    .flatMap((rel) => ix.sitesIn(rel).map((s) => JSON.stringify([rel, s.site.line, s.site.col, s.slot, s.unresolved, ix.targetsOf(s)])));
}

const flowFile = (cache: string): string =>
  path.join(
    cache,
    readdirSync(cache).find((f) => f.endsWith('.flows.json'))!,
  );

test('an unchanged tree takes its saved flows and answers the same', async () => {
  const { root, cache } = setup();
  const cold = await buildIndex(root, { cacheDir: cache, threads: 1 });
  const want = answers(cold.index);
  assert.ok(want.length > 10);
  assert.equal(cold.index.flowsFromCache, false);
  assert.ok(!readdirSync(cache).some((f) => f.endsWith('.flows.json')), 'the run that writes the cache does not save flows');
  const first = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.deepEqual(answers(first.index), want);
  assert.equal(first.index.flowsFromCache, false, 'the first warm start resolves, and saves');
  const warm = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.deepEqual(answers(warm.index), want);
  assert.equal(warm.index.flowsFromCache, true, 'the next one takes them');
  assert.deepEqual(warm.index.callers('tcp_sendmsg'), cold.index.callers('tcp_sendmsg'));
});

test('saved flows are not used for other facts, after an edit, or when damaged', async () => {
  const { root, cache } = setup();
  await buildIndex(root, { cacheDir: cache, threads: 1 });
  answers((await buildIndex(root, { cacheDir: cache, threads: 1 })).index);
  // A changed file: new facts, a new cache checksum, so the flows are resolved again.
  const rel = 'net/ipv4/af_inet.c';
  writeFileSync(path.join(root, rel), readFileSync(path.join(root, rel), 'utf8') + '\nint added_later(void) { return 0; }\n');
  const changed = await buildIndex(root, { cacheDir: cache, threads: 1 });
  const want = answers(changed.index);
  assert.equal(changed.index.flowsFromCache, false);
  assert.ok(
    want.some((a) => a.startsWith(JSON.stringify([rel]).slice(0, -1))),
    'the edited file has sites',
  );
  answers((await buildIndex(root, { cacheDir: cache, threads: 1 })).index);
  // An edit in the editor before the first query: the saved flows no longer describe the files.
  const edited = await buildIndex(root, { cacheDir: cache, threads: 1 });
  edited.index.setFile(parseFile(root, rel, readFileSync(path.join(root, rel), 'utf8') + '\nint typed_now(void) { return 1; }\n').facts);
  answers(edited.index);
  assert.equal(edited.index.flowsFromCache, false);
  // A damaged flow file is recomputed (and saved again), never trusted or fatal.
  writeFileSync(flowFile(cache), readFileSync(flowFile(cache), 'utf8').slice(0, 200));
  const damaged = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.deepEqual(answers(damaged.index), want);
  assert.equal(damaged.index.flowsFromCache, false);
  const again = await buildIndex(root, { cacheDir: cache, threads: 1 });
  assert.deepEqual(answers(again.index), want);
  assert.equal(again.index.flowsFromCache, true, 'and saved again');
});

test('a flows file cut short or changed in one byte is said, not used, and saved again', async () => {
  const { root, cache } = setup();
  await buildIndex(root, { cacheDir: cache, threads: 1 });
  const want = answers((await buildIndex(root, { cacheDir: cache, threads: 1 })).index);
  const good = readFileSync(flowFile(cache), 'utf8');
  const file = flowFile(cache);
  // Still valid JSON, same length: only the checksum tells.
  const edited = good.replace('"init"', '"copy"');
  assert.notEqual(edited, good);
  for (const [damage, said] of [
    [good.slice(0, good.length - 30), /cut short \(no trailer\)/],
    [edited, /checksum mismatch \(corrupt or edited\)/],
  ] as const) {
    writeFileSync(file, damage);
    const problems: string[] = [];
    const r = await buildIndex(root, { cacheDir: cache, threads: 1, onProblem: (m) => problems.push(m) });
    assert.deepEqual(answers(r.index), want);
    assert.equal(r.index.flowsFromCache, false);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0],
      new RegExp(`^saved flows ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} not used: ${said.source}; resolving again$`),
    );
    assert.equal(readFileSync(file, 'utf8'), good, 'saved again as it was');
    const next = (await buildIndex(root, { cacheDir: cache, threads: 1 })).index;
    assert.deepEqual(answers(next), want);
    assert.equal(next.flowsFromCache, true);
  }
});
