// From a CallPath to what the panel draws: the boxes in order with their lane and the hop that led
// to each, where the break goes, and the labels of the edges. Pure, so it is tested without a DOM.
import type { CallPath, FunctionRef, HopKind, PathHop } from '../../server/protocol';
import { laneOf, type LayerId } from './layers';

export interface Box {
  fn: FunctionRef;
  layer: LayerId;
  inferred: boolean;
  /** The hop that reaches this box (undefined for the first), and its index in path.hops. */
  incoming?: { hop: PathHop; index: number };
}

export interface PathModel {
  boxes: Box[];
  /** The break goes after box `afterBox` (-1: before the first box). */
  brokenAt?: { afterBox: number; after: string; before: string; reason: string };
  drivers: FunctionRef[];
  /** Lanes that hold at least one box: drawn wide, the others narrow. */
  usedLanes: Set<LayerId>;
}

export function buildModel(path: CallPath): PathModel {
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
  fns.forEach((fn, i) => boxes.push({ fn, layer: fn.lane ?? lanes[i].layer, inferred: lanes[i].inferred, incoming: incoming[i] }));

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
  const usedLanes = new Set<LayerId>(boxes.map((b) => b.layer));
  if (drivers.length) usedLanes.add('driver'); // the driver targets are drawn in the driver lane
  return { boxes, brokenAt, drivers, usedLanes };
}

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

export function isIndirect(hop: PathHop): boolean {
  return hop.kind !== 'direct';
}

/** file:line as a person reads it (1-based line). */
export function where(loc: { file: string; line: number }): string {
  return `${loc.file}:${loc.line + 1}`;
}
