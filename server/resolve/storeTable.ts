// The store table: every file's flows (slots.ts) joined into slot ← value lists, the indirect call
// sites by slot, and the slot graph (which slots hold a function, which copy into which). Built
// whole after a change to types; an edit inside one file's bodies swaps only that file's flows and
// sites. Answers: the targets of a slot with evidence, the slots of a function, why a site has none.
import type { FileFacts, IndirectCall } from '../parse/facts';
import type { Evidence, HopKind } from '../protocol';
import { GenerationMemo, GenerationValue } from '../generationMemo';
import { enclosingId, fileFlows, type FileFlows, type SlotResult } from './slots';
import { argKey, externName, parseSlot } from './slot';
import { storeNearness } from './targetOrder';
import type { TypeEnv } from './typeEnv';

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

/** A store made inside a function: into `slot`, of function `fn` or of the value of slot `from`. */
export interface StoreMade {
  slot: string;
  fn?: string;
  from?: string;
  evidence: Evidence;
}

/** What reaches a slot: a function or another slot's value, with the store that says so. */
interface Stored {
  fn?: string;
  slot?: string;
  evidence: Evidence;
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

/** The kind of hop a call through a slot is (a site's slot is a field, a parameter, a local or a global). */
function slotKind(slot: string): HopKind {
  const kind = parseSlot(slot)?.kind ?? 'field';
  return kind === 'arg' ? 'param' : kind === 'extern' ? 'global' : kind;
}

export class StoreTable {
  private readonly flows = new Map<string, FileFlows>();
  /** Flows of files edited since the last refresh, to be taken out of slotIn. */
  private readonly staleFlows = new Map<string, FileFlows>();
  private slotIn = new Map<string, Stored[]>();
  private sitesBySlot = new Map<string, SiteInfo[]>();
  /** Built by the first query that needs it, then kept current by swapStale: rebuilding it from every store cost a quarter of a second after each edit. */
  private slotGraphMemo: SlotGraph | undefined;
  private readonly targetMemo: GenerationMemo<string, Map<string, Evidence[]>>;
  private readonly slotsOfFnMemo: GenerationMemo<string, Set<string>>;
  private readonly storesByFn: GenerationValue<Map<string, Evidence[]>>;
  private readonly madeIn: GenerationValue<Map<string, StoreMade[]>>;

  constructor(
    private readonly env: TypeEnv,
    private readonly files: ReadonlyMap<string, FileFacts>,
    generation: () => number,
  ) {
    this.targetMemo = new GenerationMemo(generation);
    this.slotsOfFnMemo = new GenerationMemo(generation);
    this.storesByFn = new GenerationValue(generation, () => this.computeStoresByFunction());
    this.madeIn = new GenerationValue(generation, () => this.computeStoresMadeIn());
  }

  /** A file's bodies changed but not its types: swapStale() replaces its flows with new ones. */
  bodiesChanged(rel: string): void {
    const prev = this.flows.get(rel);
    if (prev && !this.staleFlows.has(rel)) this.staleFlows.set(rel, prev);
    this.flows.delete(rel);
  }

  /** A file is gone (a rebuild follows: removing a file changes types). */
  removed(rel: string): void {
    this.flows.delete(rel);
  }

  /** Everything from scratch, taking `saved` flows where given; returns the flows of every file. */
  rebuild(saved: ReadonlyMap<string, FileFlows> | undefined): ReadonlyMap<string, FileFlows> {
    this.flows.clear();
    this.staleFlows.clear();
    this.slotGraphMemo = undefined;
    for (const [rel, f] of this.files) this.flows.set(rel, saved?.get(rel) ?? fileFlows(this.env, f));
    this.slotIn = new Map();
    this.sitesBySlot = new Map();
    for (const fl of this.flows.values()) for (const fw of fl.flows) push(this.slotIn, fw.slot, { ...fw.value, evidence: fw.evidence });
    for (const rel of this.flows.keys()) this.addSites(rel);
    return this.flows;
  }

