// The one-shot query of a person at a shell: `kpath targets <tree> net/socket.c:<line>` in a fresh
// process, answered by the tree's query daemon (server/daemon/), beside a bare `node -e 0`, the
// same query answered in its own process (`--no-daemon`: a warm load of the index), and GNU
// global's `global -x` on the same folders (its database built first, not timed here).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type Row = (what: string, value: string, target?: string) => void;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds of one run; throws with its stderr when it fails. */
function timed(cmd: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr?.slice(-300)}`);
  return { ms, out: r.stdout };
}

export function oneShot(cli: string, tree: string, cache: string, folders: string[], row: Row): void {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KPATH_NO_DAEMON;
  delete env.KPATH_DEBUG;
  const line =
    readFileSync(path.join(tree, 'net/socket.c'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('READ_ONCE(sock->ops)->sendmsg')) + 1;
  if (line === 0) {
    row('one-shot query through the daemon', 'not run (no READ_ONCE(sock->ops)->sendmsg in net/socket.c)');
    return;
  }
  const query = [cli, 'targets', tree, `net/socket.c:${line}`, '--cache', cache];
  const kpath = (extra: string[] = []) => timed(process.execPath, [...query, ...extra], { env });
  try {
    const first = kpath();
    row(`first query: starts the daemon, which loads the index (targets net/socket.c:${line})`, `${(first.ms / 1000).toFixed(1)} s`);
    const daemon: number[] = [];
    const bare: number[] = [];
    // Alternated, so that a busy moment of the machine falls on both.
    for (let i = 0; i < 7; i++) {
      const r = kpath();
      if (r.out !== first.out) throw new Error('the daemon answered differently from its first answer');
      daemon.push(r.ms);
      bare.push(timed(process.execPath, ['-e', '0'], { env }).ms);
    }
    const [d, n] = [median(daemon), median(bare)];
    row(
      'one-shot query in a fresh process, answered by the daemon',
      `${d.toFixed(0)} ms median of 7 = ${(d / n).toFixed(1)}× node -e 0 (${n.toFixed(0)} ms)`,
      '≤ 8× node -e 0',
    );
    const own = kpath(['--no-daemon']);
    if (own.out !== first.out) throw new Error('--no-daemon answered differently from the daemon');
    row('the same query in its own process (--no-daemon: warm load of the index)', `${(own.ms / 1000).toFixed(1)} s`);
  } catch (e) {
    row('one-shot query through the daemon', `failed (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  } finally {
    spawnSync(process.execPath, [cli, 'daemon', 'stop', tree, '--cache', cache], { env });
  }

  const db = mkdtempSync(path.join(os.tmpdir(), 'kpath-bench-global-'));
  try {
    const list = path.join(db, 'files.txt');
    const files = spawnSync('find', [...folders, '-name', '*.[ch]'], { cwd: tree, encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
    writeFileSync(list, files);
    timed('gtags', ['-f', list, db], { cwd: tree, env });
    const genv = { ...env, GTAGSROOT: path.resolve(tree), GTAGSDBPATH: db };
    const runs = [0, 1, 2, 3, 4, 5, 6].map(() => timed('global', ['-x', 'sock_sendmsg'], { cwd: tree, env: genv }));
    if (!runs[0].out.includes('sock_sendmsg')) throw new Error('global -x found no sock_sendmsg');
    row(
      'global -x sock_sendmsg in a fresh process (GNU global, same folders)',
      `${median(runs.map((r) => r.ms)).toFixed(0)} ms median of 7`,
      'baseline, no function pointers',
    );
  } catch (e) {
    row('global -x sock_sendmsg', `not run (${(e as Error).message.split('\n')[0].slice(0, 80)})`);
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
}
