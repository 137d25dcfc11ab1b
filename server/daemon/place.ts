// Where a tree's query daemon lives: its socket, lock and log sit in the tree's cache folder, named
// by the scope's key, so that one daemon answers for one index file (the tree, the cache folder
// and the folders indexed make its identity; a configuration is given with each query).
// Light on purpose: the CLI's entry reads this before it knows whether it needs the index at all.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDirFor, cacheFile } from '../index/cacheDir';
import { resolveScope, scopeKey } from '../index/scopeKey';

export interface DaemonPlace {
  /** The tree, absolute (as buildIndex names its root). */
  root: string;
  cacheDir: string;
  /** The index file the daemon loads: no daemon is started until it exists. */
  index: string;
  socket: string;
  lock: string;
  log: string;
  /** What `kpath daemon run` is given to be this daemon. */
  args: string[];
}

/** Longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL), with a margin. */
const MAX_SOCKET_PATH = 100;

/** The daemon of a tree for `--scope`, `--exclude` and `--cache` as given (undefined: not given). */
export function daemonPlace(
  tree: string,
  scope: string[] | undefined,
  exclude: string[] | undefined,
  cache: string | undefined,
): DaemonPlace {
  const root = path.resolve(tree);
  const cacheDir = cacheDirFor(root, cache);
  const key = scopeKey(resolveScope(scope ?? ['net']), exclude ?? []);
  const base = path.join(cacheDir, `daemon-${key}`);
  // A deep --cache folder would make a socket path the kernel refuses: then it goes to the temporary folder, named by its place.
  const socket =
    `${base}.sock`.length <= MAX_SOCKET_PATH
      ? `${base}.sock`
      : path.join(os.tmpdir(), `kpath-${createHash('sha1').update(base).digest('hex').slice(0, 16)}.sock`);
  return {
    root,
    cacheDir,
    index: cacheFile(cacheDir, key),
    socket,
    lock: `${base}.lock`,
    log: `${base}.log`,
    args: [root, '--cache', cacheDir, ...(scope ? ['--scope', scope.join(',')] : []), ...(exclude ? ['--exclude', exclude.join(',')] : [])],
  };
}

/** Seconds a daemon waits for a query before it exits: KPATH_DAEMON_IDLE, else 10 minutes. */
export function idleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.KPATH_DAEMON_IDLE);
  return env.KPATH_DAEMON_IDLE && Number.isFinite(v) && v > 0 ? v : 600;
}

/** KPATH_NO_DAEMON set (and not 0): every query runs in its own process, as `--no-daemon` does. */
export const daemonOff = (env: NodeJS.ProcessEnv = process.env): boolean => !!env.KPATH_NO_DAEMON && env.KPATH_NO_DAEMON !== '0';

/** A query sent to a daemon: one JSON line; the answer is one JSON line too. */
export interface DaemonQuery {
  type: 'query';
  argv: string[];
  /** The client's folder: relative files and --config are read from there, as in its own process. */
  cwd: string;
  root: string;
}
export type DaemonRequest = DaemonQuery | { type: 'status' } | { type: 'stop' };
export type DaemonReply =
  | { type: 'answer'; out: string[]; err: string[]; code: number; pid: number; ms: number }
  /** Not this daemon's to answer (another tree under the same --cache): the client answers itself. */
  | { type: 'elsewhere'; why: string }
  | { type: 'status'; pid: number; root: string; index: string; state: string; queries: number; idleSeconds: number }
  | { type: 'stopping'; pid: number };
