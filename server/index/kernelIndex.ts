// The index of one tree: every file's facts, the type environment, the store graph and the call
// graph, with the queries the CLI and the language server ask. Files can be replaced one at a time
// (an edit in the editor); derived tables are refreshed lazily on the next query.
import type { CallSite, FileFacts, FunctionDef, IndirectCall } from '../parse/facts';
import type { Built, Evidence, FunctionRef, HopKind } from '../protocol';
import { type BuildView, type BuiltState } from '../config/built';
import { TypeEnv, structLabel, type FnEntry } from '../resolve/typeEnv';
import { callCount, callsUnread, readExtras, typedMacros } from './lazyFacts';
import { enclosingId, externName, fileFlows, valuesOf, type FileFlows, type SlotResult } from '../resolve/slots';
import { expandFile } from '../resolve/macros';

export interface Target {
  fn: FunctionRef;
  hint: boolean;
  evidence: Evidence[];
}

/** Where a function is relative to a call site: 0 for the site's own folder, more for each folder up to the common one. */
function folderDistance(site: string, file: string): number {
  const a = site.split('/').slice(0, -1);
  const b = file.split('/').slice(0, -1);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return a.length - common;
}
const dirOf = (file: string): string => file.slice(0, file.lastIndexOf('/') + 1);

export interface SiteInfo {
  file: string;
  site: IndirectCall;
  fromId: string;
  slot?: string;
  /** Less specific names of the slot, used when nothing is stored under the specific one. */
  general?: string[];
  receiverType?: string;
  unresolved?: string;
  kind: HopKind;
}

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

/** A store made inside a function: into `slot`, of function `fn` or of the value of slot `from`. */
export interface StoreMade {
  slot: string;
  fn?: string;
  from?: string;
  evidence: Evidence;
}

export interface IndexStats {
  files: number;
  /** Of `files`, those held for their stores only (outside the indexed folders, see outsideStores.ts). */
  outsideFiles: number;
  functions: number;
  structs: number;
  calls: number;
  indirectSites: number;
  resolvedSites: number;
  stores: number;
}

/** Slot → slot and function → slot links, each counted by the stores that make it. */
interface SlotGraph {
  direct: Map<string, Map<string, number>>;
  forward: Map<string, Map<string, number>>;
}

function linkSlot(g: SlotGraph, slot: string, v: { fn?: string; slot?: string }, delta: number): void {
  const [m, from] = v.fn ? [g.direct, v.fn] : v.slot ? [g.forward, v.slot] : [undefined, ''];
  if (!m) return;
  let inner = m.get(from);
  if (!inner) {
    inner = new Map();
    m.set(from, inner);
  }
  const n = (inner.get(slot) ?? 0) + delta;
  if (n > 0) inner.set(slot, n);
  else {
    inner.delete(slot);
    if (inner.size === 0) m.delete(from);
  }
}

function slotKind(slot: string): HopKind {
  if (slot.startsWith('G:')) return 'global';
  if (slot.includes('#')) return 'param';
  if (slot.includes(':')) return 'local';
  return 'field';
}

export class KernelIndex {
  readonly env = new TypeEnv();
  readonly files = new Map<string, FileFacts>();
  /**
   * Files outside the indexed folders, held for their stores into fields the scope calls through
   * (outsideStores.ts): their functions are targets, their own calls are not the scope's.
   */
  readonly outside = new Set<string>();
  private flows = new Map<string, FileFlows>();
  private dirty = true;
  private typesChanged = true;
  // Derived, rebuilt when dirty:
  private slotIn = new Map<string, { fn?: string; slot?: string; evidence: Evidence }[]>();
  private sitesBySlot = new Map<string, SiteInfo[]>();
  /** Built on the first callers() query, not at every refresh: most sessions never ask. */
  private callsByCallee: Map<string, { file: string; call: CallSite }[]> | undefined;
  private targetMemo = new Map<string, Map<string, Evidence[]>>();
  /** Flows of files edited since the last refresh, to be taken out of slotIn. */
  private staleFlows = new Map<string, FileFlows>();
  /** Bumped by every refresh; memos compare against it. */
  private generation = 0;
  private slotsOfFnMemo = new Map<string, Set<string>>();
  private slotGraphMemo: SlotGraph | undefined;
  private byFrom = new Map<string, Map<string, { calls: CallSite[]; icalls: number[] }>>();

