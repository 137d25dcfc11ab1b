// Bad input gets a clear message and the rest of the tree is still indexed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, cpSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import { main } from '../../server/cli';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minikernel');

function badTree(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kpath-bad-'));
  cpSync(FIXTURE, root, { recursive: true });
  mkdirSync(path.join(root, 'bad'));
  // Latin-1 bytes in a comment and in a string: not valid UTF-8.
  writeFileSync(
    path.join(root, 'bad/latin1.c'),
    Buffer.concat([
      Buffer.from('/* caf'),
      Buffer.from([0xe9]),
      Buffer.from(
        ' */\nint latin_fn(void) { return 0; }\nstatic const struct proto_ops l1 = { .release = latin_rel };\nint latin_rel(struct socket *s) { return 0; }\n',
      ),
    ]),
  );
  // A generated file over 5 MB, and a generated register header with 50,000 #defines.
  writeFileSync(
    path.join(root, 'bad/huge.h'),
    '#define HUGE_A 1\n' + 'static const int big_table[] = {\n' + '0x12345678, '.repeat(600_000) + '};\n',
  );
  writeFileSync(
    path.join(root, 'bad/regs.h'),
    Array.from({ length: 50_000 }, (_, i) => `#define mmREG_${i} 0x${i.toString(16)}`).join('\n') + '\n',
  );
  // Nothing but syntax errors, then one good function.
  writeFileSync(path.join(root, 'bad/garbage.c'), '}}}} int (( ;; struct { ] ]\n'.repeat(200) + '\nint survivor(int x) { return x; }\n');
  symlinkSync('loop_b.c', path.join(root, 'bad/loop_a.c'));
  symlinkSync('loop_a.c', path.join(root, 'bad/loop_b.c'));
  symlinkSync('does-not-exist.c', path.join(root, 'bad/dangling.c'));
  symlinkSync('..', path.join(root, 'bad/up')); // a folder symlink loop
  return root;
}

test('non-UTF-8, huge, broken files and symlink loops: reported, and the rest is indexed', async () => {
  const root = badTree();
  const problems: string[] = [];
  const r = await buildIndex(root, { noCache: true, threads: 1, onProblem: (m) => problems.push(m) });
  const ix = r.index;
  // The good parts are all there.
  assert.equal(ix.functionsNamed('inet_sendmsg').length, 1);
  assert.equal(ix.functionsNamed('latin_fn').length, 1, 'a Latin-1 file is indexed');
  assert.equal(ix.functionsNamed('survivor').length, 1, 'a function after 200 lines of garbage is indexed');
  assert.ok(ix.files.get('bad/latin1.c')!.notes.some((n) => /not valid UTF-8/.test(n)));
  assert.ok(ix.files.get('bad/garbage.c')!.notes.some((n) => /parse error/.test(n)));
  const huge = ix.files.get('bad/huge.h')!;
  assert.ok(huge.lexOnly && huge.macros.some((m) => m.name === 'HUGE_A'), 'a huge file keeps its #defines');
  assert.ok(huge.notes.some((n) => /over the 5 MB parse limit/.test(n)));
  const regs = ix.files.get('bad/regs.h')!;
  assert.ok(
    regs.lexOnly && regs.macros.length === 0 && regs.notes.some((n) => /50000 #defines lexed, not kept/.test(n)),
    'a register header is counted, not listed',
  );
  assert.ok(
    problems.some((p) => /loop_a\.c: symlink loop/.test(p)),
    problems.join('\n'),
  );
  assert.ok(problems.some((p) => /dangling\.c: dangling or unreadable link/.test(p)));
  assert.ok(!ix.files.has('bad/up/bad/latin1.c'), 'folder symlinks are not followed');
});

test('a folder that is not a kernel tree: a clear message, C files indexed anyway', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kpath-notkernel-'));
  writeFileSync(path.join(root, 'a.c'), 'int lonely(void) { return 1; }\n');
  const problems: string[] = [];
  const r = await buildIndex(root, { noCache: true, threads: 1, onProblem: (m) => problems.push(m) });
  assert.match(problems.join('\n'), /does not look like a Linux kernel tree/);
  assert.equal(r.index.functionsNamed('lonely').length, 1);
});

test('the CLI answers bad arguments with usage, not a stack trace', async () => {
  const lines: string[] = [];
  assert.equal(await main(['targets'], (s) => lines.push(s)), 2);
  assert.equal(await main(['frobnicate', FIXTURE], (s) => lines.push(s)), 2);
  assert.equal(await main(['index', path.join(FIXTURE, 'no-such-dir')], (s) => lines.push(s)), 2);
});

test('the CLI prints targets with evidence as JSON', async () => {
  const lines: string[] = [];
  const cache = mkdtempSync(path.join(os.tmpdir(), 'kpath-cli-'));
  const code = await main(['targets', FIXTURE, 'net/ipv4/af_inet.c:8', '--json', '--scope', 'all', '--cache', cache], (s) => lines.push(s));
  assert.equal(code, 0);
  const [site] = JSON.parse(lines.join('\n'));
  assert.equal(site.slot, 'proto.sendmsg');
  assert.equal(site.site.line, 8);
  const names = site.targets.map((t: { name: string }) => t.name);
  assert.deepEqual(
    names.slice(0, 2),
    ['tcp_sendmsg', 'udp_sendmsg'],
    'INDIRECT_CALL_2(f, tcp_sendmsg, udp_sendmsg) tests tcp_sendmsg first',
  );
  assert.ok(names.includes('raw_sendmsg'));
  const raw = site.targets.find((t: { name: string }) => t.name === 'raw_sendmsg');
  assert.deepEqual(
    [raw.evidence[0].file, raw.evidence[0].line],
    [
      'net/ipv4/udp.c',
      Number(
        readFileSync(path.join(FIXTURE, 'net/ipv4/udp.c'), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('raw_prot')) + 1,
      ),
    ],
  );
});

test('a file that cannot be read becomes a note, not an exception', async () => {
  const { parseFile } = await import('../../server/parse/parseFile');
  // As root every file is readable; a folder is opened, looked at and refused.
  const r = parseFile(FIXTURE, 'net');
  assert.equal(r.hash, '');
  assert.match(r.facts.notes.join(' '), /unreadable: a folder, not a regular file/);
  const missing = parseFile(FIXTURE, 'net/no-such-file.c');
  assert.match(missing.facts.notes.join(' '), /unreadable: ENOENT/);
});
