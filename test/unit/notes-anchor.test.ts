// Anchoring notes: a note stays on its line when lines are added above it or inside its function,
// when the function moves or is renamed, and when the annotated line itself is edited a little; it
// becomes an orphan (with a reason) when its file is deleted or its code is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeAnchor, reanchor } from '../../server/notes/anchor';
import { enclosingSymbol, findSymbols } from '../../server/notes/symbols';

// A small file in kernel style, written for this test.
const SRC = `// SPDX-License-Identifier: GPL-2.0
#include <linux/x.h>

static int x_prepare(struct sock *sk)
{
\tif (!sk)
\t\treturn -EINVAL;
\treturn 0;
}

int x_sendmsg(struct sock *sk, struct msghdr *msg,
\t      size_t size)
{
\tint err;

\terr = x_prepare(sk);
\tif (err)
\t\treturn err;
\terr = sk->sk_prot->sendmsg(sk, msg, size);
\treturn 0;
}
EXPORT_SYMBOL(x_sendmsg);

static int
x_close(struct sock *sk)
{
\treturn 0;
}

const struct proto_ops x_ops = {
\t.sendmsg\t= x_sendmsg,
\t.release\t= x_close,
};

struct x_sock {
\tstruct sock sk;
\tint (*cb)(struct sock *sk);
};
`;

const lineOf = (text: string, needle: string, nth = 0): number => {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].includes(needle) && seen++ === nth) return i;
  throw new Error(`${needle} not found`);
};

test('the light scan finds functions (also with the type on its own line), initialized objects and structs', () => {
  const syms = findSymbols(SRC);
  assert.deepEqual(
    syms.map((s) => `${s.kind} ${s.name} ${s.line}-${s.end}`),
    [
      `function x_prepare ${lineOf(SRC, 'x_prepare(struct')}-${lineOf(SRC, '}', 0)}`,
      `function x_sendmsg ${lineOf(SRC, 'int x_sendmsg(')}-${lineOf(SRC, 'EXPORT_SYMBOL') - 1}`,
      `function x_close ${lineOf(SRC, 'x_close(struct')}-${lineOf(SRC, 'x_close(struct') + 3}`,
      `object x_ops ${lineOf(SRC, 'x_ops =')}-${lineOf(SRC, '.release') + 1}`,
      `struct x_sock ${lineOf(SRC, 'struct x_sock {')}-${lineOf(SRC, 'int (*cb)') + 1}`,
    ],
  );
  assert.equal(enclosingSymbol(syms, lineOf(SRC, '#include')), undefined);
  assert.equal(enclosingSymbol(syms, lineOf(SRC, 'sk_prot->sendmsg'))?.name, 'x_sendmsg');
});

test('an anchor names the function, the offset in it, the text and the neighbours', () => {
  const line = lineOf(SRC, 'sk_prot->sendmsg');
  const a = makeAnchor('net/core/x.c', SRC, line);
  assert.equal(a.symbol, 'x_sendmsg');
  assert.equal(a.symbolKind, 'function');
  assert.equal(a.offset, line - lineOf(SRC, 'int x_sendmsg('));
  assert.equal(a.text, 'err = sk->sk_prot->sendmsg(sk, msg, size);');
  assert.deepEqual(a.before, ['if (err)', 'return err;']);
  assert.deepEqual(a.after, ['return 0;', '}']);
});

test('lines inserted above the function: the note moves with its line', () => {
  const line = lineOf(SRC, 'sk_prot->sendmsg');
  const a = makeAnchor('net/core/x.c', SRC, line);
  const edited = SRC.replace('#include <linux/x.h>\n', '#include <linux/x.h>\n#include <linux/y.h>\n\n/* three more lines */\n');
  const p = reanchor(a, edited);
  assert.equal(p.orphan, false);
  if (p.orphan) return;
  assert.equal(p.line, line + 3);
  assert.equal(edited.split('\n')[p.line].trim(), 'err = sk->sk_prot->sendmsg(sk, msg, size);');
});

test('lines inserted inside the function above the note, with a repeated line: the right `return 0;`', () => {
  const line = lineOf(SRC, 'return 0;', 1); // the one in x_sendmsg
  const a = makeAnchor('net/core/x.c', SRC, line);
  assert.equal(a.symbol, 'x_sendmsg');
  const edited = SRC.replace('\tint err;\n', '\tint err;\n\tint extra = 0;\n\n\tpr_debug("x");\n');
  const p = reanchor(a, edited);
  assert.ok(!p.orphan);
  assert.equal(p.line, line + 3);
  assert.equal(enclosingSymbol(findSymbols(edited), p.line)?.name, 'x_sendmsg');
});