  private readonly names = new Map<string, string>();
  /** Flows saved for exactly the files now held (flowCache.ts), for the first rebuild to take. */
  private adopted: Map<string, FileFlows> | undefined;
  /** Called with the flows of the first rebuild, if the files have not changed since it was set. */
  private onFirstFlows: ((flows: ReadonlyMap<string, FileFlows>) => void) | undefined;

  /** The configuration answers are given for, if one was chosen. */
  private buildView: BuildView | undefined;

  constructor(readonly root: string) {}

  /** Answer for a configuration (undefined: for none). Nothing is parsed or resolved again. */
  setBuild(view: BuildView | undefined): void {
    this.buildView = view;
  }

  get build(): BuildView | undefined {
    return this.buildView;
  }

  /** Whether a line is compiled in the configuration in use (undefined without one). */
  builtAt(file: string, line: number): BuiltState | undefined {
    return this.buildView?.at(file, line);
  }

  /**
   * The files now held are those a flow cache was saved for: `saved` has their flows (the first
   * resolution takes them instead of computing them), or, when there is none, `save` (if given) is
   * handed the computed ones. Any change to the files before that first resolution cancels both.
   */
  useSavedFlows(saved: Map<string, FileFlows> | undefined, save: ((flows: ReadonlyMap<string, FileFlows>) => void) | undefined): void {
    if (this.generation !== 0) return;
    this.adopted = saved;
    this.onFirstFlows = saved ? undefined : save;
  }

  /** True once the first resolution took saved flows. */
  get flowsFromCache(): boolean {
    return this.tookSavedFlows;
  }
  private tookSavedFlows = false;

  private intern(s: string): string {
    const v = this.names.get(s);
    if (v !== undefined) return v;
    this.names.set(s, s);
    return s;
  }

  /** The files are changing: saved flows no longer describe them. */
  private forgetSavedFlows(): void {
    this.adopted = undefined;
    this.onFirstFlows = undefined;
  }

  setFile(f: FileFacts): void {
    this.forgetSavedFlows();
    this.buildView?.invalidate();
    // Facts arrive from JSON or another thread with a fresh copy of every name; a call site holds
    // two of them, and there are millions of call sites. One shared copy per name halves their memory.
    // (Calls still packed from the cache are interned when they are unpacked.)
    if (!callsUnread(f))
      for (const c of f.calls) {
        c.from = this.intern(c.from);
        c.callee = this.intern(c.callee);
      }
    for (const c of f.icalls) c.from = this.intern(c.from);
    const old = this.files.get(f.path);
    if (old) this.env.remove(old, typedMacros(old));
    this.env.add(f, typedMacros(f));
    this.files.set(f.path, f);
    this.byFrom.delete(f.path);
    if (this.callsByCallee) {
      // Each callee's list is filtered once, not once per call to it.
      for (const callee of new Set((old?.calls ?? []).map((c) => c.callee))) {
        const list = this.callsByCallee.get(callee);
        if (list)
          this.callsByCallee.set(
            callee,
            list.filter((x) => x.file !== f.path),
          );
      }
      for (const c of f.calls) push(this.callsByCallee, c.callee, { file: f.path, call: c });
    }
    if (!old || typeSignature(old) !== typeSignature(f)) this.typesChanged = true;
    else {
      // Only this file's bodies changed: refresh() swaps its flows in place of the old ones.
      const prev = this.flows.get(f.path);
      if (prev && !this.staleFlows.has(f.path)) this.staleFlows.set(f.path, prev);
      this.flows.delete(f.path);
    }
    this.dirty = true;
  }

  removeFile(rel: string): void {
    const old = this.files.get(rel);
    if (!old) return;
    this.forgetSavedFlows();
    this.buildView?.invalidate();
    this.env.remove(old, typedMacros(old));
    this.env.setGenerated(rel, undefined);
    this.files.delete(rel);
    this.outside.delete(rel);
    this.flows.delete(rel);
    this.byFrom.delete(rel);
    this.typesChanged = true;
    this.dirty = true;
  }

