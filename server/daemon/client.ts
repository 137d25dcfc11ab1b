// The CLI's side of the query daemon (the gopls `-remote=auto` pattern): a query command asks the
// tree's daemon over its Unix socket; when none answers it starts one (detached, logging to a file
// in the cache folder) and asks again once it listens. The daemon keeps the index loaded, so a
// query costs a process start and a socket round trip instead of a warm load of the whole index.
// Nothing here loads the index or the parser: this runs before the CLI knows whether it needs them.
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { checkCacheEnv, list, parseArgs, str, treeFolder, type Args } from '../cliArgs';
import { INDEX_NODE_FLAGS } from '../nodeFlags';
import { pidAlive } from '../pidAlive';
import { daemonOff, daemonPlace, type DaemonPlace, type DaemonReply, type DaemonRequest } from './place';

/** The commands a daemon answers: those that only read the index. */
const QUERIES = new Set(['targets', 'callers', 'callees', 'path', 'send-path', 'recv-path', 'unresolved']);

/** How long a new daemon may take to listen (a node start and the CLI's bundle, on a loaded machine). */
const START_MS = 20_000;

type Write = (s: string) => void;

/** One request, one reply; rejects when nothing listens on `socket` or the daemon goes away before it replies. */
export function ask(socket: string, req: DaemonRequest): Promise<DaemonReply> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socket);
    const chunks: Buffer[] = [];
    c.on('connect', () => c.write(JSON.stringify(req) + '\n'));
    c.on('data', (d) => chunks.push(d));
    c.on('error', reject);
    c.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text) as DaemonReply);
      } catch {
        reject(new Error(text ? 'the daemon sent a broken reply' : 'the daemon closed the connection without a reply'));
      }
    });
  });
}

/** The place of the daemon a command line names (its tree and index options). */
export function placeOf(a: Args, treeArg: string | undefined): DaemonPlace {
  return daemonPlace(treeFolder(treeArg), list(a, 'scope'), list(a, 'exclude'), str(a, 'cache'));
}

/** Start the daemon of `place`, detached from this process: it outlives the command that starts it. `exited` says whether it has exited already. */
export function startDaemon(place: DaemonPlace, script: string): { exited: () => boolean } {
  const log = openSync(place.log, 'a');
  let exited = false;
  try {
    const child = spawn(process.execPath, [...INDEX_NODE_FLAGS, ...process.execArgv, script, 'daemon', 'run', ...place.args], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: place.cacheDir,
    });
    child.on('exit', () => (exited = true));
    child.unref();
  } finally {
    closeSync(log);
  }
  return { exited: () => exited };
}

/**
 * Ask until a daemon listens: the one just started, or the one another command started at the same
 * time, which holds the lock ours found taken. Once ours has exited and no live process holds the
 * lock, nothing is coming.
 */
async function askWhenUp(place: DaemonPlace, req: DaemonRequest, started: { exited: () => boolean }): Promise<DaemonReply | undefined> {
  const until = Date.now() + START_MS;
  for (;;) {
    try {
      return await ask(place.socket, req);
    } catch {
      if (Date.now() > until || (started.exited() && lockHolder(place.lock) === undefined)) return undefined;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * Answer a query command through the tree's daemon, starting one if needed; undefined when the
 * command runs in its own process instead: not a query, `--no-daemon`, `--no-cache`,
 * KPATH_NO_DAEMON, a command line with a mistake (its own process says which), no index built yet
 * (the first build shows its progress), or no daemon that could answer.
 */
export async function viaDaemon(argv: string[], out: Write, err: Write, script: string = process.argv[1]): Promise<number | undefined> {
  const debug = (s: string): void => {
    if (process.env.KPATH_DEBUG) err(`kpath: ${s}`);
  };
  let place: DaemonPlace;
  try {
    const a = parseArgs(argv);
    const [cmd, tree] = a.positional;
    if (!QUERIES.has(cmd) || a.flags.has('help') || a.flags.has('no-daemon') || a.flags.has('no-cache') || daemonOff()) return undefined;
    checkCacheEnv(a);
    place = placeOf(a, tree);
    if (!existsSync(place.index)) return undefined;
  } catch {
    return undefined;
  }
  const t0 = performance.now();
  const req: DaemonRequest = { type: 'query', argv, cwd: process.cwd(), root: place.root };
  let reply = await ask(place.socket, req).catch(() => undefined);
  if (!reply) {
    debug(`starting a daemon for ${place.root} (log: ${place.log})`);
    reply = await askWhenUp(place, req, startDaemon(place, script));
  }
  if (reply?.type !== 'answer') {
    debug(`the daemon did not answer (${reply?.type === 'elsewhere' ? reply.why : 'no daemon listens'}): answering in this process`);
    return undefined;
  }
  for (const line of reply.err) err(line);
  for (const line of reply.out) out(line);
  debug(`answered by daemon ${reply.pid} in ${reply.ms.toFixed(0)} ms (${(performance.now() - t0).toFixed(0)} ms with the round trip)`);
  return reply.code;
}

/** The pid a lock file names, if that process is alive. */
export function lockHolder(lock: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (!pidAlive(pid)) return undefined;
  // On Linux, what /proc says: a daemon killed -9 is a zombie until it is reaped (a container's init
  // may take its time), and after a reboot its pid may be another program's.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/s.test(stat)) return undefined;
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('daemon')) return undefined;
  } catch {
    /* no /proc: kill(0) is all there is */
  }
  return pid;
}

/** `kpath daemon stop|status <tree>`: stop the tree's daemon, or say whether one runs and what it holds. */
export async function daemonCommand(a: Args, out: Write): Promise<number> {
  const [, action, tree] = a.positional;
  const place = placeOf(a, tree);
  const reply = await ask(place.socket, { type: action === 'stop' ? 'stop' : 'status' }).catch(() => undefined);
  if (!reply) {
    out(`no daemon runs for ${place.root}${action === 'stop' ? '' : ` (one starts at the first query once the tree is indexed)`}`);
    return action === 'stop' ? 0 : 1;
  }
  if (reply.type === 'stopping') out(`stopped the daemon of ${place.root} (pid ${reply.pid})`);
  else if (reply.type === 'status')
    out(
      `daemon pid ${reply.pid} for ${reply.root}: ${reply.state}, ${reply.queries} queries answered, exits after ${reply.idleSeconds} s without one\n` +
        `  index ${reply.index}\n  socket ${place.socket}\n  log ${place.log}`,
    );
  return 0;
}