test('the function moved below another one: found by name and offset', () => {
  const line = lineOf(SRC, 'return -EINVAL;');
  const a = makeAnchor('net/core/x.c', SRC, line);
  const prepare = SRC.slice(SRC.indexOf('static int x_prepare'), SRC.indexOf('int x_sendmsg('));
  const moved = SRC.replace(prepare, '').replace('const struct proto_ops', `${prepare}const struct proto_ops`);
  const p = reanchor(a, moved);
  assert.ok(!p.orphan);
  assert.equal(p.line, lineOf(moved, 'return -EINVAL;'));
  assert.equal(p.anchor.symbol, 'x_prepare');
  assert.notEqual(p.line, line, 'it did move');
});

test('the function renamed: found by its text and neighbours, and the anchor takes the new name', () => {
  const line = lineOf(SRC, 'sk_prot->sendmsg');
  const a = makeAnchor('net/core/x.c', SRC, line);
  const renamed = `/* moved and renamed */\n\n${SRC.replaceAll('x_sendmsg', 'x_do_sendmsg')}`;
  const p = reanchor(a, renamed);
  assert.ok(!p.orphan);
  assert.equal(p.line, line + 2);
  assert.equal(p.how, 'text');
  assert.equal(p.anchor.symbol, 'x_do_sendmsg');
});

test("a note on the function's own header line follows a rename through the similar line", () => {
  const line = lineOf(SRC, 'int x_sendmsg(');
  const a = makeAnchor('net/core/x.c', SRC, line);
  const renamed = SRC.replaceAll('x_sendmsg', 'x_xmit');
  const p = reanchor(a, renamed);
  assert.ok(!p.orphan);
  assert.equal(p.line, line);
  assert.equal(p.how, 'similar');
});

test('the annotated line edited a little: still found', () => {
  const line = lineOf(SRC, 'sk_prot->sendmsg');
  const a = makeAnchor('net/core/x.c', SRC, line);
  const edited = `\n\n${SRC.replace('err = sk->sk_prot->sendmsg(sk, msg, size);', 'err = READ_ONCE(sk->sk_prot)->sendmsg(sk, msg, size);')}`;
  const p = reanchor(a, edited);
  assert.ok(!p.orphan);
  assert.equal(p.line, line + 2);
});

test('a range note keeps its length', () => {
  const from = lineOf(SRC, 'err = x_prepare(sk);');
  const a = makeAnchor('net/core/x.c', SRC, from, from + 2);
  const p = reanchor(a, `\n${SRC}`);
  assert.ok(!p.orphan);
  assert.deepEqual([p.line, p.endLine], [from + 1, from + 3]);
});

test('file deleted, or its code gone: an orphan with a reason', () => {
  const a = makeAnchor('net/core/x.c', SRC, lineOf(SRC, 'sk_prot->sendmsg'));
  const gone = reanchor(a, undefined);
  assert.deepEqual(gone, { orphan: true, why: 'net/core/x.c no longer exists' });
  const rewritten = reanchor(a, 'int other(void)\n{\n\treturn 1;\n}\n');
  assert.equal(rewritten.orphan, true);
  if (rewritten.orphan) assert.match(rewritten.why, /x_sendmsg/);
});

test('a note on a bare brace is not moved to an unrelated brace elsewhere', () => {
  const line = lineOf(SRC, '.release') + 1; // `};` of x_ops
  const a = makeAnchor('net/core/x.c', SRC, line);
  const p = reanchor(a, 'int y(void)\n{\n\treturn 0;\n};\n');
  assert.equal(p.orphan, true);
});

test('placing a note with a 100 KB line text (a hostile notes.json) stays fast: the text is capped', () => {
  // 3,000 lines of functions, none holding the text: every step of the search runs to the end.
  const file = Array.from(
    { length: 300 },
    (_, i) => `static int f${i}(int a)\n{\n\tint b = a + ${i};\n\n\tif (b > 3)\n\t\treturn b;\n\tb = g(b, ${i});\n\treturn b * 2;\n}\n`,
  ).join('\n');
  const big = 'x = y + z; '.repeat(10_000);
  const started = performance.now();
  const p = reanchor({ file: 'net/x.c', line: 7, endLine: 7, text: big, before: [big, big], after: [big, big] }, file);
  const ms = performance.now() - started;
  assert.equal(p.orphan, true);
  // Uncapped, this took about 40 s on a 5,000-line file; capped, tens of milliseconds.
  assert.ok(ms < 3000, `placing took ${ms.toFixed(0)} ms`);
  assert.ok(!p.orphan || p.why.length < 1000, 'the reason quotes the capped text, not 100 KB');
});