  /** Recompute derived tables if anything changed. Cheap when only function bodies changed. */
  private refresh(): void {
    if (!this.dirty) return;
    if (this.typesChanged || this.generation === 0) {
      this.rebuild();
      this.callsByCallee = undefined;
      this.slotGraphMemo = undefined;
    } else this.swapStaleFiles();
    this.targetMemo.clear();
    this.slotsOfFnMemo.clear();
    this.generation++;
    this.dirty = false;
  }

  /** Everything from scratch: after a change to types (a header, a struct, a new function). */
  private rebuild(): void {
    this.flows.clear();
    this.staleFlows.clear();
    this.typesChanged = false;
    const saved = this.adopted;
    this.adopted = undefined;
    // Functions and variables defined by macro uses (`DEFINE_SHOW_ATTRIBUTE(foo)` → `foo_open`)
    // join the types before anything is resolved: their definitions may be in any file.
    for (const [rel, f] of this.files) this.env.setGenerated(rel, f.uses || f.includes ? expandFile(this.env.macros, f) : undefined);
    for (const [rel, f] of this.files) this.flows.set(rel, saved?.get(rel) ?? fileFlows(this.env, f));
    this.tookSavedFlows = saved !== undefined;
    const save = this.onFirstFlows;
    this.onFirstFlows = undefined;
    save?.(this.flows);
    this.slotIn = new Map();
    this.sitesBySlot = new Map();
    for (const fl of this.flows.values()) for (const fw of fl.flows) push(this.slotIn, fw.slot, { ...fw.value, evidence: fw.evidence });
    for (const rel of this.flows.keys()) this.addSites(rel);
  }

  /** An edit inside function bodies: take the file's old flows and sites out, put the new ones in. */
  private swapStaleFiles(): void {
    for (const [rel, old] of this.staleFlows) {
      for (const fw of old.flows) {
        const list = this.slotIn.get(fw.slot);
        if (!list) continue;
        const kept = list.filter((v) => v.evidence !== fw.evidence);
        if (kept.length) this.slotIn.set(fw.slot, kept);
        else this.slotIn.delete(fw.slot);
        if (this.slotGraphMemo && kept.length < list.length) linkSlot(this.slotGraphMemo, fw.slot, fw.value, -1);
      }
      for (const site of old.sites) {
        if (!('slot' in site)) continue;
        for (const slot of [site.slot, ...(site.general ?? [])]) {
          const list = this.sitesBySlot.get(slot);
          if (list)
            this.sitesBySlot.set(
              slot,
              list.filter((x) => x.file !== rel),
            );
        }
      }
    }
    const changed = [...this.files.keys()].filter((rel) => !this.flows.has(rel));
    for (const rel of changed) {
      const f = this.files.get(rel)!;
      // The same definitions as before (the type signature says so), at their uses' new lines.
      this.env.setGenerated(rel, f.uses || f.includes ? expandFile(this.env.macros, f) : undefined);
      const fl = fileFlows(this.env, f);
      this.flows.set(rel, fl);
      for (const fw of fl.flows) {
        push(this.slotIn, fw.slot, { ...fw.value, evidence: fw.evidence });
        if (this.slotGraphMemo) linkSlot(this.slotGraphMemo, fw.slot, fw.value, 1);
      }
    }
    for (const rel of changed) this.addSites(rel);
    this.staleFlows.clear();
  }

  private addSites(rel: string): void {
    const f = this.files.get(rel)!;
    this.flows.get(rel)!.sites.forEach((s, i) => {
      const info = this.siteInfo(rel, f.icalls[i], s);
      if (info.slot) push(this.sitesBySlot, info.slot, info);
    });
  }

