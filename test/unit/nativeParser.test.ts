// The native parser (native/flatTree.c) against the binding's tree copy (lightTree): the same nodes,
// types, fields, positions and error marks on our fixtures and on awkward inputs; positions are
// string indexes also past non-ASCII text; a timeout gives null and leaves the parser usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { lightTree, type LNode } from '../../server/parse/lightTree';
import { nativeParser, nativeParserProblem } from '../../server/parse/nativeParser';
import { treeDifference } from './sameTree';

const binding = new Parser();
binding.setLanguage(C as unknown as Parser.Language);
const viaBinding = (text: string): LNode => lightTree(binding.parse(text, undefined, { bufferSize: text.length * 2 + 1024 }), text);

function native(text: string): LNode {
  const p = nativeParser();
  assert.ok(p, `the native parser is not available: ${nativeParserProblem()}`);
  const tree = p.parse(text, 20_000);
  assert.ok(tree, 'the parse timed out');
  return tree;
}

function cFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const f = path.join(dir, e);
    return statSync(f).isDirectory() ? cFiles(f) : /\.[ch]$/.test(e) ? [f] : [];
  });
}

test('the native parser builds the same tree as the binding on every fixture file', () => {
  const files = cFiles(path.join(__dirname, '..', 'fixtures'));
  assert.ok(files.length >= 10, `only ${files.length} fixture files`);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.equal(treeDifference(viaBinding(text), native(text)), null, f);
  }
});

const AWKWARD: Record<string, string> = {
  empty: '',
  'only a comment': '/* nothing */\n',
  'unbalanced braces': 'static int f(struct sock *sk) {\n  if (sk->ops->sendmsg(sk, msg, len) {\n    return 1;\n',
  'missing semicolon': 'int g(void) { int x = h() return x; }\nstruct proto_ops ops = { .sendmsg = g, };\n',
  'macro soup':
    '#define X(a) a##_ops\nX(tcp) = { .f = 1 };\nDEFINE_SOMETHING(foo, struct bar, baz);\nlist_for_each_entry(p, &head, list) { p->ops->run(p); }\n',
  'stray #endif': 'int a;\n#endif\n# endif\nint b(void) { return a; }\n',
  // A large tree, then a small one.
  'many nodes': 'static int f(struct sock *sk) { return sk->ops->sendmsg(sk, msg, len) + g(1, 2); }\n'.repeat(6000),
  'after many': 'int h(void) { return 0; }\n',
  'non-ASCII': '/* Grüße, Ελληνικά */\nint fö(int ü) { return ü + 1; } // 😀 then more\nint after(void) { return fö(2); }\n',
};

test('the native parser builds the same tree on malformed and non-ASCII input', () => {
  for (const [name, text] of Object.entries(AWKWARD)) assert.equal(treeDifference(viaBinding(text), native(text)), null, name);
});

test('native positions are string indexes, also after astral and accented characters', () => {
  const text = AWKWARD['non-ASCII'];
  const names: string[] = [];
  const walk = (n: LNode): void => {
    if (n.type === 'identifier') names.push(n.text);
    n.children.forEach(walk);
  };
  walk(native(text));
  assert.deepEqual(names, ['fö', 'ü', 'ü', 'after', 'fö']);
  const fns = native(text).children.filter((c) => c.type === 'function_definition');
  const after = fns[fns.length - 1];
  assert.equal(after.startPosition.row, 2);
  assert.equal(after.startPosition.column, 0);
});

test('a parse past its time limit gives null and the parser goes on working', () => {
  const p = nativeParser();
  assert.ok(p, nativeParserProblem());
  const big = 'int f(void) { return a->b->c(x, y, z) + g(1, 2, 3); }\n'.repeat(200_000);
  assert.equal(p.parse(big, 1), null);
  assert.equal(treeDifference(viaBinding(AWKWARD['missing semicolon']), native(AWKWARD['missing semicolon'])), null);
});
