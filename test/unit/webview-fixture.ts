// A send() path as the server should answer for Debian's 6.12 tree: the functions, files and lines
// (1-based here, as grep prints them) were read from linux-source-6.12, the indirect hops are the
// ones the kernel makes (INDIRECT_CALL_INET in sock_sendmsg_nosec, INDIRECT_CALL_2 in inet_sendmsg,
// icsk_af_ops->queue_xmit, dst->output, ops->ndo_start_xmit). Used by the webview tests only.
import type { CallPath, Evidence, FunctionRef, HopKind, PathHop } from '../../server/protocol';
import type { LayerId } from '../../server/graph/lanes';

export function fn(name: string, file: string, line1: number, isStatic = false): FunctionRef {
  return { id: isStatic ? `${name}@${file}` : name, name, file, line: line1 - 1, col: 0 };
}

const F = {
  sys_sendto: fn('__sys_sendto', 'net/socket.c', 2161),
  sock_sendmsg: fn('__sock_sendmsg', 'net/socket.c', 722, true),
  nosec: fn('sock_sendmsg_nosec', 'net/socket.c', 710, true),
  inet_sendmsg: fn('inet_sendmsg', 'net/ipv4/af_inet.c', 844),
  inet6_sendmsg: fn('inet6_sendmsg', 'net/ipv6/af_inet6.c', 649),
  unix_stream_sendmsg: fn('unix_stream_sendmsg', 'net/unix/af_unix.c', 2214, true),
  tcp_sendmsg: fn('tcp_sendmsg', 'net/ipv4/tcp.c', 1353),
  udp_sendmsg: fn('udp_sendmsg', 'net/ipv4/udp.c', 1124),
  tcp_sendmsg_locked: fn('tcp_sendmsg_locked', 'net/ipv4/tcp.c', 1052),
  tcp_push: fn('tcp_push', 'net/ipv4/tcp.c', 719),
  push_pending: fn('__tcp_push_pending_frames', 'net/ipv4/tcp_output.c', 3021),
  tcp_write_xmit: fn('tcp_write_xmit', 'net/ipv4/tcp_output.c', 2753, true),
  tcp_transmit_skb: fn('tcp_transmit_skb', 'net/ipv4/tcp_output.c', 1488, true),
  __tcp_transmit_skb: fn('__tcp_transmit_skb', 'net/ipv4/tcp_output.c', 1290, true),
  ip_queue_xmit: fn('ip_queue_xmit', 'net/ipv4/ip_output.c', 553),
  inet6_csk_xmit: fn('inet6_csk_xmit', 'net/ipv6/inet6_connection_sock.c', 114),
  __ip_queue_xmit: fn('__ip_queue_xmit', 'net/ipv4/ip_output.c', 462),
  ip_local_out: fn('ip_local_out', 'net/ipv4/ip_output.c', 124),
  NF_HOOK_COND: fn('NF_HOOK_COND', 'include/linux/netfilter.h', 296, true),
  dst_output: fn('dst_output', 'include/net/dst.h', 466, true),
  ip_output: fn('ip_output', 'net/ipv4/ip_output.c', 427),
  ip_finish_output: fn('ip_finish_output', 'net/ipv4/ip_output.c', 317, true),
  __ip_finish_output: fn('__ip_finish_output', 'net/ipv4/ip_output.c', 296, true),
  ip_finish_output2: fn('ip_finish_output2', 'net/ipv4/ip_output.c', 199, true),
  neigh_output: fn('neigh_output', 'include/net/neighbour.h', 534, true),
  neigh_hh_output: fn('neigh_hh_output', 'include/net/neighbour.h', 494, true),
  dev_queue_xmit: fn('dev_queue_xmit', 'include/linux/netdevice.h', 3150, true),
  __dev_queue_xmit: fn('__dev_queue_xmit', 'net/core/dev.c', 4494),
  __dev_xmit_skb: fn('__dev_xmit_skb', 'net/core/dev.c', 3935, true),
  __qdisc_run: fn('__qdisc_run', 'net/sched/sch_generic.c', 422),
  qdisc_restart: fn('qdisc_restart', 'net/sched/sch_generic.c', 400, true),
  sch_direct_xmit: fn('sch_direct_xmit', 'net/sched/sch_generic.c', 326),
  dev_hard_start_xmit: fn('dev_hard_start_xmit', 'net/core/dev.c', 3715),
  xmit_one: fn('xmit_one', 'net/core/dev.c', 3698, true),
  netdev_start_xmit: fn('netdev_start_xmit', 'include/linux/netdevice.h', 5018, true),
  __netdev_start_xmit: fn('__netdev_start_xmit', 'include/linux/netdevice.h', 5010, true),
};
export const fns = F;

