// From a CallPath to what the panel draws: the boxes in order with their lane and the hop that led
// to each, where the break goes, the side calls hanging off boxes, the targets the path ends at,
// and the labels of the edges; a receive path is two such legs, one after the other. Pure, so it is
// tested without a DOM.
import type { CallPath, FunctionRef, HopKind, PathHop } from '../../server/protocol';
import { laneOf, type LayerId } from './layers';

export interface Box {
  fn: FunctionRef;
  layer: LayerId;
  inferred: boolean;
  /** The hop that reaches this box (undefined for the first), and its index in path.hops. */
  incoming?: { hop: PathHop; index: number };
  /** Which leg of the drawing it is on (0 but for the receive path's second leg). */
  leg: number;
}

/** Calls a box makes and returns from (the netfilter hooks NF_HOOK runs), drawn apart from the path. */
export interface SideCall {
  /** Index of the box (in PathModel.boxes) that makes the calls. */
  afterBox: number;
  branch: string;
  /** The functions called, in order (the first hop's `from` is the box itself). */
  fns: FunctionRef[];
  /** Other targets of the last call (the other hooks of the slot). */
  more: FunctionRef[];
  via: string;
}

/** The indirect call the path ends at, and its targets: the drivers (ndo_start_xmit), sk_data_ready's wakeups. */
export interface PathEnd {
  slot: string;
  fns: FunctionRef[];
  /** The lane the targets are drawn in: the drivers' lane, else the last box's. */
  lane: LayerId;
  drivers: boolean;
}

export interface PathModel {
  boxes: Box[];
  /** The break goes after box `afterBox` (-1: before the first box). */
  brokenAt?: { afterBox: number; after: string; before: string; reason: string };
  drivers: FunctionRef[];
  end?: PathEnd;
  sideCalls: SideCall[];
  /** Lanes that hold at least one box: drawn wide, the others narrow. */
  usedLanes: Set<LayerId>;
}

export function buildModel(path: CallPath, leg = 0): PathModel {
  const boxes: Box[] = [];
  const fns: FunctionRef[] = [];
  const incoming: Box['incoming'][] = [];
  path.hops.forEach((hop, index) => {
    // Consecutive hops share a function (hops[i].to === hops[i+1].from); a path pieced together
    // across a break does not, and then `from` starts a new run of boxes.
    const last = fns[fns.length - 1];
    if (!last || last.id !== hop.from.id) {
      fns.push(hop.from);
      incoming.push(undefined);
    }
    fns.push(hop.to);
    incoming.push({ hop, index });
  });
  const drivers = path.drivers ?? [];
  const lanes = laneOf(fns, new Set(drivers.map((d) => d.name)));
  // The server gives each function of a path its lane (server/graph/lanes.ts); the same derivation here for paths without.
  fns.forEach((fn, i) => boxes.push({ fn, layer: fn.lane ?? lanes[i].layer, inferred: lanes[i].inferred, incoming: incoming[i], leg }));

  // A side call's `at` counts hops (0: the first hop's `from`, i: hops[i-1].to).
  const boxOfAt = (at: number) => (at === 0 ? 0 : boxes.findIndex((b) => b.incoming?.index === at - 1));
  const sideCalls: SideCall[] = [];
  for (const sc of path.sideCalls ?? []) {
    const afterBox = boxOfAt(sc.at);
    const last = sc.hops[sc.hops.length - 1];
    if (afterBox < 0 || !last) continue;
    sideCalls.push({ afterBox, branch: sc.branch, fns: sc.hops.map((h) => h.to), more: last.alternatives, via: last.via });
  }

  let brokenAt: PathModel['brokenAt'];
  if (path.broken) {
    const { after, before, reason } = path.broken;
    const match = (f: FunctionRef, name: string) => f.name === name || f.id === name;
    // After the last box named `after` that comes before the box named `before` (if any is drawn).
    let beforeIdx = boxes.findIndex((b) => match(b.fn, before));
    if (beforeIdx < 0) beforeIdx = boxes.length;
    let afterBox = -1;
    for (let i = 0; i < beforeIdx; i++) if (match(boxes[i].fn, after)) afterBox = i;
    if (afterBox < 0 && beforeIdx === boxes.length) afterBox = boxes.length - 1;
    else if (afterBox < 0) afterBox = beforeIdx - 1;
    brokenAt = { afterBox, after, before, reason };
  }
  let end: PathEnd | undefined;
  if (drivers.length) end = { slot: 'ndo_start_xmit', fns: drivers, lane: 'driver', drivers: true };
  else if (path.endsAt?.targets.length) {
    const lane = path.endsAt.targets[0].lane ?? boxes[boxes.length - 1]?.layer ?? 'socket';
    end = { slot: path.endsAt.slot, fns: path.endsAt.targets, lane, drivers: false };
  }
  const usedLanes = new Set<LayerId>(boxes.map((b) => b.layer));
  if (end) usedLanes.add(end.lane); // the targets are drawn in their lane
  for (const sc of sideCalls) for (const f of sc.fns) if (f.lane) usedLanes.add(f.lane);
  return { boxes, brokenAt, drivers, end, sideCalls, usedLanes };
}

/** One leg of a drawing, with its heading (the receive path's two legs have one each). */
export interface Leg {
  title?: string;
  path: CallPath;
}
export interface LegModel extends PathModel {
  title?: string;
  /** Index of its first box among all the drawing's boxes. */
  first: number;
}

/** The legs one after the other: box indices run on across legs (the keyboard goes from one to the next). */
export function buildLegs(legs: readonly Leg[]): { legs: LegModel[]; boxes: Box[]; usedLanes: Set<LayerId> } {
  const out: LegModel[] = [];
  const boxes: Box[] = [];
  const usedLanes = new Set<LayerId>();
  legs.forEach((leg, i) => {
    const m = buildModel(leg.path, i);
    out.push({ ...m, title: leg.title, first: boxes.length });
    boxes.push(...m.boxes);
    m.usedLanes.forEach((l) => usedLanes.add(l));
  });
  return { legs: out, boxes, usedLanes };
}

/** The headings of the receive path's legs. */
export const recvLegTitles = [
  'packet in: from the device up to the socket’s wakeup',
  'recvfrom(): from the socket down to the copy to user memory',
];

const kindWords: Record<HopKind, string> = {
  direct: 'direct',
  field: 'through',
  hint: 'INDIRECT_CALL hint',
  param: 'passed as argument',
  local: 'through local pointer',
  global: 'through global pointer',
};

/** The label on an edge: `direct`, `through proto_ops.sendmsg`, `INDIRECT_CALL hint (proto.sendmsg)`, … */
export function edgeLabel(hop: Pick<PathHop, 'kind' | 'via'>): string {
  const words = kindWords[hop.kind] ?? hop.kind;
  if (hop.kind === 'direct' || !hop.via) return words;
  if (hop.kind === 'field') return `${words} ${hop.via}`;
  return `${words} (${hop.via})`;
}

/** The server's answer while it has no index (server/features/paths.ts): no hops, broken between no names. Not a path to draw. */
export function notIndexedReason(path: CallPath): string | undefined {
  const b = path.broken;
  return path.hops.length === 0 && b && !b.after && !b.before ? b.reason || 'no index yet' : undefined;
}

export function isIndirect(hop: PathHop): boolean {
  return hop.kind !== 'direct';
}

/** file:line as a person reads it (1-based line). */
export function where(loc: { file: string; line: number }): string {
  return `${loc.file}:${loc.line + 1}`;
}
