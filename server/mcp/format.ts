// The MCP tools' answers as text for an assistant to read: one line per function or hop, each with
// its file:line (1-based), and for an indirect hop the evidence of where its target was stored
// into the pointer. With a kernel configuration every function carries its build state; what the
// configuration does not compile is counted and named, not listed in full (unless asked).
import type { Built, CallPath, Evidence, FunctionRef } from '../protocol';
import { ref1, type EdgeRow, type SiteRow, type UnresolvedRow, type pathJson } from '../queries';
import type { SymbolEntry } from '../index/symbolTable';
import { isCompiled } from '../config/built';

/** The configuration answers are for, as the tools say it. */
export interface ConfigNote {
  label: string;
  file: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** ` [y]`, ` [m smc]`, ` [n: net/Makefile:41: …]`: the build state, when there is a configuration. */
function state(f: { built?: Built; builtWhy?: string; module?: string }): string {
  if (!f.built) return '';
  if (f.built === 'y') return ' [y]';
  if (f.built === 'm') return ` [m${f.module ? ` ${f.module}` : ''}]`;
  return ` [${f.built}${f.builtWhy ? `: ${f.builtWhy}` : ''}]`;
}

/** `init proto_ops.sendmsg at net/ipv4/af_inet.c:1053:13 in inet_init`: one store (positions 1-based). */
export function evidenceText(e: Evidence): string {
  return `${e.how} ${e.slot} at ${e.file}:${e.line}:${e.col}${e.in ? ` in ${e.in}` : ''}${e.built && e.built !== 'y' ? ` [${e.built}]` : ''}`;
}

/** Where a target was stored (an INDIRECT_CALL hint is said apart); at most `n`, with the count of the others. */
function stores(evidence: Evidence[], n = 2): string {
  const real = evidence.filter((e) => e.how !== 'hint');
  if (!real.length) return evidence.length ? 'named by INDIRECT_CALL_* only (no store in the indexed folders)' : '';
  return `stored: ${real.slice(0, n).map(evidenceText).join('; ')}${real.length > n ? ` (+${real.length - n} more)` : ''}`;
}

const fnText = (f: FunctionRef | { id: string }): string =>
  'file' in f ? `${f.name}  ${f.file}:${f.line}${state(f)}` : `${f.id}  (not in the index)`;
const notCompiled = (b: Built | undefined): boolean => b === 'n';

/** Rows shown, and the names of those a configuration does not compile (hidden unless `all`). */
function split<T extends { built?: Built }>(rows: T[], all: boolean): { shown: T[]; left: T[] } {
  if (all) return { shown: rows, left: [] };
  return { shown: rows.filter((r) => !notCompiled(r.built)), left: rows.filter((r) => notCompiled(r.built)) };
}

function leftLine(left: { name?: string; id?: string }[], cfg: ConfigNote | undefined, what: string): string[] {
  if (!left.length || !cfg) return [];
  const names = [...new Set(left.map((l) => l.name ?? l.id ?? '?'))];
  return [
    `  +${plural(left.length, what)} not compiled in ${cfg.label}: ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', …' : ''} (all: true lists them)`,
  ];
}

export function targetsText(rows: SiteRow[], cfg: ConfigNote | undefined, all: boolean): string {
  const out: string[] = [];
  for (const r of rows) {
    const compiled = cfg ? `, ${r.targets.filter((t) => isCompiled(t.built)).length} compiled in ${cfg.label}` : '';
    out.push(
      `${r.site.file}:${r.site.line}:${r.site.col} in ${r.site.function}: calls through ${r.slot ?? '(unknown slot)'}${r.via ? ` (${r.via})` : ''}${r.receiverType ? `, receiver ${r.receiverType}` : ''} → ${plural(r.targets.length, 'target')}${compiled}`,
    );
    if (r.site.built && !isCompiled(r.site.built))
      out.push(
        `  this call is ${r.site.built === 'n' ? 'not compiled' : 'perhaps not compiled'} in ${cfg?.label ?? 'this configuration'}: ${r.site.builtWhy}`,
      );
    if (r.unresolved) out.push(`  unresolved: ${r.unresolved}`);
    const { shown, left } = split(r.targets, all);
    for (const t of shown) out.push(`  ${t.hint ? '* ' : '- '}${fnText(t)}  ${stores(t.evidence)}${t.hint ? ' (INDIRECT_CALL hint)' : ''}`);
    out.push(...leftLine(left, cfg, 'target'));
  }
  if (rows.some((r) => r.targets.some((t) => t.hint)))
    out.push('(* = named by the INDIRECT_CALL_* macro at the call, tested first in that order)');
  return out.join('\n');
}

export function edgesText(
  name: string,
  dir: 'callers' | 'callees',
  rows: EdgeRow[],
  cfg: ConfigNote | undefined,
  all: boolean,
  limit: number,
): string {
  const compiled = cfg ? `, ${rows.filter((r) => isCompiled(r.built)).length} compiled in ${cfg.label}` : '';
  const out = [
    `${plural(rows.length, dir === 'callers' ? 'caller' : 'callee')} of ${name}${compiled} (call sites; an indirect one says the pointer and where the target was stored)`,
  ];
  const { shown, left } = split(rows, all);
  for (const r of shown.slice(0, limit)) {
    const how = r.kind === 'direct' ? 'direct' : `${r.kind === 'hint' ? 'INDIRECT_CALL hint' : r.kind} via ${r.via}`;
    const ev = r.kind === 'direct' ? '' : `; ${stores(r.evidence, 1)}`;
    out.push(`  ${fnText(r.function)}  ${how} at ${r.site.file}:${r.site.line}:${r.site.col}${r.built ? ` [call: ${r.built}]` : ''}${ev}`);
  }
  if (shown.length > limit) out.push(`  … +${shown.length - limit} more (raise limit)`);
  out.push(
    ...leftLine(
      left.map((r) => ('name' in r.function ? { name: r.function.name } : { id: r.function.id })),
      cfg,
      'call',
    ),
  );
  return out.join('\n');
}

type PathRows = ReturnType<typeof pathJson>;

/** A path; `route` (the send and receive paths) adds where it ends and the conditions it depends on. */
export function pathText(title: string, p: PathRows, cfg: ConfigNote | undefined, route?: Pick<CallPath, 'endsAt' | 'branches'>): string {
  const out = [
    `${title}${cfg ? ` for ${cfg.label} (${cfg.file})` : ' (every configuration)'}: ${plural(p.hops.length, 'hop')}${p.broken ? ', broken' : ''}`,
  ];
  if (p.hops.length) out.push(`  ${fnText(p.hops[0].from)}`);
  for (const h of p.hops) {
    const how = h.kind === 'direct' ? 'direct call' : `${h.kind === 'hint' ? 'INDIRECT_CALL hint' : 'indirect'} via ${h.via}`;
    const ev = h.kind === 'direct' ? '' : `; ${stores(h.evidence, 1)}`;
    const others = h.alternatives.filter((a) => !notCompiled(a.built));
    const alt = others.length
      ? `; +${others.length} other targets (${others
          .slice(0, 5)
          .map((a) => a.name)
          .join(', ')}${others.length > 5 ? ', …' : ''})`
      : '';
    out.push(`  → ${fnText(h.to)}  ${how} at ${h.site.file}:${h.site.line}:${h.site.col}${ev}${alt}`);
  }
  if (p.broken) out.push(`  ✗ broken between ${p.broken.after} and ${p.broken.before}: ${p.broken.reason}`);
  const end = route?.endsAt
    ? { slot: route.endsAt.slot, targets: route.endsAt.targets.map(ref1) }
    : p.drivers
      ? { slot: 'net_device_ops.ndo_start_xmit', targets: p.drivers }
      : undefined;
  if (end) {
    const listed = end.targets.filter((d) => !notCompiled(d.built));
    const first = [...listed.filter((d) => d.name === 'loopback_xmit'), ...listed.filter((d) => d.name !== 'loopback_xmit')].slice(0, 8);
    out.push(
      `  ends at ${end.slot}: ${plural(listed.length, 'target')}${cfg ? ` compiled (${end.targets.length - listed.length} not)` : ''}, e.g. ${first.map((d) => `${d.name} (${d.file}:${d.line})`).join(', ')}`,
    );
  }
  for (const b of route?.branches ?? []) {
    out.push(
      `  branch ${b.id} (${b.label}): ${b.chosen}${b.chosen === b.default ? ' (default)' : ''}; options: ${b.options.map((o) => `${o.id} (${o.label})`).join(', ')}`,
    );
  }
  return out.join('\n');
}

export function unresolvedText(rows: UnresolvedRow[], reasons: Map<string, number>, scope: string, limit: number): string {
  const out = [`${plural(rows.length, 'indirect call site')} left unresolved in ${scope}${rows.length ? '; by reason:' : ''}`];
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) out.push(`  ${String(n).padStart(6)}  ${r}`);
  for (const r of rows.slice(0, limit)) out.push(`  ${r.file}:${r.line} in ${r.function}: ${r.reason}`);
  if (rows.length > limit) out.push(`  … +${rows.length - limit} more (raise limit, or name a file)`);
  return out.join('\n');
}

export function symbolsText(query: string, found: SymbolEntry[], limit: number): string {
  if (!found.length) return `no function, struct or field matches ${JSON.stringify(query)}`;
  const out = [`${plural(Math.min(found.length, limit), 'symbol')} matching ${JSON.stringify(query)}, best first:`];
  const what = (e: SymbolEntry): string =>
    e.kind === 'struct'
      ? `${e.container ?? 'struct'} ${e.name}`
      : e.kind === 'field'
        ? `field ${e.container}.${e.name}`
        : `function ${e.name}`;
  for (const e of found.slice(0, limit)) out.push(`  ${what(e)}  ${e.span.file}:${e.span.line + 1}:${e.span.col + 1}`);
  if (found.length > limit) out.push('  … (raise limit, or a longer query)');
  return out.join('\n');
}