export const drivers: FunctionRef[] = [
  fn('loopback_xmit', 'drivers/net/loopback.c', 69, true),
  fn('e1000_xmit_frame', 'drivers/net/ethernet/intel/e1000/e1000_main.c', 3093, true),
  fn('start_xmit', 'drivers/net/virtio_net.c', 3123, true),
  fn('veth_xmit', 'drivers/net/veth.c', 346, true),
];

function ev(file: string, line1: number, how: Evidence['how'], slot: string): Evidence {
  return { file, line: line1 - 1, col: 0, how, slot };
}

function hop(
  from: FunctionRef,
  to: FunctionRef,
  siteLine1: number,
  kind: HopKind = 'direct',
  via = '',
  evidence: Evidence[] = [],
  alternatives: FunctionRef[] = [],
): PathHop {
  return { from, to, kind, via, site: { file: from.file, line: siteLine1 - 1, col: 1 }, evidence, alternatives };
}

/** The IPv4 TCP send path, __sys_sendto → … → __netdev_start_xmit, with the ndo_start_xmit targets. */
export function sendPath(): CallPath {
  const hops: PathHop[] = [
    hop(F.sys_sendto, F.sock_sendmsg, 2195),
    hop(F.sock_sendmsg, F.nosec, 727),
    hop(
      F.nosec,
      F.inet_sendmsg,
      712,
      'hint',
      'proto_ops.sendmsg',
      [ev('net/ipv4/af_inet.c', 1058, 'init', 'proto_ops.sendmsg'), ev('net/socket.c', 712, 'hint', 'INDIRECT_CALL_INET')],
      [F.inet6_sendmsg, F.unix_stream_sendmsg],
    ),
    hop(
      F.inet_sendmsg,
      F.tcp_sendmsg,
      851,
      'hint',
      'proto.sendmsg',
      [ev('net/ipv4/tcp_ipv4.c', 3340, 'init', 'proto.sendmsg')],
      [F.udp_sendmsg],
    ),
    hop(F.tcp_sendmsg, F.tcp_sendmsg_locked, 1358),
    hop(F.tcp_sendmsg_locked, F.tcp_push, 1322),
    hop(F.tcp_push, F.push_pending, 748),
    hop(F.push_pending, F.tcp_write_xmit, 3030),
    hop(F.tcp_write_xmit, F.tcp_transmit_skb, 2860),
    hop(F.tcp_transmit_skb, F.__tcp_transmit_skb, 1491),
    hop(
      F.__tcp_transmit_skb,
      F.ip_queue_xmit,
      1459,
      'field',
      'inet_connection_sock_af_ops.queue_xmit',
      [ev('net/ipv4/tcp_ipv4.c', 2433, 'init', 'inet_connection_sock_af_ops.queue_xmit')],
      [F.inet6_csk_xmit],
    ),
    hop(F.ip_queue_xmit, F.__ip_queue_xmit, 555),
    hop(F.__ip_queue_xmit, F.ip_local_out, 537),
    hop(F.ip_local_out, F.dst_output, 130),
    hop(
      F.dst_output,
      F.ip_output,
      468,
      'hint',
      'dst_entry.output',
      [ev('net/ipv4/route.c', 1668, 'assign', 'dst_entry.output')],
      [fn('ip6_output', 'net/ipv6/ip6_output.c', 225)],
    ),
    hop(F.ip_output, F.NF_HOOK_COND, 437),
    hop(F.NF_HOOK_COND, F.ip_finish_output, 302, 'param', 'NF_HOOK_COND#6', [ev('net/ipv4/ip_output.c', 437, 'arg', 'NF_HOOK_COND#6')]),
    hop(F.ip_finish_output, F.__ip_finish_output, 324),
    hop(F.__ip_finish_output, F.ip_finish_output2, 312),
    hop(F.ip_finish_output2, F.neigh_output, 236),
    hop(F.neigh_output, F.neigh_hh_output, 541),
    hop(F.neigh_hh_output, F.dev_queue_xmit, 529),
    hop(F.dev_queue_xmit, F.__dev_queue_xmit, 3152),
    hop(F.__dev_queue_xmit, F.__dev_xmit_skb, 4561),
    hop(F.__dev_xmit_skb, F.__qdisc_run, 3985),
    hop(F.__qdisc_run, F.qdisc_restart, 428),
    hop(F.qdisc_restart, F.sch_direct_xmit, 419),
    hop(F.sch_direct_xmit, F.dev_hard_start_xmit, 343),
    hop(F.dev_hard_start_xmit, F.xmit_one, 3723),
    hop(F.xmit_one, F.netdev_start_xmit, 3707),
    hop(F.netdev_start_xmit, F.__netdev_start_xmit, 5022),
  ];
  return { hops, drivers };
}