  private siteInfo(file: string, site: IndirectCall, s: SlotResult): SiteInfo {
    const fromId = enclosingId(this.env, file, site.from);
    if ('slot' in s) {
      // A qualified slot nothing is stored under (stores went through a pointer to the inner
      // struct) falls back to its first general name that has stores.
      let slot = s.slot;
      if (!this.slotIn.has(slot)) slot = s.general?.find((g) => this.slotIn.has(g)) ?? slot;
      return { file, site, fromId, slot, general: s.general, receiverType: s.receiverType, kind: slotKind(slot) };
    }
    if ('direct' in s) return { file, site, fromId, kind: 'direct', slot: undefined, unresolved: undefined };
    return { file, site, fromId, unresolved: s.unresolved, kind: 'field' };
  }

  /** Functions stored into a slot, directly or through copies from other slots, with evidence. */
  slotTargets(slot: string): Map<string, Evidence[]> {
    this.refresh();
    const memo = this.targetMemo.get(slot);
    if (memo) return memo;
    const out = new Map<string, Evidence[]>();
    const seen = new Set<string>([slot]);
    const queue: { slot: string; via: Evidence[] }[] = [{ slot, via: [] }];
    while (queue.length) {
      const cur = queue.shift()!;
      for (const v of this.slotIn.get(cur.slot) ?? []) {
        if (v.fn) {
          const ev = out.get(v.fn);
          const chain = [v.evidence, ...cur.via];
          if (!ev) out.set(v.fn, chain);
          else if (this.nearness(v.fn, chain[0]) < this.nearness(v.fn, ev[0])) out.set(v.fn, [...chain, ...ev].slice(0, 6));
          else if (ev.length < 6 && !ev.some((e) => e.file === v.evidence.file && e.line === v.evidence.line)) ev.push(v.evidence);
        } else if (v.slot && !seen.has(v.slot)) {
          seen.add(v.slot);
          queue.push({ slot: v.slot, via: [v.evidence, ...cur.via] });
        }
      }
      // Parameter i of a function stored in slot S also gets argument i of the calls through S.
      for (const s of this.argSlotsOfParam(cur.slot))
        if (!seen.has(s)) {
          seen.add(s);
          queue.push({ slot: s, via: cur.via });
        }
    }
    this.targetMemo.set(slot, out);
    return out;
  }

  /** For the parameter slot `F#i`: `S#i` for every slot S that F is stored into and that calls pass arguments through. */
  private argSlotsOfParam(slot: string): string[] {
    const hash = slot.lastIndexOf('#');
    if (hash < 0 || !/^\d+$/.test(slot.slice(hash + 1))) return [];
    const fn = slot.slice(0, hash);
    if (!this.fnById(fn)) return [];
    const index = slot.slice(hash);
    const out: string[] = [];
    for (const s of this.slotsOfFn(fn)) if (this.slotIn.has(s + index)) out.push(s + index);
    return out;
  }

  /** Functions declared but defined outside the indexed folders that reach a slot (it has no other targets), with their declarations. */
  externStores(slot: string): { name: string; file: string; line: number }[] {
    this.refresh();
    const out: { name: string; file: string; line: number }[] = [];
    const seen = new Set<string>([slot]);
    const queue = [slot];
    while (queue.length && out.length < 8) {
      const cur = queue.shift()!;
      for (const v of this.slotIn.get(cur) ?? []) {
        if (!v.slot || seen.has(v.slot)) continue;
        seen.add(v.slot);
        const name = externName(v.slot);
        const decl = name ? this.env.declaration(name) : undefined;
        if (name && decl) out.push({ name, ...decl });
        else if (!name) queue.push(v.slot);
      }
      for (const s of this.argSlotsOfParam(cur))
        if (!seen.has(s)) {
          seen.add(s);
          queue.push(s);
        }
    }
    return out;
  }

  /** How close a store is to the function it stores: its own file first, then its folder (the table beside it). */
  private nearness(fnId: string, e: Evidence): number {
    const file = this.fnById(fnId)?.file;
    if (!file) return 3;
    if (e.file === file) return 0;
    return e.file.slice(0, e.file.lastIndexOf('/')) === file.slice(0, file.lastIndexOf('/')) ? 1 : 2;
  }

