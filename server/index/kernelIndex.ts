// The index of one tree: every file's facts, the type environment and one generation counter,
// with the queries the CLI and the language server ask. Resolution lives in resolve/ (the store
// table: slots, stores, targets), the call graph in graph/callGraph.ts; this class feeds them files
// and keeps them current. Files can be replaced one at a time (an edit in the editor); derived
// tables are refreshed lazily on the next query, which bumps the generation every memo is keyed on.
import type { FileFacts, FunctionDef } from '../parse/facts';
import type { Built, Evidence, FunctionRef } from '../protocol';
import { type BuildView, type BuiltState } from '../config/built';
import { TypeEnv, structLabel, type FnEntry } from '../resolve/typeEnv';
import { callCount, callsUnread, readExtras, typedMacros } from './lazyFacts';
import { valuesOf, type FileFlows } from '../resolve/slots';
import { fieldKey } from '../resolve/slot';
import { expandFile } from '../resolve/macros';
import { StoreTable, type SiteInfo, type StoreMade } from '../resolve/storeTable';
import { byNearness } from '../resolve/targetOrder';
import { CallGraph, type Edge } from '../graph/callGraph';

export type { SiteInfo, StoreMade } from '../resolve/storeTable';
export type { Edge } from '../graph/callGraph';

export interface Target {
  fn: FunctionRef;
  hint: boolean;
  evidence: Evidence[];
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

export class KernelIndex {
  readonly env = new TypeEnv();
  readonly files = new Map<string, FileFacts>();
  /**
   * Files outside the indexed folders, held for their stores into fields the scope calls through
   * (outsideStores.ts): their functions are targets, their own calls are not the scope's.
   */
  readonly outside = new Set<string>();
  private dirty = true;
  private typesChanged = true;
  /** Bumped by every refresh that changed something; every memo is keyed on it (generationMemo.ts). */
  private generation = 0;
  private readonly stores = new StoreTable(this.env, this.files, () => this.generation);
  private readonly calls = new CallGraph(this, this.stores, () => this.generation);

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
    this.calls.fileReplaced(f.path, old, f);
    if (!old || typeSignature(old) !== typeSignature(f)) this.typesChanged = true;
    // Only this file's bodies changed: refresh() swaps its flows in place of the old ones.
    else this.stores.bodiesChanged(f.path);
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
    this.stores.removed(rel);
    this.typesChanged = true;
    this.dirty = true;
  }

  /** Recompute derived tables if anything changed. Cheap when only function bodies changed. */
  private refresh(): void {
    if (!this.dirty) return;
    if (this.typesChanged || this.generation === 0) this.rebuild();
    else {
      // The same definitions as before (the type signature says so), at their uses' new lines.
      for (const rel of this.stores.pending()) this.generate(rel);
      this.stores.swapStale();
    }
    this.generation++;
    this.dirty = false;
  }

  /** Functions and variables a file's macro uses define (`DEFINE_SHOW_ATTRIBUTE(foo)` → `foo_open`) join the types. */
  private generate(rel: string): void {
    const f = this.files.get(rel)!;
    this.env.setGenerated(rel, f.uses || f.includes ? expandFile(this.env.macros, f) : undefined);
  }

  /** Everything from scratch: after a change to types (a header, a struct, a new function). */
  private rebuild(): void {
    this.typesChanged = false;
    this.sortFiles();
    const saved = this.adopted;
    this.adopted = undefined;
    // Generated definitions join the types before anything is resolved: they may be used in any file.
    for (const rel of this.files.keys()) this.generate(rel);
    const flows = this.stores.rebuild(saved);
    this.tookSavedFlows = saved !== undefined;
    const save = this.onFirstFlows;
    this.onFirstFlows = undefined;
    save?.(flows);
    this.calls.reset();
  }