/** The same path on a tree where the IP layer could not be reached: what was found, then a break. */
export function brokenPath(): CallPath {
  const all = sendPath().hops;
  const cut = all.findIndex((h) => h.to.name === 'ip_queue_xmit');
  const rest = all.findIndex((h) => h.from.name === 'dev_queue_xmit');
  return {
    hops: [...all.slice(0, cut), ...all.slice(rest)],
    broken: { after: '__tcp_transmit_skb', before: 'dev_queue_xmit', reason: 'no target found for icsk_af_ops->queue_xmit' },
    drivers,
  };
}

type BuiltAs = Pick<FunctionRef, 'built' | 'builtWhy' | 'module'>;
const y: BuiltAs = { built: 'y', builtWhy: 'obj-y' };
const m = (module: string, option: string): BuiltAs => ({ built: 'm', module, builtWhy: `obj-$(${option}) = m` });
const n = (option: string): BuiltAs => ({ built: 'n', builtWhy: `${option} is not set` });

/**
 * The same path as the server answers it for Debian's cloud-amd64 config (CONFIG_SMC=m,
 * CONFIG_AF_RXRPC, CONFIG_E1000, CONFIG_IGB and CONFIG_R8169 not set, ENA and the virtual devices as modules):
 * every function carries `built`; the drivers and the targets at sock_sendmsg_nosec include some
 * it does not compile. The drivers come in the server's order (nearest folder first).
 */
export function cloudSendPath(): CallPath {
  const withBuilt = (f: FunctionRef, b: BuiltAs = y): FunctionRef => ({ ...f, ...b });
  const base = sendPath();
  const hops = base.hops.map((h) => ({
    ...h,
    from: withBuilt(h.from),
    to: withBuilt(h.to),
    alternatives: h.alternatives.map((a) => withBuilt(a)),
  }));
  const nosec = hops.findIndex((h) => h.via === 'proto_ops.sendmsg');
  hops[nosec].alternatives.push(
    withBuilt(fn('rxrpc_sendmsg', 'net/rxrpc/af_rxrpc.c', 578, true), n('CONFIG_AF_RXRPC')),
    withBuilt(fn('smc_sendmsg', 'net/smc/af_smc.c', 2807), m('smc', 'CONFIG_SMC')),
  );
  const drv = (name: string, file: string, line1: number, b: BuiltAs) => withBuilt(fn(name, file, line1, true), b);
  return {
    hops,
    drivers: [
      drv('loopback_xmit', 'drivers/net/loopback.c', 69, y),
      drv('ifb_xmit', 'drivers/net/ifb.c', 337, m('ifb', 'CONFIG_IFB')),
      drv('veth_xmit', 'drivers/net/veth.c', 346, m('veth', 'CONFIG_VETH')),
      drv('start_xmit', 'drivers/net/virtio_net.c', 3123, m('virtio_net', 'CONFIG_VIRTIO_NET')),
      drv('ena_start_xmit', 'drivers/net/ethernet/amazon/ena/ena_netdev.c', 2618, m('ena', 'CONFIG_ENA_ETHERNET')),
      drv('e1000_xmit_frame', 'drivers/net/ethernet/intel/e1000/e1000_main.c', 3093, n('CONFIG_E1000')),
      drv('igb_xmit_frame', 'drivers/net/ethernet/intel/igb/igb_main.c', 6543, n('CONFIG_IGB')),
      drv('rtl8169_start_xmit', 'drivers/net/ethernet/realtek/r8169_main.c', 4418, n('CONFIG_R8169')),
    ],
  };
}

/**
 * The IPv4 receive path as the server answers it for Debian's 6.12 tree (kpath recv-path): the
 * packet from netif_receive_skb up to tcp_data_ready's wakeup call, and recvfrom() down to the copy.
 * Every function carries the lane the server gives it. Trimmed to the indirect hops' first alternatives.
 */
