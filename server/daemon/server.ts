// The query daemon of one tree and scope (`kpath daemon run`, started by the first query command):
// it holds the index loaded and answers CLI queries over a Unix socket in the tree's cache folder,
// one at a time, with the CLI's own code (cli.ts answerQuery), so the text and --json are those
// of a command run in its own process. A lock file (O_EXCL, holding the pid) makes one daemon of
// two started at once; a lock or socket left by a daemon that died is replaced. It reloads when
// the index file changes (`kpath index` rewrote it) and exits after KPATH_DAEMON_IDLE seconds
// without a query.
import { closeSync, openSync, rmSync, statSync, chmodSync, writeSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { buildIndex, type IndexReport } from '../index/indexer';
import { applyConfig, type AppliedConfig } from '../config/choose';
import { sourceText } from '../parse/parseFile';
import type { Configure } from '../cli';
import { lockHolder } from './client';
import { idleSeconds, type DaemonPlace, type DaemonQuery, type DaemonReply, type DaemonRequest } from './place';

type Write = (s: string) => void;
export type Answer = (report: IndexReport, argv: string[], out: Write, err: Write, configure: Configure) => Promise<number>;

/** A lock just created has no pid yet for a moment: younger than this, its writer is taken to be alive. */
const FRESH_LOCK_MS = 2000;

/** Take the lock of `place`, or say who holds it. A lock whose process is gone is taken over. */
export function takeLock(lock: string): { ok: true } | { ok: false; holder: string } {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { ok: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = lockHolder(lock);
    if (pid !== undefined) return { ok: false, holder: `pid ${pid}` };
    let age = Infinity;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
      if (readFileSync(lock, 'utf8').trim() === '' && age < FRESH_LOCK_MS) return { ok: false, holder: 'a daemon starting' };
    } catch {
      /* gone meanwhile: try again */
    }
    rmSync(lock, { force: true });
  }
  return { ok: false, holder: 'another daemon (the lock changed hands while this one started)' };
}