  /** Every indirect call site whose callee is this slot. */
  sitesWithSlot(slot: string): SiteInfo[] {
    this.refresh();
    return this.sitesBySlot.get(slot) ?? [];
  }

  /** Every indirect call site in a file, with its slot. */
  sitesIn(file: string): SiteInfo[] {
    this.refresh();
    const f = this.files.get(file);
    const fl = this.flows.get(file);
    if (!f || !fl) return [];
    return f.icalls.map((ic, i) => this.siteInfo(file, ic, fl.sites[i]));
  }

  /** The indirect call at (or nearest on) a line; with a column, the one whose name spans it. */
  siteAt(file: string, line: number, col?: number): SiteInfo | undefined {
    const sites = this.sitesIn(file).filter((s) => s.site.nameLine === line || s.site.line === line);
    if (col === undefined) return sites[0];
    return (
      sites.find((s) => s.site.nameLine === line && col >= s.site.nameCol && col <= s.site.endCol) ??
      sites.find((s) => s.site.line === line && col >= s.site.col && col <= s.site.endCol)
    );
  }

  /**
   * Targets of a site, most relevant first: the `INDIRECT_CALL_*` hints in the order the macro tests
   * them, then the rest by folder, the site's own folder first and then outward (the call in
   * net/ipv4/af_inet.c lists net/ipv4 before net/ and drivers/). With a configuration each target
   * says whether it is compiled: it is not when its function is not, or when every store of it is not.
   */
  targetsOf(s: SiteInfo): Target[] {
    const out: Target[] = [];
    const seen = new Set<string>();
    for (const h of this.hintsOf(s)) {
      const fn = this.env.lookupFunction(h, s.file);
      if (!fn || seen.has(fn.id)) continue;
      seen.add(fn.id);
      const stored = s.slot ? this.slotTargets(s.slot).get(fn.id) : undefined;
      out.push(
        this.target(fn, true, [{ file: s.file, line: s.site.line, col: s.site.col, how: 'hint', slot: s.slot ?? '' }, ...(stored ?? [])]),
      );
    }
    if (s.slot) {
      const rest: Target[] = [];
      for (const [id, evidence] of this.slotTargets(s.slot)) {
        if (seen.has(id)) continue;
        const fn = this.fnById(id);
        if (fn) rest.push(this.target(fn, false, evidence));
      }
      const key = (t: Target): [number, string, string] => [folderDistance(s.file, t.fn.file), dirOf(t.fn.file), t.fn.name];
      rest.sort((a, b) => {
        const [da, fa, na] = key(a);
        const [db, fb, nb] = key(b);
        return da - db || (fa < fb ? -1 : fa > fb ? 1 : 0) || (na < nb ? -1 : na > nb ? 1 : 0);
      });
      out.push(...rest);
    }
    return out;
  }

  /** The hints of a site as the configuration's macros test them (all of them without a configuration). */
  private hintsOf(s: SiteInfo): string[] {
    const hints = s.site.hints ?? [];
    return this.buildView && s.site.via ? this.buildView.hintsOf(s.file, s.site.via, hints) : hints;
  }

  private target(fn: FnEntry, hint: boolean, evidence: Evidence[]): Target {
    const ref = this.ref(fn);
    if (!this.buildView) return { fn: ref, hint, evidence };
    const marked = evidence.map((e) => (e.how === 'hint' ? e : { ...e, built: this.buildView!.at(e.file, e.line).built }));
    // Reached only through stores that are not compiled: not a target in this kernel.
    const stores = marked.filter((e) => e.how !== 'hint' && e.how !== 'copy');
    if (ref.built !== 'n' && stores.length && stores.every((e) => e.built === 'n')) {
      const first = stores[0];
      ref.built = 'n';
      ref.builtWhy = `stored only where it is not compiled: ${first.file}:${first.line + 1}: ${this.buildView.at(first.file, first.line).why}`;
      delete ref.module;
    }
    return { fn: ref, hint, evidence: marked };
  }