  /**
   * An edit inside function bodies: take the edited files' old flows and sites out, put the new ones
   * in, each list then in the order of the files, as a rebuild makes it (which six stores a target
   * shows as evidence, and the order of callers, follow that order).
   */
  swapStale(): void {
    const touchedSlots = new Set<string>();
    const touchedSites = new Set<string>();
    for (const [rel, old] of this.staleFlows) {
      for (const fw of old.flows) {
        const list = this.slotIn.get(fw.slot);
        if (!list) continue;
        touchedSlots.add(fw.slot);
        const kept = list.filter((v) => v.evidence !== fw.evidence);
        if (kept.length) this.slotIn.set(fw.slot, kept);
        else this.slotIn.delete(fw.slot);
        if (this.slotGraphMemo && kept.length < list.length) linkSlot(this.slotGraphMemo, fw.slot, fw.value, -1);
      }
      for (const site of old.sites) {
        if (!('slot' in site)) continue;
        for (const slot of [site.slot, ...(site.general ?? [])]) {
          const list = this.sitesBySlot.get(slot);
          touchedSites.add(slot);
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
      const fl = fileFlows(this.env, this.files.get(rel)!);
      this.flows.set(rel, fl);
      for (const fw of fl.flows) {
        push(this.slotIn, fw.slot, { ...fw.value, evidence: fw.evidence });
        touchedSlots.add(fw.slot);
        if (this.slotGraphMemo) linkSlot(this.slotGraphMemo, fw.slot, fw.value, 1);
      }
    }
    for (const rel of changed) for (const slot of this.addSites(rel)) touchedSites.add(slot);
    this.staleFlows.clear();
    // Stable sorts: a file's own entries keep the order its flows gave them.
    const rank = fileRanks(this.files);
    for (const slot of touchedSlots) this.slotIn.get(slot)?.sort((a, b) => rank.get(a.evidence.file)! - rank.get(b.evidence.file)!);
    for (const slot of touchedSites) this.sitesBySlot.get(slot)?.sort((a, b) => rank.get(a.file)! - rank.get(b.file)!);
  }

  /** Files whose flows are to be computed again (their bodies changed). */
  pending(): string[] {
    return [...this.files.keys()].filter((rel) => !this.flows.has(rel));
  }

  flowsOf(rel: string): FileFlows | undefined {
    return this.flows.get(rel);
  }

  /** A file's sites joined to sitesBySlot; returns the slots they went under. */
  private addSites(rel: string): string[] {
    const f = this.files.get(rel)!;
    const slots: string[] = [];
    this.flows.get(rel)!.sites.forEach((s, i) => {
      const info = this.siteInfo(rel, f.icalls[i], s);
      if (info.slot) {
        push(this.sitesBySlot, info.slot, info);
        slots.push(info.slot);
      }
    });
    return slots;
  }

  siteInfo(file: string, site: IndirectCall, s: SlotResult): SiteInfo {
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

  /** Every indirect call site whose callee is this slot. */
  sitesWithSlot(slot: string): SiteInfo[] {
    return this.sitesBySlot.get(slot) ?? [];
  }

  /** Functions stored into a slot, directly or through copies from other slots, with evidence. */
  slotTargets(slot: string): Map<string, Evidence[]> {
    return this.targetMemo.get(slot, () => this.computeTargets(slot));
  }

  private computeTargets(slot: string): Map<string, Evidence[]> {
    const out = new Map<string, Evidence[]>();
    const seen = new Set<string>([slot]);
    const queue: { slot: string; via: Evidence[] }[] = [{ slot, via: [] }];
    const nearness = (fnId: string, e: Evidence): number => storeNearness(this.env.functionById(fnId)?.file, e.file);
    while (queue.length) {
      const cur = queue.shift()!;
      for (const v of this.slotIn.get(cur.slot) ?? []) {
        if (v.fn) {
          const ev = out.get(v.fn);
          const chain = [v.evidence, ...cur.via];
          if (!ev) out.set(v.fn, chain);
          else if (nearness(v.fn, chain[0]) < nearness(v.fn, ev[0])) out.set(v.fn, [...chain, ...ev].slice(0, 6));
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
    return out;
  }

  /** For the parameter slot `F#i`: `S#i` for every slot S that F is stored into and that calls pass arguments through. */
  private argSlotsOfParam(slot: string): string[] {
    const param = parseSlot(slot);
    if (param?.kind !== 'param' || !this.env.functionById(param.fn)) return [];
    const out: string[] = [];
    for (const s of this.slotsOfFn(param.fn)) if (this.slotIn.has(argKey(s, param.index))) out.push(argKey(s, param.index));
    return out;
  }

  /** Functions declared but defined outside the indexed folders that reach a slot (it has no other targets), with their declarations. */
  externStores(slot: string): { name: string; file: string; line: number }[] {
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

  /** Why a site has no targets. */
  unresolvedReason(s: SiteInfo): string {
    if (s.unresolved) return s.unresolved;
    if (s.slot) {
      const ext = this.externStores(s.slot);
      if (ext.length)
        return `stored outside the scope: ${ext.map((e) => `\`${e.name}\` (declared \`${e.file}:${e.line + 1}\`)`).join(', ')}, with no body in the indexed folders`;
      return `nothing is stored into ${s.slot} in the indexed folders`;
    }
    return 'unknown';
  }

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
  slotsOfFn(id: string): Set<string> {
    return this.slotsOfFnMemo.get(id, () => {
      const { direct, forward } = this.slotGraph();
      const all = new Set(direct.get(id)?.keys());
      const queue = [...all];
      while (queue.length)
        for (const next of forward.get(queue.pop()!)?.keys() ?? [])
          if (!all.has(next)) {
            all.add(next);
            queue.push(next);
          }
      return all;
    });
  }

  /**
   * Where each function is stored into slots, built in one pass per generation: the language
   * server asks it on every hover and references request, where a scan of every slot (a tenth of
   * a second on the net scope) each time would be too slow.
   */
  storesByFunction(): Map<string, Evidence[]> {
    return this.storesByFn.get();
  }

  private computeStoresByFunction(): Map<string, Evidence[]> {
    const byFn = new Map<string, Evidence[]>();
    for (const [slot, values] of this.slotIn) for (const v of values) if (v.fn) push(byFn, v.fn, { ...v.evidence, slot });
    return byFn;
  }

  /** The stores a function's body makes (see KernelIndex.storesMadeIn). */
  storesMadeIn(fnId: string): readonly StoreMade[] {
    return this.madeIn.get().get(fnId) ?? [];
  }

  private computeStoresMadeIn(): Map<string, StoreMade[]> {
    const byFn = new Map<string, StoreMade[]>();
    for (const [slot, values] of this.slotIn) {
      for (const v of values) if (v.evidence.in) push(byFn, v.evidence.in, { slot, fn: v.fn, from: v.slot, evidence: v.evidence });
    }
    return byFn;
  }
}

/** Each file's position in the order files were added (a Map keeps a replaced key where it was). */
export function fileRanks(files: ReadonlyMap<string, unknown>): Map<string, number> {
  const rank = new Map<string, number>();
  for (const rel of files.keys()) rank.set(rel, rank.size);
  return rank;
}

export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
