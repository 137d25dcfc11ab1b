// A route: a path through the stack described by what the kernel itself names, found in the index.
// The send path and the two legs of the receive path are routes. A route writes down only
//   - where it starts (syscalls, or the function a driver hands a packet to),
//   - its *protocol choice*: stops that are ops-table entries (`tcp_prot.recvmsg`, resolved through
//     the index) or, where a state decides and not a table, a function (`tcp_write_xmit`: the data,
//     not an ACK),
//   - where it ends: the caller of an indirect call (`net_device_ops.ndo_start_xmit`, whose targets
//     are listed) or a function,
//   - the branches it depends on (the device has a queue or not; netfilter hooks or none): each
//     option steers the search by what the path must pass or avoid, never by a list of hops.
// Every hop in between is a shortest path over the index (paths.ts).
import type { BranchOption, CallPath, FunctionRef, PathBranch, PathMatch } from '../protocol';
import type { Edge, KernelIndex } from '../index/kernelIndex';
import { functionIds, PathSearch, type Frame } from './paths';
import { classify } from './lanes';

export interface Branch {
  id: string;
  label: string;
  default: string;
  options: BranchOption[];
}

export interface Route {
  /** Functions (or syscalls, `sendto`) the path may start at; the nearest one is taken. */
  start: string[];
  /** In order: `variable.field` (the function an ops table holds) or a function name. */
  stops: string[];
  /** The path ends at a caller of `slot` (whose targets are listed), or at function `fn`. */
  end: { slot: string } | { fn: string };
  /** The other family's folder: entering it costs more, so the path stays in its family. */
  otherFamily: string;
  /** Stops that still apply after a switched hop before them (dst_output: every protocol's way out). */
  keep?: string[];
  branches: Branch[];
}

export interface RouteParams {
  /** Function names to switch to at the indirect hop they are an alternative of. */
  through?: string[];
  /** Branch id → option id; the others take their default. */
  branches?: Record<string, string>;
}

/** Whether an edge meets a match: it enters a function in `folder` or named `fn`, or calls through `slot`. */
function matches(index: KernelIndex, m: PathMatch, e: Edge): boolean {
  if ('slot' in m) return e.via === m.slot;
  const to = index.fnById(e.to);
  if (!to) return false;
  return 'folder' in m ? to.file.startsWith(m.folder) : to.name === m.fn;
}

const describe = (m: PathMatch): string => ('slot' in m ? `a call through ${m.slot}` : 'folder' in m ? `${m.folder}` : m.fn);

/** The branches with the option each takes, or the first unknown choice. */
export function chooseBranches(branches: readonly Branch[], chosen: Record<string, string> = {}): PathBranch[] | string {
  for (const [id, option] of Object.entries(chosen)) {
    const b = branches.find((x) => x.id === id);
    if (!b) return `no branch ${id} (there are ${branches.map((x) => x.id).join(', ') || 'none'})`;
    if (!b.options.some((o) => o.id === option)) return `branch ${id} has no option ${option} (${b.options.map((o) => o.id).join(', ')})`;
  }
  return branches.map((b) => ({ ...b, chosen: chosen[b.id] ?? b.default }));
}