  /** Why a site has no targets, or undefined if it has some. */
  unresolvedReason(s: SiteInfo, targets: Target[]): string | undefined {
    if (targets.length) return undefined;
    if (s.unresolved) return s.unresolved;
    if (s.slot) {
      const ext = this.externStores(s.slot);
      if (ext.length)
        return `stored outside the scope: ${ext.map((e) => `\`${e.name}\` (declared \`${e.file}:${e.line + 1}\`)`).join(', ')}, with no body in the indexed folders`;
      return `nothing is stored into ${s.slot} in the indexed folders`;
    }
    return 'unknown';
  }

  fnById(id: string): FnEntry | undefined {
    const at = id.indexOf('@');
    const name = at >= 0 ? id.slice(0, at) : id;
    return this.env.functions.get(name)?.find((e) => e.id === id);
  }

  functionsNamed(name: string): FnEntry[] {
    // Macro uses may define functions: they join the index when it is resolved.
    this.refresh();
    return this.env.functions.get(name) ?? [];
  }

  /** A function's definition with its parameters and declaration text (packed until asked, see lazyFacts.ts). */
  fullDef(fn: FnEntry): FunctionDef {
    const f = this.files.get(fn.file);
    if (f) readExtras(f);
    return fn.def as FunctionDef;
  }

  ref(fn: FnEntry): FunctionRef {
    const r: FunctionRef = { id: fn.id, name: fn.name, file: fn.file, line: fn.def.nameLine, col: fn.def.nameCol };
    if (this.buildView) {
      const s = this.buildView.at(fn.file, fn.def.nameLine);
      r.built = s.built;
      r.builtWhy = s.why;
      if (s.module) r.module = s.module;
    }
    return r;
  }

  /** Whether a function is compiled in the configuration in use (undefined without one). */
  builtOf(id: string): Built | undefined {
    if (!this.buildView) return undefined;
    const fn = this.fnById(id);
    return fn ? this.buildView.at(fn.file, fn.def.nameLine).built : 'unknown';
  }

  /** The function whose body contains a line. */
  functionAt(file: string, line: number): FnEntry | undefined {
    const f = this.files.get(file);
    if (!f) return undefined;
    const def = f.functions.find((d) => d.line <= line && line <= d.endLine);
    return def ? this.env.functions.get(def.name)?.find((e) => e.file === file && e.def === def) : undefined;
  }

  private groupByFrom(file: string): Map<string, { calls: CallSite[]; icalls: number[] }> {
    let g = this.byFrom.get(file);
    if (g) return g;
    g = new Map();
    const f = this.files.get(file)!;
    const get = (from: string): { calls: CallSite[]; icalls: number[] } => {
      let e = g!.get(from);
      if (!e) {
        e = { calls: [], icalls: [] };
        g!.set(from, e);
      }
      return e;
    };
    for (const c of f.calls) get(c.from).calls.push(c);
    f.icalls.forEach((ic, i) => get(ic.from).icalls.push(i));
    this.byFrom.set(file, g);
    return g;
  }

  /** Outgoing edges: direct calls and every target of every indirect call in the function. */
  callees(id: string): Edge[] {
    this.refresh();
    const out: Edge[] = [];
    const name = this.fnById(id)?.name;
    if (!name) return out;
    for (const def of this.env.functions.get(name) ?? []) {
      if (def.id !== id) continue;
      const g = this.groupByFrom(def.file).get(name);
      if (!g) continue;
      for (const c of g.calls) {
        const callee = this.env.lookupFunction(c.callee, def.file);
        if (!callee) continue;
        const e: Edge = { from: id, to: callee.id, kind: 'direct', via: '', file: def.file, line: c.line, col: c.col, evidence: [] };
        if (this.buildView)
          e.built = meet(this.buildView.at(def.file, c.line).built, this.buildView.at(callee.file, callee.def.nameLine).built);
        out.push(e);
      }
      const fl = this.flows.get(def.file);
      const facts = this.files.get(def.file)!;
      for (const i of g.icalls) {
        const s = this.siteInfo(def.file, facts.icalls[i], fl!.sites[i]);
        const via = s.slot ?? '';
        const siteBuilt = this.buildView?.at(def.file, s.site.line).built;
        for (const t of this.targetsOf(s)) {
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

  /**
   * Which slots hold each function directly, and which slots copy into which, with how many stores
   * say so. Built by the first callers() query, then kept current by swapStaleFiles: rebuilding it
   * from every store cost a quarter of a second after each edit.
   */
  private slotGraph(): SlotGraph {
    if (!this.slotGraphMemo) {
      const g: SlotGraph = { direct: new Map(), forward: new Map() };
      for (const [slot, values] of this.slotIn) for (const v of values) linkSlot(g, slot, v, 1);
      this.slotGraphMemo = g;
    }
    return this.slotGraphMemo;
  }

  /**
   * The slots a function can be reached through (stored there, or copied onward). Followed for the
   * function asked about only: the closure of every function at once cost a quarter of a second
   * after each edit.
   */
  private slotsOfFn(id: string): Set<string> {
    let all = this.slotsOfFnMemo.get(id);
    if (all) return all;
    const { direct, forward } = this.slotGraph();
    all = new Set(direct.get(id)?.keys());
    const queue = [...all];
    while (queue.length)
      for (const next of forward.get(queue.pop()!)?.keys() ?? [])
        if (!all.has(next)) {
          all.add(next);
          queue.push(next);
        }
    this.slotsOfFnMemo.set(id, all);
    return all;
  }

  /** Incoming edges: direct callers and the indirect call sites whose slot holds this function. */
  callers(id: string): Edge[] {
    this.refresh();
    const fn = this.fnById(id);
    if (!fn) return [];
    const out: Edge[] = [];
    if (!this.callsByCallee) {
      this.callsByCallee = new Map();
      for (const [rel, f] of this.files) for (const c of f.calls) push(this.callsByCallee, c.callee, { file: rel, call: c });
    }
    const own = this.buildView?.at(fn.file, fn.def.nameLine).built;
    for (const { file, call } of this.callsByCallee.get(fn.name) ?? []) {
      if (this.env.lookupFunction(fn.name, file)?.id !== id) continue;
      const e: Edge = {
        from: enclosingId(this.env, file, call.from),
        to: id,
        kind: 'direct',
        via: '',
        file,
        line: call.line,
        col: call.col,
        evidence: [],
      };
      if (own) e.built = meet(own, this.buildView!.at(file, call.line).built);
      out.push(e);
    }
    for (const slot of this.slotsOfFn(id)) {
      const evidence = this.slotTargets(slot).get(id) ?? [];
      const target = own ? this.target(fn, false, evidence).fn.built : undefined;
      for (const s of this.sitesBySlot.get(slot) ?? []) {
        const hint = s.site.hints?.some((h) => this.env.lookupFunction(h, s.file)?.id === id) ?? false;
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
        if (target) e.built = meet(target, this.buildView!.at(s.file, s.site.line).built);
        out.push(e);
      }
    }
    // Hints name a function even where nothing stores it (a config not in the index).
    return out;
  }

  /** Where a function is stored into slots (for references). */
  storesOf(id: string): Evidence[] {
    return this.storesByFunction().get(id) ?? [];
  }

  private storesMemo: { of: number; byFn: Map<string, Evidence[]> } | undefined;

  /**
   * storesOf() for every function at once, built in one pass and kept until the next refresh: the
   * language server asks it on every hover and references request, where a scan of every slot
   * (a tenth of a second on the net scope) each time would be too slow.
   */
  storesByFunction(): Map<string, Evidence[]> {
    this.refresh();
    if (this.storesMemo?.of !== this.generation) {
      const byFn = new Map<string, Evidence[]>();
      for (const [slot, values] of this.slotIn) for (const v of values) if (v.fn) push(byFn, v.fn, { ...v.evidence, slot });
      this.storesMemo = { of: this.generation, byFn };
    }
    return this.storesMemo.byFn;
  }

  private madeInMemo: { of: number; byFn: Map<string, StoreMade[]> } | undefined;

  /**
   * The stores a function's body makes: the function pointers it passes as arguments (`NF_HOOK#7 ←
   * ip_rcv_finish`), the fields it writes from its parameters (`nf_hook_state.okfn ←
   * nf_hook_state_init#7`). Paths use them to follow what the caller on the path passed.
   */
  storesMadeIn(fnId: string): readonly StoreMade[] {
    this.refresh();
    if (this.madeInMemo?.of !== this.generation) {
      const byFn = new Map<string, StoreMade[]>();
      for (const [slot, values] of this.slotIn) {
        for (const v of values) if (v.evidence.in) push(byFn, v.evidence.in, { slot, fn: v.fn, from: v.slot, evidence: v.evidence });
      }
      this.madeInMemo = { of: this.generation, byFn };
    }
    return this.madeInMemo.byFn.get(fnId) ?? [];
  }

