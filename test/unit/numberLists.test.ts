// Number-only brace lists are blanked before parsing: which lists are, and that the facts stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blankNumberLists, numberListRanges } from '../../server/parse/numberLists';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { parseFile } from '../../server/parse/parseFile';
import { blankAnnotations } from '../../server/parse/preprocess';
import { extractFacts } from '../../server/parse/extract';
import { lightTree, type LNode } from '../../server/parse/lightTree';

const rows = (n: number, row: (i: number) => string): string => Array.from({ length: n }, (_, i) => row(i)).join('\n');
/** A PHY-table-like list: `{0x4000, 0x00000000},` rows with comments. */
const table = rows(12, (i) => `\t{0x${(0x4000 + 4 * i).toString(16).toUpperCase()}, 0x${i}C751D4F0ULL}, /* row ${i} */`);

test('a list of numbers is blanked inside its braces; offsets, lines and columns stay', () => {
  const src = `static const struct reg_def regs[] = {\n${table}\n\t{-1, +2, 1.5e3, 077, 0b101},\n};\nint after;\n`;
  const out = blankNumberLists(src);
  assert.equal(out.length, src.length);
  assert.deepEqual(
    [...out.matchAll(/\n/g)].map((m) => m.index),
    [...src.matchAll(/\n/g)].map((m) => m.index),
  );
  const open = src.indexOf('{');
  const close = src.lastIndexOf('}');
  assert.equal(out.slice(0, open + 1), src.slice(0, open + 1));
  assert.match(out.slice(open + 1, close), /^[ \n]+$/);
  assert.equal(out.slice(close), src.slice(close));
});

test('a list holding anything but numbers is kept, and so is every list around it', () => {
  const kept: Record<string, string> = {
    'a function name': `{\n${table}\n\tmy_handler,\n}`,
    'a macro': `{\n${table}\n\tBIT(3),\n}`,
    'a string': `{\n${table}\n\t"name",\n}`,
    'a character': `{\n${table}\n\t'x',\n}`,
    'a designator': `{\n${table}\n\t.len = 4,\n}`,
    'a preprocessor line': `{\n${table}\n#ifdef CONFIG_X\n\t{1, 2},\n#endif\n}`,
    'a cast': `{\n${table}\n\t(u32)4,\n}`,
    'a statement': `{\n${table}\n\t4;\n}`,
  };
  for (const [name, list] of Object.entries(kept)) {
    const src = `int x[] = ${list};\n`;
    assert.deepEqual(numberListRanges(src), [], name);
    assert.equal(blankNumberLists(src), src, name);
  }
});

test('inner number lists are blanked when the outer list is kept; short lists and #define bodies are left alone', () => {
  const src = `struct s tab[] = {\n\t{ fn_a, {\n${table}\n\t} },\n\t{ fn_b, {1, 2} },\n};\n#define INIT { \\\n${table.replace(/\n/g, ' \\\n')} }\n`;
  const ranges = numberListRanges(src);
  assert.equal(ranges.length, 1);
  const [start, end] = ranges[0];
  assert.equal(src.slice(start, end), `\n${table}\n\t`);
});

test('blanking keeps the facts: stores after a blanked list keep their positions and lines', () => {
  const c = [
    'struct ops { int (*probe)(void); int vals[16]; int (*remove)(void); };',
    'static int my_probe(void) { return 0; }',
    'static int my_remove(void) { return 0; }',
    'static const struct ops my_ops = {',
    '\t.probe = my_probe,',
    `\t.vals = {\n${table}\n\t},`,
    '\t.remove = my_remove,',
    '};',
    'static const struct ops list[] = {',
    `\t{ my_probe, {\n${table}\n\t}, my_remove },`,
    '};',
    'static const unsigned short codepage[] = {',
    table,
    '};',
    '',
  ].join('\n');
  assert.equal(numberListRanges(c).length, 3, 'the fixture holds three number lists');
  // The same text parsed as it is, without blanking.
  const parser = new Parser();
  parser.setLanguage(C as unknown as Parser.Language);
  const parse = (text: string): LNode => lightTree(parser.parse(text), text);
  const plain = extractFacts(parse(blankAnnotations(c)), 'drivers/x/ops.c', parse);
  const blanked = parseFile('', 'drivers/x/ops.c', c).facts;
  assert.deepEqual(blanked, plain);
  // And the stores are there, at their lines: a list that lost its shape would move `remove` to `#1`.
  const line = (text: string): number => c.split('\n').findIndex((l) => l.includes(text));
  assert.deepEqual(
    blanked.stores.map((s) => [s.lhs.k === 'init' ? `${s.lhs.v}.${s.lhs.path.join('.')}` : '', s.line]),
    [
      ['my_ops.probe', line('.probe = my_probe')],
      ['my_ops.remove', line('.remove = my_remove')],
      ['list.#0.#0', line('{ my_probe, {')],
      ['list.#0.#2', line('}, my_remove }')],
    ],
  );
});
