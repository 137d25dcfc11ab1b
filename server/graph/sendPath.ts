// The send() path: from the `send`/`sendto` syscalls to the drivers' ndo_start_xmit, found in the
// index. What we write down is only the *protocol choice*, as the kernel itself spells it: the
// socket-layer ops table, the protocol table and the address-family ops table of a TCP socket
// (`inet_stream_ops`, `tcp_prot`, `ipv4_specific`). Which functions those hold, and every hop in
// between, comes from the index.
import type { CallPath } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import { functionIds, shortestPath, toHops } from './paths';
import type { Edge } from '../index/kernelIndex';

export const DRIVER_SLOT = 'net_device_ops.ndo_start_xmit';
/**
 * Where every IPv4 and IPv6 protocol hands a packet to routing's output (`dst->output`). A path
 * switched to another protocol (udp_sendmsg) still goes through it: the shortest way alone would
 * leave through a socket backlog into some tunnel driver.
 */
const FAMILY_OUTPUT = 'dst_output';

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
  const callers = new Set(index.sitesWithSlot(DRIVER_SLOT).map((s) => s.fromId));
  const drivers = [...index.slotTargets(DRIVER_SLOT).keys()]
    .map((id) => index.fnById(id))
    .filter((f): f is NonNullable<typeof f> => f !== undefined)
    .map((f) => index.ref(f))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const finish = (edges: Edge[], broken?: CallPath['broken']): CallPath => (broken ? { hops: toHops(index, edges), broken } : { hops: toHops(index, edges), drivers });

  // The default path: through the functions the TCP socket's ops tables hold, then to the driver call.
  let edges: Edge[] = [];
  let current = start;
  let lastLabel = 'send';
  for (const stop of fam.stops) {
    const [variable, field] = stop.split('.');
    const ids = [...new Set(field ? index.variableField(variable, field).map((v) => v.id) : functionIds(index, stop))];
    if (ids.length === 0) return finish(edges, { after: lastLabel, before: stop, reason: `${stop} holds no function in the index` });
    const goal = new Set(ids);
    const seg = shortestPath(index, current, (id) => goal.has(id), { penalty });
    if (!seg) return finish(edges, { after: lastLabel, before: stop, reason: `no call path from ${lastLabel} to ${stop}` });
    edges.push(...seg);
    current = [seg.length ? seg[seg.length - 1].to : current[0]];
    lastLabel = stop;
  }
  const tail = shortestPath(index, current, (id) => callers.has(id), { penalty });
  if (!tail) return finish(edges, { after: lastLabel, before: DRIVER_SLOT, reason: `no call path from ${lastLabel} to a caller of ${DRIVER_SLOT}` });
  edges.push(...tail);

  // A switched target replaces the target of the indirect hop it is an alternative of; from there
  // the path goes to the driver call by the shortest way (the TCP stops after it no longer apply).
  for (const name of opts.through ?? []) {
    const ids = new Set(functionIds(index, name));
    const at = edges.findIndex((e) => e.kind !== 'direct' && index.callees(e.from).some((o) => ids.has(o.to) && o.line === e.line && o.col === e.col && o.file === e.file));
    if (at < 0) return finish(edges, { after: name, before: name, reason: `${name} is not a target of any indirect hop on the path` });
    const hop = edges[at];
    const switched = index.callees(hop.from).find((o) => ids.has(o.to) && o.line === hop.line && o.col === hop.col && o.file === hop.file)!;
    // The family's output stop (dst_output) still applies if the switch came before it.
    const familyStop = new Set(functionIds(index, FAMILY_OUTPUT));
    const stillAhead = edges.slice(at).some((e) => familyStop.has(e.to));
    edges = [...edges.slice(0, at), switched];
    let from = [switched.to];
    if (stillAhead && !familyStop.has(switched.to)) {
      const toFamily = shortestPath(index, from, (id) => familyStop.has(id), { penalty });
      if (toFamily) { edges.push(...toFamily); from = [toFamily[toFamily.length - 1].to]; }
    }
    if (callers.has(from[0])) continue;
    const rest = shortestPath(index, from, (id) => callers.has(id), { penalty });
    if (!rest) return finish(edges, { after: name, before: DRIVER_SLOT, reason: `no call path from ${name} to a caller of ${DRIVER_SLOT}` });
    edges.push(...rest);
  }
  return finish(edges);
}

