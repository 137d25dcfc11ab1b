// The lanes of a path: the layer a function belongs to, by where it lives (its file) and, for
// headers and shared files, by its name. One derivation for every path (send, receive, call path)
// and for the panel, which draws one column per lane in this order (down the stack: the receive
// side reads it upwards). Pure: no DOM, no index, so the webview imports it too.

export const layers = [
  { id: 'syscall', label: 'syscall', title: 'system call entry' },
  { id: 'socket', label: 'socket', title: 'BSD socket layer (net/socket.c, net/core/sock.c)' },
  { id: 'inet', label: 'INET', title: 'address family (net/ipv4/af_inet.c, net/ipv6/af_inet6.c)' },
  { id: 'tcp', label: 'TCP', title: 'TCP (net/ipv4/tcp*.c, net/ipv6/tcp*.c)' },
  { id: 'udp', label: 'UDP', title: 'UDP and UDP-Lite (net/ipv4/udp*.c, net/ipv6/udp*.c)' },
  { id: 'mptcp', label: 'MPTCP', title: 'multipath TCP (net/mptcp)' },
  { id: 'sctp', label: 'SCTP', title: 'SCTP (net/sctp)' },
  { id: 'raw', label: 'raw', title: 'raw and ping sockets (net/ipv4/raw.c, ping.c, net/ipv6/raw.c)' },
  { id: 'core', label: 'core', title: 'socket buffers and datagrams (net/core/skbuff.c, datagram.c)' },
  { id: 'ip', label: 'IP', title: 'IPv4/IPv6 input, output and routing' },
  { id: 'netfilter', label: 'netfilter', title: 'netfilter hooks' },
  { id: 'neighbour', label: 'neighbour', title: 'neighbour resolution (ARP, NDISC)' },
  { id: 'qdisc', label: 'qdisc', title: 'traffic control (net/sched)' },
  { id: 'device', label: 'device', title: 'network device core (net/core/dev.c, NAPI, GRO)' },
  { id: 'driver', label: 'driver', title: 'device drivers (ndo_start_xmit targets, NAPI poll)' },
] as const;

export type LayerId = (typeof layers)[number]['id'];

interface Rule {
  layer: LayerId;
  file?: RegExp;
  name?: RegExp;
}