  /**
   * The files in path order. Facts arrive in whichever order the parser threads finish, and every
   * list built from `files` (stores per slot, so which six a target shows as evidence; callers)
   * follows that order: without this, two cold indexes of the same tree answered differently.
   */
  private sortFiles(): void {
    const sorted = [...this.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.files.clear();
    for (const [rel, f] of sorted) this.files.set(rel, f);
  }

  /** Functions stored into a slot, directly or through copies from other slots, with evidence. */
  slotTargets(slot: string): Map<string, Evidence[]> {
    this.refresh();
    return this.stores.slotTargets(slot);
  }

  /** Functions declared but defined outside the indexed folders that reach a slot (it has no other targets), with their declarations. */
  externStores(slot: string): { name: string; file: string; line: number }[] {
    this.refresh();
    return this.stores.externStores(slot);
  }

  /** Every indirect call site whose callee is this slot. */
  sitesWithSlot(slot: string): SiteInfo[] {
    this.refresh();
    return this.stores.sitesWithSlot(slot);
  }

  /** Every indirect call site in a file, with its slot. */
  sitesIn(file: string): SiteInfo[] {
    this.refresh();
    const f = this.files.get(file);
    const fl = this.stores.flowsOf(file);
    if (!f || !fl) return [];
    return f.icalls.map((ic, i) => this.stores.siteInfo(file, ic, fl.sites[i]));
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
   * them, then the rest by folder (targetOrder.ts). With a configuration each target says whether
   * it is compiled: it is not when its function is not, or when every store of it is not.
   */
  targetsOf(s: SiteInfo): Target[] {
    this.refresh();
    const out: Target[] = [];
    const seen = new Set<string>();
    for (const h of this.hintsOf(s)) {
      const fn = this.env.lookupFunction(h, s.file);
      if (!fn || seen.has(fn.id)) continue;
      seen.add(fn.id);
      const stored = s.slot ? this.stores.slotTargets(s.slot).get(fn.id) : undefined;
      out.push(
        this.target(fn, true, [{ file: s.file, line: s.site.line, col: s.site.col, how: 'hint', slot: s.slot ?? '' }, ...(stored ?? [])]),
      );
    }
    if (s.slot) {
      const rest: Target[] = [];
      for (const [id, evidence] of this.stores.slotTargets(s.slot)) {
        if (seen.has(id)) continue;
        const fn = this.fnById(id);
        if (fn) rest.push(this.target(fn, false, evidence));
      }
      out.push(...byNearness(s.file, rest));
    }
    return out;
  }

  /** The hints of a site as the configuration's macros test them (all of them without a configuration). */
  private hintsOf(s: SiteInfo): string[] {
    const hints = s.site.hints ?? [];
    return this.buildView && s.site.via ? this.buildView.hintsOf(s.file, s.site.via, hints) : hints;
  }

  /** A function as a target, reached through `evidence`; with a configuration, whether this kernel can reach it so. */
  target(fn: FnEntry, hint: boolean, evidence: Evidence[]): Target {
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
    this.refresh();
    return this.stores.unresolvedReason(s);
  }

  fnById(id: string): FnEntry | undefined {
    return this.env.functionById(id);
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

  /** Outgoing edges: direct calls and every target of every indirect call in the function. */
  callees(id: string): Edge[] {
    this.refresh();
    return this.calls.callees(id);
  }

  /** Incoming edges: direct callers and the indirect call sites whose slot holds this function. */
  callers(id: string): Edge[] {
    this.refresh();
    return this.calls.callers(id);
  }

  /** Where a function is stored into slots (for references). */
  storesOf(id: string): Evidence[] {
    return this.storesByFunction().get(id) ?? [];
  }

  /** storesOf() for every function at once (kept for the generation: hover and references ask it each time). */
  storesByFunction(): Map<string, Evidence[]> {
    this.refresh();
    return this.stores.storesByFunction();
  }

  /**
   * The stores a function's body makes: the function pointers it passes as arguments (`NF_HOOK#7 ←
   * ip_rcv_finish`), the fields it writes from its parameters (`nf_hook_state.okfn ←
   * nf_hook_state_init#7`). Paths use them to follow what the caller on the path passed.
   */
  storesMadeIn(fnId: string): readonly StoreMade[] {
    this.refresh();
    return this.stores.storesMadeIn(fnId);
  }

  /** Every function stored into a struct field (for go-to-implementation on a field). */
  fieldTargets(structName: string, field: string): Map<string, Evidence[]> {
    return this.slotTargets(fieldKey(structLabel(structName), field));
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
      // Files held for their stores (outside the scope): their calls are not the scope's to answer.
      if (this.outside.has(rel)) continue;
      this.stores.flowsOf(rel)!.sites.forEach((s, i) => {
        sites++;
        if (this.targetsOf(this.stores.siteInfo(rel, f.icalls[i], s)).length) resolved++;
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
