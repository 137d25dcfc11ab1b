// Receive-buffer autotuning (net/ipv4/tcp_input.c, "Receiver autotuning code"): the receiver's
// own RTT estimate (tcp_rcv_rtt_measure from one window of data, tcp_rcv_rtt_measure_ts from the
// peer's timestamp echo) and Dynamic Right-Sizing (tcp_rcv_space_adjust): once per receive RTT,
// what the application copied is compared with rcvq_space.space, and a reader that took more
// grows sk_rcvbuf (net.ipv4.tcp_moderate_rcvbuf, not after SO_RCVBUF) and window_clamp with it.

import type { Host } from './host';
import { tcp_space_from_win, tcp_win_from_space } from './rcvbuf';
import { tcp_ns_to_ts } from './transmit';
import type { TcpSock } from './types';

/** The receive RTT estimator's and DRS's state (tp->rcv_rtt_est, tp->rcvq_space,
 * tp->rcv_rtt_last_tsecr); times in µs on the tcp_mstamp clock. */
export interface RcvSpaceState {
  /** rcv_rtt_est.rtt_us: the estimate, scaled by 8 (0: no sample yet). */
  rttUs: number;
  /** rcv_rtt_est.seq / .time: the window-based measurement in progress (time 0: none). */
  estSeq: number;
  estTime: number;
  /** rcv_rtt_last_tsecr: the echo the last segment carried (a new one is needed for a sample). */
  lastTsecr: number;
  /** rcvq_space.seq / .time: copied_seq and the time when the current DRS period started. */
  seq: number;
  time: number;
}

export function newRcvSpaceState(): RcvSpaceState {
  return { rttUs: 0, estSeq: 0, estTime: 0, lastTsecr: 0, seq: 0, time: 0 };
}

function tcpMstampUs(h: Host): number {
  return Math.floor(h.nowNs / 1000);
}

/** tcp_rcv_rtt_update: the estimate (×8) takes a smaller sample at once; a larger one is ignored
 * for a window-based sample (win_dep: a stalled reader or sender would inflate it) and averaged in
 * with weight 1/8 for a timestamp sample. */
function tcp_rcv_rtt_update(sk: TcpSock, sampleUs: number, winDep: boolean): void {
  const r = sk.rcvSpaceEst;
  const m = sampleUs * 8;
  if (r.rttUs === 0 || m < r.rttUs) r.rttUs = m;
  else if (!winDep) r.rttUs = r.rttUs - (r.rttUs >> 3) + sampleUs;
}

/** tcp_rcv_rtt_measure (tcp_event_data_recv, every in-order data segment): without help from the
 * peer, one RTT is the time a whole advertised window (rcv_nxt + rcv_wnd at the start) takes to
 * arrive. */
export function tcp_rcv_rtt_measure(h: Host, sk: TcpSock): void {
  const r = sk.rcvSpaceEst;
  const now = tcpMstampUs(h);
  if (r.estTime) {
    if (sk.rcvNxt < r.estSeq) return;
    tcp_rcv_rtt_update(sk, Math.max(now - r.estTime, 1), true);
    h.trace.step('tcp_rcv_rtt_measure', sk.id, `a window of data in ${now - r.estTime} µs: receive RTT ${r.rttUs >> 3} µs`);
  }
  r.estSeq = sk.rcvNxt + sk.rcvWnd;
  r.estTime = now;
}

/** tcp_rcv_rtt_measure_ts (tcp_rcv_established, before the data is queued): a segment echoing a
 * timestamp not seen before, of at least rcv_mss bytes, gives a sample of now - TS ecr (in ms;
 * 0 ms gives none). Any new echo is remembered, a pure ACK's too. */
export function tcp_rcv_rtt_measure_ts(h: Host, sk: TcpSock, len: number): void {
  const r = sk.rcvSpaceEst;
  const ecr = sk.rcvTsecr ?? 0;
  if (ecr === r.lastTsecr) return;
  r.lastTsecr = ecr;
  if (len < sk.rcvMss) return;
  const deltaMs = tcp_ns_to_ts(h.nowNs) - ecr;
  if (deltaMs <= 0) return;
  tcp_rcv_rtt_update(sk, deltaMs * 1000, false);
  h.trace.step('tcp_rcv_rtt_measure_ts', sk.id, `TS ecr ${deltaMs} ms ago: receive RTT ${r.rttUs >> 3} µs`);
}

/** tcp_init_buffer_space's start of the first DRS period. */
export function tcp_rcv_space_init(h: Host, sk: TcpSock, copiedSeq: number): void {
  sk.rcvSpaceEst.time = tcpMstampUs(h);
  sk.rcvSpaceEst.seq = copiedSeq;
}

/** tcp_rcvbuf_grow as the live kernel (6.18) has it, where 6.12 grew the buffer inline in
 * tcp_rcv_space_adjust: rcvq_space.space takes the new value and, with tcp_moderate_rcvbuf and no
 * SO_RCVBUF, the buffer grows to hold twice it, scaled for a sender doubling its rate
 * (2 * new * (new - old) / old more, twice), capped by tcp_rmem[2]; window_clamp follows.
 * 6.12 also added 16 * advmss of cushion: the live windows after a DRS step (tcpi_rcv_ssthresh
 * 87017 for rcvq_space 15928 → 23168 at 1448/2304 payload) show the 6.18 form. */
function tcp_rcvbuf_grow(h: Host, sk: TcpSock, newval: number): void {
  const oldval = sk.rcvSpace;
  sk.rcvSpace = newval;
  if (!h.sysctl.tcp_moderate_rcvbuf || sk.rcvbufLocked) return;
  let rcvwin = 2 * newval;
  const grow = Math.floor((rcvwin * (newval - oldval)) / oldval);
  rcvwin += 2 * grow;
  const rcvbuf = Math.min(tcp_space_from_win(sk, rcvwin), h.sysctl.tcp_rmem[2]);
  if (rcvbuf > sk.rcvbuf) {
    sk.rcvbuf = rcvbuf;
    sk.windowClamp = tcp_win_from_space(sk, rcvbuf);
  }
}

/** tcp_rcv_space_adjust (tcp_recvmsg, after each skb copied): at most once per receive RTT, the
 * bytes copied in the period, less what still waits in the receive queue, grow rcvq_space.space
 * (and the buffer: tcp_rcvbuf_grow) when they exceed it. */
export function tcp_rcv_space_adjust(h: Host, sk: TcpSock, copiedSeq: number): void {
  const r = sk.rcvSpaceEst;
  const now = tcpMstampUs(h);
  const time = now - r.time;
  if (time < r.rttUs >> 3 || r.rttUs === 0) return;
  const inq = sk.rcvNxt - copiedSeq;
  const copied = copiedSeq - r.seq - inq;
  if (copied > sk.rcvSpace) {
    tcp_rcvbuf_grow(h, sk, copied);
    h.trace.step(
      'tcp_rcv_space_adjust',
      sk.id,
      `${copied} bytes read in ${time} µs: rcvq_space ${copied}, sk_rcvbuf ${sk.rcvbuf}, window_clamp ${sk.windowClamp}`,
    );
  }
  r.seq = copiedSeq;
  r.time = now;
}
