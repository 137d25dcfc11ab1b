// The checks an inbound segment passes before a synchronized socket reads it
// (net/ipv4/tcp_input.c tcp_validate_incoming): PAWS (RFC 7323), the sequence window, then the
// RST and SYN bits under RFC 5961 (a RST not exactly at rcv_nxt and any SYN get a challenge ACK),
// with the per-socket rate limit on the ACKs sent back (tcp_oow_rate_limited).

import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN } from './constants';
import type { Host } from './host';
import { tcp_receive_window } from './rcvbuf';
import { tcp_dsack_set, tcp_enter_quickack_mode } from './receive';
import { optTs, Segment } from './segment';
import { frame } from './trace';
import { tcp_send_ack } from './transmit';
import type { TcpSock } from './types';

/** sysctl_tcp_challenge_ack_limit's default (INT_MAX): no per-namespace quota. */
const CHALLENGE_ACK_UNLIMITED = 0x7fffffff;

/** TCP_PAWS_WINDOW: a timestamp at most this much older than ts_recent still passes. */
const TCP_PAWS_WINDOW = 1;

/** What tcp_validate_incoming decided: read the segment on, drop it, or reset the connection. */
export type Verdict = 'pass' | 'drop' | 'reset';

function endSeqOf(seg: Segment): number {
  return seg.seq + seg.len + (seg.flags & TCPHDR_SYN ? 1 : 0) + (seg.flags & TCPHDR_FIN ? 1 : 0);
}

/** __tcp_oow_rate_limited: at most one reply per tcp_invalid_ratelimit (500 ms) per holder (a
 * socket, a timewait socket, a request), remembered in its last_oow_ack_time. */
export function __tcp_oow_rate_limited(h: Host, holder: { lastOowAckNs?: number }): boolean {
  const last = holder.lastOowAckNs;
  if (last !== undefined && h.nowNs - last < h.sysctl.tcp_invalid_ratelimit * 1e6) return true;
  holder.lastOowAckNs = h.nowNs;
  return false;
}

/** tcp_oow_rate_limited: segments that carry sequence space (data or FIN) and no SYN are never
 * limited (they are not part of an ACK loop). */
export function tcp_oow_rate_limited(h: Host, seg: Segment, holder: { lastOowAckNs?: number }): boolean {
  if (endSeqOf(seg) !== seg.seq && !(seg.flags & TCPHDR_SYN)) return false;
  return __tcp_oow_rate_limited(h, holder);
}

/** tcp_send_challenge_ack (RFC 5961 7): the per-socket limit first, then the per-namespace
 * quota, which is off by default. 6.12 and the live 6.18 agree here (both default to INT_MAX). */
export function tcp_send_challenge_ack(h: Host, sk: TcpSock, why: string): void {
  using _frame = frame(h, 'tcp_send_challenge_ack');
  if (__tcp_oow_rate_limited(h, sk)) {
    h.trace.step('tcp_send_challenge_ack', sk.id, `${why}: challenge ACK rate-limited (tcp_invalid_ratelimit)`);
    return;
  }
  if (h.sysctl.tcp_challenge_ack_limit !== CHALLENGE_ACK_UNLIMITED)
    h.flagUnsupported(`net.ipv4.tcp_challenge_ack_limit = ${h.sysctl.tcp_challenge_ack_limit} (a random per-second quota)`);
  h.trace.step('tcp_send_challenge_ack', sk.id, `${why}: challenge ACK`);
  tcp_send_ack(h, sk);
}

/** tcp_send_dupack: data we already had is reported as a D-SACK, with quick ACKs. */
function tcp_send_dupack(h: Host, sk: TcpSock, seg: Segment): void {
  const endSeq = endSeqOf(seg);
  if (seg.len && seg.seq < sk.rcvNxt) {
    tcp_enter_quickack_mode(sk);
    tcp_dsack_set(h, sk, seg.seq, Math.min(endSeq, sk.rcvNxt));
  }
  tcp_send_ack(h, sk);
}

/** tcp_may_update_window. */
function tcp_may_update_window(sk: TcpSock, seg: Segment): boolean {
  const nwin = seg.win * 2 ** sk.sndWscale;
  return seg.ack > sk.sndUna || seg.seq > sk.sndWl1 || (seg.seq === sk.sndWl1 && nwin > sk.sndWnd);
}

/** tcp_paws_discard with 6.18's tcp_disordered_ack_check: undefined when the timestamp passes
 * (at most TCP_PAWS_WINDOW older than ts_recent) or the segment is a harmless reordered duplicate
 * ACK (a pure ACK at rcv_nxt acking snd_una, no window update, within tcp_tsval_replay: the RTO in
 * 1200 Hz ticks); `old-ack` for a pure ACK from before rcv_nxt (TCP_RFC7323_PAWS_ACK); else `paws`. */