  /** Every function stored into a struct field (for go-to-implementation on a field). */
  fieldTargets(structName: string, field: string): Map<string, Evidence[]> {
    return this.slotTargets(`${structLabel(structName)}.${field}`);
  }

  /** Functions that a variable's initializer stores into one of its fields (`tcp_prot.sendmsg`). */
  variableField(variable: string, field: string): { id: string; evidence: Evidence }[] {
    const out: { id: string; evidence: Evidence }[] = [];
    for (const [rel, f] of this.files) {
      for (const st of f.stores) {
        if (st.lhs.k !== 'init' || st.lhs.v !== variable || st.lhs.path.length !== 1 || st.lhs.path[0] !== field) continue;
        const values: { fn?: string }[] = [];
        valuesOf(this.env, st.rhs, rel, '', values);
        for (const v of values)
          if (v.fn) out.push({ id: v.fn, evidence: { file: rel, line: st.line, col: st.col, how: 'init', slot: `${variable}.${field}` } });
      }
    }
    return out;
  }

  stats(): IndexStats {
    this.refresh();
    let functions = 0;
    let calls = 0;
    let sites = 0;
    let resolved = 0;
    let stores = 0;
    for (const [rel, f] of this.files) {
      functions += f.functions.length;
      calls += callCount(f);
      stores += f.stores.length;
      const fl = this.flows.get(rel)!;
      // Files held for their stores (outside the scope): their calls are not the scope's to answer.
      if (this.outside.has(rel)) continue;
      fl.sites.forEach((s, i) => {
        sites++;
        const info = this.siteInfo(rel, f.icalls[i], s);
        if (this.targetsOf(info).length) resolved++;
      });
    }
    return {
      files: this.files.size,
      outsideFiles: this.outside.size,
      functions,
      structs: this.env.structs.size,
      calls,
      indirectSites: sites,
      resolvedSites: resolved,
      stores,
    };
  }
}

