// The answers of the headless front ends (the CLI's --json, the MCP server's tools) as plain rows:
// lines and columns 1-based, as editors show them, every function with its file:line and every
// indirect hop with the evidence of where its target was stored. Pure: no printing, no LSP types.
import type { KernelIndex, SiteInfo, Edge } from './index/kernelIndex';
import type { Built, CallPath, Evidence, FunctionRef, HopKind, PathHop } from './protocol';
import { externBodies } from './index/externBodies';

export const ev1 = (e: Evidence): Evidence => ({ ...e, line: e.line + 1, col: e.col + 1 });
export const ref1 = (f: FunctionRef): FunctionRef => ({ ...f, line: f.line + 1, col: f.col + 1 });

export interface TargetRow extends FunctionRef {
  hint: boolean;
  evidence: Evidence[];
}
export interface SiteRow {
  site: { file: string; line: number; col: number; function: string; built?: Built; builtWhy?: string };
  slot: string | null;
  receiverType: string | null;
  via: string | null;
  targets: TargetRow[];
  unresolved: string | null;
}

/** The indirect calls on a line of an indexed file (0-based `line` and `col`); with a column, the one there. */
export function targetRows(ix: KernelIndex, file: string, line: number, col?: number): SiteRow[] {
  let sites: SiteInfo[] = ix.sitesIn(file).filter((s) => s.site.line === line || s.site.nameLine === line);
  if (col !== undefined) {
    const one = ix.siteAt(file, line, col);
    sites = one ? [one] : sites;
  }
  return sites.map((s) => {
    const targets = ix.targetsOf(s);
    const built = ix.builtAt(file, s.site.line);
    return {
      site: {
        file,
        line: s.site.line + 1,
        col: s.site.col + 1,
        function: s.fromId,
        ...(built ? { built: built.built, builtWhy: built.why } : {}),
      },
      slot: s.slot ?? null,
      receiverType: s.receiverType ?? null,
      via: s.site.via ?? null,
      targets: targets.map((t) => ({ ...ref1(t.fn), hint: t.hint, evidence: t.evidence.map(ev1) })),
      unresolved: ix.unresolvedReason(s, targets) ?? null,
    };
  });
}

export interface EdgeRow {
  function: FunctionRef | { id: string };
  kind: HopKind;
  via: string | null;
  site: { file: string; line: number; col: number };
  evidence: Evidence[];
  built?: Built;
}

/** Callers or callees of the functions `ids` (as functionIds gives them for a name). */
export function edgeRows(ix: KernelIndex, ids: string[], dir: 'callers' | 'callees'): EdgeRow[] {
  const all: Edge[] = ids.flatMap((id) => (dir === 'callers' ? ix.callers(id) : ix.callees(id)));
  return all.map((e) => {
    const other = ix.fnById(dir === 'callers' ? e.from : e.to);
    return {
      function: other ? ref1(ix.ref(other)) : { id: dir === 'callers' ? e.from : e.to },
      kind: e.kind,
      via: e.via || null,
      site: { file: e.file, line: e.line + 1, col: e.col + 1 },
      evidence: e.evidence.map(ev1),
      ...(e.built ? { built: e.built } : {}),
    };
  });
}

/** A call path with 1-based positions; `config` is the configuration file it was answered for. */
const hop1 = (h: PathHop) => ({
  ...h,
  from: ref1(h.from),
  to: ref1(h.to),
  site: { ...h.site, line: h.site.line + 1, col: h.site.col + 1 },
  evidence: h.evidence.map(ev1),
  alternatives: h.alternatives.map(ref1),
});

export function pathJson(p: CallPath, config: string | undefined) {
  return {
    hops: p.hops.map(hop1),
    broken: p.broken ?? null,
    drivers: p.drivers?.map(ref1) ?? null,
    endsAt: p.endsAt ? { slot: p.endsAt.slot, targets: p.endsAt.targets.map(ref1) } : null,
    branches: p.branches ?? null,
    sideCalls: p.sideCalls?.map((c) => ({ ...c, hops: c.hops.map(hop1) })) ?? null,
    config: config ?? null,
  };
}

export interface UnresolvedRow {
  file: string;
  line: number;
  function: string;
  reason: string;
}

/**
 * Indirect call sites left without targets (of `files`, default the scope's: not those held from
 * outside it for their stores), and how many there are by kind of reason.
 */
export function unresolvedRows(
  ix: KernelIndex,
  files: Iterable<string> = [...ix.files.keys()].filter((f) => !ix.outside.has(f)),
  opts: { bodies?: boolean } = {},
): { rows: UnresolvedRow[]; reasons: Map<string, number> } {
  const rows: UnresolvedRow[] = [];
  const reasons = new Map<string, number>();
  const outside = new Map<UnresolvedRow, string[]>();
  for (const file of files) {
    for (const s of ix.sitesIn(file)) {
      const reason = ix.unresolvedReason(s, ix.targetsOf(s));
      if (!reason) continue;
      const row = { file, line: s.site.line + 1, function: s.fromId, reason };
      rows.push(row);
      if (opts.bodies && s.slot) {
        const names = ix.externStores(s.slot).map((e) => e.name);
        if (names.length) outside.set(row, names);
      }
    }
  }
  // Which folders hold the bodies: one walk over the files not indexed, for every name at once.
  if (outside.size) {
    const bodies = externBodies(ix.root, [...outside.values()].flat(), (rel) => ix.files.has(rel));
    for (const [row, names] of outside) {
      const folders = [...new Set(names.flatMap((n) => bodies.get(n) ?? []))];
      if (folders.length) row.reason += `; add ${folders.map((f) => `\`${f}\``).join(', ')} to --scope to resolve it`;
    }
  }
  for (const { reason } of rows) {
    const key = reason.replace(/`[^`]*`|\b\w+\.\w+\b/g, '…').replace(/ \w+$/, '');
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  return { rows, reasons };
}
