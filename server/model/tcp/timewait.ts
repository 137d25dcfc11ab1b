// The timewait socket (net/ipv4/tcp_minisocks.c tcp_time_wait, tcp_timewait_state_process;
// tcp_ipv4.c tcp_v4_timewait_ack): once a connection reaches TIME_WAIT, or an orphan reaches
// FIN_WAIT2, the full socket is closed (tcp_done) and a small inet_timewait_sock answers the
// peer until its timer ends: TCP_TIMEWAIT_LEN (60 s) in TIME_WAIT, tcp_fin_time in FIN_WAIT2.

import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN } from './constants';
import type { Host } from './host';
import { tcp_done } from './done';
import { tcp_receive_window } from './rcvbuf';
import { optTs, Segment } from './segment';
import { frame } from './trace';
import { tcp_send_ack } from './transmit';
import type { TcpSock, TimeWaitSock } from './types';
import { tcp_oow_rate_limited } from './validate';

/** TCP_TIMEWAIT_LEN, ms. */
export const TCP_TIMEWAIT_LEN_MS = 60_000;

/** What tcp_v4_rcv does after tcp_timewait_state_process (enum tcp_tw_status); `kill` is
 * TCP_TW_SUCCESS after inet_twsk_deschedule_put (a RST ended it). */
export type TwStatus = 'success' | 'ack' | 'rst' | 'syn' | 'kill';

/** tcp_fin_time: how long an orphan waits in FIN_WAIT2 (TCP_LINGER2, else tcp_fin_timeout), at
 * least 3.5 RTOs. */
export function tcp_fin_time(h: Host, sk: TcpSock): number {
  const rto = (sk.rtoMs << 2) - (sk.rtoMs >> 1);
  return Math.max(sk.linger2Ms || h.sysctl.tcp_fin_timeout * 1000, rto);
}

/** tcp_time_wait: hand the connection to a timewait socket and close the full one. */
export function tcp_time_wait(h: Host, sk: TcpSock, substate: TimeWaitSock['substate'], timeoMs: number): void {
  using _frame = frame(h, 'tcp_time_wait');
  const rto = (sk.rtoMs << 2) - (sk.rtoMs >> 1);
  let timeo = Math.max(timeoMs, rto);
  if (substate === 'TIME_WAIT') timeo = TCP_TIMEWAIT_LEN_MS;
  const rcvWnd = tcp_receive_window(sk);
  tcp_done(h, sk);
  // inet_twsk_alloc: no more timewait sockets than tcp_max_tw_buckets in the namespace; without
  // one the connection is just closed (TCPTimeWaitOverflow).
  const live = h.socks.filter((s) => s !== sk && twsk(h, s)).length;
  if (live >= h.sysctl.tcp_max_tw_buckets) {
    h.trace.step(
      'tcp_time_wait',
      sk.id,
      `no timewait socket (tcp_max_tw_buckets ${h.sysctl.tcp_max_tw_buckets}): the connection is closed`,
    );
    return;
  }
  sk.tw = { substate, rcvWnd, expiresNs: h.nowNs + timeo * 1e6 };
  h.trace.step('tcp_time_wait', sk.id, `timewait socket in ${substate} for ${timeo} ms`);
}

/** The socket's timewait socket while its timer runs (inet_twsk_kill when it ends). */
export function twsk(h: Host, sk: TcpSock): TimeWaitSock | undefined {
  if (sk.tw && h.nowNs >= sk.tw.expiresNs) {
    h.trace.step('tw_timer_handler', sk.id, `timewait socket (${sk.tw.substate}) expired`);
    sk.tw = undefined;
  }
  return sk.tw;
}

/** tcp_in_window. */
function tcp_in_window(seq: number, endSeq: number, sWin: number, eWin: number): boolean {
  if (seq === sWin) return true;
  if (endSeq > sWin && seq < eWin) return true;
  return seq === eWin && seq === endSeq;
}

