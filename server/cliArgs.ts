// The CLI's arguments: every option is known, with the commands it applies to and the value it
// takes, so that a typo (`--scop net`) is an error naming the option instead of an answer for
// another scope; and files named on the command line, which become tree-relative paths as the
// index names them (`./net/x.c`, `/abs/tree/net/x.c` and `net/x.c` are one file).
import { existsSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { insideTree } from './treePath';

/** A bad command line: printed as one line, exit status 2. */
export class UsageError extends Error {}

/** The options that decide what is indexed and how answers are printed. */
const INDEX = ['scope', 'exclude', 'cache', 'no-cache', 'config', 'no-config', 'all', 'json', 'quiet'];
/** A query, answered by the tree's daemon unless `--no-daemon` (see daemon/client.ts). */
const QUERY = [...INDEX, 'no-daemon'];
/** The positional arguments of each command (after its name), and the options it takes. */
export const COMMANDS: Record<string, { positional: number; options: string[] }> = {
  index: { positional: 1, options: [...INDEX, 'no-outside'] },
  targets: { positional: 2, options: QUERY },
  callers: { positional: 2, options: QUERY },
  callees: { positional: 2, options: QUERY },
  path: { positional: 1, options: [...QUERY, 'from', 'to', 'via'] },
  'send-path': { positional: 1, options: [...QUERY, 'family', 'through', 'branch'] },
  'recv-path': { positional: 1, options: [...QUERY, 'family', 'through', 'branch'] },
  unresolved: { positional: 1, options: [...QUERY, 'limit'] },
  simulate: { positional: 1, options: ['tree', 'pcap', 'ethernet', 'json', 'ip_version', 'scope', 'exclude', 'cache', 'quiet'] },
  mcp: { positional: 1, options: ['scope', 'exclude', 'cache', 'no-cache', 'config', 'no-config', 'quiet'] },
  scip: { positional: 1, options: ['scope', 'exclude', 'cache', 'no-cache', 'out', 'quiet'] },
  daemon: { positional: 2, options: ['scope', 'exclude', 'cache', 'quiet'] },
  help: { positional: 1, options: [] },
};

/** What each option's value is (said when it is missing), or null for an option without a value. */
const VALUE: Record<string, string | null> = {
  scope: 'net, all or folders (dir,dir)',
  exclude: 'folders (dir,dir)',
  cache: 'a folder',
  config: 'a file: a .config, or a config shipped as .xz or .gz',
  from: 'a function',
  to: 'a function',
  via: 'functions (fn,fn)',
  family: 'ipv4 or ipv6',
  through: 'functions (fn,fn)',
  branch: 'branch=option (qdisc=noqueue,netfilter=hooks)',
  limit: 'a whole number',
  tree: 'a kernel tree (a folder)',
  pcap: 'a file to write',
  ip_version: "ipv4, ipv6 or ipv4-mapped-ipv6 (packetdrill's --ip_version)",
  out: 'a file to write (index.scip)',
  'no-cache': null,
  'no-outside': null,
  'no-config': null,
  'no-daemon': null,
  all: null,
  json: null,
  quiet: null,
  ethernet: null,
  help: null,
};

/** The options whose value is a comma-separated list. */
const LISTS = new Set(['scope', 'exclude', 'via', 'through', 'branch']);

export interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Edit distance, for "did you mean": options are short, so the plain table is cheap. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** The known name closest to `name` (a prefix of it, or at most two edits away), if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined,
    score = Infinity;
  for (const k of known) {
    const d = k.startsWith(name) && name.length >= 2 ? 0.5 : distance(name, k);
    if (d < score) {
      score = d;
      best = k;
    }
  }
  return score <= Math.min(2, Math.floor(name.length / 2)) ? best : undefined;
}

/**
 * Read argv: `--opt value`, `--opt=value`, booleans, `-h`, and `--` before positional arguments
 * that start with `-`. Every option must be known and apply to the command; a value option needs a
 * non-empty value. Throws UsageError saying which option is wrong and what was meant.
 */
