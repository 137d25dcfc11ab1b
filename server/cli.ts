// kpath: the headless CLI over the same core as the language server.
// Lines and columns on the command line and in --json output are 1-based, as editors show them.
import { existsSync, readFileSync } from 'node:fs';
import { buildIndex, type IndexReport } from './index/indexer';
import type { KernelIndex } from './index/kernelIndex';
import { callPath, functionIds } from './graph/paths';
import { sendPath, DRIVER_SLOT, SEND_ROUTES } from './graph/sendPath';
import { recvBranches, recvPath } from './graph/recvPath';
import { chooseBranches, type Branch } from './graph/route';
import type { CallPath, Evidence, FunctionRef } from './protocol';
import { simulateCommand } from './model/simulateCommand';
import type { IndexLine } from './model/locate';
import { CacheDirError, cacheFile, defaultCacheDir } from './index/cache';
import { sourceText } from './parse/parseFile';
import { resolveScope, scopeKey } from './index/indexer';
import { nativeParserProblem } from './parse/nativeParser';
import { applyConfig, type AppliedConfig } from './config/choose';
import { treeConfig } from './config/candidates';
import { ConfigError } from './config/kconfig';
import { isCompiled } from './config/built';
import { checkCacheEnv, count, list, notIndexed, parseArgs, str, treeFile, treeFolder, UsageError, type Args, type Scope } from './cliArgs';
import { edgeRows, pathJson, targetRows, unresolvedRows } from './queries';
import { daemonCommand, placeOf } from './daemon/client';
import { serveDaemon } from './daemon/server';

const USAGE = `kpath — Linux kernel call paths through function pointers

usage:
  kpath index <tree>                          index the tree (or refresh the cache) and print statistics
  kpath targets <tree> <file>:<line>[:<col>]  targets of the indirect call(s) at a position
  kpath callers <tree> <function>             direct and indirect callers
  kpath callees <tree> <function>             direct calls and resolved indirect targets
  kpath path <tree> --from <fn> --to <fn> [--via <fn>,…]   shortest call path
  kpath send-path <tree> [--family ipv4|ipv6] [--through <fn>,…] [--branch <id>=<option>,…]   send()/sendto() down to the drivers
  kpath recv-path <tree> [--family ipv4|ipv6] [--through <fn>,…] [--branch <id>=<option>,…]   a packet up to the socket's wakeup; recvfrom() down to the copy
  kpath unresolved <tree> [--limit N]         indirect calls left unresolved, with the reason
  kpath simulate <file.pkt> [--json] [--pcap out.pcap] [--tree <tree>] [--ip_version ipv4|ipv6|ipv4-mapped-ipv6]
  kpath mcp <tree>                            serve the tools to an AI assistant (Model Context Protocol over stdio)
  kpath scip <tree> --out index.scip          write a SCIP index for Sourcegraph, with function-pointer implementations
  kpath daemon stop|status <tree>             the tree's query daemon: queries of an indexed tree are answered by a
                                              background process that keeps the index loaded (exits after 10 idle minutes)

options:
  --scope net|all|<dir>,<dir>  folders to index (default: net = ${'net, include, drivers/net, kernel, lib, mm, arch/x86, fs, …'})
  --exclude <dir>,<dir>        folders to leave out
  --cache <dir>                cache folder (default ~/.cache/kpath/index/<tree>)
  --no-cache                   index from scratch, write no cache
  --no-outside                 (index) only the scope's folders: not the files outside it that store into
                               fields it calls through and fills nowhere (indexed by default)
  --config <file>              answer for this kernel configuration (.config, or .xz/.gz as shipped);
                               default: the tree's own .config when it has one
  --no-config                  answer for every configuration (ignore the tree's .config)
  --all                        with a configuration, also list what it does not compile
  --no-daemon                  answer in this process, not through the tree's daemon (or KPATH_NO_DAEMON=1)
  --json                       machine-readable output (see README)
  --quiet                      no progress on stderr`;

/** The configuration asked for (`--config`), else the tree's own `.config`; none with `--no-config`. */
function configFile(tree: string, a: Args): string | undefined {
  if (a.flags.has('no-config')) return undefined;
  return str(a, 'config') ?? treeConfig(tree);
}

/** How a configuration file is applied to an index: afresh here, kept while unchanged by the daemon. */
export type Configure = (ix: KernelIndex, file: string | undefined) => AppliedConfig | undefined;
const applyFresh: Configure = (ix, file) => applyConfig(ix, file, (rel) => sourceText(ix.root, rel));

