// `kpath simulate` as the CLI will call it: text and JSON output, exit codes, pcap output and
// the source locations of the steps given a tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IndexLine } from '../../server/model/locate';
import { simulateCommand } from '../../server/model/simulateCommand';

const PKT = path.join(__dirname, '..', 'fixtures', 'pkt');

async function sim(argv: string[], indexLine?: IndexLine) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await simulateCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, indexLine);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('text output: packets, match, steps; exit 0 when everything matches', async () => {
  const r = await sim([path.join(PKT, 'cork.pkt')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /3\/3 outbound packets match the script/);
  assert.match(r.out, /> \. 1:1001\(1000\) ack 1/);
  assert.match(r.out, /line \d+: ok {3}P\. 1001:1201\(200\) ack 1/);
  assert.match(r.out, /tcp_nagle_test: held by cork/);
});

test('exit 1 and the difference when the script disagrees', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-sim-'));
  const file = path.join(dir, 'bad.pkt');
  fs.writeFileSync(file, fs.readFileSync(path.join(PKT, 'cork.pkt'), 'utf8').replace('> . 1:1001(1000)', '> P. 1:1201(1200)'));
  const r = await sim([file]);
  assert.equal(r.code, 1);
  assert.match(r.out, /FAIL P\. 1:1201\(1200\) ack 1 — .*length 1200 expected, model sends 1000/);
});

test('--json carries packets, checks, steps and the locations: the file from the table, the line from the index', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-tree-'));
  const asked: string[] = [];
  const r = await sim([path.join(PKT, 'nagle.pkt'), '--json', '--tree', empty], (fn, file) => {
    asked.push(`${fn} ${file}`);
    return fn === 'tcp_write_xmit' ? 2753 : undefined;
  });
  const j = JSON.parse(r.out) as {
    totals: { outbound: number; matched: number };
    steps: Array<{ fn: string }>;
    locations: Record<string, { file: string; line: number }>;
  };
  assert.deepEqual(j.totals, { outbound: 4, matched: 4 });
  assert.ok(j.steps.some((s) => s.fn === 'tcp_nagle_test'));
  // The tree is empty: only what the index answered has a location.
  assert.deepEqual(j.locations, { tcp_write_xmit: { file: 'net/ipv4/tcp_output.c', line: 2753 } });
  assert.ok(asked.includes('tcp_write_xmit net/ipv4/tcp_output.c'));
  assert.ok(asked.includes('tcp_v4_rcv net/ipv4/tcp_ipv4.c'), 'the index is asked in the file of the table');
});

test('--tree without an index reads the one file the table names, not other files', async () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-tree-'));
  const write = (rel: string, lines: string[]) => {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), lines.join('\n'));
  };
  write('net/ipv4/tcp_output.c', [
    'static bool tcp_write_xmit(struct sock *sk, unsigned int mss_now, int nonagle,',
    '\t\t\t   int push_one, gfp_t gfp);',
    '',
    'static bool tcp_write_xmit(struct sock *sk, unsigned int mss_now, int nonagle,',
    '\t\t\t   int push_one, gfp_t gfp)',
    '{',
    '}',
    'static inline bool',
    'tcp_nagle_test(const struct tcp_sock *tp, const struct sk_buff *skb,',
    '\t\t\t\t  unsigned int cur_mss, int nonagle)',
    '{',
    '}',
  ]);
  // A definition of the same name elsewhere is never looked at: the table says tcp_ipv4.c.
  write('net/core/dev.c', ['int tcp_v4_rcv(struct sk_buff *skb)', '{', '}']);
  const r = await sim([path.join(PKT, 'nagle.pkt'), '--tree', tree]);
  assert.match(r.out, /tcp_write_xmit \(net\/ipv4\/tcp_output\.c:4\):/, 'the definition, not the prototype at line 1');
  assert.match(r.out, /tcp_nagle_test \(net\/ipv4\/tcp_output\.c:9\):/, 'the name at column 0 under its type');
  assert.match(r.out, /\d tcp_v4_rcv: /, 'no link: the table names a file the tree does not have');
  assert.doesNotMatch(r.out, /net\/core\/dev\.c/);
});

test('--pcap writes a capture; usage and syntax errors exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-sim-'));
  const pcap = path.join(dir, 'out.pcap');
  assert.equal((await sim([path.join(PKT, 'nagle.pkt'), '--pcap', pcap])).code, 0);
  const b = fs.readFileSync(pcap);
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(b.readUInt32LE(20), 101); // LINKTYPE_RAW
  const usage = await sim([]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /missing <file\.pkt>/);
  const bad = path.join(dir, 'syntax.pkt');
  fs.writeFileSync(bad, '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > Q 1:1(0)\n');
  const syn = await sim([bad]);
  assert.equal(syn.code, 2);
  assert.match(syn.err, /syntax\.pkt:2: bad TCP flags 'Q'/);
});

test('--pcap into a folder, or into a folder that does not exist, says so and exits 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpath-sim-'));
  const into = await sim([path.join(PKT, 'nagle.pkt'), '--pcap', dir]);
  assert.equal(into.code, 2);
  assert.match(into.err, /cannot write the pcap .*: it is a folder; give a file name/);
  const missing = path.join(dir, 'no', 'such', 'out.pcap');
  const r = await sim([path.join(PKT, 'nagle.pkt'), '--pcap', missing]);
  assert.equal(r.code, 2);
  assert.match(r.err, /the folder .*no\/such does not exist/);
  assert.doesNotMatch(into.err + r.err, /\n\s+at /, 'no stack trace');
});
