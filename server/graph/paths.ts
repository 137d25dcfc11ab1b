// Shortest call paths over direct and resolved indirect edges. Edges are weighted by how sure we
// are the hop is taken: a direct call, an INDIRECT_CALL hint (the kernel's own statement of the
// likely target) and a parameter hop checked against the caller cost 1; a local or global pointer 2;
// any target of a struct field 4, since a field holds every implementation in the tree (a
// netfilter hook, a tunnel driver) and a path through one is rarely the common one. A caller may add
// a per-function penalty (the send path uses it to stay in one address family). With a kernel
// configuration, calls it does not compile are not followed.
import type { CallPath, PathHop } from '../protocol';
import type { Edge, KernelIndex } from '../index/kernelIndex';

export interface PathOptions {
  /** Extra cost for entering a function (e.g. IPv6 files on an IPv4 path). */
  penalty?: (fnId: string) => number;
  /** Longest path considered, in hops. */
  maxHops?: number;
}

function weight(e: Edge): number {
  switch (e.kind) {
    case 'direct': case 'hint': case 'param': return 1;
    case 'local': case 'global': return 2;
    default: return 4;
  }
}

/** Dijkstra from a set of functions to the first function that satisfies `isGoal`. */
export function shortestPath(index: KernelIndex, from: string[], isGoal: (id: string) => boolean, opts: PathOptions = {}): Edge[] | undefined {
  const dist = new Map<string, number>();
  const prev = new Map<string, Edge>();
  const hops = new Map<string, number>();
  // A binary heap would be faster; the frontier stays small enough (thousands) for a sorted array.
  const frontier: { id: string; d: number }[] = [];
  for (const f of from) { dist.set(f, 0); hops.set(f, 0); frontier.push({ id: f, d: 0 }); }
  const maxHops = opts.maxHops ?? 40;
  while (frontier.length) {
    let best = 0;
    for (let i = 1; i < frontier.length; i++) if (frontier[i].d < frontier[best].d) best = i;
    const { id, d } = frontier[best];
    frontier[best] = frontier[frontier.length - 1];
    frontier.pop();
    if (d > (dist.get(id) ?? Infinity)) continue;
    if (isGoal(id) && !from.includes(id)) return unwind(prev, id);
    if ((hops.get(id) ?? 0) >= maxHops) continue;
    const cameFrom = prev.get(id)?.from;
    for (const e of index.callees(id)) {
      if (e.to === id) continue;
      // With a configuration, a path runs only through what that kernel compiles.
      if (e.built === 'n') continue;
      // A call through a parameter (okfn in NF_HOOK) reaches only what *this* caller passed:
      // without this check a path could enter NF_HOOK from ip_output and leave through arp's okfn.
      if (e.kind === 'param' && cameFrom !== undefined && !e.evidence.some((ev) => ev.slot === e.via && ev.in === cameFrom)) continue;
      const nd = d + weight(e) + (opts.penalty?.(e.to) ?? 0);
      if (nd < (dist.get(e.to) ?? Infinity)) {
        dist.set(e.to, nd);
        prev.set(e.to, e);
        hops.set(e.to, (hops.get(id) ?? 0) + 1);
        frontier.push({ id: e.to, d: nd });
      }
    }
  }
  return undefined;
}

function unwind(prev: Map<string, Edge>, goal: string): Edge[] {
  const out: Edge[] = [];
  for (let cur = goal, e = prev.get(cur); e; cur = e.from, e = prev.get(cur)) out.unshift(e);
  return out;
}

/** Turn edges into protocol hops, with the alternatives of each indirect hop. */
export function toHops(index: KernelIndex, edges: Edge[]): PathHop[] {
  return edges.map((e) => {
    const from = index.fnById(e.from);
    const to = index.fnById(e.to);
    const alternatives = e.kind === 'direct' ? [] : index.callees(e.from)
      .filter((o) => o.line === e.line && o.col === e.col && o.file === e.file && o.to !== e.to)
      .map((o) => index.fnById(o.to))
      .filter((f): f is NonNullable<typeof f> => f !== undefined)
      .map((f) => index.ref(f));
    return {
      from: from ? index.ref(from) : { id: e.from, name: e.from, file: '', line: 0, col: 0 },
      to: to ? index.ref(to) : { id: e.to, name: e.to, file: '', line: 0, col: 0 },
      kind: e.kind, via: e.via, site: { file: e.file, line: e.line, col: e.col }, evidence: e.evidence, alternatives,
    };
  });
}

/** Resolve a user-given function name (or id) to ids: `tcp_sendmsg`, `foo@net/x.c`, or a syscall `send`. */
export function functionIds(index: KernelIndex, name: string): string[] {
  if (index.fnById(name)) return [name];
  const named = index.functionsNamed(name).map((f) => f.id);
  if (named.length) return [...new Set(named)];
  const sys = index.functionsNamed(`sys_${name}`).filter((f) => f.def.viaMacro?.startsWith('SYSCALL_DEFINE')).map((f) => f.id);
  return [...new Set(sys)];
}

/** The path between two functions, through optional waypoints. */
export function callPath(index: KernelIndex, from: string, to: string, via: string[] = [], opts: PathOptions = {}): CallPath {
  const stops = [from, ...via, to];
  const edges: Edge[] = [];
  let current = functionIds(index, from);
  if (current.length === 0) return { hops: [], broken: { after: from, before: from, reason: `no function named ${from} in the index` } };
  for (let i = 1; i < stops.length; i++) {
    const goal = new Set(functionIds(index, stops[i]));
    if (goal.size === 0) return { hops: toHops(index, edges), broken: { after: stops[i - 1], before: stops[i], reason: `no function named ${stops[i]} in the index` } };
    const seg = shortestPath(index, current, (id) => goal.has(id), opts);
    if (!seg) return { hops: toHops(index, edges), broken: { after: stops[i - 1], before: stops[i], reason: `no call path from ${stops[i - 1]} to ${stops[i]} through direct or resolved indirect calls` } };
    edges.push(...seg);
    current = [seg.length ? seg[seg.length - 1].to : current[0]];
  }
  return { hops: toHops(index, edges) };
}
