// The send() path: from the `send`/`sendto` syscalls to the drivers' ndo_start_xmit, found in the
// index. What we write down is only the *protocol choice*, as the kernel itself spells it: the
// socket-layer ops table, the protocol table and the address-family ops table of a TCP socket
// (`inet_stream_ops`, `tcp_prot`, `ipv4_specific`). Which functions those hold, and every hop in
// between, comes from the index.
import type { CallPath } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import { callPath, functionIds, shortestPath, toHops } from './paths';

export const DRIVER_SLOT = 'net_device_ops.ndo_start_xmit';

// Each stop is `variable.field` (an ops table entry, resolved through the index) or a function name.
// `tcp_write_xmit` is there because a shortest path would otherwise leave tcp_sendmsg through
// release_sock → tcp_release_cb → tcp_send_ack: a real chain, but it sends an ACK, not the data.
const FAMILIES = {
  ipv4: { stops: ['inet_stream_ops.sendmsg', 'tcp_prot.sendmsg', 'tcp_write_xmit', 'ipv4_specific.queue_xmit'], avoid: 'net/ipv6/' },
  ipv6: { stops: ['inet6_stream_ops.sendmsg', 'tcpv6_prot.sendmsg', 'tcp_write_xmit', 'ipv6_specific.queue_xmit'], avoid: 'net/ipv4/' },
} as const;

export interface SendPathOptions { family?: 'ipv4' | 'ipv6'; /** Function names the path must pass through (a switched alternative). */ through?: string[] }

export function sendPath(index: KernelIndex, opts: SendPathOptions = {}): CallPath {
  const fam = FAMILIES[opts.family ?? 'ipv4'];
  const start = [...functionIds(index, 'sendto'), ...functionIds(index, 'send')];
  if (start.length === 0) return { hops: [], broken: { after: 'send', before: 'send', reason: 'no send/sendto syscall (SYSCALL_DEFINE) in the index' } };
  const penalty = (id: string): number => (index.fnById(id)?.file.startsWith(fam.avoid) ? 6 : 0);

  // Waypoints: the functions those ops tables hold, plus any the user switched to.
  const waypoints: { label: string; ids: string[] }[] = [];
  for (const stop of fam.stops) {
    const [variable, field] = stop.split('.');
    const ids = field ? index.variableField(variable, field).map((v) => v.id) : functionIds(index, stop);
    waypoints.push({ label: stop, ids: [...new Set(ids)] });
  }
  for (const t of opts.through ?? []) waypoints.push({ label: t, ids: functionIds(index, t) });
  // Keep waypoints in path order: a switched function joins where its distance from the start says.
  const edges = [];
  let current = start;
  let lastLabel = 'send';
  const ordered = orderWaypoints(index, start, waypoints, penalty);
  for (const wp of ordered) {
    if (wp.ids.length === 0) return { hops: toHops(index, edges), broken: { after: lastLabel, before: wp.label, reason: `${wp.label} holds no function in the index` } };
    const goal = new Set(wp.ids);
    const seg = shortestPath(index, current, (id) => goal.has(id), { penalty });
    if (!seg) return { hops: toHops(index, edges), broken: { after: lastLabel, before: wp.label, reason: `no call path from ${lastLabel} to ${wp.label}` } };
    edges.push(...seg);
    current = [seg.length ? seg[seg.length - 1].to : current[0]];
    lastLabel = wp.label;
  }
  // Last leg: to the function that calls through net_device_ops.ndo_start_xmit.
  const callers = new Set(index.sitesWithSlot(DRIVER_SLOT).map((s) => s.fromId));
  const seg = shortestPath(index, current, (id) => callers.has(id), { penalty });
  if (!seg) return { hops: toHops(index, edges), broken: { after: lastLabel, before: DRIVER_SLOT, reason: `no call path from ${lastLabel} to a caller of ${DRIVER_SLOT}` } };
  edges.push(...seg);
  const drivers = [...index.slotTargets(DRIVER_SLOT).keys()]
    .map((id) => index.fnById(id))
    .filter((f): f is NonNullable<typeof f> => f !== undefined)
    .map((f) => index.ref(f))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const path: CallPath = { hops: toHops(index, edges), drivers };
  return path;
}

const FIXED = FAMILIES.ipv4.stops.length;

function orderWaypoints(index: KernelIndex, start: string[], wps: { label: string; ids: string[] }[], penalty: (id: string) => number): { label: string; ids: string[] }[] {
  if (wps.length <= FIXED) return wps;
  // A switched-to function sits between the fixed stops; place it after the last stop it is reachable from.
  const fixed = wps.slice(0, FIXED);
  const extra = wps.slice(FIXED);
  const out = [...fixed];
  for (const e of extra) {
    let pos = 0;
    for (let i = 0; i < fixed.length; i++) {
      const seg = shortestPath(index, fixed[i].ids.length ? fixed[i].ids : start, (id) => e.ids.includes(id), { penalty, maxHops: 12 });
      if (seg) { pos = out.indexOf(fixed[i]) + 1; }
    }
    out.splice(pos, 0, e);
  }
  return out;
}

export { callPath };
