// The simulated host: clock, timers, sysctls, qdisc choice, the sockets, and the wire. This is the
// "kernel" object the rule functions receive; it holds no TCP rules itself.

import type { IpVersion } from './family';
import { TCP_INIT_CWND } from './constants';
import { defaultSysctls, Sysctls } from './sysctl';
import { Tracer } from './trace';
import { TcpSock, WirePacket } from './types';

export type QdiscKind = 'pfifo' | 'fq';

interface Timer {
  atNs: number;
  order: number;
  label: string;
  run: () => void;
}

export interface ModelIssue {
  what: string;
  line?: number;
}

/** EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE: the bits of an item's events that are
 * not events (a one-shot item that fired keeps only these). */
export const EP_PRIVATE_BITS = (1 << 29) + (1 << 30) + 2 ** 31 + (1 << 28);

/** An epoll item (struct epitem): its events (with EPOLLERR|EPOLLHUP), data, and whether it is on
 * the instance's ready list (rdllink). */
export interface EpollItem {
  events: number;
  data: number;
  ready: boolean;
}

export class Host {
  nowNs = 0;
  sysctl: Sysctls = defaultSysctls();
  qdisc: QdiscKind = 'pfifo';
  /** `tc qdisc ... pfifo limit 0`: a queue that holds nothing, so every enqueue is dropped
   * (pfifo_enqueue → qdisc_drop, NET_XMIT_DROP) and no packet leaves. */
  qdiscDropsAll = false;
  /** tcp_init_cwnd: the route's initcwnd metric (`ip route ... initcwnd N`), 10 by default. */
  initCwnd = TCP_INIT_CWND;
  /** The device segments TSO packets itself (tun with TUN_F_TSO4); when off, the stack's GSO
   * cuts them into MSS-sized packets before the driver (`ethtool -K tun0 tso off`). */
  tso = true;
  /** The script chose a congestion control (TCP_CONGESTION or net.ipv4.tcp_congestion_control). */
  caChosen = false;
  readonly trace: Tracer;
  /** Every packet in both directions, in time order. */
  readonly wire: WirePacket[] = [];
  /** Outbound packets the runner has not compared yet. */
  readonly outQueue: WirePacket[] = [];
  readonly socks: TcpSock[] = [];
  /** Regular files a script opened (for sendfile): size and file position, by fd. */
  readonly files = new Map<number, { size: number; pos: number }>();
  /** Pipes a script made (pipe(), for splice()): each end by fd, both ends sharing the bytes
   * buffered (`len`) and whether the write end is still open. */
  readonly pipes = new Map<number, { end: 'read' | 'write'; pipe: { len: number; writer: boolean } }>();
  /** The Fast Open part of tcp_metrics, by peer address: the cookie and the MSS of the peer's
   * last SYN-ACK to a Fast Open SYN (tcp_fastopen_cache_set); `exp` when the cookie came in the
   * experimental option, `tryExp` tcp_fastopen_metrics' try_exp (1: request with it next time). */
  readonly tfoCookies = new Map<string, { cookie?: string; mss?: number; exp?: boolean; tryExp?: number }>();
  /** Blocked poll()/epoll_wait() calls: each looks at the sockets again after every timer, so
   * it returns at the moment its event happens (or its timeout). */
  readonly waiters = new Set<() => void>();
  /** epoll instances by fd: each watched fd's event mask and data (epoll_ctl). */
  readonly epolls = new Map<number, Map<number, EpollItem>>();
  /** Things the model met but does not model (reported as `unsupported: ... at line N`). */
  readonly unsupported: ModelIssue[] = [];
  /** Script line being played, so steps and issues can name it. */
  line = 0;
  /** packetdrill's --local_ip and --remote_ip (IPv4 defaults; a script's header lines may set
   * them, and they feed the Fast Open cookie and the IP header). */
  localIp = '192.168.0.1';
  remoteIp = '192.0.2.1';
  /** packetdrill's --ip_version (family.ts): the socket family and the IP version on the wire. */
  ipVersion: IpVersion = 'ipv4';
  /** Whether localIp is a stand-in for the random address packetdrill picks (IPv6 without
   * --local_ip): nothing that depends on its value can be predicted. */
  localIpRandom = false;
  /** The tun device's MTU (`ifconfig tun0 mtu N`, `ip link set tun0 mtu N`: dev_set_mtu). */
  mtu = 1500;
  /** The route to the peer's MTU (a PMTU exception after ICMP fragmentation needed), and whether
   * it is locked (it was raised to min_pmtu). */
  pathMtu = 1500;
  pathMtuLocked = false;
  /** The route's advmss metric (RTAX_ADVMSS, `ip route ... advmss N`); 0: none, the MSS comes
   * from the MTU. */
  routeAdvmss = 0;
  private timers: Timer[] = [];
  private timerOrder = 0;
  private nextId = { packet: 1, skb: 1, sock: 1, port: 40000 };

  constructor() {
    this.trace = new Tracer(() => this.nowNs);
  }

  /** tcp_jiffies32 with HZ=1000 (CONFIG_HZ of the selftests): milliseconds. */
  jiffies(): number {
    return Math.floor(this.nowNs / 1e6);
  }

  nowUs(): number {
    return Math.floor(this.nowNs / 1e3);
  }

  id(kind: 'packet' | 'skb' | 'sock'): number {
    return this.nextId[kind]++;
  }

  ephemeralPort(): number {
    return this.nextId.port++;
  }

  addTimer(atNs: number, label: string, run: () => void): void {
    this.timers.push({ atNs: Math.max(atNs, this.nowNs), order: this.timerOrder++, label, run });
  }

  nextTimerNs(): number | undefined {
    let best: number | undefined;
    for (const t of this.timers) if (best === undefined || t.atNs < best) best = t.atNs;
    return best;
  }

  /** Moves the clock to `ns`, running every timer that expires on the way, in order. */
  advanceTo(ns: number): void {
    for (;;) {
      let idx = -1;
      for (let k = 0; k < this.timers.length; k++) {
        const t = this.timers[k];
        if (t.atNs > ns) continue;
        if (idx < 0 || t.atNs < this.timers[idx].atNs || (t.atNs === this.timers[idx].atNs && t.order < this.timers[idx].order)) idx = k;
      }
      if (idx < 0) break;
      const [t] = this.timers.splice(idx, 1);
      this.nowNs = Math.max(this.nowNs, t.atNs);
      t.run();
      for (const w of [...this.waiters]) w();
    }
    this.nowNs = Math.max(this.nowNs, ns);
  }

  emit(pkt: WirePacket): void {
    this.wire.push(pkt);
    if (pkt.direction === 'out') this.outQueue.push(pkt);
  }

  /** A socket's wait queue woken with `key` (sk_data_ready, sk_write_space, sk_state_change):
   * every epoll item watching fd `fd` for one of those events goes on its ready list
   * (ep_poll_callback; a disabled one-shot item watches nothing). */
  wake(fd: number, key: number): void {
    if (fd < 0) return;
    for (const ep of this.epolls.values()) {
      const it = ep.get(fd);
      if (it && it.events & ~EP_PRIVATE_BITS && (!key || key & it.events)) it.ready = true;
    }
  }

  flagUnsupported(what: string): void {
    this.unsupported.push({ what, line: this.line || undefined });
  }
}
