// The call graph: a function's outgoing edges (its direct calls and every target of its indirect
// calls) and incoming ones (direct callers, and the indirect call sites whose slot holds it), each
// with the evidence and, with a configuration, whether that kernel can make the call.
import type { CallSite, FileFacts } from '../parse/facts';
import type { Built, Evidence, HopKind } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import { GenerationMemo } from '../generationMemo';
import { enclosingId } from '../resolve/slots';
import { fileRanks, push, type StoreTable } from '../resolve/storeTable';

export interface Edge {
  from: string;
  to: string;
  kind: HopKind;
  via: string;
  file: string;
  line: number;
  col: number;
  evidence: Evidence[];
  /** With a configuration: whether this call can happen in that kernel (the site, the callee and, for an indirect call, a store of it are compiled). */
  built?: Built;
}

/** A file's direct calls and indirect call sites (by index into its icalls), by the function they are in. */
type ByFrom = Map<string, { calls: CallSite[]; icalls: number[] }>;

export class CallGraph {
  /** Direct calls by callee: built on the first callers() query, not at every refresh (most sessions never ask), then kept current file by file. */
  private callsByCallee: Map<string, { file: string; call: CallSite }[]> | undefined;
  private readonly byFrom: GenerationMemo<string, ByFrom>;

  constructor(
    private readonly ix: KernelIndex,
    private readonly stores: StoreTable,
    generation: () => number,
  ) {
    this.byFrom = new GenerationMemo(generation);
  }

  /** A file was replaced (or added): its direct calls replace the old ones. */
  fileReplaced(rel: string, old: FileFacts | undefined, f: FileFacts): void {
    if (!this.callsByCallee) return;
    // Each callee's list is filtered once, not once per call to it.
    for (const callee of new Set((old?.calls ?? []).map((c) => c.callee))) {
      const list = this.callsByCallee.get(callee);
      if (list)
        this.callsByCallee.set(
          callee,
          list.filter((x) => x.file !== rel),
        );
    }
    for (const c of f.calls) push(this.callsByCallee, c.callee, { file: rel, call: c });
    if (!old) return;
    // An edited file keeps its place among the files: its calls go back to where a rebuild puts them (stable: in its own order).
    const rank = fileRanks(this.ix.files);
    for (const callee of new Set(f.calls.map((c) => c.callee)))
      this.callsByCallee.get(callee)?.sort((a, b) => rank.get(a.file)! - rank.get(b.file)!);
  }

  /** Everything was resolved again: the table of direct calls is built anew when next asked. */
  reset(): void {
    this.callsByCallee = undefined;
  }

  private groupByFrom(file: string): ByFrom {
    return this.byFrom.get(file, () => {
      const g: ByFrom = new Map();
      const f = this.ix.files.get(file)!;
      const get = (from: string): { calls: CallSite[]; icalls: number[] } => {
        let e = g.get(from);
        if (!e) {
          e = { calls: [], icalls: [] };
          g.set(from, e);
        }
        return e;
      };
      for (const c of f.calls) get(c.from).calls.push(c);
      f.icalls.forEach((ic, i) => get(ic.from).icalls.push(i));
      return g;
    });
  }

  /** Outgoing edges: direct calls and every target of every indirect call in the function. */
  callees(id: string): Edge[] {
    const { env, build } = this.ix;
    const out: Edge[] = [];
    const name = this.ix.fnById(id)?.name;
    if (!name) return out;
    for (const def of env.functions.get(name) ?? []) {
      if (def.id !== id) continue;
      const g = this.groupByFrom(def.file).get(name);
      if (!g) continue;
      for (const c of g.calls) {
        const callee = env.lookupFunction(c.callee, def.file);
        if (!callee) continue;
        const e: Edge = { from: id, to: callee.id, kind: 'direct', via: '', file: def.file, line: c.line, col: c.col, evidence: [] };
        if (build) e.built = meet(build.at(def.file, c.line).built, build.at(callee.file, callee.def.nameLine).built);
        out.push(e);
      }
      const fl = this.stores.flowsOf(def.file);
      const facts = this.ix.files.get(def.file)!;
      for (const i of g.icalls) {
        const s = this.stores.siteInfo(def.file, facts.icalls[i], fl!.sites[i]);
        const via = s.slot ?? '';
        const siteBuilt = build?.at(def.file, s.site.line).built;
        for (const t of this.ix.targetsOf(s)) {
          const e: Edge = {
            from: id,
            to: t.fn.id,
            kind: t.hint ? 'hint' : s.kind,
            via,
            file: def.file,
            line: s.site.line,
            col: s.site.col,
            evidence: t.evidence,
          };
          if (siteBuilt) e.built = meet(siteBuilt, t.fn.built ?? 'unknown');
          out.push(e);
        }
      }
    }
    return out;
  }

  /** Incoming edges: direct callers and the indirect call sites whose slot holds this function. */
  callers(id: string): Edge[] {
    const { env, build } = this.ix;
    const fn = this.ix.fnById(id);
    if (!fn) return [];
    const out: Edge[] = [];
    if (!this.callsByCallee) {
      this.callsByCallee = new Map();
      for (const [rel, f] of this.ix.files) for (const c of f.calls) push(this.callsByCallee, c.callee, { file: rel, call: c });
    }
    const own = build?.at(fn.file, fn.def.nameLine).built;
    for (const { file, call } of this.callsByCallee.get(fn.name) ?? []) {
      if (env.lookupFunction(fn.name, file)?.id !== id) continue;
      const e: Edge = {
        from: enclosingId(env, file, call.from),
        to: id,
        kind: 'direct',
        via: '',
        file,
        line: call.line,
        col: call.col,
        evidence: [],
      };
      if (own) e.built = meet(own, build!.at(file, call.line).built);
      out.push(e);
    }
    for (const slot of this.stores.slotsOfFn(id)) {
      const evidence = this.stores.slotTargets(slot).get(id) ?? [];
      const target = own ? this.ix.target(fn, false, evidence).fn.built : undefined;
      for (const s of this.stores.sitesWithSlot(slot)) {
        const hint = s.site.hints?.some((h) => env.lookupFunction(h, s.file)?.id === id) ?? false;
        const e: Edge = {
          from: s.fromId,
          to: id,
          kind: hint ? 'hint' : s.kind,
          via: slot,
          file: s.file,
          line: s.site.line,
          col: s.site.col,
          evidence,
        };
        if (target) e.built = meet(target, build!.at(s.file, s.site.line).built);
        out.push(e);
      }
    }
    // Hints name a function even where nothing stores it (a config not in the index).
    return out;
  }
}

/** Both must happen: n if either is not compiled, unknown if either is not known, else the lesser of y and m. */
function meet(a: Built, b: Built): Built {
  if (a === 'n' || b === 'n') return 'n';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return a === 'm' || b === 'm' ? 'm' : 'y';
}
