// The CLI's command line as a careless or hostile user types it: a file named `./net/x.c` or by its
// absolute path is the same file; a file outside --scope says so and how to include it; a mistyped
// option is an error naming it; an empty --cache or KPATH_CACHE_DIR is refused; and random command
// lines always end, soon, with output or one line of error, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/cli';
import { closest, parseArgs, treeFile, UsageError } from '../../server/cliArgs';
import { seededRandom } from '../helpers/random';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'minikernel');
const PKT = path.join(__dirname, '..', 'fixtures', 'pkt', 'msg-eor.pkt');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kpath-cli-args-'));
// Whatever a command line leaves out, the cache goes here, not into ~/.cache.
process.env.KPATH_CACHE_DIR = path.join(tmp, 'cache');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err };
}

const usage = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UsageError && re.test(e.message));

test('options: an unknown one is an error naming it and the closest known one', () => {
  usage(() => parseArgs(['index', '/k', '--scop', 'net']), /^unknown option --scop \(did you mean --scope\?\)$/);
  usage(() => parseArgs(['index', '/k', '--frob']), /^unknown option --frob$/);
  usage(() => parseArgs(['path', '/k', '--frob', 'x']), /did you mean --from\?/);
  usage(() => parseArgs(['index', '/k', '-x']), /^unknown option -x$/);
  usage(() => parseArgs(['targets', '/k', 'a.c:1', '--from', 'x']), /--from does not apply to targets \(it is an option of path\)/);
  usage(() => parseArgs(['simulat', 'x.pkt']), /unknown command simulat \(did you mean simulate\?\)/);
  usage(() => parseArgs(['callers', '/k', 'f', 'g']), /unexpected argument g/);
  assert.equal(closest('qq', ['scope', 'cache']), undefined);
});

test('options: a value option needs a non-empty value; a boolean takes none', () => {
  usage(() => parseArgs(['index', '/k', '--cache=']), /^--cache is empty: it needs a folder$/);
  usage(() => parseArgs(['index', '/k', '--cache', '']), /--cache is empty/);
  usage(() => parseArgs(['index', '/k', '--cache']), /^--cache needs a folder$/);
  usage(() => parseArgs(['index', '/k', '--config', '--json']), /--config needs a file/);
  usage(() => parseArgs(['index', '/k', '--json=yes']), /--json takes no value/);
  const a = parseArgs(['targets', '/k', '--config=a=b.config', '--', '-odd.c:1']);
  assert.equal(a.flags.get('config'), 'a=b.config', 'a value keeps its own =');
  assert.deepEqual(a.positional, ['targets', '/k', '-odd.c:1'], 'after --, arguments are positional');
  // A list option given twice is both lists; another option twice with two values is an error.
  const twice = parseArgs(['send-path', '/k', '--branch', 'qdisc=noqueue', '--branch=netfilter=hooks', '--through', 'udp_sendmsg']);
  assert.equal(twice.flags.get('branch'), 'qdisc=noqueue,netfilter=hooks');
  usage(
    () => parseArgs(['send-path', '/k', '--family', 'ipv4', '--family', 'ipv6']),
    /^--family given twice \(ipv4, ipv6\): give it once$/,
  );
  assert.equal(parseArgs(['send-path', '/k', '--json', '--json']).flags.get('json'), true);
});

test('a file is the same file as ./file, as its absolute path, and from the folder above the tree', () => {
  assert.equal(treeFile(FIXTURE, './net/ipv4/af_inet.c'), 'net/ipv4/af_inet.c');
  assert.equal(treeFile(FIXTURE, 'net//ipv4/./af_inet.c'), 'net/ipv4/af_inet.c');
  assert.equal(treeFile(FIXTURE, path.join(FIXTURE, 'net/ipv4/af_inet.c')), 'net/ipv4/af_inet.c');
  assert.equal(treeFile(FIXTURE, path.relative(process.cwd(), path.join(FIXTURE, 'net/ipv4/af_inet.c'))), 'net/ipv4/af_inet.c');
  usage(() => treeFile(FIXTURE, '/etc/passwd'), /\/etc\/passwd is outside the tree/);
  usage(() => treeFile(FIXTURE, '../../../../../../../../etc/passwd'), /is outside the tree/);
});

test('targets: ./file and /abs/file find what file finds', async () => {
  const cache = ['--scope', 'all', '--cache', path.join(tmp, 'targets')];
  const plain = await run(['targets', FIXTURE, 'net/ipv4/af_inet.c:8', '--json', ...cache]);
  assert.equal(plain.code, 0);
  assert.equal(JSON.parse(plain.out).length, 1);
  for (const spec of ['./net/ipv4/af_inet.c:8', `${FIXTURE}/net/ipv4/af_inet.c:8`]) {
    const r = await run(['targets', FIXTURE, spec, '--json', ...cache]);
    assert.equal(r.code, 0, `${spec}: ${r.err.join('\n')}`);
    assert.equal(r.out, plain.out, spec);
  }
});

test('targets: a file outside --scope says so and gives the --scope that includes it', async () => {
  const r = await run(['targets', FIXTURE, 'net/core/socket.c:5', '--scope', 'net/ipv4', '--no-cache']);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.equal(r.err.length, 1, r.err.join('\n'));
  assert.match(
    r.err[0],
    /net\/core\/socket\.c is outside the indexed scope \(--scope net\/ipv4\); to include it: --scope net\/ipv4,net\/core \(or --scope all\)/,
  );
  const missing = await run(['targets', FIXTURE, 'net/core/nope.c:5', '--scope', 'net/ipv4', '--no-cache']);
  assert.match(missing.err.join('\n'), /net\/core\/nope\.c: no such file in /);
  const excluded = await run(['targets', FIXTURE, 'net/core/socket.c:5', '--exclude', 'net/core', '--no-cache']);
  assert.match(excluded.err.join('\n'), /left out by --exclude net\/core/);
});

