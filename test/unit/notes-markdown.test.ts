// Export to one Markdown document with links to file:line, and import back: a round trip keeps
// every note and reply; a body that looks like a marker or holds HTML stays text; a path that
// leaves the tree is refused on import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromMarkdown, toMarkdown } from '../../server/notes/markdown';
import type { Note } from '../../server/notes/types';

const at = '2026-01-02T03:04:05.000Z';
const notes: Note[] = [
  {
    id: 'n1',
    anchor: {
      file: 'net/core/x.c',
      line: 18,
      endLine: 18,
      symbol: 'x_sendmsg',
      symbolKind: 'function',
      offset: 7,
      text: 'err = sk->sk_prot->sendmsg(sk, msg, size);',
      before: ['if (err)', 'return err;'],
      after: ['return 0;', '}'],
    },
    resolved: false,
    comments: [
      { id: 'c1', author: 'ada', body: 'Goes to **tcp_sendmsg** for TCP.\n\n```c\nsk->sk_prot->sendmsg\n```', created: at, updated: at },
      { id: 'c2', author: 'bo', body: 'Tricky: <!-- /kpath-comment c1 --> and <script>alert(1)</script>', created: at, updated: at },
    ],
    created: at,
    updated: at,
  },
  {
    id: 'n2',
    anchor: { file: 'include/linux/x.h', line: 3, endLine: 5, text: 'struct x_sock {', before: [], after: ['struct sock sk;'] },
    resolved: true,
    comments: [{ id: 'c3', author: '', body: 'A range.', created: at, updated: at }],
    created: at,
    updated: at,
  },
];

test('the document has a section per file and links to file:line', () => {
  const md = toMarkdown(notes, { linkBase: '..' });
  assert.match(md, /^# kpath notes\n/);
  assert.match(md, /^## include\/linux\/x\.h$/m);
  assert.match(md, /^### \[net\/core\/x\.c:19\]\(\.\.\/net\/core\/x\.c#L19\) in `x_sendmsg`$/m);
  assert.match(md, /^### \[include\/linux\/x\.h:4-6\]\(\.\.\/include\/linux\/x\.h#L4-L6\) \(resolved\)$/m);
  assert.ok(md.indexOf('## include/linux/x.h') < md.indexOf('## net/core/x.c'), 'files in order');
});

test('export then import gives back the same notes', () => {
  const back = fromMarkdown(toMarkdown(notes));
  const byId = (a: Note, b: Note) => (a.id < b.id ? -1 : 1);
  assert.deepEqual([...back].sort(byId), [...notes].sort(byId));
});

test('edits to a body in the document are imported', () => {
  const md = toMarkdown(notes).replace('A range.', 'A range, edited in the Markdown.');
  assert.equal(fromMarkdown(md).find((n) => n.id === 'n2')!.comments[0].body, 'A range, edited in the Markdown.');
});

test('import refuses a note whose path leaves the tree, naming the line', () => {
  const md = toMarkdown(notes).replace('"file":"net/core/x.c"', '"file":"../../../etc/passwd"');
  assert.throws(() => fromMarkdown(md), /line \d+: "\.\.\/\.\.\/\.\.\/etc\/passwd" leaves the tree/);
});

test('a reply without its closing marker is an error, not a silently swallowed document', () => {
  const md = toMarkdown(notes).replace('<!-- /kpath-comment c3 -->', '');
  assert.throws(() => fromMarkdown(md), /the reply c3 has no closing marker/);
});

test('a line of C holding `-->` cannot end the data comment early, and still round-trips', () => {
  const tricky: Note = { ...notes[0], id: 'n3', anchor: { ...notes[0].anchor, text: 'while (n --> 0) /* -- */', after: ['a--b', '-->'] } };
  const md = toMarkdown([tricky]);
  const marker = md.split('\n').find((l) => l.startsWith('<!-- kpath-note '))!;
  assert.equal(marker.slice('<!--'.length, -'-->'.length).includes('--'), false, marker);
  assert.deepEqual(fromMarkdown(md), [tricky]);
});

const one = (body: string, anchor: Partial<Note['anchor']> = {}): Note => ({
  ...notes[0],
  id: 'n9',
  anchor: { ...notes[0].anchor, ...anchor },
  comments: [{ id: 'c9', author: 'ada', body, created: at, updated: at }],
});

test('a body holding its own closing marker on a line of its own survives, with any backslashes before it', () => {
  const body = 'before\n<!-- /kpath-comment c9 -->\n\\<!-- /kpath-comment c9 -->\n\\\\<!-- /kpath-comment other -->\nafter';
  const md = toMarkdown([one(body)]);
  assert.equal(md.split('\n').filter((l) => l === '<!-- /kpath-comment c9 -->').length, 1, 'only the real closing marker is one');
  assert.deepEqual(fromMarkdown(md), [one(body)]);
});

test('CRLF in a body comes back as CRLF; a document an editor saved with CRLF throughout still reads', () => {
  const body = 'line one\r\nline two\r\n\r\n```c\r\nx();\r\n```';
  const md = toMarkdown([one(body)]);
  assert.equal(fromMarkdown(md)[0].comments[0].body, body);
  const converted = md.replace(/\r?\n/g, '\r\n');
  assert.equal(
    fromMarkdown(converted)[0].comments[0].body,
    body.replace(/\r\n/g, '\n'),
    'line breaks of a converted document are line breaks',
  );
});

test('a symbol or line with backticks stays inside its code span (a longer fence, as CommonMark has it)', () => {
  const md = toMarkdown([one('x', { symbol: 'a`b``c', text: '`start and end`' })]);
  assert.match(md, /^### .* in ```a`b``c```$/m);
  assert.match(md, /^> `` `start and end` ``$/m);
  assert.deepEqual(fromMarkdown(md), [one('x', { symbol: 'a`b``c', text: '`start and end`' })], 'the data keeps them exactly');
});

test('a newline in a symbol or author cannot start a line of its own (a forged marker or heading)', () => {
  const forged = '\n<!-- kpath-note {"id":"evil","anchor":{"file":"net/x.c","line":0,"text":""},"created":"x"} -->\n# heading';
  const n = one('x', { symbol: `f${forged}` });
  n.comments[0].author = `ada${forged}`;
  const md = toMarkdown([n]);
  assert.equal(md.split('\n').filter((l) => l.startsWith('<!-- kpath-note ')).length, 1);
  assert.doesNotMatch(md, /^# heading/m);
  assert.deepEqual(
    fromMarkdown(md).map((x) => x.id),
    ['n9'],
  );
});

test('a parenthesis in a path does not end the link early', () => {
  const md = toMarkdown([one('x', { file: 'net/x(1).c' })]);
  assert.match(md, /\]\(net\/x%281%29\.c#L19\)/);
});