function tcp_paws_discard(sk: TcpSock, seg: Segment, tsval: number): 'paws' | 'old-ack' | undefined {
  const behind = (sk.tsRecent - tsval) | 0;
  if (behind <= TCP_PAWS_WINDOW || !sk.tsRecent) return undefined;
  if (!(seg.flags & TCPHDR_ACK) || seg.seq !== endSeqOf(seg)) return 'paws';
  if (seg.seq !== sk.rcvNxt) return seg.seq < sk.rcvNxt ? 'old-ack' : 'paws';
  if (seg.ack !== sk.sndUna || tcp_may_update_window(sk, seg) || behind > Math.floor(sk.rtoMs * 1.2)) return 'paws';
  return undefined;
}

/** tcp_sequence: a segment wholly before the window we last advertised, or starting beyond it,
 * is out of window. The live kernel (6.18, "tcp: do not accept packets beyond window") also refuses
 * a segment that ends beyond the window while the receive queue holds data; 6.12 accepts it. */
function tcp_sequence(sk: TcpSock, seg: Segment): string | undefined {
  const endSeq = endSeqOf(seg);
  const edge = sk.rcvNxt + tcp_receive_window(sk);
  if (endSeq < sk.rcvWup) return `ends before rcv_wup ${sk.rcvWup}`;
  if (seg.seq > edge) return `starts beyond the window's right edge ${edge}`;
  if (endSeq > edge && sk.rcvQueue.length) return `ends beyond the window's right edge ${edge} with data queued`;
  return undefined;
}

/** tcp_reset_check: after the peer's FIN, a RST at rcv_nxt - 1 is exact too. */
function tcp_reset_check(sk: TcpSock, seg: Segment): boolean {
  return seg.seq === sk.rcvNxt - 1 && (sk.state === 'CLOSE_WAIT' || sk.state === 'LAST_ACK' || sk.state === 'CLOSING');
}

/** tcp_validate_incoming for a synchronized socket. */
export function tcp_validate_incoming(h: Host, sk: TcpSock, seg: Segment): Verdict {
  using _frame = frame(h, 'tcp_validate_incoming');
  const rst = !!(seg.flags & TCPHDR_RST);
  const syn = !!(seg.flags & TCPHDR_SYN);
  const range = `${seg.seq}:${endSeqOf(seg)}`;
  const ts = sk.tstampOk ? optTs(seg.options) : undefined;
  const paws = ts ? tcp_paws_discard(sk, seg, ts.val) : undefined;
  if (ts && paws) {
    if (syn && !rst) {
      tcp_send_challenge_ack(h, sk, `SYN ${range} with an old timestamp`);
      return 'drop';
    }
    if (!rst && paws === 'old-ack') {
      // 6.18 (since 6.14, "tcp: add TCP_RFC7323_PAWS_ACK drop reason"): an old ACK that arrives
      // after data moved rcv_nxt is dropped without the duplicate ACK 6.12 sends (PAWSOldAck).
      // The live kernel does this; the model follows it.
      h.trace.step(
        'tcp_paws_discard',
        sk.id,
        `old ACK ${range} with TSval ${ts.val} older than ts_recent ${sk.tsRecent}: dropped (PAWSOldAck)`,
      );
      return 'drop';
    }
    if (!rst) {
      // LINUX_MIB_PAWSESTABREJECTED
      const limited = tcp_oow_rate_limited(h, seg, sk);
      h.trace.step(
        'tcp_paws_discard',
        sk.id,
        `TSval ${ts.val} older than ts_recent ${sk.tsRecent}: dropped${limited ? '' : ', duplicate ACK'}`,
      );
      if (!limited) tcp_send_dupack(h, sk, seg);
      return 'drop';
    }
    // A RST is accepted even if it did not pass PAWS.
  }
  const outside = tcp_sequence(sk, seg);
  if (outside) {
    if (rst) {
      if (tcp_reset_check(sk, seg)) return 'reset';
      h.trace.step('tcp_sequence', sk.id, `RST ${range} ${outside}: dropped`);
      return 'drop';
    }
    if (syn) {
      tcp_send_challenge_ack(h, sk, `SYN ${range} ${outside}`);
      return 'drop';
    }
    const limited = tcp_oow_rate_limited(h, seg, sk);
    h.trace.step(
      'tcp_sequence',
      sk.id,
      `segment ${range} ${outside}: dropped${limited ? ' (duplicate ACK rate-limited)' : ', duplicate ACK'}`,
    );
    if (!limited) tcp_send_dupack(h, sk, seg);
    return 'drop';
  }
  if (rst) {
    // RFC 5961 3.2. Our own SACK blocks' right-most edge also counts in the kernel; the model
    // leaves that case out (named below).
    if (seg.seq === sk.rcvNxt || tcp_reset_check(sk, seg)) return 'reset';
    if (sk.sackOk && sk.ofoQueue.length) h.flagUnsupported('RST while we advertise SACK blocks (its match against the right-most block)');
    tcp_send_challenge_ack(h, sk, `RST ${range} in the window but not at rcv_nxt ${sk.rcvNxt}`);
    return 'drop';
  }
  if (syn) {
    // RFC 5961 4.2 (the SYN_RECV exception for a Fast Open child is not reached here).
    tcp_send_challenge_ack(h, sk, `SYN ${range} on a synchronized connection`);
    return 'drop';
  }
  return 'pass';
}