/** tcp_timewait_state_process: a segment for a timewait socket. */
export function tcp_timewait_state_process(h: Host, sk: TcpSock, seg: Segment): TwStatus {
  using _frame = frame(h, 'tcp_timewait_state_process');
  const tw = sk.tw!;
  const rcvNxt = sk.rcvNxt;
  const endSeq = seg.seq + seg.len + (seg.flags & TCPHDR_SYN ? 1 : 0) + (seg.flags & TCPHDR_FIN ? 1 : 0);
  const ts = sk.tstampOk ? optTs(seg.options) : undefined;
  // tcp_paws_reject (the RST's 60 s TCP_PAWS_MSL exception is not modelled: the model's timewait
  // sockets live at most 60 s).
  const pawsReject = !!ts && !!sk.tsRecent && ((sk.tsRecent - ts.val) | 0) > 0;
  const oow = (why: string): TwStatus => {
    if (tcp_oow_rate_limited(h, seg, tw)) {
      h.trace.step('tcp_timewait_state_process', sk.id, `${why}: ACK rate-limited (tcp_invalid_ratelimit)`);
      return 'success';
    }
    h.trace.step('tcp_timewait_state_process', sk.id, `${why}: ACK`);
    return 'ack';
  };
  if (tw.substate === 'FIN_WAIT2') {
    if (pawsReject || !tcp_in_window(seg.seq, endSeq, rcvNxt, rcvNxt + tw.rcvWnd)) return oow('out of window in FIN_WAIT2');
    if (seg.flags & TCPHDR_RST) return 'kill';
    if (seg.flags & TCPHDR_SYN && seg.seq >= rcvNxt) return 'rst';
    if (!(seg.flags & TCPHDR_ACK) || endSeq <= rcvNxt || endSeq === seg.seq) {
      h.trace.step('tcp_timewait_state_process', sk.id, 'duplicate ACK in FIN_WAIT2: dropped');
      return 'success';
    }
    if (!(seg.flags & TCPHDR_FIN) || endSeq !== rcvNxt + 1) {
      h.trace.step('tcp_timewait_state_process', sk.id, 'new data after close() in FIN_WAIT2: reset');
      return 'rst';
    }
    tw.substate = 'TIME_WAIT';
    sk.rcvNxt = endSeq;
    if (ts) sk.tsRecent = ts.val;
    tw.expiresNs = h.nowNs + TCP_TIMEWAIT_LEN_MS * 1e6;
    h.trace.step('tcp_timewait_state_process', sk.id, 'FIN in FIN_WAIT2: TIME_WAIT, ACK');
    return 'ack';
  }
  if (!pawsReject && seg.seq === rcvNxt && (seg.seq === endSeq || seg.flags & TCPHDR_RST)) {
    if (seg.flags & TCPHDR_RST) {
      if (!h.sysctl.tcp_rfc1337) return 'kill';
    } else tw.expiresNs = h.nowNs + TCP_TIMEWAIT_LEN_MS * 1e6;
    if (ts) sk.tsRecent = ts.val;
    h.trace.step('tcp_timewait_state_process', sk.id, 'in-window ACK in TIME_WAIT: nothing to do');
    return 'success';
  }
  if (
    seg.flags & TCPHDR_SYN &&
    !(seg.flags & (TCPHDR_RST | TCPHDR_ACK)) &&
    !pawsReject &&
    (seg.seq > rcvNxt || (!!ts && ((sk.tsRecent - ts.val) | 0) < 0))
  ) {
    // The new connection's ISN lies a window past the old one's snd_nxt, so its segments cannot
    // be taken for the old connection's (cq-tw-refin-syn).
    seg.twIsn = (sk.sndNxt + 65535 + 2) >>> 0 || 1;
    h.trace.step('tcp_timewait_state_process', sk.id, `new SYN to TIME_WAIT: handed to the listener (TCP_TW_SYN), ISN ${seg.twIsn}`);
    return 'syn';
  }
  if (seg.flags & TCPHDR_RST) return 'success';
  if (pawsReject || seg.flags & TCPHDR_ACK) tw.expiresNs = h.nowNs + TCP_TIMEWAIT_LEN_MS * 1e6;
  return oow('segment out of window in TIME_WAIT');
}

/** tcp_v4_rcv's do_time_wait: act on tcp_timewait_state_process's answer. Returns true when the
 * segment goes on to the listener (a new SYN), false when it was consumed here; `reset` sends
 * tcp_v4_send_reset's RST. `listening` says whether inet_lookup_listener finds a listener on the
 * timewait socket's local port. */
export function tcp_v4_timewait(h: Host, sk: TcpSock, seg: Segment, reset: () => void, listening: boolean): boolean {
  const tw = sk.tw!;
  // A RST that kills the timewait socket (in FIN_WAIT2 in window, or in TIME_WAIT at rcv_nxt
  // without RFC 1337) is handled here: inet_twsk_deschedule_put.
  const st = tcp_timewait_state_process(h, sk, seg);
  if (st === 'kill') {
    h.trace.step('tcp_timewait_state_process', sk.id, `RST in ${tw.substate}: timewait socket killed`);
    sk.tw = undefined;
    return false;
  }
  if (st === 'syn') {
    if (listening) {
      sk.tw = undefined;
      return true;
    }
    // tcp_v4_rcv, TCP_TW_SYN without a listener on the port (a connect()ed socket's TIME_WAIT, or
    // the listener is gone): "to ACK", fall through to TCP_TW_ACK; the timewait socket stays.
    h.trace.step('tcp_v4_rcv', sk.id, 'TCP_TW_SYN: no listener on the port, the timewait socket ACKs');
    tcp_v4_timewait_ack(h, sk);
    return false;
  }
  if (st === 'ack') tcp_v4_timewait_ack(h, sk);
  if (st === 'rst') {
    reset();
    sk.tw = undefined;
  }
  return false;
}

/** tcp_v4_timewait_ack: an ACK from the timewait socket (snd_nxt, rcv_nxt, its window). */
function tcp_v4_timewait_ack(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_v4_timewait_ack');
  tcp_send_ack(h, sk);
}