export function routePath(index: KernelIndex, route: Route, params: RouteParams = {}): CallPath {
  const chosen = chooseBranches(route.branches, params.branches);
  if (typeof chosen === 'string') return { hops: [], broken: { after: '', before: '', reason: chosen } };
  const options = chosen.map((b) => b.options.find((o) => o.id === b.chosen)!);
  const avoid = options.flatMap((o) => o.avoid ?? []);
  // One condition per option that asks to pass somewhere: any of its matches meets it.
  const through = options.filter((o) => o.through?.length).map((o) => (e: Edge) => o.through!.some((m) => matches(index, m, e)));
  const search = new PathSearch(index, {
    penalty: (id) => (index.fnById(id)?.file.startsWith(route.otherFamily) ? 6 : 0),
    avoid: avoid.length ? (e) => avoid.some((m) => matches(index, m, e)) : undefined,
  });
  const endIds =
    'slot' in route.end ? new Set(index.sitesWithSlot(route.end.slot).map((s) => s.fromId)) : new Set(functionIds(index, route.end.fn));
  const endLabel = 'slot' in route.end ? `a caller of ${route.end.slot}` : route.end.fn;
  const isEnd = (id: string): boolean => endIds.has(id);
  const required = (1 << through.length) - 1;
  const metBy = (edges: readonly Edge[]): number =>
    edges.reduce((met, e) => through.reduce((m, t, i) => (t(e) ? m | (1 << i) : m), met), 0);

  let edges: Edge[] = [];
  let frames: Frame[] = [];
  const finish = (broken?: CallPath['broken']): CallPath => {
    const first = edges.length ? (starts.find((s) => s.id === edges[0].from) ?? search.start([edges[0].from])[0]) : undefined;
    const out: CallPath = { hops: first ? search.hops(first, frames, edges) : [], branches: chosen };
    const visits = chosen.flatMap((b, i) => (options[i].visit?.length ? [{ branch: b.id, visit: options[i].visit! }] : []));
    if (visits.length && first) out.sideCalls = sideCalls(index, [first, ...frames], visits);
    if (broken) {
      out.broken = broken;
      return out;
    }
    if ('slot' in route.end) out.endsAt = { slot: route.end.slot, targets: endTargets(index, route.end.slot, edges.at(-1)?.to) };
    return out;
  };

  const starts = search.start(route.start.flatMap((s) => functionIds(index, s)));
  if (starts.length === 0)
    return finish({ after: route.start[0], before: route.start[0], reason: `no ${route.start.join('/')} in the index` });
  let current = starts;
  let met = 0;
  let lastLabel = route.start[0];
  const legTo = (goal: (id: string) => boolean, last: boolean, label: string): string | undefined => {
    const leg = search.find(current, goal, through, met, last ? required : 0);
    if (!leg) {
      const unmet = options.filter((o) => o.through?.length).find((_, i) => !(met & (1 << i)));
      return `no call path from ${lastLabel} to ${label}${last && unmet ? ` that passes ${unmet.through!.map(describe).join(' or ')} (${unmet.label})` : ''}`;
    }
    if (edges.length === 0 && leg.edges.length) lastLabel = index.fnById(leg.edges[0].from)?.name ?? lastLabel;
    edges.push(...leg.edges);
    frames.push(...leg.frames);
    met = leg.met;
    if (leg.frames.length) current = [leg.frames[leg.frames.length - 1]];
    return undefined;
  };

  for (const stop of route.stops) {
    const ids = stopIds(index, stop);
    if (ids.size === 0) return finish({ after: lastLabel, before: stop, reason: `${stop} holds no function in the index` });
    const why = legTo((id) => ids.has(id), false, stop);
    if (why) return finish({ after: lastLabel, before: stop, reason: why });
    lastLabel = stop;
  }
  if (!isEnd(current[0].id) || (met & required) !== required) {
    const why = legTo(isEnd, true, endLabel);
    if (why) return finish({ after: lastLabel, before: endLabel, reason: why });
  }

  // A switched target replaces the target of the indirect hop it is an alternative of; from there
  // the path goes to the end by the shortest way that still meets the branches (the protocol's
  // stops after it no longer apply, except those in `keep`).
  for (const name of params.through ?? []) {
    const ids = new Set(functionIds(index, name));
    const same = (e: Edge, o: Edge): boolean => o.line === e.line && o.col === e.col && o.file === e.file;
    const at = edges.findIndex((e) => e.kind !== 'direct' && search.callees(e.from).some((o) => ids.has(o.to) && same(e, o)));
    if (at < 0) return finish({ after: name, before: name, reason: `${name} is not a target of any indirect hop on the path` });
    const hop = edges[at];
    const switched = search.callees(hop.from).find((o) => ids.has(o.to) && same(hop, o))!;
    const before = at === 0 ? (starts.find((s) => s.id === hop.from) ?? search.start([hop.from])[0]) : frames[at - 1];
    const kept = (route.keep ?? []).map((k) => stopIds(index, k)).filter((k) => edges.slice(at).some((e) => k.has(e.to)));
    edges = [...edges.slice(0, at), switched];
    // The reader asked for this target: it is taken even where the caller's bindings say otherwise.
    frames = [...frames.slice(0, at), search.enter(before, switched, true)!];
    current = [frames[frames.length - 1]];
    met = metBy(edges);
    lastLabel = name;
    for (const k of kept) {
      if (k.has(current[0].id)) continue;
      const label = index.fnById([...k][0])?.name ?? 'stop';
      // Where a protocol has its own way out, the kept stop is skipped, not a break.
      const leg = search.find(current, (id) => k.has(id), through, met, 0);
      if (leg) {
        edges.push(...leg.edges);
        frames.push(...leg.frames);
        met = leg.met;
        current = [leg.frames[leg.frames.length - 1] ?? current[0]];
        lastLabel = label;
      }
    }
    if (isEnd(current[0].id) && (met & required) === required) continue;
    const why = legTo(isEnd, true, endLabel);
    if (why) return finish({ after: name, before: endLabel, reason: why });
  }
  return finish();
}

