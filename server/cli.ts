// kpath: the headless CLI over the same core as the language server.
// Lines and columns on the command line and in --json output are 1-based, as editors show them.
import * as path from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { buildIndex, type IndexReport } from './index/indexer';
import type { KernelIndex, SiteInfo, Edge } from './index/kernelIndex';
import { callPath, functionIds } from './graph/paths';
import { sendPath, DRIVER_SLOT } from './graph/sendPath';
import type { CallPath, Evidence, FunctionRef } from './protocol';
import { simulateCommand } from './model/simulateCommand';
import { cacheFile, defaultCacheDir } from './index/cache';
import { resolveScope, scopeKey } from './index/indexer';
import { nativeParserProblem } from './parse/nativeParser';
import { applyConfig, type AppliedConfig } from './config/choose';
import { treeConfig } from './config/candidates';
import { ConfigError } from './config/kconfig';
import { isCompiled } from './config/built';

const USAGE = `kpath — Linux kernel call paths through function pointers

usage:
  kpath index <tree>                          index the tree (or refresh the cache) and print statistics
  kpath targets <tree> <file>:<line>[:<col>]  targets of the indirect call(s) at a position
  kpath callers <tree> <function>             direct and indirect callers
  kpath callees <tree> <function>             direct calls and resolved indirect targets
  kpath path <tree> --from <fn> --to <fn> [--via <fn>,…]   shortest call path
  kpath send-path <tree> [--family ipv4|ipv6] [--through <fn>,…]   send()/sendto() down to the drivers
  kpath unresolved <tree> [--limit N]         indirect calls left unresolved, with the reason
  kpath simulate <file.pkt> [--json] [--pcap out.pcap] [--tree <tree>]

options:
  --scope net|all|<dir>,<dir>  folders to index (default: net = ${'net, include, drivers/net, kernel, lib, mm, arch/x86, fs, …'})
  --exclude <dir>,<dir>        folders to leave out
  --cache <dir>                cache folder (default ~/.cache/kpath/index/<tree>)
  --no-cache                   index from scratch, write no cache
  --config <file>              answer for this kernel configuration (.config, or .xz/.gz as shipped);
                               default: the tree's own .config when it has one
  --no-config                  answer for every configuration (ignore the tree's .config)
  --all                        with a configuration, also list what it does not compile
  --json                       machine-readable output (see README)
  --quiet                      no progress on stderr`;

interface Args { positional: string[]; flags: Map<string, string | true> }

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      const booleans = new Set(['json', 'no-cache', 'quiet', 'help', 'all', 'no-config']);
      if (v !== undefined) flags.set(k, v);
      else if (booleans.has(k) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) flags.set(k, true);
      else flags.set(k, argv[++i]);
    } else positional.push(a);
  }
  return { positional, flags };
}

class UsageError extends Error {}

const str = (a: Args, k: string): string | undefined => { const v = a.flags.get(k); return typeof v === 'string' ? v : undefined; };
const list = (v: string | undefined): string[] | undefined => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

/** The configuration asked for (`--config`), else the tree's own `.config`; none with `--no-config`. */
function configFile(tree: string, a: Args): string | undefined {
  if (a.flags.has('no-config')) return undefined;
  if (a.flags.has('config')) {
    const f = str(a, 'config');
    if (!f) throw new UsageError('--config needs a file: a .config, or a config shipped as .xz or .gz');
    return f;
  }
  return treeConfig(tree);
}

