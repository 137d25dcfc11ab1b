// The model's table of kernel files (server/model/tcp/kernelFiles.ts) names every function the
// model traces: each step's fn and each frame of its `within`, over every script of the fixtures
// and the panel's scenarios, and every literal name the model's sources pass to the tracer (so a
// step no fixture reaches is covered too). test/kernel/kernelFiles.test.ts checks the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScript, runScript, simulateScenario, type Step } from '../../server/model/index';
import { byFile, kernelFiles } from '../../server/model/tcp/kernelFiles';
import { definitionLine, modelLocator } from '../../server/model/locate';

const PKT = path.join(__dirname, '..', 'fixtures', 'pkt');
const MODEL = path.join(__dirname, '..', '..', 'server', 'model');

function scripts(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.pkt'))
    .map((n) => path.join(dir, n));
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function traced(steps: readonly Step[], into: Set<string>): void {
  for (const s of steps) {
    into.add(s.fn);
    for (const f of s.within ?? []) into.add(f);
  }
}

test('every function a run of the model traces has its kernel file in the table', () => {
  const names = new Set<string>();
  for (const file of [...scripts(PKT), ...scripts(path.join(PKT, 'live'))]) {
    const dir = path.dirname(file);
    const r = runScript(parseScript(fs.readFileSync(file, 'utf8')), {
      readSibling: (n) => (fs.existsSync(path.join(dir, n)) ? fs.readFileSync(path.join(dir, n), 'utf8') : undefined),
    });
    traced(r.steps, names);
  }
  for (const tso of [true, false])
    for (const qdisc of ['pfifo', 'fq'] as const) traced(simulateScenario({ tso, qdisc, writes: 4, bytesPerWrite: 3000 }).steps, names);
  assert.ok(names.size > 50, `${names.size} functions traced`);
  assert.ok(names.has('__dev_queue_xmit') && names.has('tcp_write_xmit'), 'frames are counted too');
  assert.deepEqual(
    [...names].filter((n) => !kernelFiles.has(n)),
    [],
  );
});

test("every name the model's sources give the tracer has its kernel file in the table", () => {
  const literal = /\b(?:trace\.step|stop|traced)\(\s*'([A-Za-z0-9_]+)'/g;
  const named = new Set<string>();
  for (const file of sources(MODEL)) for (const m of fs.readFileSync(file, 'utf8').matchAll(literal)) named.add(m[1]);
  assert.ok(named.size > 50, `${named.size} names found`);
  assert.deepEqual(
    [...named].filter((n) => !kernelFiles.has(n)),
    [],
  );
});

test('no function is listed twice (a name in two files would link to whichever came last)', () => {
  const names = Object.values(byFile).flat();
  assert.deepEqual(
    names.filter((n, i) => names.indexOf(n) !== i),
    [],
  );
  assert.equal(kernelFiles.size, names.length);
});

test('definitionLine finds the definition, not a prototype, a call or a macro', () => {
  const text = [
    '#define tcp_push(x) do_it(x)', // 1
    'void tcp_push(struct sock *sk);', // 2
    'EXPORT_SYMBOL(tcp_push);', // 3
    'static void', // 4
    'tcp_push(struct sock *sk, int flags,', // 5
    '\t int mss)', // 6
    '{', // 7
    '\ttcp_push(sk, 0, 0);', // 8
    '}', // 9
  ].join('\n');
  assert.equal(definitionLine(text, 'tcp_push'), 5);
  assert.equal(definitionLine(text, 'push'), undefined, 'a whole word only');
  assert.equal(definitionLine('int __tcp_push(int x)\n{\n}\n', 'tcp_push'), undefined);
});

test('the locator reads only the file the table names, and prefers the index', () => {
  const read: string[] = [];
  const locate = modelLocator(
    (file) => {
      read.push(file);
      return 'static bool tcp_write_xmit(struct sock *sk)\n{\n}\nstatic bool tcp_nagle_test(int x)\n{\n}\n';
    },
    (fn) => (fn === 'tcp_nagle_test' ? 40 : undefined),
  );
  assert.deepEqual(locate('tcp_write_xmit'), { file: 'net/ipv4/tcp_output.c', line: 1 });
  assert.deepEqual(locate('tcp_nagle_test'), { file: 'net/ipv4/tcp_output.c', line: 40 });
  assert.equal(locate('not_a_model_function'), undefined);
  assert.deepEqual(read, ['net/ipv4/tcp_output.c'], 'one file, read once');
});