/** Side calls no longer than this are looked for (NF_HOOK → nf_hook → nf_hook_slow → nf_hook_entry_hookfn → a hook is 4). */
const SIDE_CALL_HOPS = 5;

/**
 * For each function on the path, the shortest chain of calls it makes, off the path, down to a
 * call that meets a `visit` match (the hooks NF_HOOK runs before it calls okfn). A chain never
 * enters a function of the path: that part is the path's own.
 */
function sideCalls(
  index: KernelIndex,
  frames: Frame[],
  visits: { branch: string; visit: PathMatch[] }[],
): NonNullable<CallPath['sideCalls']> {
  const onPath = new Set(frames.map((f) => f.id));
  const search = new PathSearch(index, { maxHops: SIDE_CALL_HOPS, avoid: (e) => onPath.has(e.to) });
  const out: NonNullable<CallPath['sideCalls']> = [];
  for (const { branch, visit } of visits) {
    const meets = (e: Edge): boolean => visit.some((m) => matches(index, m, e));
    frames.forEach((frame, at) => {
      const leg = search.find([frame], () => true, [meets]);
      if (leg?.edges.length) out.push({ at, branch, hops: search.hops(frame, leg.frames, leg.edges) });
    });
  }
  return out;
}

/** The functions a stop names: what an ops table's field holds (`tcp_prot.sendmsg`), or a function. */
function stopIds(index: KernelIndex, stop: string): Set<string> {
  const [variable, field] = stop.split('.');
  return new Set(field ? index.variableField(variable, field).map((v) => v.id) : functionIds(index, stop));
}

/**
 * The targets of the indirect call the path ends at, in kpath's order for the call site in `last`,
 * except that the functions an `INDIRECT_CALL_*` names for that slot at any site come first: the
 * kernel's own word for the likely one (`sock_def_readable` for `sk_data_ready`).
 */
function endTargets(index: KernelIndex, slot: string, last: string | undefined): FunctionRef[] {
  const sites = index.sitesWithSlot(slot);
  const site = sites.find((s) => s.fromId === last);
  const refs = site
    ? index.targetsOf(site).map((t) => t.fn)
    : [...index.slotTargets(slot).keys()]
        .map((id) => index.fnById(id))
        .filter((f) => f !== undefined)
        .map((f) => index.ref(f!));
  const hinted = new Set(sites.flatMap((s) => s.site.hints ?? []));
  const first = refs.filter((r) => hinted.has(r.name));
  return [...first, ...refs.filter((r) => !hinted.has(r.name))].map((r) => ({ ...r, lane: classify(r) ?? 'driver' }));
}

/** A folder, as a branch option says it. */
export const folder = (f: string): PathMatch => ({ folder: f });
/** A call through a slot, as a branch option says it. */
export const slot = (s: string): PathMatch => ({ slot: s });

/**
 * netfilter: with no hooks registered on the way (the common host), NF_HOOK calls its okfn at once;
 * with hooks, the packet also passes through them (a call through the hook table's entries).
 */
export const NETFILTER_BRANCH: Branch = {
  id: 'netfilter',
  label: 'netfilter hooks',
  default: 'none',
  options: [
    { id: 'none', label: 'no hooks registered: NF_HOOK calls okfn directly', avoid: [slot('nf_hook_entry.hook')] },
    // A hook returns its verdict to NF_HOOK, which then calls okfn: the hooks are calls made on the
    // way, not a way onward, so the path stays and they hang off it.
    {
      id: 'hooks',
      label: 'hooks registered (iptables/nftables, conntrack): NF_HOOK runs them, then calls okfn',
      avoid: [slot('nf_hook_entry.hook')],
      visit: [slot('nf_hook_entry.hook')],
    },
  ],
};