/** Apply the configuration to the index; a config that cannot be read is a usage error (exit 2), said plainly. */
function useConfig(ix: KernelIndex, a: Args, err: (s: string) => void, configure: Configure): AppliedConfig | undefined {
  try {
    const applied = configure(ix, configFile(ix.root, a));
    if (applied && !a.flags.has('json') && !a.flags.has('quiet')) {
      for (const p of applied.problems.slice(0, 3)) err(`kpath: ${p} (answers there are "unknown")`);
      if (applied.problems.length > 3) err(`kpath: … and ${applied.problems.length - 3} more Makefile constructs not understood`);
    }
    return applied;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** The folders to index, from `--scope` and `--exclude`. */
function scopeOf(a: Args): Scope {
  return { include: resolveScope(list(a, 'scope') ?? ['net']), exclude: list(a, 'exclude') ?? [], given: str(a, 'scope') };
}

async function openIndex(tree: string, a: Args, scope: Scope, err: (s: string) => void): Promise<IndexReport> {
  const quiet = a.flags.has('quiet') || a.flags.has('json') || !process.stderr.isTTY;
  let lastPct = -1;
  return buildIndex(tree, {
    include: scope.include,
    exclude: scope.exclude,
    cacheDir: str(a, 'cache'),
    noCache: a.flags.has('no-cache'),
    outside: !a.flags.has('no-outside'),
    onProblem: (m) => {
      if (!a.flags.has('json')) err(`kpath: ${m}`);
    },
    onProgress: (p) => {
      if (quiet || (p.phase !== 'parse' && p.phase !== 'outside') || p.total === 0) return;
      const pct = Math.floor((100 * p.done) / p.total);
      if (pct !== lastPct) {
        lastPct = pct;
        const what = p.phase === 'outside' ? 'files outside the scope that store into its fields' : 'files';
        process.stderr.write(`\rkpath: indexing ${p.done}/${p.total} ${what} (${pct}%)`);
      }
      if (p.done === p.total) process.stderr.write('\n');
    },
  });
}

/** Peak resident memory of this process, worker threads included (Linux only). */
function peakRssMb(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const loc = (file: string, line: number, col?: number): string => `${file}:${line + 1}${col !== undefined ? `:${col + 1}` : ''}`;
const fnLoc = (f: FunctionRef): string => loc(f.file, f.line);
const evText = (e: Evidence): string => `${e.how} ${e.slot} at ${loc(e.file, e.line, e.col)}`;

/** How text output treats a configuration: which rows it shows, and what it says of the others. */
interface View {
  config?: AppliedConfig;
  all: boolean;
}
/** A row is shown unless a configuration says it is not compiled (`--all` shows every row). */
const shown = (v: View, built: string | undefined): boolean => v.all || !v.config || built !== 'n';
/** ` [m smc]`, ` [n]`: the build state after a name, when there is a configuration. */
const mark = (f: { built?: string; module?: string }): string => (f.built ? `  [${f.built}${f.module ? ` ${f.module}` : ''}]` : '');
function hiddenLine(v: View, hidden: number, out: (s: string) => void): void {
  if (v.config && hidden && !v.all) out(`  +${hidden} not in this config (${v.config.config.label}; --all lists them)`);
}
function configHint(v: View, out: (s: string) => void): void {
  if (!v.config) out('  (every configuration: --config FILE, or a .config in the tree, lists only what that kernel compiles)');
}

/** `<file>:<line>[:<col>]` (1-based) as a tree-relative file and 0-based numbers. */
function position(spec: string | undefined): { file: string; line: number; col?: number } {
  const m = spec ? /^(.+?):(\d+)(?::(\d+))?$/.exec(spec) : null;
  if (!m || Number(m[2]) < 1 || (m[3] !== undefined && Number(m[3]) < 1))
    throw new UsageError('targets needs <file>:<line>[:<col>] (1-based)');
  return { file: m[1], line: Number(m[2]) - 1, col: m[3] ? Number(m[3]) - 1 : undefined };
}

function targetsCommand(ix: KernelIndex, spec: string | undefined, scope: Scope, json: boolean, v: View, out: (s: string) => void): number {
  const { line, col, ...given } = position(spec);
  const file = treeFile(ix.root, given.file);
  if (!ix.files.has(file)) throw new UsageError(notIndexed(ix.root, file, scope));
  const result = targetRows(ix, file, line, col);
  if (json) {
    out(JSON.stringify(result, null, 2));
    return result.length ? 0 : 1;
  }
  if (!result.length) {
    out(`no indirect call at ${spec}`);
    return 1;
  }
  for (const r of result) {
    const listed = r.targets.filter((t) => shown(v, t.built));
    const compiled = v.config ? `, ${r.targets.filter((t) => isCompiled(t.built)).length} compiled in ${v.config.config.label}` : '';
    out(
      `${r.site.file}:${r.site.line}:${r.site.col} in ${r.site.function}: ${r.slot ?? '?'}${r.via ? ` (${r.via})` : ''} → ${r.targets.length} target(s)${compiled}`,
    );
    if (r.site.built && r.site.built !== 'y' && r.site.built !== 'm')
      out(`  this call is ${r.site.built === 'n' ? 'not compiled' : 'perhaps not compiled'} in this config: ${r.site.builtWhy}`);
    if (r.unresolved) out(`  unresolved: ${r.unresolved}`);
    for (const t of listed) {
      // Show where it was stored; a hint alone is shown only when nothing stores it in the index.
      const e = t.evidence.find((x) => x.how !== 'hint') ?? t.evidence[0];
      out(
        `  ${t.hint ? '* ' : '  '}${t.name}  ${t.file}:${t.line}   ${e ? `${e.how} at ${e.file}:${e.line}` : ''}${t.hint ? ' (INDIRECT_CALL hint)' : ''}${mark(t)}${t.built === 'n' || t.built === 'unknown' ? ` ${t.builtWhy}` : ''}`,
      );
    }
    hiddenLine(v, r.targets.length - listed.length, out);
  }
  configHint(v, out);
  return 0;
}

function edgesCommand(
  ix: KernelIndex,
  name: string | undefined,
  dir: 'callers' | 'callees',
  json: boolean,
  v: View,
  out: (s: string) => void,
): number {
  if (!name) throw new UsageError(`${dir} needs a function name`);
  const ids = functionIds(ix, name);
  if (!ids.length) {
    out(`no function named ${name} in the index`);
    return 1;
  }
  const rows = edgeRows(ix, ids, dir);
  if (json) {
    out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const listed = rows.filter((r) => shown(v, r.built));
  out(
    `${rows.length} ${dir} of ${name}${v.config ? `, ${rows.filter((r) => isCompiled(r.built)).length} compiled in ${v.config.config.label}` : ''}`,
  );
  for (const r of listed)
    out(
      `  ${'name' in r.function ? r.function.name : r.function.id}  ${r.kind}${r.via ? ` via ${r.via}` : ''}  at ${r.site.file}:${r.site.line}${r.built ? `  [${r.built}]` : ''}`,
    );
  hiddenLine(v, rows.length - listed.length, out);
  configHint(v, out);
  return 0;
}

/** `--branch qdisc=noqueue,netfilter=hooks` as branch id → option id, each one the path has. */
function branchChoices(a: Args, branches: readonly Branch[]): Record<string, string> | undefined {
  const given = list(a, 'branch');
  if (!given) return undefined;
  const out: Record<string, string> = {};
  for (const g of given) {
    const m = /^([\w-]+)=([\w-]+)$/.exec(g);
    if (!m) throw new UsageError(`--branch takes <branch>=<option> (qdisc=noqueue), not ${g}`);
    out[m[1]] = m[2];
  }
  const bad = chooseBranches(branches, out);
  if (typeof bad === 'string') throw new UsageError(`--branch: ${bad}`);
  return out;
}

function printPath(p: CallPath, json: boolean, v: View, out: (s: string) => void): number {
  if (json) {
    out(JSON.stringify(pathJson(p, v.config?.config.file), null, 2));
    return p.broken ? 2 : 0;
  }
  if (v.config) out(`for ${v.config.config.label} (${v.config.config.file})`);
  // Side calls (the hooks NF_HOOK runs) under the function that makes them.
  const side = (at: number): void => {
    for (const c of p.sideCalls?.filter((x) => x.at === at) ?? []) {
      const last = c.hops[c.hops.length - 1];
      const others = last.alternatives.filter((a) => shown(v, a.built)).length;
      out(
        `      ↳ ${c.hops.map((h) => h.to.name).join(' → ')}${others ? ` (+${others} other targets of ${last.via})` : ''}  [${c.branch}]`,
      );
    }
  };
  if (p.hops.length) {
    out(`${p.hops[0].from.name}  ${fnLoc(p.hops[0].from)}${mark(p.hops[0].from)}`);
    side(0);
  }
  p.hops.forEach((h, i) => {
    const how = h.kind === 'direct' ? 'direct' : h.kind === 'hint' ? `INDIRECT_CALL hint, via ${h.via}` : `through ${h.via}`;
    const why = h.evidence.find((e) => e.how !== 'hint');
    const others = h.alternatives.filter((a) => shown(v, a.built)).length;
    out(
      `  → ${h.to.name}  ${fnLoc(h.to)}   [${how}${why ? `; ${evText(why)}` : ''}]${mark(h.to)}${others ? `  (+${others} other targets${v.config && !v.all ? ' in this config' : ''})` : ''}`,
    );
    side(i + 1);
  });
  if (p.broken) out(`  ✗ path broken between ${p.broken.after} and ${p.broken.before}: ${p.broken.reason}`);
  if (p.endsAt && !p.drivers) {
    const listed = p.endsAt.targets.filter((t) => shown(v, t.built));
    out(
      `  → ${p.endsAt.slot}: ${listed.length} targets, e.g. ${listed
        .slice(0, 5)
        .map((t) => `${t.name} (${fnLoc(t)})${mark(t)}`)
        .join(', ')}`,
    );
  }
  for (const b of p.branches ?? []) {
    const o = b.options.find((x) => x.id === b.chosen);
    out(
      `  branch ${b.id}: ${b.chosen}${o ? ` (${o.label})` : ''}; --branch ${b.options
        .filter((x) => x.id !== b.chosen)
        .map((x) => `${b.id}=${x.id}`)
        .join(' or ')}`,
    );
  }
  if (p.drivers) {
    const listed = p.drivers.filter((d) => shown(v, d.built));
    const drv = listed.filter((d) => d.file.startsWith('drivers/'));
    const inConfig = v.config ? ` (${p.drivers.length - listed.length} more not in this config)` : '';
    out(
      `  → ${DRIVER_SLOT}: ${listed.length} targets${inConfig}, ${drv.length} in drivers/, e.g. ${listed
        .filter((d) => d.name === 'loopback_xmit')
        .concat(drv.slice(0, 5))
        .map((d) => `${d.name} (${fnLoc(d)})${mark(d)}`)
        .join(', ')}`,
    );
  }
  configHint(v, out);
  return p.broken ? 2 : 0;
}

/** How many of the index's functions the configuration compiles, by state. */
function builtCounts(ix: KernelIndex): Record<'y' | 'm' | 'n' | 'unknown', number> {
  const counts = { y: 0, m: 0, n: 0, unknown: 0 };
  for (const [rel, f] of ix.files) for (const d of f.functions) counts[ix.builtAt(rel, d.nameLine)?.built ?? 'unknown']++;
  return counts;
}

function unresolvedCommand(ix: KernelIndex, limit: number, json: boolean, out: (s: string) => void): number {
  const { rows, reasons } = unresolvedRows(ix, undefined, { bodies: true });
  if (json) {
    out(JSON.stringify(rows.slice(0, limit), null, 2));
    return 0;
  }
  out(`${rows.length} unresolved indirect call sites; by reason:`);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15)) out(`  ${String(n).padStart(6)}  ${r}`);
  for (const r of rows.slice(0, limit)) out(`  ${r.file}:${r.line} in ${r.function}: ${r.reason}`);
  return 0;
}

type Write = (s: string) => void;

/** One line for stderr: a message that could hold a newline (a path, a thrown value) stays one line. */
const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ');

/**
 * Run a command line; returns the exit status. Errors are one line on `err` (a bad argument names
 * itself and points to --help; anything else says what failed, with a stack only under KPATH_DEBUG).
 */
export async function main(
  argv: string[],
  out: Write = (s) => process.stdout.write(s + '\n'),
  err: Write = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  try {
    const a = parseArgs(argv);
    const [cmd, tree] = a.positional;
    if (!cmd || a.flags.has('help') || cmd === 'help') {
      out(USAGE);
      return cmd || a.flags.has('help') ? 0 : 2;
    }
    checkCacheEnv(a);
    const scope = scopeOf(a);
    if (cmd === 'simulate') return await simulate(a, scope, out, err);
    if (cmd === 'mcp') {
      const root = treeFolder(tree);
      const opts = {
        include: scope.include,
        exclude: scope.exclude,
        cacheDir: str(a, 'cache'),
        noCache: a.flags.has('no-cache'),
        config: configFile(root, a),
      };
      // Required here, not imported: bundled, it is dist/mcp/server.js (see esbuild.mjs).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { serveMcp } = require('./mcp/server') as typeof import('./mcp/server');
      return await serveMcp(root, opts, scope, err);
    }
    if (cmd === 'daemon') return await daemon(a, out, err);
    if (cmd === 'scip' && !str(a, 'out')) throw new UsageError('scip needs --out <file> (index.scip)');
    return await answerOn(await openIndex(treeFolder(tree), a, scope, err), a, out, err);
  } catch (e) {
    return failed(e, err);
  }
}

/**
 * A query on an index already open (the daemon's): the same answer, on `out` and `err`, as the
 * command line gets from its own process, with the problems its load would have printed.
 */
export async function answerQuery(report: IndexReport, argv: string[], out: Write, err: Write, configure: Configure): Promise<number> {
  try {
    const a = parseArgs(argv);
    checkCacheEnv(a);
    if (!a.flags.has('json')) for (const p of report.problems) err(`kpath: ${p}`);
    return await answerOn(report, a, out, err, configure);
  } catch (e) {
    return failed(e, err);
  }
}

/** The answer of the command in `a` from an open index. */
async function answerOn(report: IndexReport, a: Args, out: Write, err: Write, configure: Configure = applyFresh): Promise<number> {
  const [cmd, , arg] = a.positional;
  const json = a.flags.has('json');
  const scope = scopeOf(a);
  const ix = report.index;
  const view: View = { config: useConfig(ix, a, err, configure), all: a.flags.has('all') };
  switch (cmd) {
    case 'index':
      return indexCommand(report, json, view, out);
    case 'targets':
      return targetsCommand(ix, arg, scope, json, view, out);
    case 'callers':
    case 'callees':
      return edgesCommand(ix, arg, cmd, json, view, out);
    case 'path': {
      const from = str(a, 'from');
      const to = str(a, 'to');
      if (!from || !to) throw new UsageError('path needs --from <fn> --to <fn>');
      return printPath(callPath(ix, from, to, list(a, 'via') ?? []), json, view, out);
    }
    case 'send-path': {
      const family = str(a, 'family');
      if (family && family !== 'ipv4' && family !== 'ipv6') throw new UsageError('--family is ipv4 or ipv6');
      const fam = family as 'ipv4' | 'ipv6' | undefined;
      return printPath(
        sendPath(ix, { family: fam, through: list(a, 'through'), branches: branchChoices(a, SEND_ROUTES[fam ?? 'ipv4'].branches) }),
        json,
        view,
        out,
      );
    }
    case 'recv-path': {
      const family = str(a, 'family');
      if (family && family !== 'ipv4' && family !== 'ipv6') throw new UsageError('--family is ipv4 or ipv6');
      const fam = family as 'ipv4' | 'ipv6' | undefined;
      const p = recvPath(ix, { family: fam, through: list(a, 'through'), branches: branchChoices(a, recvBranches(fam)) });
      if (json) {
        out(
          JSON.stringify(
            { deliver: pathJson(p.deliver, view.config?.config.file), read: pathJson(p.read, view.config?.config.file) },
            null,
            2,
          ),
        );
        return p.deliver.broken || p.read.broken ? 2 : 0;
      }
      out("the packet, from the device up to the socket's wakeup:");
      const deliver = printPath(p.deliver, false, view, out);
      out('');
      out("recvfrom(), down to the copy into the reader's memory:");
      return Math.max(deliver, printPath(p.read, false, view, out));
    }
    case 'unresolved':
      return unresolvedCommand(ix, count(a, 'limit', 20), json, out);
    case 'scip':
      return await (await import('./scip/export')).scipCommand(ix, str(a, 'out'), a.flags.has('quiet'), out, err);
    default:
      return 2;
  }
}

/** An error as the exit status and one line on `err` (see main). */
function failed(e: unknown, err: Write): number {
  if (e instanceof UsageError) {
    err(`kpath: ${oneLine(e.message)}; see kpath --help`);
    return 2;
  }
  if (e instanceof CacheDirError) {
    err(`kpath: ${oneLine(e.message)}`);
    return 2;
  }
  err(`kpath: ${oneLine(e instanceof Error ? e.message : String(e))}`);
  if (process.env.KPATH_DEBUG && e instanceof Error && e.stack) err(e.stack);
  return 1;
}

/** `kpath daemon run|stop|status <tree>`: be the tree's query daemon, stop it, or say how it is. */
async function daemon(a: Args, out: Write, err: Write): Promise<number> {
  const [, action, tree] = a.positional;
  if (action !== 'run' && action !== 'stop' && action !== 'status')
    throw new UsageError(`daemon takes run, stop or status, then <tree>${action ? `, not ${action}` : ''}`);
  if (action !== 'run') return daemonCommand(a, out);
  return serveDaemon(placeOf(a, tree), scopeOf(a), answerQuery, err);
}

/**
 * `simulate <file.pkt>`: with --tree, steps link to definitions: the file from the model's table,
 * the line from the index when its cache is warm (seconds), else read from that file (no
 * multi-minute cold index for one simulation).
 */
async function simulate(a: Args, scope: Scope, out: Write, err: Write): Promise<number> {
  const tree = a.flags.has('tree') ? treeFolder(str(a, 'tree'), '--tree') : undefined;
  let indexLine: IndexLine | undefined;
  if (tree && existsSync(cacheFile(str(a, 'cache') ?? defaultCacheDir(tree), scopeKey(scope.include, scope.exclude)))) {
    const ix = (await openIndex(tree, a, scope, err)).index;
    indexLine = (fn, file) => {
      const f = ix.functionsNamed(fn).find((d) => d.file === file);
      return f ? f.def.nameLine + 1 : undefined;
    };
  }
  // Only the options simulate reads itself: the index options were used above.
  const own = [
    ...a.positional.slice(1),
    ...(['json', 'ethernet'] as const).filter((k) => a.flags.has(k)).map((k) => `--${k}`),
    ...(['pcap', 'tree', 'ip_version'] as const).flatMap((k) => (a.flags.has(k) ? [`--${k}`, str(a, k)!] : [])),
  ];
  return simulateCommand(own, { out, err: (s) => err(`kpath simulate: ${s}`) }, indexLine);
}

function indexCommand(report: IndexReport, json: boolean, view: View, out: Write): number {
  const ix = report.index;
  const tResolve = performance.now();
  const st = ix.stats(); // resolves every site, unless saved flows were taken
  const resolveMs = performance.now() - tResolve;
  const sec = (ms: number): number => +(ms / 1000).toFixed(1);
  const problem = nativeParserProblem();
  const parser = problem ? `tree-sitter binding (${problem})` : 'native';
  const built = view.config ? builtCounts(ix) : undefined;
  const summary = {
    tree: ix.root,
    sourceFiles: report.files,
    parsed: report.parsed,
    fromCache: report.fromCache,
    mbParsed: +(report.bytesParsed / 1e6).toFixed(1),
    parser,
    cache: report.cacheStatus,
    seconds: sec(report.ms.total),
    // Where the time went: parse (the scope's files), outside (finding and parsing the files outside
    // it that store into its fields), then resolving every site (after `seconds`).
    phases: {
      scan: sec(report.ms.scan),
      cache: sec(report.ms.cache),
      parse: sec(report.ms.parse),
      outside: sec(report.ms.outside),
      save: sec(report.ms.save),
      resolve: sec(resolveMs),
    },
    problems: report.problems.length,
    peakRssMb: peakRssMb(),
    ...st,
    ...(view.config && built ? { config: view.config.config.file, builtFunctions: built } : {}),
  };
  if (json) {
    out(JSON.stringify(summary, null, 2));
    return 0;
  }
  out(
    `indexed ${report.files} files${report.outsideFiles ? ` and ${report.outsideFiles} outside the scope for their stores` : ''} (${report.parsed} parsed${report.parsed && problem ? `, slowly: native parser not used (${problem})` : ''}, ${report.fromCache} from cache) in ${summary.seconds} s; cache ${report.cacheStatus}`,
  );
  out(
    `${st.functions} functions, ${st.structs} structs, ${st.calls} direct calls, ${st.indirectSites} indirect call sites, ${st.resolvedSites} resolved (${((100 * st.resolvedSites) / Math.max(1, st.indirectSites)).toFixed(1)} %), ${st.stores} stores`,
  );
  if (view.config && built)
    out(
      `${view.config.config.label}: functions compiled in ${built.y}, as modules ${built.m}, not compiled ${built.n}, unknown ${built.unknown} (Makefiles evaluated in ${view.config.ms.toFixed(0)} ms)`,
    );
  else configHint(view, out);
  return 0;
}

if (require.main === module) {
  // `kpath … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