/**
 * What other files' resolution depends on: types, globals, field aliases and the set of functions,
 * without positions. An edit that keeps it (a change inside bodies, lines added above) re-resolves
 * only its own file.
 */
function typeSignature(f: FileFacts): string {
  readExtras(f);
  return JSON.stringify([
    f.structs.map((s) => [s.name, s.fields.map((x) => [x.name, x.type])]),
    f.typedefs.map((t) => [t.name, t.type]),
    f.globals.map((g) => [g.name, g.type, g.isStatic]),
    typedMacros(f).map((m) => [m.name, m.value, m.returns]),
    f.functions.map((d) => [d.name, d.isStatic, d.ret, d.params.map((p) => p.type)]),
    f.decls.map((d) => [d.name, d.ret]),
    // Macros others expand, and the file-scope uses that define functions and variables.
    JSON.stringify([f.templates ?? [], f.uses?.filter((u) => u.from === '') ?? [], f.includes ?? []], withoutPositions),
  ]);
}

const POSITION_KEYS = new Set(['line', 'col', 'endLine', 'nameLine', 'nameCol']);
function withoutPositions(key: string, value: unknown): unknown {
  return POSITION_KEYS.has(key) ? undefined : value;
}

/** Both must happen: n if either is not compiled, unknown if either is not known, else the lesser of y and m. */
function meet(a: Built, b: Built): Built {
  if (a === 'n' || b === 'n') return 'n';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return a === 'm' || b === 'm' ? 'm' : 'y';
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
