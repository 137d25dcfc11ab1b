// The query daemon (server/daemon/), through the bundled `kpath` as a person runs it, on the fixture
// tree: a query of an indexed tree starts a daemon and later ones are answered by it (KPATH_DEBUG
// names the daemon that answered), with the same output and status as `--no-daemon`; two commands
// started at once make one daemon; a daemon killed -9 is replaced; a rewritten index is reloaded;
// an idle daemon exits; `kpath daemon stop` stops it. Each test has a cache folder of its own.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliJs, ensureCli, repo } from '../helpers/cli';
import { daemonPlace } from '../../server/daemon/place';

const FIXTURE = path.join(repo, 'test', 'fixtures', 'minikernel');
ensureCli();

interface Run {
  code: number;
  out: string;
  err: string;
  /** The pid of the daemon that answered, from the KPATH_DEBUG line; undefined when the command answered itself. */
  daemon?: number;
  started: boolean;
}

const folders: string[] = [];
const tmp = (what: string): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), `kpath-daemon-${what}-`));
  folders.push(d);
  return d;
};

/** Run `kpath` with the daemon on (KPATH_NO_DAEMON unset), the debug lines taken out of stderr. */
function kpath(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, KPATH_DEBUG: '1' };
  delete env.KPATH_NO_DAEMON;
  delete env.KPATH_CACHE_DIR;
  Object.assign(env, opts.env);
  return new Promise((resolve) => {
    execFile(process.execPath, [cliJs, ...args], { cwd: opts.cwd ?? repo, env, timeout: 60_000 }, (e, out, err) => {
      const debug = err.split('\n').filter((l) => /^kpath: (answered by daemon|starting a daemon|the daemon did not answer)/.test(l));
      const m = debug.map((l) => /answered by daemon (\d+)/.exec(l)).find(Boolean);
      resolve({
        code: e ? ((e as { code?: number }).code ?? 1) : 0,
        out,
        err: err
          .split('\n')
          .filter((l) => !debug.includes(l))
          .join('\n'),
        daemon: m ? Number(m[1]) : undefined,
        started: debug.some((l) => l.startsWith('kpath: starting a daemon')),
      });
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cache folder with the fixture's net-scope index built (the daemon starts only for a tree indexed before). */
async function indexed(tree = FIXTURE): Promise<string> {
  const cache = tmp('cache');
  const r = await kpath(['index', tree, '--cache', cache, '--quiet']);
  assert.equal(r.code, 0, r.err);
  return cache;
}

const lineOf = (tree: string, rel: string, needle: string): number =>
  readFileSync(path.join(tree, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle)) + 1;

describe('query daemon', () => {
  const caches: string[] = [];
  after(async () => {
    for (const c of caches) await kpath(['daemon', 'stop', FIXTURE, '--cache', c]);
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });

  test('a second query is answered by the daemon the first one started, as its own process would answer', async () => {
    const cache = await indexed();
    caches.push(cache);
    const site = lineOf(FIXTURE, 'net/ipv4/af_inet.c', 'sk->sk_prot->sendmsg');
    assert.ok(site > 0);
    const c = ['--cache', cache];
    const first = await kpath(['targets', FIXTURE, `net/ipv4/af_inet.c:${site}`, ...c, '--json']);
    assert.ok(first.started, 'the first query starts a daemon');
    assert.ok(first.daemon, `the first query is answered by the daemon it started: ${first.err}`);
    const queries = [
      ['targets', FIXTURE, `net/ipv4/af_inet.c:${site}`, '--json'],
      ['targets', FIXTURE, `net/ipv4/af_inet.c:${site}`],
      ['callers', FIXTURE, 'inet_sendmsg'],
      ['callees', FIXTURE, 'inet_sendmsg', '--json'],
      ['path', FIXTURE, '--from', '__sys_sendto', '--to', 'tcp_sendmsg'],
      ['send-path', FIXTURE, '--json'],
      ['unresolved', FIXTURE, '--json'],
      ['callers', FIXTURE, 'no_such_function'],
      ['targets', FIXTURE, 'net/ipv4/nowhere.c:3'],
      ['targets', FIXTURE, 'net/ipv4/af_inet.c'],
    ];
    for (const q of queries) {
      const via = await kpath([...q, ...c]);
      const own = await kpath([...q, ...c, '--no-daemon']);
      const what = q.join(' ');
      assert.equal(via.daemon, first.daemon, `${what}: answered by the same daemon (${via.err})`);
      assert.equal(own.daemon, undefined, `${what} --no-daemon answers in its own process`);
      assert.deepEqual([via.code, via.out, via.err], [own.code, own.out, own.err], what);
    }
    // The answers are real ones: the targets of the INDIRECT_CALL_2 site include both named functions.
    const rows = JSON.parse((await kpath(queries[0].concat(c))).out) as { targets: { name: string }[] }[];
    assert.ok(['tcp_sendmsg', 'udp_sendmsg'].every((n) => rows[0].targets.some((t) => t.name === n)));
    // A file named from another folder, as the client's own process reads it.
    const rel = path.relative(path.dirname(FIXTURE), path.join(FIXTURE, 'net/ipv4/af_inet.c'));
    const q = ['targets', path.basename(FIXTURE), `${rel}:${site}`, ...c];
    const fromParent = await kpath(q, { cwd: path.dirname(FIXTURE) });
    const ownParent = await kpath([...q, '--no-daemon'], { cwd: path.dirname(FIXTURE) });
    assert.equal(fromParent.daemon, first.daemon);
    assert.deepEqual([fromParent.code, fromParent.out, fromParent.err], [ownParent.code, ownParent.out, ownParent.err]);
    assert.equal(fromParent.code, 0, fromParent.err);
  });

  test('KPATH_NO_DAEMON and --no-cache answer in their own process and start no daemon', async () => {
    const cache = await indexed();
    caches.push(cache);
    const place = daemonPlace(FIXTURE, undefined, undefined, cache);
    const env = await kpath(['callers', FIXTURE, 'inet_sendmsg', '--cache', cache], { env: { KPATH_NO_DAEMON: '1' } });
    const noCache = await kpath(['callers', FIXTURE, 'inet_sendmsg', '--no-cache', '--cache', cache]);
    assert.equal(env.code, 0, env.err);
    assert.equal(noCache.code, 0, noCache.err);
    assert.equal(env.daemon ?? noCache.daemon, undefined);
    assert.ok(!existsSync(place.socket) && !existsSync(place.lock), 'no daemon was started');
  });

  test('a tree never indexed is indexed by the command itself, not by a daemon', async () => {
    const cache = tmp('cold');
    const r = await kpath(['callers', FIXTURE, 'inet_sendmsg', '--cache', cache]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.daemon, undefined);
    assert.ok(!r.started);
  });

  test('two commands started at once make one daemon', async () => {
    const cache = await indexed();
    caches.push(cache);
    const both = await Promise.all([1, 2].map(() => kpath(['callers', FIXTURE, 'inet_sendmsg', '--cache', cache])));
    assert.ok(both[0].daemon && both[1].daemon, `both answered by a daemon: ${both.map((b) => b.err).join(' | ')}`);
    assert.equal(both[0].daemon, both[1].daemon);
    assert.equal(both[0].out, both[1].out);
    const log = readFileSync(daemonPlace(FIXTURE, undefined, undefined, cache).log, 'utf8');
    assert.equal(log.match(/listening on/g)?.length, 1, log);
  });

  test('a daemon killed -9 leaves a socket and a lock that the next query replaces', async () => {
    const cache = await indexed();
    caches.push(cache);
    const place = daemonPlace(FIXTURE, undefined, undefined, cache);
    const first = await kpath(['callees', FIXTURE, 'inet_sendmsg', '--cache', cache]);
    assert.ok(first.daemon);
    process.kill(first.daemon, 'SIGKILL');
    await until('the daemon is dead', () => !alive(first.daemon!));
    assert.ok(existsSync(place.socket) && existsSync(place.lock), 'kill -9 left the socket and the lock');
    const next = await kpath(['callees', FIXTURE, 'inet_sendmsg', '--cache', cache]);
    assert.ok(next.started);
    assert.ok(next.daemon && next.daemon !== first.daemon, `a new daemon answered: ${next.err}`);
    assert.deepEqual([next.code, next.out], [first.code, first.out]);
    assert.equal(readFileSync(place.lock, 'utf8').trim(), String(next.daemon));
  });

  test('the daemon reloads an index file that `kpath index` rewrote', async () => {
    const tree = path.join(tmp('tree'), 'minikernel');
    cpSync(FIXTURE, tree, { recursive: true });
    const cache = await indexed(tree);
    const before = await kpath(['callers', tree, 'kpath_daemon_added', '--cache', cache]);
    assert.ok(before.daemon);
    assert.equal(before.code, 1);
    appendFileSync(
      path.join(tree, 'net/ipv4/af_inet.c'),
      '\nint kpath_daemon_added(void) { return 0; }\nint kpath_daemon_caller(void) { return kpath_daemon_added(); }\n',
    );
    assert.equal((await kpath(['index', tree, '--cache', cache, '--quiet'])).code, 0);
    const after = await kpath(['callers', tree, 'kpath_daemon_added', '--cache', cache]);
    assert.equal(after.daemon, before.daemon, 'the same daemon answers');
    assert.equal(after.code, 0, after.err);
    assert.match(after.out, /kpath_daemon_caller/);
    await kpath(['daemon', 'stop', tree, '--cache', cache]);
  });

  test('an idle daemon exits and removes its socket and lock; `daemon stop` stops one', async () => {
    const cache = await indexed();
    caches.push(cache);
    const place = daemonPlace(FIXTURE, undefined, undefined, cache);
    const r = await kpath(['callers', FIXTURE, 'inet_sendmsg', '--cache', cache], { env: { KPATH_DAEMON_IDLE: '1' } });
    assert.ok(r.daemon);
    await until('the idle daemon exits', () => !alive(r.daemon!));
    assert.ok(!existsSync(place.socket) && !existsSync(place.lock));
    assert.match(readFileSync(place.log, 'utf8'), /exits: no query for 1 s/);

    const again = await kpath(['callers', FIXTURE, 'inet_sendmsg', '--cache', cache]);
    assert.ok(again.daemon && again.daemon !== r.daemon);
    const status = await kpath(['daemon', 'status', FIXTURE, '--cache', cache]);
    assert.equal(status.code, 0);
    assert.match(status.out, new RegExp(`^daemon pid ${again.daemon} for ${FIXTURE}: index loaded, `));
    const stop = await kpath(['daemon', 'stop', FIXTURE, '--cache', cache]);
    assert.equal(stop.out, `stopped the daemon of ${FIXTURE} (pid ${again.daemon})\n`);
    await until('the stopped daemon exits', () => !alive(again.daemon!));
    const none = await kpath(['daemon', 'status', FIXTURE, '--cache', cache]);
    assert.equal(none.code, 1);
    assert.match(none.out, /^no daemon runs for /);
  });
});
