// The send() path: from the `send`/`sendto` syscalls to the drivers' ndo_start_xmit, found in the
// index (route.ts). What we write down is only the *protocol choice*, as the kernel itself spells it:
// the socket-layer ops table, the protocol table and the address-family ops table of a TCP socket
// (`inet_stream_ops`, `tcp_prot`, `ipv4_specific`), and the conditions the way down depends on
// (the device has a queue; netfilter hooks). Which functions those hold, and every hop in between,
// comes from the index.
import type { CallPath } from '../protocol';
import type { KernelIndex } from '../index/kernelIndex';
import { folder, NETFILTER_BRANCH, routePath, type Branch, type Route, type RouteParams } from './route';

export const DRIVER_SLOT = 'net_device_ops.ndo_start_xmit';

/**
 * A typical device (a NIC, virtio) has a queue: __dev_queue_xmit hands the packet to its qdisc, and
 * the traffic-control code (net/sched) sends it on. Loopback, tunnels and other virtual devices have
 * none (`noqueue`) and go straight to dev_hard_start_xmit.
 */
export const QDISC_BRANCH: Branch = {
  id: 'qdisc',
  label: 'device queue',
  default: 'queue',
  options: [
    {
      id: 'queue',
      label: 'device with a queue (a NIC: pfifo_fast, fq_codel, mq): through traffic control',
      through: [folder('net/sched/')],
    },
    { id: 'noqueue', label: 'no queue (loopback, tunnels, virtual devices): straight to the driver', avoid: [folder('net/sched/')] },
  ],
};

// `tcp_write_xmit` is a stop because a shortest path would otherwise leave tcp_sendmsg through
// release_sock → tcp_release_cb → tcp_send_ack: a real chain, but it sends an ACK, not the data.
// `dst_output` is where every IPv4 and IPv6 protocol hands a packet to routing's output: a path
// switched to another protocol (udp_sendmsg) still goes through it, or the shortest way alone would
// leave through a socket backlog into some tunnel driver.
const common = { start: ['sendto', 'send'], end: { slot: DRIVER_SLOT }, keep: ['dst_output'], branches: [QDISC_BRANCH, NETFILTER_BRANCH] };
export const SEND_ROUTES: Record<'ipv4' | 'ipv6', Route> = {
  ipv4: {
    ...common,
    stops: ['inet_stream_ops.sendmsg', 'tcp_prot.sendmsg', 'tcp_write_xmit', 'ipv4_specific.queue_xmit'],
    otherFamily: 'net/ipv6/',
  },
  ipv6: {
    ...common,
    stops: ['inet6_stream_ops.sendmsg', 'tcpv6_prot.sendmsg', 'tcp_write_xmit', 'ipv6_specific.queue_xmit'],
    otherFamily: 'net/ipv4/',
  },
};

export interface SendPathOptions extends RouteParams {
  family?: 'ipv4' | 'ipv6';
}

export function sendPath(index: KernelIndex, opts: SendPathOptions = {}): CallPath {
  const path = routePath(index, SEND_ROUTES[opts.family ?? 'ipv4'], opts);
  // `drivers`: every ndo_start_xmit target by name, as the panel lists them.
  if (path.endsAt)
    path.drivers = path.endsAt.targets.map((t) => ({ ...t, lane: 'driver' as const })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return path;
}
