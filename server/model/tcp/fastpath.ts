// Header prediction (net/ipv4/tcp_input.c tcp_rcv_established, include/net/tcp.h): an established
// socket keeps tp->pred_flags, the header it expects next (its length, the ACK flag alone, the peer's
// window as last seen). A data segment that matches, at rcv_nxt, whose skb fits the memory already
// reserved (sk_forward_alloc), is queued on the fast path, which calls tcp_ack only when the ACK
// advances: a segment repeating snd_una skips tcp_ack (no tcp_ack_probe, icsk_probes_out kept) and
// tcp_data_snd_check.

import { TCPHDR_ACK, TCPHDR_PSH } from './constants';
import type { Host } from './host';
import { rmemAlloc, segmentTruesize, tcp_receive_window } from './rcvbuf';
import { optTs, type Segment } from './segment';
import { sk_wmem_queued } from './sndbuf';
import { optionBytes } from './transmit';
import type { TcpSock } from './types';

/** The page size memory is reserved in (SK_MEM_QUANTUM). */
const PAGE_SIZE = 4096;

/** __tcp_fast_path_on: predict the peer's window field `sndWndField` (snd_wnd >> snd_wscale). */
function __tcp_fast_path_on(sk: TcpSock, sndWndField: number): void {
  sk.predWnd = sndWndField;
}

/** tcp_fast_path_on: predict the window as it is now. */
export function tcp_fast_path_on(sk: TcpSock): void {
  __tcp_fast_path_on(sk, Math.floor(sk.sndWnd / 2 ** sk.sndWscale));
}

/** tcp_finish_connect: a connect()ing socket predicts only an unscaled peer window; with scaling
 * the fast path waits for tcp_fast_path_check (a window change or in-order data). */
export function tcp_finish_connect_prediction(sk: TcpSock): void {
  if (!sk.sndWscale) __tcp_fast_path_on(sk, sk.sndWnd);
  else sk.predWnd = undefined;
}

/** tcp_fast_path_check: header prediction back on when nothing calls for the slow path: no
 * out-of-order data, an open receive window, receive memory under sk_rcvbuf. */
export function tcp_fast_path_check(sk: TcpSock): void {
  if (!sk.ofoQueue.length && sk.rcvWnd && rmemAlloc(sk) < sk.rcvbuf) tcp_fast_path_on(sk);
}

/** sk_forward_alloc: memory reserved in whole pages (__sk_mem_schedule) beyond what the socket's
 * skbs, sent and received, are charged (sk_mem_charge). Charges are read off the queues; the
 * reservation is brought up to date here: whatever was charged beyond it had pages scheduled
 * first, and an uncharge (an ACK, a read) ends in sk_mem_reclaim, which gives back whole pages. */
export function sk_forward_alloc(sk: TcpSock): number {
  const charged = sk_wmem_queued(sk) + rmemAlloc(sk);
  const pages = Math.ceil(charged / PAGE_SIZE) * PAGE_SIZE;
  if (charged < sk.memCharged || charged > sk.memReserved) sk.memReserved = pages;
  sk.memCharged = charged;
  return sk.memReserved - charged;
}

/** tcp_try_rmem_schedule's sk_rmem_schedule: reserve the pages an arriving skb of `truesize`
 * needs before it is queued. A segment then copied into the tail skb (tcp_try_coalesce) is never
 * charged, and its pages stay reserved until the next reclaim. */
export function sk_rmem_schedule(sk: TcpSock, truesize: number): void {
  const fwd = sk_forward_alloc(sk);
  if (truesize > fwd) sk.memReserved += Math.ceil((truesize - fwd) / PAGE_SIZE) * PAGE_SIZE;
}

/** tcp_rcv_established's header prediction, shared by its two fast paths: the flags (PSH aside)
 * are ACK alone, the header is the predicted length (timestamps, if on, as NOP NOP TS), the
 * window field is the predicted one, the segment starts at rcv_nxt and acks nothing beyond
 * snd_nxt, and its timestamp is not older than ts_recent. */
function tcp_fast_path_header(sk: TcpSock, seg: Segment): boolean {
  if (sk.state !== 'ESTABLISHED' || sk.predWnd === undefined) return false;
  if ((seg.flags & ~TCPHDR_PSH) !== TCPHDR_ACK || seg.win !== sk.predWnd) return false;
  if (seg.seq !== sk.rcvNxt || seg.ack > sk.sndNxt) return false;
  const opts = seg.options;
  if (sk.tstampOk) {
    // tcp_parse_aligned_timestamp: exactly NOP, NOP, TS.
    const ts = optTs(opts);
    if (opts.length !== 3 || opts[0].kind !== 'nop' || opts[1].kind !== 'nop' || !ts || opts[2] !== ts) return false;
    if (((ts.val - sk.tsRecent) | 0) < 0) return false;
  } else if (opts.length) return false;
  return true;
}

/** A pure ACK that header prediction lets onto the fast path (len == tcp_header_len): there
 * tcp_store_ts_recent runs before tcp_ack, which is called without FLAG_UPDATE_TS_RECENT, so even
 * an ACK tcp_ack then refuses as too old leaves its TSval in ts_recent. */
export function tcp_pure_ack_predicted(sk: TcpSock, seg: Segment): boolean {
  return !seg.len && tcp_fast_path_header(sk, seg);
}

/** tcp_rcv_established's test: does this data segment take the fast path? Header prediction
 * (tcp_fast_path_header), an ACK within snd_una..snd_nxt, and its skb's truesize fits
 * sk_forward_alloc. */
export function tcp_header_predicted(h: Host, sk: TcpSock, seg: Segment): boolean {
  if (!seg.len || seg.ack < sk.sndUna || !tcp_fast_path_header(sk, seg)) return false;
  // 6.12 takes any predicted segment as in window; the live 6.18 kernel dropped one ending beyond
  // it (rwin-read-all), as the slow path's tcp_sequence does: left to the slow path here.
  if (seg.seq + seg.len > sk.rcvNxt + tcp_receive_window(sk)) return false;
  const opts = seg.options;
  const { truesize } = segmentTruesize(h, seg, optionBytes(opts));
  if (truesize > sk_forward_alloc(sk)) {
    h.trace.step('tcp_rcv_established', sk.id, `skb truesize ${truesize} over sk_forward_alloc ${sk_forward_alloc(sk)}: slow path`);
    return false;
  }
  return true;
}
