// Shortest call paths over direct and resolved indirect edges. Edges are weighted by how sure we
// are the hop is taken: a direct call, an INDIRECT_CALL hint (the kernel's own statement of the
// likely target) and a parameter hop checked against the caller cost 1; a local or global pointer 2;
// any target of a struct field 4, since a field holds every implementation in the tree (a
// netfilter hook, a tunnel driver) and a path through one is rarely the common one. A caller may add
// a per-function penalty (the send path uses it to stay in one address family), leave out edges
// (`avoid`) or require some (`through`). With a kernel configuration, calls it does not compile are
// not followed.
//
// A function pointer that came down the path is followed to what was passed, not to every function
// of its type. The search walks *frames*: a function with the bindings in force there, namely
//   - its parameters: what the caller on the path passed (`NF_HOOK(…, ip_rcv_finish)` binds
//     `NF_HOOK#7`, and `nf_hook(…, okfn)` inside NF_HOOK passes that binding on to `nf_hook#7`);
//   - fields initialised from a parameter by a function the path goes through or one it calls
//     (`nf_hook` calls `nf_hook_state_init(&state, …, okfn)`, whose body stores its parameter
//     into `nf_hook_state.okfn`): below it, `state->okfn(…)` reaches what that okfn was.
// A call through a bound slot reaches only its bound functions. Two frames of one function with
// different bindings are different states of the search, so `ip_local_deliver`'s NF_HOOK is not
// the one `ip_rcv` entered.
import type { CallPath, PathHop } from '../protocol';
import type { Edge, KernelIndex } from '../index/kernelIndex';
import { classify, laneOf } from './lanes';
import { isFieldKey as isField, isLocalOf, isParamOf } from '../resolve/slot';

/** The functions a slot may hold on this path; null: any of its targets. */
type Values = ReadonlySet<string> | null;
const NONE: ReadonlySet<string> = new Set();

export interface Frame {
  id: string;
  /** Bindings in force: this function's parameters and the fields initialised up the path. */
  env: ReadonlyMap<string, Values>;
  /** Entered by a direct call (a parameter nothing was passed for holds nothing), through a pointer (unknown), or a start. */
  entered: 'start' | 'direct' | 'indirect';
  /** The address family of the IP code the path has been through, if any. */
  family?: Family;
}

type Family = '4' | '6';
/** Crossing from one family's IP code into the other's (a tunnel) costs this much. */
const FAMILY_CROSSING = 6;

/**
 * The family a function belongs to: IPv6's files, and IPv4's IP layer (TCP and the INET helpers in
 * net/ipv4/ serve both families). A packet stays in one family, so on a tie the path does not hop
 * from ip6_rcv_finish into ip_local_deliver because both are hints of one INDIRECT_CALL_INET.
 */
function familyOf(fn: { name: string; file: string } | undefined): Family | undefined {
  if (!fn) return undefined;
  if (fn.file.startsWith('net/ipv6/')) return '6';
  if (fn.file.startsWith('net/ipv4/') && classify(fn) === 'ip') return '4';
  // Shared code names a family's own functions (net/netfilter's nf_nat_ipv6_in, nf_nat_ipv4_out):
  // an IPv4 path's netfilter hooks are IPv4's.
  return IPV6_NAME.test(fn.name) ? '6' : IPV4_NAME.test(fn.name) ? '4' : undefined;
}
const IPV6_NAME = /(?:^|_)(?:ipv6|ip6|inet6)(?:_|$)/;
const IPV4_NAME = /(?:^|_)(?:ipv4|ip4)(?:_|$)/;

export interface PathOptions {
  /** Extra cost for entering a function (e.g. IPv6 files on an IPv4 path). */
  penalty?: (fnId: string) => number;
  /** Longest leg considered, in hops. */
  maxHops?: number;
  /** Edges never taken. */
  avoid?: (e: Edge) => boolean;
}

/** A found leg: its edges, the frame each edge enters, and which `through` conditions were met so far. */
export interface Leg {
  edges: Edge[];
  frames: Frame[];
  met: number;
}

function weight(e: Edge): number {
  switch (e.kind) {
    case 'direct':
    case 'hint':
    case 'param':
      return 1;
    case 'local':
    case 'global':
      return 2;
    default:
      return 4;
  }
}