export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const unknown: string[] = [];
  let rest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (rest || a === '-' || !a.startsWith('-')) {
      positional.push(a);
      continue;
    }
    if (a === '--') {
      rest = true;
      continue;
    }
    if (a === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!a.startsWith('--')) {
      unknown.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (!(name in VALUE)) {
      unknown.push(`--${name}`);
      continue;
    }
    const what = VALUE[name];
    if (what === null) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : undefined;
    if (value === undefined) throw new UsageError(`--${name} needs ${what}`);
    if (value.trim() === '') throw new UsageError(`--${name} is empty: it needs ${what}`);
    const before = flags.get(name);
    // A list option given twice means both lists (`--branch a=x --branch b=y`); any other, twice with
    // two values, is a mistake that must not be settled silently by taking the last.
    if (typeof before === 'string' && before !== value) {
      if (!LISTS.has(name)) throw new UsageError(`--${name} given twice (${before}, ${value}): give it once`);
      flags.set(name, `${before},${value}`);
    } else flags.set(name, value);
  }
  const cmd = positional[0];
  const spec = cmd !== undefined ? COMMANDS[cmd] : undefined;
  if (cmd !== undefined && !spec) {
    const near = closest(cmd, Object.keys(COMMANDS));
    throw new UsageError(`unknown command ${cmd || '""'}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const allowed = spec ? [...spec.options, 'help'] : Object.keys(VALUE);
  for (const u of unknown) {
    const near = u.startsWith('--') ? closest(u.slice(2), allowed) : undefined;
    throw new UsageError(`unknown option ${u}${near ? ` (did you mean --${near}?)` : ''}`);
  }
  for (const k of flags.keys()) {
    if (!allowed.includes(k)) {
      const owners = Object.keys(COMMANDS).filter((c) => COMMANDS[c].options.includes(k));
      throw new UsageError(`--${k} does not apply to ${cmd}${owners.length ? ` (it is an option of ${owners.join(', ')})` : ''}`);
    }
  }
  if (spec && positional.length > spec.positional + 1 && !flags.has('help'))
    throw new UsageError(
      `unexpected argument ${positional[spec.positional + 1]} after ${cmd} ${positional.slice(1, spec.positional + 1).join(' ')}`,
    );
  return { positional, flags };
}

export const str = (a: Args, k: string): string | undefined => {
  const v = a.flags.get(k);
  return typeof v === 'string' ? v : undefined;
};

/** A comma-separated option as a list; one that names nothing (`--scope ,`) is an error, not "everything". */
export function list(a: Args, k: string): string[] | undefined {
  const v = str(a, k);
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new UsageError(`--${k} ${JSON.stringify(v)} names nothing`);
  return items;
}

/** A whole-number option (`--limit`). */
export function count(a: Args, k: string, fallback: number): number {
  const v = str(a, k);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${k} needs a whole number, not ${v}`);
  return Number(v);
}

/** A folder given for a tree (`<tree>`, or the value of `option`): an error unless it is one. */
export function treeFolder(tree: string | undefined, option?: string): string {
  if (!tree) throw new UsageError('missing <tree>: the path of a kernel checkout');
  let dir = false;
  try {
    dir = statSync(tree).isDirectory();
  } catch {
    /* said below */
  }
  if (!dir) throw new UsageError(`${option ? `${option} ` : ''}${tree}: not a folder`);
  return tree;
}

/** The KPATH_CACHE_DIR of the environment, unless it is set but empty (which would put the cache in the current folder). */
export function checkCacheEnv(a: Args, env: NodeJS.ProcessEnv = process.env): void {
  if (a.flags.has('cache') || a.flags.has('no-cache')) return;
  const v = env.KPATH_CACHE_DIR;
  if (v !== undefined && v.trim() === '')
    throw new UsageError('KPATH_CACHE_DIR is set but empty: unset it (the cache then goes to ~/.cache/kpath/index) or name a folder');
}

const under = (rel: string, dir: string): boolean => rel === dir || rel.startsWith(`${dir.replace(/\/+$/, '')}/`);

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/**
 * A file named on the command line as the index names it: relative to the tree root and
 * '/'-separated. A relative name is taken from the tree root (`./net/x.c` is `net/x.c`), or from the
 * current folder when only that finds it (`linux/net/x.c` from above the tree); an absolute one
 * must be inside the tree (through symlinks too).
 */
export function treeFile(root: string, given: string): string {
  const absRoot = path.resolve(root);
  if (path.isAbsolute(given)) {
    const rel = insideTree(absRoot, given) ?? insideTree(real(absRoot), real(given));
    if (!rel) throw new UsageError(`${given} is outside the tree ${absRoot}`);
    return rel;
  }
  const rel = path.posix.normalize(given.replace(/\\/g, '/')).replace(/\/+$/, '');
  const fromCwd = (): string | undefined => (existsSync(given) ? insideTree(real(absRoot), real(path.resolve(given))) : undefined);
  if (rel === '..' || rel.startsWith('../')) {
    const c = fromCwd();
    if (!c) throw new UsageError(`${given} is outside the tree ${absRoot}`);
    return c;
  }
  return existsSync(path.join(absRoot, rel)) ? rel : (fromCwd() ?? rel);
}

/** The folders indexed: `include` as resolveScope gives it ([] = all), and what `--exclude` leaves out. */
export interface Scope {
  include: string[];
  exclude: string[];
  given?: string;
}

/** Why a tree-relative file is not in the index, said so that the next command line gets it right. */
export function notIndexed(root: string, rel: string, scope: Scope): string {
  if (!existsSync(path.join(root, rel))) return `${rel}: no such file in ${root}`;
  if (!/\.[ch]$/.test(rel)) return `${rel}: not a .c or .h file (kpath indexes C sources and headers)`;
  const ex = scope.exclude.find((e) => under(rel, e));
  if (ex) return `${rel} is left out by --exclude ${ex}`;
  if (scope.include.length && !scope.include.some((i) => under(rel, i))) {
    // The folder to add: the top folder, or its child when part of the top is already in (drivers/net).
    const parts = rel.split('/');
    const dir = parts.length > 2 && scope.include.some((i) => i.startsWith(`${parts[0]}/`)) ? parts.slice(0, 2).join('/') : parts[0];
    return (
      `${rel} is outside the indexed scope (--scope ${scope.given ?? 'net'}); ` +
      `to include it: --scope ${[...scope.include, dir].join(',')} (or --scope all), which builds another index`
    );
  }
  return `${rel} is not in the index (see kpath index for the files that could not be read)`;
}