/** Apply the configuration to the index; a config that cannot be read is a usage error (exit 2), said plainly. */
function useConfig(ix: KernelIndex, a: Args): AppliedConfig | undefined {
  try {
    const applied = applyConfig(ix, configFile(ix.root, a), (rel) => { try { return readFileSync(path.join(ix.root, rel), 'utf8'); } catch { return undefined; } });
    if (applied && !a.flags.has('json') && !a.flags.has('quiet')) {
      for (const p of applied.problems.slice(0, 3)) process.stderr.write(`kpath: ${p} (answers there are "unknown")\n`);
      if (applied.problems.length > 3) process.stderr.write(`kpath: … and ${applied.problems.length - 3} more Makefile constructs not understood\n`);
    }
    return applied;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

async function openIndex(tree: string | undefined, a: Args): Promise<IndexReport> {
  if (!tree) throw new UsageError('missing <tree>: the path of a kernel checkout');
  if (!existsSync(tree) || !statSync(tree).isDirectory()) throw new UsageError(`${tree}: not a folder`);
  const quiet = a.flags.has('quiet') || a.flags.has('json') || !process.stderr.isTTY;
  let lastPct = -1;
  return buildIndex(tree, {
    include: list(str(a, 'scope')) ?? ['net'],
    exclude: list(str(a, 'exclude')),
    cacheDir: str(a, 'cache'),
    noCache: a.flags.has('no-cache'),
    onProblem: (m) => { if (!a.flags.has('json')) process.stderr.write(`kpath: ${m}\n`); },
    onProgress: (p) => {
      if (quiet || p.phase !== 'parse' || p.total === 0) return;
      const pct = Math.floor((100 * p.done) / p.total);
      if (pct !== lastPct) { lastPct = pct; process.stderr.write(`\rkpath: indexing ${p.done}/${p.total} files (${pct}%)`); }
      if (p.done === p.total) process.stderr.write('\n');
    },
  });
}

/** Peak resident memory of this process, worker threads included (Linux only). */
function peakRssMb(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch { return undefined; }
}

const loc = (file: string, line: number, col?: number): string => `${file}:${line + 1}${col !== undefined ? `:${col + 1}` : ''}`;
const fnLoc = (f: FunctionRef): string => loc(f.file, f.line);
const ev1 = (e: Evidence): Evidence => ({ ...e, line: e.line + 1, col: e.col + 1 });
const ref1 = (f: FunctionRef): FunctionRef => ({ ...f, line: f.line + 1, col: f.col + 1 });
const evText = (e: Evidence): string => `${e.how} ${e.slot} at ${loc(e.file, e.line, e.col)}`;

/** How text output treats a configuration: which rows it shows, and what it says of the others. */
interface View { config?: AppliedConfig; all: boolean }
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

function targetsCommand(ix: KernelIndex, spec: string | undefined, json: boolean, v: View, out: (s: string) => void): number {
  const m = spec ? /^(.*?):(\d+)(?::(\d+))?$/.exec(spec) : null;
  if (!m) throw new UsageError('targets needs <file>:<line>[:<col>] (1-based)');
  const file = path.isAbsolute(m[1]) ? path.relative(ix.root, m[1]) : m[1];
  const line = Number(m[2]) - 1;
  const col = m[3] ? Number(m[3]) - 1 : undefined;
  let sites: SiteInfo[] = ix.sitesIn(file).filter((s) => s.site.line === line || s.site.nameLine === line);
  if (col !== undefined) { const one = ix.siteAt(file, line, col); sites = one ? [one] : sites; }
  const result = sites.map((s) => {
    const targets = ix.targetsOf(s);
    const built = ix.builtAt(file, s.site.line);
    return {
      site: { file, line: s.site.line + 1, col: s.site.col + 1, function: s.fromId, ...(built ? { built: built.built, builtWhy: built.why } : {}) },
      slot: s.slot ?? null, receiverType: s.receiverType ?? null, via: s.site.via ?? null,
      targets: targets.map((t) => ({ ...ref1(t.fn), hint: t.hint, evidence: t.evidence.map(ev1) })),
      unresolved: ix.unresolvedReason(s, targets) ?? null,
    };
  });
  if (json) { out(JSON.stringify(result, null, 2)); return result.length ? 0 : 1; }
  if (!result.length) { out(`no indirect call at ${spec}`); return 1; }
  for (const r of result) {
    const listed = r.targets.filter((t) => shown(v, t.built));
    const compiled = v.config ? `, ${r.targets.filter((t) => isCompiled(t.built)).length} compiled in ${v.config.config.label}` : '';
    out(`${r.site.file}:${r.site.line}:${r.site.col} in ${r.site.function}: ${r.slot ?? '?'}${r.via ? ` (${r.via})` : ''} → ${r.targets.length} target(s)${compiled}`);
    if (r.site.built && r.site.built !== 'y' && r.site.built !== 'm') out(`  this call is ${r.site.built === 'n' ? 'not compiled' : 'perhaps not compiled'} in this config: ${r.site.builtWhy}`);
    if (r.unresolved) out(`  unresolved: ${r.unresolved}`);
    for (const t of listed) {
      // Show where it was stored; a hint alone is shown only when nothing stores it in the index.
      const e = t.evidence.find((x) => x.how !== 'hint') ?? t.evidence[0];
      out(`  ${t.hint ? '* ' : '  '}${t.name}  ${t.file}:${t.line}   ${e ? `${e.how} at ${e.file}:${e.line}` : ''}${t.hint ? ' (INDIRECT_CALL hint)' : ''}${mark(t)}${t.built === 'n' || t.built === 'unknown' ? ` ${t.builtWhy}` : ''}`);
    }
    hiddenLine(v, r.targets.length - listed.length, out);
  }
  configHint(v, out);
  return 0;
}

function edgesCommand(ix: KernelIndex, name: string | undefined, dir: 'callers' | 'callees', json: boolean, v: View, out: (s: string) => void): number {
  if (!name) throw new UsageError(`${dir} needs a function name`);
  const ids = functionIds(ix, name);
  if (!ids.length) { out(`no function named ${name} in the index`); return 1; }
  const all: Edge[] = ids.flatMap((id) => (dir === 'callers' ? ix.callers(id) : ix.callees(id)));
  const rows = all.map((e) => {
    const other = ix.fnById(dir === 'callers' ? e.from : e.to);
    return {
      function: other ? ref1(ix.ref(other)) : { id: dir === 'callers' ? e.from : e.to },
      kind: e.kind, via: e.via || null, site: { file: e.file, line: e.line + 1, col: e.col + 1 }, evidence: e.evidence.map(ev1),
      ...(e.built ? { built: e.built } : {}),
    };
  });
  if (json) { out(JSON.stringify(rows, null, 2)); return 0; }
  const listed = rows.filter((r) => shown(v, r.built));
  out(`${rows.length} ${dir} of ${name}${v.config ? `, ${rows.filter((r) => isCompiled(r.built)).length} compiled in ${v.config.config.label}` : ''}`);
  for (const r of listed) out(`  ${'name' in r.function ? r.function.name : r.function.id}  ${r.kind}${r.via ? ` via ${r.via}` : ''}  at ${r.site.file}:${r.site.line}${r.built ? `  [${r.built}]` : ''}`);
  hiddenLine(v, rows.length - listed.length, out);
  configHint(v, out);
  return 0;
}

function printPath(p: CallPath, json: boolean, v: View, out: (s: string) => void): number {
  if (json) {
    out(JSON.stringify({
      hops: p.hops.map((h) => ({ ...h, from: ref1(h.from), to: ref1(h.to), site: { ...h.site, line: h.site.line + 1, col: h.site.col + 1 }, evidence: h.evidence.map(ev1), alternatives: h.alternatives.map(ref1) })),
      broken: p.broken ?? null,
      drivers: p.drivers?.map(ref1) ?? null,
      config: v.config ? v.config.config.file : null,
    }, null, 2));
    return p.broken ? 2 : 0;
  }
  if (v.config) out(`for ${v.config.config.label} (${v.config.config.file})`);
  if (p.hops.length) out(`${p.hops[0].from.name}  ${fnLoc(p.hops[0].from)}${mark(p.hops[0].from)}`);
  for (const h of p.hops) {
    const how = h.kind === 'direct' ? 'direct' : h.kind === 'hint' ? `INDIRECT_CALL hint, via ${h.via}` : `through ${h.via}`;
    const why = h.evidence.find((e) => e.how !== 'hint');
    const others = h.alternatives.filter((a) => shown(v, a.built)).length;
    out(`  → ${h.to.name}  ${fnLoc(h.to)}   [${how}${why ? `; ${evText(why)}` : ''}]${mark(h.to)}${others ? `  (+${others} other targets${v.config && !v.all ? ' in this config' : ''})` : ''}`);
  }
  if (p.broken) out(`  ✗ path broken between ${p.broken.after} and ${p.broken.before}: ${p.broken.reason}`);
  if (p.drivers) {
    const listed = p.drivers.filter((d) => shown(v, d.built));
    const drv = listed.filter((d) => d.file.startsWith('drivers/'));
    const inConfig = v.config ? ` (${p.drivers.length - listed.length} more not in this config)` : '';
    out(`  → ${DRIVER_SLOT}: ${listed.length} targets${inConfig}, ${drv.length} in drivers/, e.g. ${listed.filter((d) => d.name === 'loopback_xmit').concat(drv.slice(0, 5)).map((d) => `${d.name} (${fnLoc(d)})${mark(d)}`).join(', ')}`);
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
  const rows: { file: string; line: number; function: string; reason: string }[] = [];
  const reasons = new Map<string, number>();
  for (const file of ix.files.keys()) {
    for (const s of ix.sitesIn(file)) {
      const reason = ix.unresolvedReason(s, ix.targetsOf(s));
      if (!reason) continue;
      rows.push({ file, line: s.site.line + 1, function: s.fromId, reason });
      const key = reason.replace(/`[^`]*`|\b\w+\.\w+\b/g, '…').replace(/ \w+$/, '');
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  if (json) { out(JSON.stringify(rows.slice(0, limit), null, 2)); return 0; }
  out(`${rows.length} unresolved indirect call sites; by reason:`);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15)) out(`  ${String(n).padStart(6)}  ${r}`);
  for (const r of rows.slice(0, limit)) out(`  ${r.file}:${r.line} in ${r.function}: ${r.reason}`);
  return 0;
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<number> {
  const a = parseArgs(argv);
  const [cmd, tree, arg] = a.positional;
  const json = a.flags.has('json');
  if (!cmd || a.flags.has('help') || cmd === 'help') { out(USAGE); return cmd ? 0 : 2; }
  try {
    if (cmd === 'simulate') {
      // With --tree, steps link to definitions: from the index when its cache is warm (seconds),
      // else the model's own grep locator (no multi-minute cold index for one simulation).
      const treeArg = str(a, 'tree');
      let locate: ((fn: string) => { file: string; line: number } | undefined) | undefined;
      const include = resolveScope(list(str(a, 'scope')) ?? ['net']);
      if (treeArg && existsSync(cacheFile(str(a, 'cache') ?? defaultCacheDir(treeArg), scopeKey(include, list(str(a, 'exclude')) ?? [])))) {
        const ix = (await openIndex(treeArg, a)).index;
        locate = (fn) => { const f = ix.functionsNamed(fn)[0]; return f ? { file: f.file, line: f.def.nameLine + 1 } : undefined; };
      }
      return await simulateCommand(argv.slice(1), { out, err: (s) => process.stderr.write(s + '\n') }, locate);
    }
    const known = ['index', 'targets', 'callers', 'callees', 'path', 'send-path', 'unresolved'];
    if (!known.includes(cmd)) throw new UsageError(`unknown command ${cmd}`);
    const report = await openIndex(tree, a);
    const ix = report.index;
    const view: View = { config: useConfig(ix, a), all: a.flags.has('all') };
    switch (cmd) {
      case 'index': {
        const st = ix.stats();
        const problem = nativeParserProblem();
        const parser = problem ? `tree-sitter binding (${problem})` : 'native';
        const built = view.config ? builtCounts(ix) : undefined;
        const summary = {
          tree: ix.root, sourceFiles: report.files, parsed: report.parsed, fromCache: report.fromCache, mbParsed: +(report.bytesParsed / 1e6).toFixed(1), parser, cache: report.cacheStatus,
          seconds: +(report.ms.total / 1000).toFixed(1), problems: report.problems.length, peakRssMb: peakRssMb(), ...st,
          ...(view.config && built ? { config: view.config.config.file, builtFunctions: built } : {}),
        };
        if (json) out(JSON.stringify(summary, null, 2));
        else {
          out(`indexed ${report.files} files (${report.parsed} parsed${report.parsed && problem ? `, slowly: native parser not used (${problem})` : ''}, ${report.fromCache} from cache) in ${summary.seconds} s; cache ${report.cacheStatus}`);
          out(`${st.functions} functions, ${st.structs} structs, ${st.calls} direct calls, ${st.indirectSites} indirect call sites, ${st.resolvedSites} resolved (${((100 * st.resolvedSites) / Math.max(1, st.indirectSites)).toFixed(1)} %), ${st.stores} stores`);
          if (view.config && built) out(`${view.config.config.label}: functions compiled in ${built.y}, as modules ${built.m}, not compiled ${built.n}, unknown ${built.unknown} (Makefiles evaluated in ${view.config.ms.toFixed(0)} ms)`);
          else configHint(view, out);
        }
        return 0;
      }
      case 'targets': return targetsCommand(ix, arg, json, view, out);
      case 'callers': case 'callees': return edgesCommand(ix, arg, cmd, json, view, out);
      case 'path': {
        const from = str(a, 'from'); const to = str(a, 'to');
        if (!from || !to) throw new UsageError('path needs --from <fn> --to <fn>');
        return printPath(callPath(ix, from, to, list(str(a, 'via')) ?? []), json, view, out);
      }
      case 'send-path': {
        const family = str(a, 'family');
        if (family && family !== 'ipv4' && family !== 'ipv6') throw new UsageError('--family is ipv4 or ipv6');
        return printPath(sendPath(ix, { family: family as 'ipv4' | 'ipv6' | undefined, through: list(str(a, 'through')) }), json, view, out);
      }
      case 'unresolved': return unresolvedCommand(ix, Number(str(a, 'limit') ?? 20), json, out);
      default: return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`kpath: ${e.message}\n\n${USAGE}\n`); return 2; }
    process.stderr.write(`kpath: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

if (require.main === module) {
  // `kpath … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
