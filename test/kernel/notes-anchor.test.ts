// Notes on the real tree survive the kind of change a kernel update makes. On a copy of
// net/ipv4/tcp_output.c in memory: a new function added near the top, tcp_write_xmit moved to the
// end, tcp_mtu_probe renamed everywhere, lines added inside __tcp_transmit_skb. Every line of the
// original is tracked through the edits, so where each note must land is known exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeAnchor, reanchor } from '../../server/notes/anchor';
import { findSymbols } from '../../server/notes/symbols';
import { KERNEL, SKIP } from './kernelTree';

const FILE = 'net/ipv4/tcp_output.c';

interface Line {
  orig: number;
  text: string;
}

function blockOf(lines: Line[], name: string): [number, number] {
  const syms = findSymbols(lines.map((l) => l.text).join('\n'));
  const s = syms.find((x) => x.name === name && x.kind === 'function');
  if (!s) throw new Error(`${name} not found`);
  // Take the comment and blank line above the header along with it, as a person moving code would.
  let from = s.line;
  while (from > 0 && !/^}/.test(lines[from - 1].text) && lines[from - 1].text.trim() !== '') from--;
  return [from, s.end];
}

test('notes on tcp_output.c follow their lines through a simulated kernel update', { skip: SKIP }, (t) => {
  const text = readFileSync(path.join(KERNEL!, FILE), 'utf8');
  let lines: Line[] = text.split('\n').map((l, i) => ({ orig: i, text: l }));
  const syms = findSymbols(text);
  // A note on every third line inside a function body, whatever it holds (`}` and `return 0;` too).
  const sample = lines.filter((l) => l.orig % 3 === 0 && syms.some((s) => s.kind === 'function' && s.line < l.orig && l.orig <= s.end));
  const anchors = new Map(sample.map((l) => [l.orig, makeAnchor(FILE, text, l.orig, l.orig, syms)]));

  // 1. A new function near the top.
  const firstFn = syms.find((s) => s.kind === 'function')!.line;
  const added = ['/* Added by a later kernel. */', 'static void tcp_new_helper(struct sock *sk)', '{', '\tsk->sk_err = 0;', '}', ''];
  lines.splice(firstFn - 1, 0, ...added.map((l) => ({ orig: -1, text: l })));
  // 2. tcp_write_xmit moved to the end.
  const [wf, wt] = blockOf(lines, 'tcp_write_xmit');
  const moved = lines.splice(wf, wt - wf + 1);
  lines.push({ orig: -1, text: '' }, ...moved);
  // 3. tcp_mtu_probe renamed everywhere.
  lines = lines.map((l) => ({ ...l, text: l.text.replace(/\btcp_mtu_probe\b/g, 'tcp_mtu_probe_v2') }));
  // 4. Lines added at the top of __tcp_transmit_skb's body.
  const body = findSymbols(lines.map((l) => l.text).join('\n')).find((s) => s.name === '__tcp_transmit_skb')!;
  const open = lines.findIndex((l, i) => i >= body.line && l.text === '{');
  lines.splice(open + 1, 0, { orig: -1, text: '\tint added_in_v2 = 0;' }, { orig: -1, text: '' });

  const after = lines.map((l) => l.text).join('\n');
  let right = 0;
  const wrong: string[] = [];
  for (const [orig, a] of anchors) {
    const want = lines.findIndex((l) => l.orig === orig);
    const p = reanchor(a, after);
    if (!p.orphan && p.line === want) right++;
    else wrong.push(`line ${orig + 1} "${a.text}" in ${a.symbol}: want ${want + 1}, got ${p.orphan ? `orphan (${p.why})` : p.line + 1}`);
  }
  t.diagnostic(`${right}/${anchors.size} notes on their line${wrong.length ? `; e.g. ${wrong[0]}` : ''}`);
  assert.ok(anchors.size > 1000, `${anchors.size} notes`);
  assert.deepEqual(wrong, []);
});
