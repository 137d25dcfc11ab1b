// Stores from outside the indexed folders (server/index/outsideStores.ts), on a small tree written to
// mimic net/bluetooth and its drivers: a call in the scope through a field nothing in the scope
// fills gets the drivers' functions as targets, with their stores as evidence; a field of the same
// name in another struct is never one of them; the files pulled in are not counted as the scope's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import { storesIntoNeeded } from '../../server/index/outsideStores';
import { unresolvedRows } from '../../server/queries';
import { targetMarkers } from '../helpers/markers';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'outsidetree');
const SCOPE = ['net', 'include'];

function names(ix: Awaited<ReturnType<typeof buildIndex>>['index'], file: string, line: number): string[] {
  return ix
    .sitesIn(file)
    .filter((s) => s.site.line === line)
    .flatMap((s) => ix.targetsOf(s).map((t) => t.fn.name))
    .sort();
}

test('a field the scope calls through and never fills gets the targets stored outside it, with evidence', async () => {
  const r = await buildIndex(FIXTURE, { noCache: true, threads: 1, include: SCOPE });
  const ix = r.index;
  assert.deepEqual([...ix.outside].sort(), ['drivers/bluetooth/demo_uart.c', 'drivers/bluetooth/demo_usb.c']);
  assert.equal(r.outsideFiles, 2);
  const markers = targetMarkers(FIXTURE);
  assert.equal(markers.length, 4);
  for (const m of markers) {
    const got = names(ix, m.file, m.line);
    assert.deepEqual(got, [...m.must].sort(), `${m.file}:${m.line + 1}`);
    for (const no of m.mustNot) assert.ok(!got.includes(no), `${no} is not a target`);
  }
  const notify = ix.sitesIn('net/bluetooth/hci_core.c').find((s) => s.slot === 'hci_dev.notify')!;
  const [t] = ix.targetsOf(notify);
  assert.deepEqual(
    t.evidence.map((e) => `${e.file}:${e.line + 1}`),
    ['drivers/bluetooth/demo_usb.c:13'],
  );
  // The scope's own numbers: its 5 sites, 4 resolved; the drivers' files are not the scope's.
  const st = ix.stats();
  assert.deepEqual([st.indirectSites, st.resolvedSites, st.outsideFiles], [5, 4, 2]);
  assert.deepEqual(
    unresolvedRows(ix).rows.map((row) => `${row.file}:${row.line} ${row.reason}`),
    ['net/bluetooth/hci_core.c:29 nothing is stored into hci_uart_proto.recv in the indexed folders'],
  );
});

test('without the outside walk the same fields are unresolved, and the whole tree gives the same targets', async () => {
  const none = (await buildIndex(FIXTURE, { noCache: true, threads: 1, include: SCOPE, outside: false })).index;
  assert.equal(none.outside.size, 0);
  assert.equal(none.stats().resolvedSites, 0);
  const whole = (await buildIndex(FIXTURE, { noCache: true, threads: 1 })).index;
  const scoped = (await buildIndex(FIXTURE, { noCache: true, threads: 1, include: SCOPE })).index;
  for (const m of targetMarkers(FIXTURE)) assert.deepEqual(names(scoped, m.file, m.line), names(whole, m.file, m.line));
});

test('the cache keeps the outside files; a changed scope asks again which are needed', async () => {
  const tree = mkdtempSync(path.join(os.tmpdir(), 'kpath-outside-'));
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kpath-outside-cache-'));
  try {
    cpSync(FIXTURE, tree, { recursive: true });
    const first = await buildIndex(tree, { cacheDir, threads: 1, include: SCOPE });
    assert.equal(first.outsideFiles, 2);
    // Warm: nothing parsed, the same two files held, and their targets answered.
    const warm = await buildIndex(tree, { cacheDir, threads: 1, include: SCOPE });
    assert.deepEqual([warm.parsed, warm.outsideFiles], [0, 2]);
    const m = targetMarkers(tree).find((x) => x.must.includes('uart_open'))!;
    assert.deepEqual(names(warm.index, m.file, m.line), ['demo_open', 'uart_open']);
    // An outside file edited: parsed again, its new store answered.
    appendFileSync(
      path.join(tree, 'drivers/bluetooth/demo_uart.c'),
      '\nstatic void uart_notify(struct hci_dev *hdev, unsigned int evt) { }\nvoid uart_more(struct hci_dev *hdev) { hdev->notify = uart_notify; }\n',
    );
    const edited = await buildIndex(tree, { cacheDir, threads: 1, include: SCOPE });
    assert.equal(edited.parsed, 1);
    const notify = edited.index.sitesIn('net/bluetooth/hci_core.c').find((s) => s.slot === 'hci_dev.notify')!;
    assert.deepEqual(
      edited.index
        .targetsOf(notify)
        .map((t) => t.fn.name)
        .sort(),
      ['demo_notify', 'uart_notify'],
    );
    // The scope now fills `open` itself: the drivers that only stored `open` are no longer needed.
    const core = path.join(tree, 'net/bluetooth/hci_core.c');
    appendFileSync(
      core,
      '\nstatic int core_open(struct hci_dev *hdev) { return 0; }\nvoid core_init(struct hci_dev *hdev) { hdev->open = core_open; }\n',
    );
    const future = Date.now() / 1000 + 5;
    utimesSync(core, future, future);
    const changed = await buildIndex(tree, { cacheDir, threads: 1, include: SCOPE });
    assert.ok(!changed.index.outside.has('drivers/misc/other.c'));
    assert.ok(changed.index.outside.has('drivers/bluetooth/demo_usb.c'), 'still needed for notify, send and setup');
    // A file gone from outside the tree is dropped, not an error.
    rmSync(path.join(tree, 'drivers/bluetooth/demo_uart.c'));
    writeFileSync(path.join(tree, 'drivers/misc/new.c'), '/* empty */\n');
    const gone = await buildIndex(tree, { cacheDir, threads: 1, include: SCOPE });
    assert.ok(!gone.index.outside.has('drivers/bluetooth/demo_uart.c'));
    assert.deepEqual(gone.problems, []);
  } finally {
    rmSync(tree, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a file is held when a store into a needed field comes with one of its structs named anywhere as a word', () => {
  const needs = new Map([
    ['notify', new Set(['hci_dev'])],
    ['open', new Set(['hci_dev', 'tty_operations'])],
  ]);
  const held = (text: string): boolean => storesIntoNeeded(text, needs);
  // A store in a table or through a pointer; the struct named before or after it.
  assert.ok(held('static struct hci_dev d = { .notify = f };'));
  assert.ok(held('x->open = g;\nvoid h(struct tty_operations *t);'));
  // The same field again and again, its struct named only at the end: still found (each struct is
  // looked for once per file, and the answer is kept).
  assert.ok(held(`${'a.open = f;\n'.repeat(50)}b.notify = g;\nstruct hci_dev *d;`));
  // No store (a comparison, a call), a field nobody needs, or only a longer word with the struct's name.
  assert.ok(!held('if (d->notify == f) hci_dev_put(d); struct hci_dev *d;'));
  assert.ok(!held('struct hci_dev d = { .close = f };'));
  assert.ok(!held('x->open = g; struct hci_dev_list *l; my_tty_operations y;'));
});