function union(a: Values, b: Values): Values {
  if (a === null || b === null) return null;
  return new Set([...a, ...b]);
}

/** A binary heap of search states by distance. */
class Heap<T extends { d: number }> {
  private a: T[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: T): void {
    const a = this.a;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p].d <= a[i].d) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): T {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < a.length && a[l].d < a[m].d) m = l;
        if (r < a.length && a[r].d < a[m].d) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Path search over one index: frames, the bindings they carry, and Dijkstra over them. Callees are
 * asked once per function for the life of the searcher (one request).
 */
export class PathSearch {
  private calleeMemo = new Map<string, Edge[]>();

  constructor(
    readonly index: KernelIndex,
    readonly opts: PathOptions = {},
  ) {}

  callees(id: string): Edge[] {
    let out = this.calleeMemo.get(id);
    if (!out) {
      out = this.index.callees(id);
      this.calleeMemo.set(id, out);
    }
    return out;
  }

  /** Start frames: nothing is known of what their callers passed. */
  start(ids: readonly string[]): Frame[] {
    return ids.map((id) => ({ id, env: new Map(), entered: 'start', family: familyOf(this.index.fnById(id)) }));
  }

  /** What a slot holds in a frame (null: any of its targets). */
  valuesIn(f: Frame, slot: string, depth = 0): Values {
    if (isParamOf(slot, f.id)) return f.env.has(slot) ? f.env.get(slot)! : f.entered === 'direct' ? NONE : null;
    if (isLocalOf(slot, f.id) && depth < 4) {
      // A local: what the function's own body stores there (often a parameter it copies).
      let out: Values = NONE;
      let stored = false;
      for (const s of this.index.storesMadeIn(f.id)) {
        if (s.slot !== slot) continue;
        stored = true;
        out = union(out, s.fn ? new Set([s.fn]) : s.from ? this.valuesIn(f, s.from, depth + 1) : null);
      }
      return stored ? out : null;
    }
    return isField(slot) ? (f.env.get(slot) ?? null) : null;
  }

  /** What `f`'s body passes for a parameter slot of a function it calls (nothing: NONE). */
  private passed(f: Frame, param: string): Values {
    let out: Values = NONE;
    for (const s of this.index.storesMadeIn(f.id)) {
      if (s.slot !== param) continue;
      out = union(out, s.fn ? new Set([s.fn]) : s.from ? this.valuesIn(f, s.from) : null);
    }
    return out;
  }

  /**
   * The frame with the fields it initialises from parameters bound: stores in its own body
   * (`state->okfn = okfn`) and in the bodies of the functions it calls directly
   * (`nf_hook_state_init(&state, …, okfn)`), for fields something calls through.
   */
  private withInits(f: Frame): Frame {
    const bound = new Map<string, Values>();
    const bind = (field: string, v: Values): void => {
      if (this.index.sitesWithSlot(field).length) bound.set(field, bound.has(field) ? union(bound.get(field)!, v) : v);
    };
    for (const s of this.index.storesMadeIn(f.id)) {
      if (isField(s.slot) && s.from && isParamOf(s.from, f.id)) bind(s.slot, this.valuesIn(f, s.from));
    }
    const seen = new Set<string>();
    for (const e of this.callees(f.id)) {
      if (e.kind !== 'direct' || seen.has(e.to)) continue;
      seen.add(e.to);
      for (const s of this.index.storesMadeIn(e.to)) {
        if (isField(s.slot) && s.from && isParamOf(s.from, e.to)) bind(s.slot, this.passed(f, s.from));
      }
    }
    if (!bound.size) return f;
    const env = new Map(f.env);
    for (const [k, v] of bound) env.set(k, v);
    return { ...f, env };
  }

