// The panel's "Run" form without a script: one connection, a number of writes, and a simple peer
// that acknowledges every packet it receives one RTT after it was sent (a receiver with GRO,
// no delayed ACK). Drives the same model as the packetdrill runner.

import { runShell, SELFTEST_DEFAULTS } from './commands';
import { sys_accept, sys_listen, sys_sendmsg, sys_setsockopt, sys_socket, tcpInfo } from './tcp/api';
import { TCPHDR_ACK, TCPHDR_SYN } from './tcp/constants';
import { Host } from './tcp/host';
import { tcp_v4_rcv } from './tcp/input';
import type { Step } from './tcp/trace';
import type { TcpOption, TcpSock, WirePacket } from './tcp/types';

export interface Scenario {
  bytesPerWrite: number;
  writes: number;
  /** Time between writes, ms (0: all at once). */
  writeIntervalMs: number;
  /** The MSS option the peer sends in its SYN. */
  mss: number;
  /** tcp_init_cwnd (the route's initcwnd). */
  initCwnd: number;
  nagle: boolean;
  /** TCP_CORK around the writes (uncorked after the last one). */
  cork: boolean;
  /** Device TSO; off means software GSO cuts packets to MSS before the driver. */
  tso: boolean;
  rttMs: number;
  /** The peer's receive window in bytes. */
  peerWindow: number;
  congestion: 'cubic' | 'reno';
  qdisc: 'pfifo' | 'fq';
  /** Stop after this much simulated time (ms); default 10 s. */
  durationMs?: number;
}

export const DEFAULT_SCENARIO: Scenario = {
  bytesPerWrite: 1000,
  writes: 10,
  writeIntervalMs: 0,
  mss: 1460,
  initCwnd: 10,
  nagle: true,
  cork: false,
  tso: true,
  rttMs: 10,
  peerWindow: 65535 * 4,
  congestion: 'cubic',
  qdisc: 'pfifo',
};

export interface ScenarioResult {
  packets: WirePacket[];
  steps: Step[];
  unsupported: Array<{ what: string }>;
  /** tcp_info of the connection at the end. */
  final: Record<string, number>;
  /** Bytes the peer acknowledged. */
  delivered: number;
}

export function simulateScenario(input: Partial<Scenario> = {}): ScenarioResult {
  const s: Scenario = { ...DEFAULT_SCENARIO, ...input };
  const h = new Host();
  runShell({ host: h, restore: [], note: () => undefined, unsupported: () => undefined }, SELFTEST_DEFAULTS);
  h.sysctl.tcp_congestion_control = s.congestion;
  h.qdisc = s.qdisc;
  h.initCwnd = s.initCwnd;
  h.tso = s.tso;
  const rttNs = s.rttMs * 1e6;
  const wscale = s.peerWindow > 65535 ? Math.min(14, Math.ceil(Math.log2(s.peerWindow / 65535))) : undefined;
  const win = Math.min(65535, Math.floor(s.peerWindow / 2 ** (wscale ?? 0)));

  sys_socket(h, 3);
  sys_listen(h, 3, 1);
  const synOpts: TcpOption[] = [{ kind: 'mss', value: s.mss }, { kind: 'sackOK' }];
  if (wscale !== undefined) synOpts.push({ kind: 'nop' }, { kind: 'wscale', value: wscale });
  tcp_v4_rcv(h, { flags: TCPHDR_SYN, seq: 0, ack: 0, win: Math.min(65535, s.peerWindow), len: 0, options: synOpts, tos: 0 }, 0);
  h.advanceTo(rttNs);
  tcp_v4_rcv(h, { flags: TCPHDR_ACK, seq: 1, ack: 1, win, len: 0, options: [], tos: 0 }, 0);
  sys_accept(h, 3, 4);
  if (!s.nagle) sys_setsockopt(h, 4, 'SOL_TCP', 'TCP_NODELAY', 1);
  if (s.cork) sys_setsockopt(h, 4, 'SOL_TCP', 'TCP_CORK', 1);
  const sk = h.socks.find((x) => x.fd === 4) as TcpSock;

  const start = h.nowNs;
  for (let k = 0; k < s.writes; k++) {
    const last = k === s.writes - 1;
    h.addTimer(start + k * s.writeIntervalMs * 1e6, `write ${k + 1}`, () => {
      sys_sendmsg(h, 4, [s.bytesPerWrite], 0);
      if (last && s.cork) sys_setsockopt(h, 4, 'SOL_TCP', 'TCP_CORK', 0);
    });
  }
  const total = s.bytesPerWrite * s.writes;
  const end = start + (s.durationMs ?? 10_000) * 1e6;
  let delivered = 0;
  // The peer: one ACK per packet, one RTT after the packet left.
  for (;;) {
    for (const p of h.outQueue.splice(0)) {
      if (!p.len) continue;
      const ack = p.seq + p.len;
      h.addTimer(p.timeNs + rttNs, 'peer ACK', () => {
        delivered = Math.max(delivered, ack - 1);
        tcp_v4_rcv(h, { flags: TCPHDR_ACK, seq: 1, ack, win, len: 0, options: [], tos: 0 }, 0);
      });
    }
    const next = h.nextTimerNs();
    if (next === undefined || next > end || (delivered >= total && sk.rtxQueue.length === 0 && !sk.writeQueue.length)) break;
    h.advanceTo(next);
  }
  return {
    packets: h.wire,
    steps: h.trace.steps,
    unsupported: h.unsupported.map((u) => ({ what: u.what })),
    final: tcpInfo(h, sk),
    delivered,
  };
}