// Order matters: the first rule that matches wins. Narrow places (netfilter, qdisc, neighbour) come
// before the broad ones that contain them (net/ipv4/, net/core/), and drivers come first because a
// driver can live anywhere (net/bridge's br_dev_xmit is one).
const rules: Rule[] = [
  { layer: 'driver', file: /^drivers\// },
  { layer: 'syscall', name: /^(__(se_|do_|x64_|ia32_|arm64_)?sys_|sys_|do_syscall|ksys_)/ },
  { layer: 'syscall', file: /^arch\/[^/]+\/entry\// },
  {
    layer: 'netfilter',
    file: /^(net\/netfilter\/|net\/ipv[46]\/netfilter\/|net\/bridge\/(netfilter\/|br_netfilter)|include\/(uapi\/)?linux\/netfilter|include\/net\/netfilter\/)/,
  },
  { layer: 'netfilter', name: /^(nf_|NF_HOOK|__nf_)/ },
  { layer: 'qdisc', file: /^(net\/sched\/|include\/net\/(sch_generic|pkt_sched|pkt_cls)\.h)/ },
  { layer: 'qdisc', name: /qdisc|^sch_/ },
  { layer: 'neighbour', file: /^(net\/core\/neighbour\.c|include\/net\/(neighbour|arp|ndisc)\.h|net\/ipv4\/arp\.c|net\/ipv6\/ndisc\.c)/ },
  { layer: 'neighbour', name: /^(__)?neigh_/ },
  { layer: 'mptcp', file: /^(net\/mptcp\/|include\/net\/mptcp\.h)/ },
  { layer: 'mptcp', name: /^(__)?mptcp_/ },
  { layer: 'tcp', file: /^(net\/ipv[46]\/tcp[^/]*\.c|include\/net\/tcp[^/]*\.h|include\/linux\/tcp\.h)/ },
  { layer: 'tcp', name: /^(__)?tcp_/ },
  { layer: 'udp', file: /^(net\/ipv[46]\/udp[^/]*\.c|include\/net\/udp[^/]*\.h|include\/linux\/udp\.h)/ },
  { layer: 'udp', name: /^(__)?udp/ },
  { layer: 'sctp', file: /^(net\/sctp\/|include\/net\/sctp\/)/ },
  { layer: 'sctp', name: /^(__)?sctp_/ },
  { layer: 'raw', file: /^net\/ipv[46]\/(raw|ping)\.c/ },
  { layer: 'raw', name: /^(raw|rawv6|ping)_/ },
  { layer: 'inet', file: /^(net\/ipv4\/(af_inet|inet_[^/]*)\.c|net\/ipv6\/(af_inet6|inet6_[^/]*)\.c|include\/net\/inet_[^/]*\.h)/ },
  { layer: 'inet', name: /^inet6?_/ },
  {
    layer: 'ip',
    file: /^(net\/ipv4\/(ip_[^/]*|route|icmp|xfrm4_[^/]*)\.c|net\/ipv6\/(ip6_[^/]*|route|icmp|output_core|xfrm6_[^/]*)\.c|net\/xfrm\/|net\/core\/dst\.c|include\/net\/(ip|ipv6|ip6_[^/]*|dst|route|xfrm)\.h)/,
  },
  { layer: 'ip', name: /^(__)?(ip6?_|ipv6_|dst_|xfrm)/ },
  { layer: 'socket', file: /^(net\/socket\.c|net\/core\/(sock|stream)\.c|include\/net\/sock\.h|include\/linux\/net\.h)/ },
  { layer: 'socket', name: /^(__)?(sock_|sk_)/ },
  { layer: 'device', file: /^(net\/core\/(dev|gro|link_watch|netpoll)[^/]*\.c|include\/linux\/netdevice\.h|include\/net\/gro\.h)/ },
  { layer: 'device', name: /^(__)?(dev_|netdev_|netif_|napi_|gro_)/ },
  { layer: 'core', file: /^(net\/core\/|include\/linux\/skbuff\.h)/ },
];

/** The layer of a function by its file (relative to the tree root) and name, or undefined when nothing says. */
export function classify(fn: { name: string; file: string }, drivers?: ReadonlySet<string>): LayerId | undefined {
  if (drivers?.has(fn.name)) return 'driver';
  const file = fn.file.replace(/^\.?\//, '');
  for (const r of rules) {
    if (r.file && r.file.test(file)) return r.layer;
    if (r.name && r.name.test(fn.name)) return r.layer;
  }
  return undefined;
}

/**
 * Layers for a sequence of functions along a path. A function that nothing classifies (a helper in
 * security/ or lib/) stays in the lane of the function before it, so that the path does not jump
 * to a lane of its own; `inferred` says so.
 */
export function laneOf(
  fns: readonly { name: string; file: string }[],
  drivers?: ReadonlySet<string>,
): { layer: LayerId; inferred: boolean }[] {
  const direct = fns.map((f) => classify(f, drivers));
  const out: { layer: LayerId; inferred: boolean }[] = [];
  let prev: LayerId | undefined;
  for (let i = 0; i < fns.length; i++) {
    const d = direct[i];
    if (d) {
      prev = d;
      out.push({ layer: d, inferred: false });
      continue;
    }
    const next = direct.slice(i + 1).find((x): x is LayerId => x !== undefined);
    out.push({ layer: prev ?? next ?? 'socket', inferred: true });
  }
  return out;
}

export function layerIndex(id: LayerId): number {
  return layers.findIndex((l) => l.id === id);
}
