// Receiving data (net/ipv4/tcp_input.c): in-order data and FIN, and when to acknowledge them
// (quick ACKs, delayed ACKs, the interactive "pingpong" mode); sending after an ACK.

import { TCPHDR_FIN, TCP_ATO_MIN_MS, TCP_DELACK_MAX_MS, TCP_MAX_QUICKACKS, TCP_MSS_DEFAULT, TCP_MIN_MSS } from './constants';
import type { Host } from './host';
import { tcp_push_pending_frames } from './output';
import { packetsOut } from './sock';
import { tcp_check_space } from './sndbuf';
import { tcp_check_probe_timer, tcp_send_delayed_ack } from './timers';
import { tcp_send_ack } from './transmit';
import { TcpSock } from './types';
import { Segment } from './segment';

export function tcp_initialize_rcv_mss(sk: TcpSock): void {
  let hint = Math.min(sk.advmss, sk.mssCache);
  hint = Math.min(hint, Math.floor(sk.rcvWnd / 2), TCP_MSS_DEFAULT);
  sk.rcvMss = Math.max(hint, TCP_MIN_MSS);
}

/** tcp_data_queue (+ tcp_fin): in-order data advances rcv_nxt; returns whether an ACK is owed. */
export function tcp_data_queue(h: Host, sk: TcpSock, seg: Segment): boolean {
  const fin = (seg.flags & TCPHDR_FIN) !== 0;
  if (!seg.len && !fin) return false;
  if (seg.seq !== sk.rcvNxt) {
    h.trace.step(
      'tcp_data_queue',
      sk.id,
      `segment at ${seg.seq} but rcv_nxt is ${sk.rcvNxt}: out of order or old, immediate duplicate ACK`,
    );
    if (seg.seq > sk.rcvNxt) h.flagUnsupported('out-of-order data (SACK blocks are not modelled)');
    tcp_send_ack(h, sk);
    return false;
  }
  if (seg.len) {
    sk.rcvNxt += seg.len;
    sk.readable += seg.len;
    tcp_event_data_recv(h, sk, seg.len);
  }
  h.trace.step('tcp_data_queue', sk.id, `${seg.len} bytes in order${fin ? ' + FIN' : ''}: rcv_nxt ${sk.rcvNxt + (fin ? 1 : 0)}`, {
    len: seg.len,
  });
  sk.ackPending = true;
  if (fin) return tcp_fin(h, sk);
  return true;
}

/** tcp_event_data_recv: the first data starts quick-ACK mode; track the peer's segment size. */
function tcp_event_data_recv(h: Host, sk: TcpSock, len: number): void {
  if (len >= sk.rcvMss) sk.rcvMss = Math.min(len, sk.advmss); // tcp_measure_rcv_mss
  const now = h.jiffies();
  if (!sk.ato) {
    tcp_incr_quickack(sk);
    sk.ato = TCP_ATO_MIN_MS;
  } else {
    // Adapt the delayed-ACK timeout to the inter-arrival time of data.
    const m = now - sk.lrcvtime;
    if (m <= TCP_ATO_MIN_MS / 2) sk.ato = (sk.ato >> 1) + TCP_ATO_MIN_MS / 2;
    else if (m < sk.ato) sk.ato = Math.min((sk.ato >> 1) + m, sk.rtoMs, TCP_DELACK_MAX_MS);
    else if (m > sk.rtoMs) tcp_incr_quickack(sk);
  }
  sk.lrcvtime = now;
}

/** tcp_enter_quickack_mode: quick ACKs again, out of interactive mode, ato back to its minimum. */
export function tcp_enter_quickack_mode(sk: TcpSock): void {
  tcp_incr_quickack(sk);
  sk.pingpong = 0;
  sk.ato = TCP_ATO_MIN_MS;
}

/** tcp_incr_quickack: up to 16 immediate ACKs, fewer for a small receive window. */
function tcp_incr_quickack(sk: TcpSock): void {
  let q = Math.floor(sk.rcvWnd / (2 * sk.rcvMss));
  if (q === 0) q = 2;
  q = Math.min(q, TCP_MAX_QUICKACKS);
  if (q > sk.quickAcks) sk.quickAcks = q;
}

/** tcp_fin: the peer closed its side. */
export function tcp_fin(h: Host, sk: TcpSock): boolean {
  sk.rcvNxt += 1;
  sk.finReceived = true;
  const before = sk.state;
  switch (sk.state) {
    case 'SYN_RECV':
    case 'ESTABLISHED':
      sk.state = 'CLOSE_WAIT';
      sk.pingpong = 1; // inet_csk_enter_pingpong_mode
      break;
    case 'FIN_WAIT1':
      sk.state = 'CLOSING';
      tcp_send_ack(h, sk);
      return false;
    case 'FIN_WAIT2':
      sk.state = 'TIME_WAIT';
      tcp_send_ack(h, sk);
      return false;
    default:
      break;
  }
  h.trace.step('tcp_fin', sk.id, `FIN received: ${before} → ${sk.state}`);
  return true;
}

/** tcp_data_snd_check: after an ACK, send what became allowed. */
export function tcp_data_snd_check(h: Host, sk: TcpSock): void {
  if (sk.writeQueue.length) {
    tcp_push_pending_frames(h, sk);
    if (!packetsOut(sk) && sk.writeQueue.length) tcp_check_probe_timer(h, sk);
  }
  tcp_check_space(h, sk);
}

/** __tcp_ack_snd_check: ACK now (more than one full segment unacked, quick-ACK mode) or later. */
export function __tcp_ack_snd_check(h: Host, sk: TcpSock): void {
  if (!sk.ackPending) return;
  const bigGap = sk.rcvNxt - sk.rcvWup > sk.rcvMss;
  const quick = sk.quickAcks > 0 && sk.pingpong < 1;
  if (bigGap || quick || sk.ackNow) {
    h.trace.step(
      '__tcp_ack_snd_check',
      sk.id,
      bigGap ? 'more than one full segment received: ACK now' : quick ? 'quick-ACK mode: ACK now' : 'an immediate ACK is due',
    );
    sk.ackNow = false;
    tcp_send_ack(h, sk);
  } else {
    tcp_send_delayed_ack(h, sk);
  }
}
