// Where a tree's cache lives: its folder and the index file of a scope. Apart from cache.ts so that
// the CLI's small entry (cliEntry.ts) finds a tree's daemon without loading the cache reader.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A cache folder that cannot be used: empty, or under a system folder. The message is one line for the user. */
export class CacheDirError extends Error {}

/** Folders of the kernel's own making: nothing can be stored there, and mkdir under /proc retries for ever. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** The deepest existing folder of `dir`, resolved through symlinks (`~/x` -> `/proc/self` is caught). */
function realAncestor(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      return realpathSync(d);
    } catch {
      if (path.dirname(d) === d) return d;
    }
  }
}

/** `dir` made absolute, or CacheDirError when it is empty or under /proc, /sys or /dev. `what` names it in the message. */
export function checkCacheDir(dir: string, what: string): string {
  if (dir.trim() === '')
    throw new CacheDirError(`${what} is empty: name a folder, or leave it unset for the default (~/.cache/kpath/index)`);
  const abs = path.resolve(dir);
  const under = (p: string): string | undefined => SYSTEM_FOLDERS.find((s) => p === s || p.startsWith(s + '/'));
  const system = under(abs) ?? under(realAncestor(abs));
  if (system) throw new CacheDirError(`${what} ${dir} is under ${system}, where no cache can be written: name another folder`);
  return abs;
}

/**
 * The cache folder of a tree: `given` (`--cache`, `kpath.cacheDir`) as it is, else
 * `$KPATH_CACHE_DIR/<tree>-<hash>`, else `~/.cache/kpath/index/<tree>-<hash>`. Throws CacheDirError
 * for an empty folder or one under a system folder (see checkCacheDir).
 */
export function cacheDirFor(root: string, given?: string): string {
  if (given !== undefined) return checkCacheDir(given, 'the cache folder');
  const env = process.env.KPATH_CACHE_DIR;
  const base = env !== undefined ? checkCacheDir(env, 'KPATH_CACHE_DIR') : path.join(os.homedir(), '.cache', 'kpath', 'index');
  const id = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 12);
  return path.join(base, `${path.basename(path.resolve(root))}-${id}`);
}

/** The default cache folder of a tree (no `--cache`). */
export function defaultCacheDir(root: string): string {
  return cacheDirFor(root);
}

export function cacheFile(dir: string, scopeKey: string): string {
  return path.join(dir, `index-${scopeKey}.jsonl`);
}