  /**
   * The frame an edge enters from `f` (already with its inits), or undefined if the path cannot
   * take it; `force` takes it even where the bindings say the caller passed something else.
   */
  private step(f: Frame, e: Edge, force = false): Frame | undefined {
    if (!force && (e.built === 'n' || this.opts.avoid?.(e))) return undefined;
    if (!force && e.kind !== 'direct' && e.via) {
      const v = this.valuesIn(f, e.via);
      if (v !== null && !v.has(e.to)) return undefined;
    }
    const env = new Map<string, Values>();
    for (const [k, v] of f.env) if (isField(k) && v !== null) env.set(k, v);
    const family = familyOf(this.index.fnById(e.to)) ?? f.family;
    if (e.kind !== 'direct') return { id: e.to, env, entered: 'indirect', family };
    for (const s of this.index.storesMadeIn(f.id)) {
      if (!isParamOf(s.slot, e.to)) continue;
      const v = s.fn ? new Set([s.fn]) : s.from ? this.valuesIn(f, s.from) : null;
      env.set(s.slot, env.has(s.slot) ? union(env.get(s.slot)!, v) : v);
    }
    return { id: e.to, env, entered: 'direct', family };
  }

  /** The frame an edge from `f` enters (see step). */
  enter(f: Frame, e: Edge, force = false): Frame | undefined {
    return this.step(this.withInits(f), e, force);
  }

  /** Whether what was passed down to `f` lets the call of `e` reach its target (other checks aside). */
  allows(f: Frame, e: Edge): boolean {
    if (e.kind === 'direct' || !e.via) return true;
    const v = this.valuesIn(this.withInits(f), e.via);
    return v === null || v.has(e.to);
  }

  /**
   * Protocol hops for edges found from `start` (frames[i] is the frame edges[i] enters): an indirect
   * hop's alternatives are the other targets the bindings allow there (NF_HOOK's okfn on ip_rcv's
   * path offers no other okfn: switching to one would not be this path).
   */
  hops(start: Frame, frames: readonly Frame[], edges: Edge[], drivers?: ReadonlySet<string>): PathHop[] {
    return toHops(this.index, edges, drivers, (i, alt) => this.allows(i === 0 ? start : frames[i - 1], alt));
  }

  /**
   * Dijkstra from frames to the first function that satisfies `isGoal` once the conditions `need`
   * (bits of `through`, all by default) have been met: each is met by taking an edge it accepts;
   * `startMet` are those met before the leg.
   */
  find(
    from: readonly Frame[],
    isGoal: (id: string) => boolean,
    through: readonly ((e: Edge) => boolean)[] = [],
    startMet = 0,
    need = (1 << through.length) - 1,
  ): Leg | undefined {
    interface State {
      key: string;
      frame: Frame;
      d: number;
      hops: number;
      met: number;
      prev?: State;
      edge?: Edge;
    }
    const best = new Map<string, number>();
    const heap = new Heap<State>();
    for (const frame of from) {
      const s: State = { key: stateKey(frame, startMet), frame, d: 0, hops: 0, met: startMet };
      best.set(s.key, 0);
      heap.push(s);
    }
    const maxHops = this.opts.maxHops ?? 40;
    while (heap.size) {
      const cur = heap.pop();
      if (cur.d > (best.get(cur.key) ?? Infinity)) continue;
      if (cur.hops > 0 && (cur.met & need) === need && isGoal(cur.frame.id)) return unwind(cur);
      if (cur.hops >= maxHops) continue;
      const here = this.withInits(cur.frame);
      for (const e of this.callees(cur.frame.id)) {
        if (e.to === cur.frame.id) continue;
        const next = this.step(here, e);
        if (!next) continue;
        let met = cur.met;
        through.forEach((t, i) => {
          if (t(e)) met |= 1 << i;
        });
        const crossing = cur.frame.family && next.family !== cur.frame.family ? FAMILY_CROSSING : 0;
        const d = cur.d + weight(e) + crossing + (this.opts.penalty?.(e.to) ?? 0);
        const key = stateKey(next, met);
        if (d < (best.get(key) ?? Infinity)) {
          best.set(key, d);
          heap.push({ key, frame: next, d, hops: cur.hops + 1, met, prev: cur, edge: e });
        }
      }
    }
    return undefined;

    function unwind(s: State): Leg {
      const edges: Edge[] = [];
      const frames: Frame[] = [];
      for (let c: State | undefined = s; c?.edge; c = c.prev) {
        edges.unshift(c.edge);
        frames.unshift(c.frame);
      }
      return { edges, frames, met: s.met };
    }
  }
}

function stateKey(f: Frame, met: number): string {
  let key = `${f.id}\u0000${f.entered[0]}${f.family ?? ''}${met}`;
  if (f.env.size === 0) return key;
  for (const k of [...f.env.keys()].sort()) {
    const v = f.env.get(k)!;
    key += `\u0000${k}=${v === null ? '*' : [...v].sort().join(',')}`;
  }
  return key;
}

