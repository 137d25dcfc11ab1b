// The notes file: stable text that diffs well, atomic replacement, two windows merging instead of
// overwriting each other, a broken file kept untouched with a backup and a clear error, and paths
// that would leave the tree refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_TEXT } from '../../server/notes/anchor';
import { NotesFormatError, parse, serialize } from '../../server/notes/format';
import { checkRelativePath } from '../../server/treePath';
import { NotesFileBroken, NotesStore, notesFilePath } from '../../server/notes/store';
import type { Note } from '../../server/notes/types';

const tree = () => mkdtempSync(path.join(os.tmpdir(), 'kpath-notes-'));

function note(id: string, file: string, line: number, body: string, at = '2026-01-01T00:00:00.000Z'): Note {
  return {
    id,
    anchor: {
      file,
      line,
      endLine: line,
      symbol: 'x_sendmsg',
      symbolKind: 'function',
      offset: 3,
      text: `line ${line}`,
      before: [],
      after: [],
    },
    resolved: false,
    comments: [{ id: `${id}-c1`, author: 'ada', body, created: at, updated: at }],
    created: at,
    updated: at,
  };
}

test('the notes file defaults to <tree>/.kpath/notes.json; the setting may be relative to the tree', () => {
  assert.equal(notesFilePath('/k', ''), '/k/.kpath/notes.json');
  assert.equal(notesFilePath('/k', 'notes/mine.json'), '/k/notes/mine.json');
  assert.equal(notesFilePath('/k', '/home/a/n.json'), '/home/a/n.json');
});