export function recvPath(): { deliver: CallPath; read: CallPath } {
  const L = (name: string, file: string, line1: number, lane: LayerId, isStatic = false): FunctionRef => ({
    ...fn(name, file, line1, isStatic),
    lane,
  });
  const chain = (fns: FunctionRef[], sites: number[], indirect: Record<number, [HopKind, string, FunctionRef[]]> = {}): PathHop[] =>
    fns.slice(1).map((to, i) => {
      const [kind, via, alts] = indirect[i] ?? ['direct', '', []];
      return hop(fns[i], to, sites[i], kind, via, [], alts);
    });
  const nfHook = L('NF_HOOK', 'include/linux/netfilter.h', 311, 'netfilter');
  const deliver = [
    L('netif_receive_skb', 'net/core/dev.c', 6113, 'device'),
    L('netif_receive_skb_internal', 'net/core/dev.c', 6038, 'device', true),
    L('__netif_receive_skb', 'net/core/dev.c', 5954, 'device', true),
    L('__netif_receive_skb_one_core', 'net/core/dev.c', 5853, 'device', true),
    L('__netif_receive_skb_core', 'net/core/dev.c', 5642, 'device', true),
    L('deliver_skb', 'net/core/dev.c', 2309, 'device', true),
    L('ip_rcv', 'net/ipv4/ip_input.c', 561, 'ip'),
    nfHook,
    L('ip_rcv_finish', 'net/ipv4/ip_input.c', 436, 'ip', true),
    L('dst_input', 'include/net/dst.h', 477, 'ip'),
    L('ip_local_deliver', 'net/ipv4/ip_input.c', 243, 'ip'),
    nfHook,
    L('ip_local_deliver_finish', 'net/ipv4/ip_input.c', 228, 'ip', true),
    L('ip_protocol_deliver_rcu', 'net/ipv4/ip_input.c', 188, 'ip'),
    L('tcp_v4_rcv', 'net/ipv4/tcp_ipv4.c', 2184, 'tcp'),
    L('tcp_v4_do_rcv', 'net/ipv4/tcp_ipv4.c', 1902, 'tcp'),
    L('tcp_rcv_established', 'net/ipv4/tcp_input.c', 6156, 'tcp'),
    L('tcp_data_ready', 'net/ipv4/tcp_input.c', 5278, 'tcp'),
  ];
  const read = [
    L('sys_recvfrom', 'net/socket.c', 2258, 'syscall'),
    L('__sys_recvfrom', 'net/socket.c', 2222, 'syscall'),
    L('sock_recvmsg', 'net/socket.c', 1054, 'socket'),
    L('sock_recvmsg_nosec', 'net/socket.c', 1033, 'socket', true),
    L('inet_recvmsg', 'net/ipv4/af_inet.c', 874, 'inet'),
    L('tcp_recvmsg', 'net/ipv4/tcp.c', 2856, 'tcp'),
    L('tcp_recvmsg_locked', 'net/ipv4/tcp.c', 2576, 'tcp', true),
    L('skb_copy_datagram_msg', 'include/linux/skbuff.h', 4155, 'core'),
    L('skb_copy_datagram_iter', 'net/core/datagram.c', 535, 'core'),
  ];
  return {
    deliver: {
      hops: chain(deliver, [6119, 6060, 5971, 5859, 5699, 2316, 570, 317, 450, 479, 255, 317, 234, 206, 2350, 1923, 6295], {
        5: ['field', 'packet_type.func', [L('mrp_rcv', 'net/802/mrp.c', 794, 'core', true)]],
        7: ['param', 'NF_HOOK#7', []],
        9: ['hint', 'dst_entry.input', [L('ip6_input', 'net/ipv6/ip6_input.c', 491, 'ip')]],
        11: ['param', 'NF_HOOK#7', []],
        13: ['hint', 'net_protocol.handler', [L('udp_rcv', 'net/ipv4/udp.c', 2703, 'udp')]],
      }),
      branches: [
        {
          id: 'netfilter',
          label: 'netfilter hooks',
          default: 'none',
          chosen: 'none',
          options: [
            { id: 'none', label: 'no hooks registered: NF_HOOK calls okfn directly' },
            { id: 'hooks', label: 'hooks registered (iptables/nftables, conntrack): NF_HOOK runs them, then calls okfn' },
          ],
        },
      ],
      endsAt: { slot: 'sock.sk_data_ready', targets: [L('sock_def_readable', 'net/core/sock.c', 3502, 'socket')] },
    },
    read: {
      hops: chain(read, [2262, 2247, 1058, 1036, 884, 2871, 2766, 4158], {
        3: ['hint', 'proto_ops.recvmsg', [L('inet6_recvmsg', 'net/ipv6/af_inet6.c', 666, 'inet')]],
        4: ['hint', 'proto.recvmsg', [L('udp_recvmsg', 'net/ipv4/udp.c', 1889, 'udp')]],
      }),
      branches: [],
    },
  };
}