/** A configuration applied again only when its file changed or the index was reloaded. */
function keptConfig(): Configure {
  // The index by a weak reference: a reloaded daemon's old index is not kept alive by this memo.
  let last: { ix: WeakRef<object>; key: string; applied: AppliedConfig | undefined } | undefined;
  return (ix, file) => {
    let key = '';
    if (file) {
      try {
        const st = statSync(file);
        key = `${file}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
      } catch {
        key = `${file}\0missing`;
      }
    }
    if (last && last.ix.deref() === ix && last.key === key && key !== `${file}\0missing`) return last.applied;
    const applied = applyConfig(ix, file, (rel) => sourceText(ix.root, rel));
    last = { ix: new WeakRef(ix), key, applied };
    return applied;
  };
}

/** The identity of a file's contents as rewritten by a rename: a changed index file is a new one. */
function stamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Run the daemon of `place` until it is idle, stopped or signalled; the exit status. */
export async function serveDaemon(
  place: DaemonPlace,
  scope: { include: string[]; exclude: string[] },
  answer: Answer,
  log: Write,
): Promise<number> {
  const say = (s: string): void => log(`${new Date().toISOString()} kpath daemon ${process.pid}: ${s}`);
  const lock = takeLock(place.lock);
  if (!lock.ok) {
    say(`not started: ${lock.holder} holds ${place.lock}`);
    return 0;
  }
  // The socket of a daemon that died (kill -9) is still a file: nobody else removes it while we hold the lock.
  rmSync(place.socket, { force: true });
  const home = process.cwd();
  const idleMs = idleSeconds() * 1000;
  const configure = keptConfig();
  let report: IndexReport | undefined;
  let loaded = '';
  let loading: Promise<void> | undefined;
  let queries = 0;
  let busy = 0;
  let idle: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const server = net.createServer();
  const stop = (why: string): void => {
    say(`exits: ${why}`);
    server.close();
    rmSync(place.socket, { force: true });
    if (lockHolder(place.lock) === process.pid) rmSync(place.lock, { force: true });
    process.exit(0);
  };
  const rest = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      if (busy === 0) stop(`no query for ${idleMs / 1000} s`);
    }, idleMs);
  };
  const load = (): Promise<void> => {
    loading ??= (async () => {
      report = undefined; // the old index goes before the new one is read: not two in memory at once
      const t0 = performance.now();
      const build = (): Promise<IndexReport> =>
        buildIndex(place.root, { include: scope.include, exclude: scope.exclude, cacheDir: place.cacheDir, onProblem: (m) => say(m) });
      let r: IndexReport | undefined = await build();
      // Files were parsed (an index cache of an older format, edited sources) and the cache rewritten: load
      // that again, so that the problems told with each answer are those a command's own process would
      // now meet ("cache format 20 is not 21" only once), and the index holds its facts lazily as loaded ones.
      if (r.parsed > 0) {
        r = undefined; // not two indexes in memory at once
        r = await build();
      }
      loaded = stamp(place.index);
      report = r;
      say(
        `index loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.files} files, ${r.parsed} parsed, cache ${r.cacheStatus})`,
      );
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  const query = async (q: DaemonQuery): Promise<DaemonReply> => {
    if (q.root !== place.root) return { type: 'elsewhere', why: `this daemon answers for ${place.root}, not ${q.root}` };
    const t0 = performance.now();
    try {
      if (!report || stamp(place.index) !== loaded) {
        if (report) say('the index file changed: loading it again');
        await load();
      }
    } catch (e) {
      // An index that cannot be loaded here is the command's own process to report.
      setImmediate(() => stop(`the index could not be loaded: ${(e as Error).message}`));
      return { type: 'elsewhere', why: `the daemon could not load the index: ${(e as Error).message}` };
    }
    const out: string[] = [];
    const err: string[] = [];
    // Files and --config named relative to the client's folder are read from there, as its own process would.
    process.chdir(q.cwd);
    try {
      const code = await answer(
        report!,
        q.argv,
        (s) => out.push(s),
        (s) => err.push(s),
        configure,
      );
      queries++;
      return { type: 'answer', out, err, code, pid: process.pid, ms: performance.now() - t0 };
    } finally {
      try {
        process.chdir(home);
      } catch {
        /* the cache folder went away: the socket check below ends this daemon */
      }
    }
  };

  const handle = async (req: DaemonRequest): Promise<DaemonReply> => {
    switch (req.type) {
      case 'status':
        return {
          type: 'status',
          pid: process.pid,
          root: place.root,
          index: place.index,
          state: report ? 'index loaded' : 'loading the index',
          queries,
          idleSeconds: idleMs / 1000,
        };
      case 'stop':
        setImmediate(() => stop('asked to stop'));
        return { type: 'stopping', pid: process.pid };
      case 'query': {
        // One query at a time: each changes the folder and may apply a configuration to the shared index.
        const next = chain.then(() => query(req));
        chain = next.catch(() => undefined);
        return next;
      }
    }
  };

  server.on('connection', (sock) => {
    busy++;
    clearTimeout(idle);
    let text = '';
    let done = false;
    const finish = (reply: DaemonReply): void => {
      if (done) return;
      done = true;
      sock.end(JSON.stringify(reply) + '\n');
      busy--;
      rest();
    };
    sock.on('error', () => finish({ type: 'elsewhere', why: 'the connection broke' }));
    sock.on('data', (d) => {
      text += d.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0 || done) return;
      let req: DaemonRequest;
      try {
        req = JSON.parse(text.slice(0, nl)) as DaemonRequest;
      } catch {
        finish({ type: 'elsewhere', why: 'a request that is not JSON' });
        return;
      }
      handle(req).then(finish, (e: Error) => finish({ type: 'elsewhere', why: `the daemon failed: ${e.message}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(place.socket, () => resolve());
  });
  chmodSync(place.socket, 0o600);
  // A socket removed or replaced (the cache folder deleted) reaches no client any more: exit rather than idle on.
  const inode = (): number | undefined => {
    try {
      return statSync(place.socket).ino;
    } catch {
      return undefined;
    }
  };
  const own = inode();
  setInterval(() => {
    if (inode() !== own) stop('its socket was removed');
  }, 10_000).unref();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => stop(sig));
  say(`listening on ${place.socket} for ${place.root}, exits after ${idleMs / 1000} s without a query`);
  rest();
  // Load at once: the query that started this daemon is waiting for it.
  load().catch((e: Error) => stop(`the index could not be loaded: ${e.message}`));
  await new Promise(() => undefined);
  return 0;
}