test('the text is stable: sorted by file and line, fixed key order, one trailing newline', () => {
  const a = note('b', 'net/core/x.c', 9, 'second');
  const b = note('a', 'include/linux/x.h', 40, 'first');
  const c = note('c', 'net/core/x.c', 2, 'third');
  const text = serialize([a, b, c]);
  assert.equal(text, serialize([c, a, b]), 'the order of the input does not matter');
  assert.deepEqual(
    parse(text).map((n) => n.id),
    ['a', 'c', 'b'],
  );
  assert.ok(text.endsWith('}\n'));
  const first = (JSON.parse(text) as { notes: Record<string, unknown>[] }).notes[0];
  assert.deepEqual(Object.keys(first), ['id', 'anchor', 'resolved', 'created', 'updated', 'comments']);
  assert.match(text, /\n {2}"notes": \[\n {4}\{\n {6}"id": "a",/);
});

test('save writes atomically: the file is replaced whole and no temporary file is left', async () => {
  const root = tree();
  const file = notesFilePath(root, '');
  const store = new NotesStore(file);
  assert.deepEqual(store.load(), [], 'no file: no notes');
  await store.save([note('n1', 'net/core/x.c', 3, 'hello')]);
  assert.deepEqual(readdirSync(path.dirname(file)).sort(), ['notes.json']);
  assert.equal(parse(readFileSync(file, 'utf8'))[0].comments[0].body, 'hello');
});

test("two windows: each keeps the other's new notes, deletions and replies", async () => {
  const root = tree();
  const file = notesFilePath(root, '');
  const seed = new NotesStore(file);
  await seed.save([note('keep', 'net/core/x.c', 1, 'shared'), note('drop', 'net/core/x.c', 5, 'to delete')]);

  const w1 = new NotesStore(file);
  const w2 = new NotesStore(file);
  const one = w1.load();
  const two = w2.load();
  // Window 1 adds a note and deletes one; window 2, unaware, adds another and replies to `keep`.
  await w1.save([...one.filter((n) => n.id !== 'drop'), note('from-w1', 'net/core/x.c', 7, 'w1')]);
  const later = '2026-02-01T00:00:00.000Z';
  const kept = two.find((n) => n.id === 'keep')!;
  kept.comments.push({ id: 'reply', author: 'bo', body: 'a reply', created: later, updated: later });
  kept.updated = later;
  const merged = await w2.save([...two, note('from-w2', 'include/linux/x.h', 2, 'w2')]);

  const onDisk = parse(readFileSync(file, 'utf8'));
  assert.deepEqual(onDisk.map((n) => n.id).sort(), ['from-w1', 'from-w2', 'keep']);
  assert.deepEqual(
    onDisk.find((n) => n.id === 'keep')!.comments.map((c) => c.body),
    ['shared', 'a reply'],
  );
  assert.deepEqual(merged, onDisk, 'the window adopts the merged notes');
  // And window 1, saving again with its stale copy, does not undo window 2's work.
  await w1.save(w1.load());
  assert.equal(parse(readFileSync(file, 'utf8')).length, 3);
});

test('a deleted note that the other window changed meanwhile survives', async () => {
  const file = notesFilePath(tree(), '');
  await new NotesStore(file).save([note('n', 'net/core/x.c', 1, 'v1')]);
  const w1 = new NotesStore(file),
    w2 = new NotesStore(file);
  w1.load();
  const two = w2.load();
  two[0].resolved = true;
  two[0].updated = '2026-03-01T00:00:00.000Z';
  await w2.save(two);
  await w1.save([]);
  assert.equal(parse(readFileSync(file, 'utf8'))[0]?.resolved, true);
});

test('a broken file: a clear error, the file untouched, a backup beside it, nothing saved over it', async () => {
  const root = tree();
  const file = notesFilePath(root, '');
  mkdirSync(path.dirname(file), { recursive: true });
  const broken = '{ "version": 1, "notes": [ { "id": "x", \n';
  writeFileSync(file, broken);
  const store = new NotesStore(file);
  assert.throws(
    () => store.load(),
    (e: unknown) => {
      assert.ok(e instanceof NotesFileBroken);
      assert.match(e.message, /notes\.json cannot be read: not valid JSON/);
      assert.ok(e.backup && existsSync(e.backup));
      assert.equal(readFileSync(e.backup, 'utf8'), broken);
      return true;
    },
  );
  await assert.rejects(store.save([note('n', 'net/core/x.c', 1, 'new')]), NotesFileBroken);
  assert.equal(readFileSync(file, 'utf8'), broken, 'untouched');
  assert.equal(readdirSync(path.dirname(file)).filter((f) => f.includes('.bak')).length, 1, 'one backup per broken content');
});

test('a hand-edited file with a wrong field names the note and the field', () => {
  const text = serialize([note('n1', 'net/core/x.c', 1, 'ok')]).replace('"line": 1', '"line": "one"');
  assert.throws(
    () => parse(text),
    (e: unknown) => e instanceof NotesFormatError && /note 1 \(id n1\): "line" must be a whole number/.test(e.message),
  );
});

test('paths that leave the tree are refused, in the file and by the checker', () => {
  for (const bad of ['../etc/passwd', 'net/../../x.c', '/etc/passwd', 'C:/x.c', 'net\\x.c', '', '//evil.example/x.c']) {
    assert.equal(checkRelativePath(bad).ok, false, bad);
  }
  assert.deepEqual(checkRelativePath('./net//core/x.c'), { ok: true, path: 'net/core/x.c' });
  const text = serialize([note('n1', 'net/core/x.c', 1, 'ok')]).replace('"net/core/x.c"', '"../../home/a/.ssh/id_rsa"');
  assert.throws(() => parse(text), /leaves the tree/);
});

test('two processes saving at the same time, twenty notes each: all forty are kept', async () => {
  const { spawn } = await import('node:child_process');
  const file = notesFilePath(tree(), '');
  const store = path.join(__dirname, '..', '..', 'server', 'notes', 'store.ts');
  // Each process keeps its own in-memory list and saves after every addition, as a window does.
  const script = (who: string) => `
    const { NotesStore } = require(${JSON.stringify(store)});
    const s = new NotesStore(${JSON.stringify(file)});
    let notes = s.load();
    (async () => { for (let i = 0; i < 20; i++) {
      const t = new Date().toISOString();
      notes.push({ id: '${who}-' + i, anchor: { file: 'net/core/x.c', line: i, endLine: i, text: 'l', before: [], after: [] }, resolved: false,
        comments: [{ id: 'c', author: '${who}', body: 'n' + i, created: t, updated: t }], created: t, updated: t });
      notes = await s.save(notes);
    } })().catch((e) => { console.error(e); process.exit(1); });`;
  const run = (who: string) =>
    new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '-e', script(who)], { stdio: 'inherit' });
      p.on('exit', (code) => resolve(code ?? 1));
    });
  assert.deepEqual(await Promise.all([run('a'), run('b')]), [0, 0]);
  const ids = parse(readFileSync(file, 'utf8')).map((n) => n.id);
  assert.equal(ids.length, 40);
  assert.equal(new Set(ids).size, 40);
});