test('an empty cache folder, from --cache= or KPATH_CACHE_DIR, is an error, not the current folder', async () => {
  const flag = await run(['index', FIXTURE, '--cache=']);
  assert.equal(flag.code, 2);
  assert.match(flag.err[0], /--cache is empty/);
  const saved = process.env.KPATH_CACHE_DIR;
  process.env.KPATH_CACHE_DIR = '';
  try {
    const env = await run(['index', FIXTURE]);
    assert.equal(env.code, 2);
    assert.match(env.err[0], /KPATH_CACHE_DIR is set but empty/);
    assert.equal((await run(['index', FIXTURE, '--no-cache', '--quiet'])).code, 0, '--no-cache does not need it');
  } finally {
    process.env.KPATH_CACHE_DIR = saved;
  }
});

test('simulate --tree with a folder that does not exist is an error', async () => {
  const r = await run(['simulate', PKT, '--tree', '/nonexistent']);
  assert.equal(r.code, 2);
  assert.deepEqual(r.err, ['kpath: --tree /nonexistent: not a folder; see kpath --help']);
  // The options of the index are simulate's too: they are not passed on as unknown ones.
  const ok = await run(['simulate', PKT, '--tree', FIXTURE, '--scope', 'all', '--json']);
  assert.notEqual(ok.code, 2, ok.err.join('\n'));
  assert.equal(JSON.parse(ok.out).file, PKT);
});

// ---- Fuzz: random command lines from a vocabulary, with a fixed seed ----

const COMMANDS = ['index', 'targets', 'callers', 'callees', 'path', 'send-path', 'unresolved', 'simulate', 'help', 'frob', ''];
// Options that write (--cache, --pcap) only ever name a temporary folder; the rest read or print.
const OPTIONS = [
  '--json',
  '--quiet',
  '--all',
  '--no-cache',
  '--no-config',
  '--help',
  '-h',
  '--ethernet',
  '--scope',
  '--scope=all',
  '--scope=net/ipv4',
  '--exclude',
  '--config',
  '--from',
  '--to',
  '--via',
  '--family',
  '--through',
  '--limit',
  '--tree',
  `--cache=${path.join(tmp, 'fuzz')}`,
  `--pcap=${path.join(tmp, 'fuzz.pcap')}`,
  '--cache=',
  '--scop',
  '--frob',
  '--json=1',
  '--limit=-3',
  '-x',
  '--',
];
const VALUES = [
  FIXTURE,
  `${FIXTURE}/`,
  '/nonexistent',
  path.join(FIXTURE, 'net/ipv4/af_inet.c'),
  'net/ipv4/af_inet.c:8',
  './net/ipv4/af_inet.c:8',
  `${FIXTURE}/net/ipv4/af_inet.c:8`,
  'net/ipv4/af_inet.c:0',
  'net/ipv4/af_inet.c:8:99',
  'net/none.c:3',
  '../../etc/passwd:1',
  'Kbuild:1',
  'x:y',
  ':',
  'tcp_sendmsg',
  'inet_sendmsg',
  'nope',
  '',
  ' ',
  '-',
  '8',
  '-1',
  'ipv4',
  'ipv6',
  'all',
  'net',
  ',',
  'a,b',
  PKT,
  'é\u0000x',
  '%s%n',
];

test('fuzz: 300 random command lines each end within 20 s with output or one line of error, never a stack trace', async () => {
  const rnd = seededRandom(15);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let answered = 0;
  for (let i = 0; i < 300; i++) {
    // Mostly a command and its tree (or script), so that most lines get as far as an answer.
    const cmd = pick(COMMANDS);
    const argv: string[] = rnd() < 0.9 ? [cmd, rnd() < 0.7 ? (cmd === 'simulate' ? PKT : FIXTURE) : pick(VALUES)] : [];
    const n = Math.floor(rnd() * 4);
    for (let k = 0; k < n; k++) argv.push(rnd() < 0.5 ? pick(OPTIONS) : pick(VALUES));
    const what = `case ${i}: kpath ${argv.map((x) => JSON.stringify(x)).join(' ')}`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still running after 20 s`)), 20_000);
    });
    const r = await Promise.race([run(argv), timeout]).finally(() => clearTimeout(timer));
    assert.ok([0, 1, 2].includes(r.code), `${what}: exit ${r.code}`);
    const all = [r.out, ...r.err].join('\n');
    assert.doesNotMatch(all, /^\s+at .+:\d+:\d+\)?$/m, `${what}: a stack trace\n${all}`);
    assert.ok(
      r.err.every((l) => !l.includes('\n')),
      `${what}: an error over several lines\n${r.err.join('\n')}`,
    );
    answered += r.out === '' ? 0 : 1;
    if (r.out === '') assert.ok(r.err.length > 0 && /^kpath/.test(r.err[r.err.length - 1]), `${what}: no output and no error`);
  }
  assert.ok(answered >= 40, `only ${answered} of 300 command lines got as far as an answer: the vocabulary tests nothing`);
  // The fixture tree is read, never written.
  assert.match(readFileSync(path.join(FIXTURE, 'net/ipv4/af_inet.c'), 'utf8'), /inet_sendmsg/);
});