/** Dijkstra from a set of functions to the first function that satisfies `isGoal` (no bindings known at the start). */
export function shortestPath(
  index: KernelIndex,
  from: string[],
  isGoal: (id: string) => boolean,
  opts: PathOptions = {},
): Edge[] | undefined {
  const search = new PathSearch(index, opts);
  return search.find(search.start(from), isGoal)?.edges;
}

/**
 * Turn edges into protocol hops, with the alternatives of each indirect hop (those `allowed` says
 * the path could take instead, all by default) and each function's lane.
 */
export function toHops(
  index: KernelIndex,
  edges: Edge[],
  drivers?: ReadonlySet<string>,
  allowed?: (hop: number, alternative: Edge) => boolean,
): PathHop[] {
  const hops: PathHop[] = edges.map((e, i) => {
    const from = index.fnById(e.from);
    const to = index.fnById(e.to);
    const alternatives =
      e.kind === 'direct'
        ? []
        : index
            .callees(e.from)
            .filter((o) => o.line === e.line && o.col === e.col && o.file === e.file && o.to !== e.to && (allowed?.(i, o) ?? true))
            .map((o) => index.fnById(o.to))
            .filter((f): f is NonNullable<typeof f> => f !== undefined)
            .map((f) => index.ref(f));
    return {
      from: from ? index.ref(from) : { id: e.from, name: e.from, file: '', line: 0, col: 0 },
      to: to ? index.ref(to) : { id: e.to, name: e.to, file: '', line: 0, col: 0 },
      kind: e.kind,
      via: e.via,
      site: { file: e.file, line: e.line, col: e.col },
      evidence: e.evidence,
      alternatives,
    };
  });
  // The lanes along the path: one derivation (lanes.ts), with unclassified helpers in their neighbour's lane.
  const fns = hops.length ? [hops[0].from, ...hops.map((h) => h.to)] : [];
  const lanes = laneOf(fns, drivers);
  hops.forEach((h, i) => {
    h.from.lane = lanes[i].layer;
    h.to.lane = lanes[i + 1].layer;
  });
  return hops;
}

/** Resolve a user-given function name (or id) to ids: `tcp_sendmsg`, `foo@net/x.c`, or a syscall `send`. */
export function functionIds(index: KernelIndex, name: string): string[] {
  if (index.fnById(name)) return [name];
  const named = index.functionsNamed(name).map((f) => f.id);
  if (named.length) return [...new Set(named)];
  const sys = index
    .functionsNamed(`sys_${name}`)
    .filter((f) => f.def.viaMacro?.startsWith('SYSCALL_DEFINE'))
    .map((f) => f.id);
  return [...new Set(sys)];
}

/** The path between two functions, through optional waypoints; what a caller passes is followed across them. */
export function callPath(index: KernelIndex, from: string, to: string, via: string[] = [], opts: PathOptions = {}): CallPath {
  const stops = [from, ...via, to];
  const edges: Edge[] = [];
  const frames: Frame[] = [];
  const search = new PathSearch(index, opts);
  const first = functionIds(index, from);
  if (first.length === 0) return { hops: [], broken: { after: from, before: from, reason: `no function named ${from} in the index` } };
  const starts = search.start(first);
  let current = starts;
  const hops = (): PathHop[] => (edges.length ? search.hops(starts.find((f) => f.id === edges[0].from) ?? starts[0], frames, edges) : []);
  for (let i = 1; i < stops.length; i++) {
    const goal = new Set(functionIds(index, stops[i]));
    if (goal.size === 0)
      return { hops: hops(), broken: { after: stops[i - 1], before: stops[i], reason: `no function named ${stops[i]} in the index` } };
    const leg = search.find(current, (id) => goal.has(id));
    if (!leg)
      return {
        hops: hops(),
        broken: {
          after: stops[i - 1],
          before: stops[i],
          reason: `no call path from ${stops[i - 1]} to ${stops[i]} through direct or resolved indirect calls`,
        },
      };
    edges.push(...leg.edges);
    frames.push(...leg.frames);
    if (leg.frames.length) current = [leg.frames[leg.frames.length - 1]];
  }
  return { hops: hops() };
}