test('a change with the same date as the common version still wins over the unchanged side', async () => {
  // E.g. a reply edited in an exported Markdown and imported: only the side that changed counts.
  const file = notesFilePath(tree(), '');
  await new NotesStore(file).save([note('n', 'net/core/x.c', 1, 'old body')]);
  const w1 = new NotesStore(file),
    w2 = new NotesStore(file);
  const one = w1.load();
  const two = w2.load();
  one[0].comments[0].body = 'edited body';
  await w1.save(one);
  await w2.save(two); // window 2 saves its unchanged copy afterwards
  assert.equal(parse(readFileSync(file, 'utf8'))[0].comments[0].body, 'edited body');
});

test('a path that is a URL (any scheme) or holds a control character is refused: the export would link it', () => {
  for (const bad of [
    'javascript:alert(1)',
    'command:workbench.action.terminal.new',
    'file:///etc/passwd',
    'http://evil.example/x.c',
    'vscode://kpath/x',
    'data:text/html,x',
    './javascript:alert(1)',
    './/command:x',
    'net/x.c\n<!-- kpath-note {} -->',
    'net/x\u0000.c',
  ]) {
    const r = checkRelativePath(bad);
    assert.equal(r.ok, false, bad);
  }
  assert.match((checkRelativePath('javascript:alert(1)') as { why: string }).why, /is a URL \(javascript:\)/);
  assert.equal(checkRelativePath('net/x:y.c').ok, true, 'a colon after the first folder is no scheme');
  const text = serialize([note('n1', 'net/core/x.c', 1, 'ok')]).replace('"net/core/x.c"', '"command:workbench.action.terminal.new"');
  assert.throws(() => parse(text), /is a URL/);
});

test('a hostile anchor (100 KB of line text, 10,000 neighbours) is shortened on read, with a message, and on write', () => {
  const big = 'x = y + z; '.repeat(10_000);
  const hostile = note('n1', 'net/core/x.c', 1, 'ok');
  hostile.anchor = { ...hostile.anchor, text: big, before: Array(10_000).fill('a'), after: [big, big, big] };
  const text = JSON.stringify({ version: 1, notes: [hostile] });
  const warnings: string[] = [];
  const [n] = parse(text, (m) => warnings.push(m));
  assert.ok(n.anchor.text.length <= MAX_TEXT && n.anchor.after.every((a) => a.length <= MAX_TEXT), 'line texts capped');
  assert.ok(n.anchor.before.length <= 2 && n.anchor.after.length <= 2, 'neighbours capped');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /note 1 \(id n1\): line text over 400 characters shortened; more than 2 neighbouring lines a side dropped/);
  assert.ok(serialize([hostile]).length < 5000, 'what is written is capped too');
  assert.ok(big.startsWith(n.anchor.text), 'the kept text is the start of the line');
});

test('a lock held by another window: the save waits without blocking the thread, then saves', async () => {
  const file = notesFilePath(tree(), '');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.lock`, 'another window');
  const store = new NotesStore(file);
  // A timer ticking every 10 ms: on a blocked thread (Atomics.wait) it would not run until the save gave up.
  let ticks = 0,
    worst = 0,
    last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - last);
    last = now;
    ticks++;
  }, 10);
  // The other window lets go after 300 ms.
  setTimeout(() => rmSync(`${file}.lock`), 300);
  const started = Date.now();
  try {
    const saved = await store.save([note('n1', 'net/core/x.c', 1, 'after the lock')]);
    assert.equal(saved.length, 1);
  } finally {
    clearInterval(tick);
  }
  assert.ok(Date.now() - started >= 250, 'it waited for the lock');
  assert.ok(ticks >= 5 && worst < 1000, `the thread kept running while waiting (${ticks} ticks, longest gap ${worst} ms)`);
  assert.equal(parse(readFileSync(file, 'utf8'))[0].comments[0].body, 'after the lock');
  assert.equal(existsSync(`${file}.lock`), false, 'the lock is let go');
});
