// The receive path, in two legs found in the index like the send path (route.ts):
//   deliver: from the function a driver hands a packet to, up through the packet type's handler
//            (`ip_packet_type.func`), TCP's protocol handler and the socket's backlog handler
//            (`tcp_prot.backlog_rcv`), to the call that wakes the reader (`sk->sk_data_ready`,
//            whose targets are listed);
//   read:    from the `recvfrom`/`recv` syscalls through the socket's tables (`inet_stream_ops`,
//            `tcp_prot`) to the copy into the reader's memory.
import type { RecvPath } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import { NETFILTER_BRANCH, routePath, type Branch, type Route, type RouteParams } from './route';

export const WAKEUP_SLOT = 'sock.sk_data_ready';

// TCP's protocol handler is named (`tcp_v4_rcv`): 6.12 registers it as `net_hotdata.tcp_protocol =
// (struct net_protocol){ .handler = … }`, a compound literal the index keeps by its type
// (`net_protocol.handler`, with every other protocol's) and not by a table name.
// `__netif_receive_skb_core` is where the device core matches the packet types (a stop: the shortest
// way would return from it and call the handler from its caller). `tcp_rcv_established` is the
// established connection's receive (a state, not a table: the other states go through
// tcp_rcv_state_process). `skb_copy_datagram_iter` is the copy of a packet's data to the reader.
const deliver = { start: ['netif_receive_skb'], end: { slot: WAKEUP_SLOT }, branches: [NETFILTER_BRANCH] };
const read = { start: ['recvfrom', 'recv'], end: { fn: 'skb_copy_datagram_iter' }, branches: [] };
export const RECV_ROUTES: Record<'ipv4' | 'ipv6', { deliver: Route; read: Route }> = {
  ipv4: {
    deliver: {
      ...deliver,
      stops: ['__netif_receive_skb_core', 'ip_packet_type.func', 'tcp_v4_rcv', 'tcp_prot.backlog_rcv', 'tcp_rcv_established'],
      otherFamily: 'net/ipv6/',
    },
    read: { ...read, stops: ['inet_stream_ops.recvmsg', 'tcp_prot.recvmsg'], otherFamily: 'net/ipv6/' },
  },
  ipv6: {
    deliver: {
      ...deliver,
      stops: ['__netif_receive_skb_core', 'ipv6_packet_type.func', 'tcp_v6_rcv', 'tcpv6_prot.backlog_rcv', 'tcp_rcv_established'],
      otherFamily: 'net/ipv4/',
    },
    read: { ...read, stops: ['inet6_stream_ops.recvmsg', 'tcpv6_prot.recvmsg'], otherFamily: 'net/ipv4/' },
  },
};

export interface RecvPathOptions extends RouteParams {
  family?: 'ipv4' | 'ipv6';
}

/** The branches of either leg (a request may choose any of them). */
export function recvBranches(family: 'ipv4' | 'ipv6' = 'ipv4'): Branch[] {
  const { deliver: d, read: r } = RECV_ROUTES[family];
  return [...d.branches, ...r.branches.filter((b) => !d.branches.some((x) => x.id === b.id))];
}

/** Both legs; `through` and `branches` apply to the leg where they name something. */
export function recvPath(index: KernelIndex, opts: RecvPathOptions = {}): RecvPath {
  const routes = RECV_ROUTES[opts.family ?? 'ipv4'];
  const legs = splitParams(index, routes, opts);
  return { deliver: routePath(index, routes.deliver, legs.deliver), read: routePath(index, routes.read, legs.read) };
}

/**
 * Which leg each switch and branch belongs to: a branch to the legs that declare it, a switched
 * function to the leg where it is an alternative of a hop (after that leg's earlier switches). What
 * belongs to neither goes to the first leg, which says why it cannot be taken.
 */
function splitParams(
  index: KernelIndex,
  routes: { deliver: Route; read: Route },
  opts: RouteParams,
): Record<'deliver' | 'read', RouteParams> {
  const legs = ['deliver', 'read'] as const;
  const out: Record<'deliver' | 'read', { through: string[]; branches: Record<string, string> }> = {
    deliver: { through: [], branches: {} },
    read: { through: [], branches: {} },
  };
  for (const [id, option] of Object.entries(opts.branches ?? {})) {
    const owners = legs.filter((l) => routes[l].branches.some((b) => b.id === id));
    for (const l of owners.length ? owners : ['deliver' as const]) out[l].branches[id] = option;
  }
  for (const name of opts.through ?? []) {
    const leg =
      legs.find((l) =>
        routePath(index, routes[l], out[l]).hops.some((h) => h.alternatives.some((a) => a.name === name || a.id === name)),
      ) ?? 'deliver';
    out[leg].through.push(name);
  }
  return out;
}
