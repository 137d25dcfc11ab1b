// Receive-buffer memory and the window we advertise (net/ipv4/tcp_output.c, tcp_input.c,
// include/net/tcp.h): sk_rcvbuf and the truesize of what is queued give the free space,
// tp->scaling_ratio turns bytes of memory into bytes of window, rcv_ssthresh and window_clamp
// bound it, and tcp_select_window never moves the right edge back.

import { MAX_TCP_HEADER, SKB_DATA_ALIGNED_SHINFO, SKB_DATA_ALIGNED_SK_BUFF, TCP_HEADER_LEN, TCP_INIT_CWND } from './constants';
import type { Host } from './host';
import { ipHeaderLen } from './family';
import type { Segment } from './segment';
import { tcp_rcv_space_init } from './rcvspace';
import { frame } from './trace';
import { queuedTruesize, TcpSock } from './types';

/** TCP_RMEM_TO_WIN_SCALE: scaling_ratio is a fraction of 256. */
const TCP_RMEM_TO_WIN_SCALE = 8;

/** __tcp_space_from_win: the memory `win` bytes of payload take at the current scaling_ratio. */
export function tcp_space_from_win(sk: TcpSock, win: number): number {
  return Math.floor((win * 2 ** TCP_RMEM_TO_WIN_SCALE) / sk.scalingRatio);
}
/** TCP_DEFAULT_SCALING_RATIO: half of the memory is taken to be payload until a segment says. */
export const TCP_DEFAULT_SCALING_RATIO = 1 << (TCP_RMEM_TO_WIN_SCALE - 1);
/** SOCK_MIN_RCVBUF: TCP_SKB_MIN_TRUESIZE. */
const SOCK_MIN_RCVBUF = 2048 + SKB_DATA_ALIGNED_SK_BUFF;
/** net.core.rmem_max: SO_RCVBUF is capped by it, and the initial window scale allows for it. The
 * live 6.18 kernel's default is 4 MB (6.12: 212992): with tcp_rmem[2] below it, the SYN-ACK's
 * scale is 7, not what tcp_rmem[2] alone gives. */
export const RMEM_MAX = 4 << 20;
const TCP_MAX_WSCALE = 14;
/** MAX_TCP_WINDOW: the largest window a signed 16-bit field holds. */
const MAX_TCP_WINDOW = 32767;

/** skb->truesize of a segment packetdrill writes into its tun device, and the room left after it
 * in its head (skb_tailroom, what tcp_try_coalesce may copy the next small segment into).
 * tun_get_user (no vnet header, so gso.hdr_len 0) calls tun_alloc_skb, which keeps a packet
 * linear only when it is under a page with its NET_SKB_PAD headroom; a larger one is paged. */
export function tunSkbTruesize(ipLen: number): { truesize: number; tailroom: number } {
  if (TUN_PREPAD + ipLen < PAGE_SIZE) return allocSkbTruesize(ipLen, TUN_PREPAD);
  return { truesize: allocSkbWithFragsTruesize(ipLen), tailroom: 0 };
}

/** kmalloc_reserve's size for a head of `size` bytes (already SKB_HEAD_ALIGNed): the small-head
 * cache's object, else kmalloc_size_roundup (the next power of two at these sizes). */
function kmallocSizeRoundup(size: number): number {
  return size <= SKB_SMALL_HEAD_CACHE_SIZE ? SKB_SMALL_HEAD_CACHE_SIZE : 2 ** Math.ceil(Math.log2(size));
}

/** alloc_skb(headroom + len), skb_reserve(headroom), `len` bytes put. The linear case of a tun
 * packet: tun_alloc_skb's sock_alloc_send_pskb allocates a head of tun->align
 * (NET_SKB_PAD, 64) plus the IP packet (alloc_skb(prepad + linear)); __alloc_skb's kmalloc_reserve
 * takes SKB_HEAD_ALIGN of that (SKB_DATA_ALIGN(size) + SKB_DATA_ALIGN(sizeof(struct
 * skb_shared_info))) rounded up to a kmalloc size (kmalloc_size_roundup), and truesize adds
 * SKB_DATA_ALIGN(sizeof(struct sk_buff)); skb_reserve(prepad) leaves the headroom, so the tailroom
 * tcp_try_coalesce may copy into is what the kmalloc object has after the packet. The live kernel
 * (6.18) agrees: 600-byte segments with timestamps (IP length 652) take kmalloc-2048 (truesize
 * 2304: each ACK's window falls under the offered right edge) and the next such segment is
 * copied into the 1012 bytes of tailroom; without options (640) they fit kmalloc-1024; 200-byte
 * segments with timestamps are copied two to a kmalloc-1024 head; a head small enough comes from
 * the small-head cache (SKB_SMALL_HEAD_CACHE_SIZE below). The same alloc_skb without headroom
 * makes tcp_collapse's copies. Returns truesize and the tailroom after the data. */
export function allocSkbTruesize(len: number, headroom = 0): { truesize: number; tailroom: number } {
  const size = kmallocSizeRoundup(align64(headroom + len) + SKB_DATA_ALIGNED_SHINFO);
  return { truesize: size + SKB_DATA_ALIGNED_SK_BUFF, tailroom: size - SKB_DATA_ALIGNED_SHINFO - headroom - len };
}

/** tun->align: the NET_SKB_PAD headroom tun_alloc_skb counts against the one-page limit. */
const TUN_PREPAD = 64;
const PAGE_SIZE = 4096;
/** PAGE_ALLOC_COSTLY_ORDER: the largest page order tun_alloc_skb asks for. */
const PAGE_ALLOC_COSTLY_ORDER = 3;
/** SKB_SMALL_HEAD_CACHE_SIZE: kmalloc_reserve takes a head whose SKB_HEAD_ALIGN size is at most
 * this from skb_small_head_cache: SKB_HEAD_ALIGN(MAX_TCP_HEADER), 256 bytes plus the aligned
 * skb_shared_info. 6.12 sizes the cache for max(MAX_TCP_HEADER, GRO_MAX_HEAD_PAD) (640 here); the
 * live 6.18 kernel's windows put it under 640: a 100-byte segment's 204-byte head (576) is a small
 * head (truesize 832 fits the sk_forward_alloc left for header prediction, da-zwp-peer-data), a
 * 200-byte one with timestamps (316 bytes: 640) is not (kmalloc-1024: the next segment is copied
 * into its tailroom, rq-ts200-small-head). */
const SKB_SMALL_HEAD_CACHE_SIZE = MAX_TCP_HEADER + SKB_DATA_ALIGNED_SHINFO;

/** alloc_skb_with_frags: a small head plus the payload in page chunks, each of the largest order
 * (up to PAGE_ALLOC_COSTLY_ORDER) not larger than what is left, page-aligned; truesize counts
 * whole chunks. 6.12's code also counts the small head (__finalize_skb_around's SKB_TRUESIZE of
 * the kmalloc_reserve object), but the live 6.18 kernel does not charge it: `ss -tm` right after
 * one such segment shows sk_rmem_alloc at the page chunks plus SKB_DATA_ALIGN(sizeof(struct
 * sk_buff)) alone (12544, 20736, 41216 and 61696 bytes after 10000-, 20000-, 40000- and
 * 60000-byte segments; the last with packetdrill's --mss GSO size, and the same window follows
 * without it), and the windows it offers after 60000-byte segments (scaling_ratio 248/256, free
 * space under tcp_rmem[1] 131072) follow from that. Where 6.18 drops the head's share is not
 * located yet (6.18-only; 6.12 would charge the head). */
function allocSkbWithFragsTruesize(len: number): number {
  let truesize = SKB_DATA_ALIGNED_SK_BUFF;
  let order = PAGE_ALLOC_COSTLY_ORDER;
  while (len > 0) {
    const aligned = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
    while (order && aligned < PAGE_SIZE << order) order--;
    truesize += PAGE_SIZE << order;
    len -= Math.min(len, PAGE_SIZE << order);
  }
  return truesize;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** The truesize of an inbound segment, from its IP length (`optionBytes`: its TCP options). */
export function segmentTruesize(h: Host, seg: Segment, optionBytes: number): { truesize: number; tailroom: number } {
  return tunSkbTruesize(ipHeaderLen(h) + TCP_HEADER_LEN + optionBytes + seg.len);
}

/** sk_rmem_alloc: the truesize of the receive queue and the out-of-order queue. */
export function rmemAlloc(sk: TcpSock): number {
  return queuedTruesize(sk.rcvQueue, sk.ofoQueue);
}

/** __tcp_win_from_space: the part of `space` bytes of memory expected to be payload. */
export function tcp_win_from_space(sk: TcpSock, space: number): number {
  return Math.floor((space * sk.scalingRatio) / 2 ** TCP_RMEM_TO_WIN_SCALE);
}

/** tcp_space: the window the free receive memory is worth (negative when overcommitted). */
export function tcp_space(sk: TcpSock): number {
  return tcp_win_from_space(sk, sk.rcvbuf - rmemAlloc(sk));
}

/** tcp_full_space: the window all of sk_rcvbuf is worth. */
export function tcp_full_space(sk: TcpSock): number {
  return tcp_win_from_space(sk, sk.rcvbuf);
}

/** tcp_receive_window: what is left of the window we last advertised. */
export function tcp_receive_window(sk: TcpSock): number {
  return Math.max(sk.rcvWup + sk.rcvWnd - sk.rcvNxt, 0);
}

/** __sock_set_rcvbuf (SO_RCVBUF): capped by net.core.rmem_max, doubled for the skb overhead,
 * and locked (SOCK_RCVBUF_LOCK), so the window is chosen from it and autotuning leaves it. */
export function sock_set_rcvbuf(sk: TcpSock, val: number): void {
  sk.rcvbuf = Math.max(2 * Math.min(val, RMEM_MAX), SOCK_MIN_RCVBUF);
  sk.rcvbufLocked = true;
}

/** tcp_set_window_clamp (TCP_WINDOW_CLAMP): the largest window we will offer, at least half of
 * SOCK_MIN_RCVBUF; 0 (no clamp) only before the connection. A smaller clamp pulls rcv_ssthresh
 * down with it, a larger one lets it rise to the window already offered. Before connect or
 * listen it bounds tcp_select_initial_window's window and scale. It does not last: a segment that
 * changes scaling_ratio sets window_clamp from the buffer again (tcp_update_scaling_ratio), in
 * both 6.12 and the live 6.18. */
export function tcp_set_window_clamp(h: Host, sk: TcpSock, val: number): boolean {
  if (!val) {
    if (sk.state !== 'CLOSE') return false;
    sk.windowClamp = 0;
    return true;
  }
  const old = sk.windowClamp;
  const clamp = Math.max(val, SOCK_MIN_RCVBUF >> 1);
  if (clamp === old) return true;
  sk.windowClamp = clamp;
  // __tcp_adjust_rcv_ssthresh without SO_RESERVE_MEM (no unused reserved memory).
  if (clamp < old) sk.rcvSsthresh = Math.min(sk.rcvSsthresh, clamp);
  else sk.rcvSsthresh = Math.max(Math.min(sk.rcvWnd, clamp), sk.rcvSsthresh);
  h.trace.step('tcp_set_window_clamp', sk.id, `window_clamp ${clamp}, rcv_ssthresh ${sk.rcvSsthresh}`);
  return true;
}

/** tcp_select_initial_window: the SYN's (or SYN-ACK's) window, a multiple of the MSS; the window
 * scale that lets the largest possible buffer be advertised; window_clamp. `clamp` 0 means none
 * (the largest scaled window). */
export function tcp_select_initial_window(
  h: Host,
  space: number,
  mss: number,
  clamp: number,
  wscaleOk: boolean,
): { rcvWnd: number; windowClamp: number; rcvWscale: number } {
  const windowClamp = clamp || 65535 * 2 ** TCP_MAX_WSCALE;
  space = Math.min(Math.max(space, 0), windowClamp);
  if (space > mss) space = Math.floor(space / mss) * mss;
  // tcp_workaround_signed_windows: an initial window a peer reading the field as signed cannot
  // misread (MAX_TCP_WINDOW), with or without scaling.
  const rcvWnd = h.sysctl.tcp_workaround_signed_windows ? Math.min(space, MAX_TCP_WINDOW) : space;
  let rcvWscale = 0;
  if (wscaleOk) {
    const most = Math.min(Math.max(space, h.sysctl.tcp_rmem[2], RMEM_MAX), windowClamp);
    rcvWscale = Math.min(Math.max(Math.floor(Math.log2(most)) - 15, 0), TCP_MAX_WSCALE);
  }
  return { rcvWnd, windowClamp: Math.min(65535 * 2 ** rcvWscale, windowClamp), rcvWscale };
}

/** tcp_mss_clamp: our advertised MSS, no more than TCP_MAXSEG. */
function tcp_mss_clamp(sk: TcpSock): number {
  return sk.userMss ? Math.min(sk.userMss, sk.advmss) : sk.advmss;
}

/** tcp_connect_init's window part: the initial window from the whole receive buffer, a multiple
 * of our MSS. */
export function tcp_connect_init_window(h: Host, sk: TcpSock): void {
  // tcp_connect_init: tp->advmss = tcp_mss_clamp(tp, dst advmss), so TCP_MAXSEG bounds it for good.
  sk.advmss = tcp_mss_clamp(sk);
  let clamp = sk.windowClamp;
  if (sk.rcvbufLocked && (clamp > tcp_full_space(sk) || clamp === 0)) clamp = tcp_full_space(sk);
  const w = tcp_select_initial_window(h, tcp_full_space(sk), tcp_mss_clamp(sk), clamp, h.sysctl.tcp_window_scaling !== 0);
  sk.rcvWnd = w.rcvWnd;
  sk.windowClamp = w.windowClamp;
  sk.rcvWscale = w.rcvWscale;
  sk.rcvSsthresh = sk.rcvWnd;
}

/** tcp_openreq_init_rwin (+ tcp_create_openreq_child): the child's window from the listener's
 * buffer; the MSS leaves room for timestamps; without window scaling the clamp is 64 KB. */
export function tcp_openreq_init_rwin(h: Host, lsk: TcpSock, sk: TcpSock, wscaleOk: boolean): void {
  sk.rcvbuf = lsk.rcvbuf;
  sk.rcvbufLocked = lsk.rcvbufLocked;
  const full = tcp_full_space(lsk);
  let clamp = lsk.windowClamp;
  if (lsk.rcvbufLocked && (clamp > full || clamp === 0)) clamp = full;
  const w = tcp_select_initial_window(h, full, tcp_mss_clamp(sk) - (sk.tstampOk ? 12 : 0), clamp, wscaleOk);
  sk.rcvWnd = w.rcvWnd;
  sk.rcvSsthresh = w.rcvWnd;
  sk.rcvWscale = w.rcvWscale;
  sk.windowClamp = wscaleOk ? w.windowClamp : Math.min(w.windowClamp, 65535);
}

/** tcp_init_buffer_space's receive part: window_clamp no more than the buffer is worth (less
 * 1/2^tcp_app_win of it for the application) and one advmss ("Force reservation of one
 * segment"), and rcv_ssthresh under it. The live kernel's tcpi_rcv_ssthresh right after a
 * handshake shows the reservation (270000 - 1448 with the default tcp_rmem); the first data
 * segment then lifts rcv_ssthresh back to rcv_wnd (tcp_update_scaling_ratio). */
export function tcp_init_rcvbuf_space(h: Host, sk: TcpSock): void {
  const appWin = h.sysctl.tcp_app_win;
  const maxwin = tcp_full_space(sk);
  if (sk.windowClamp >= maxwin) {
    sk.windowClamp = maxwin;
    if (appWin && maxwin > 4 * sk.advmss) sk.windowClamp = Math.max(maxwin - Math.floor(maxwin / 2 ** appWin), 4 * sk.advmss);
  }
  // Force reservation of one segment.
  if (appWin && sk.windowClamp > 2 * sk.advmss && sk.windowClamp + sk.advmss > maxwin)
    sk.windowClamp = Math.max(2 * sk.advmss, maxwin - sk.advmss);
  sk.rcvSsthresh = Math.min(sk.rcvSsthresh, sk.windowClamp);
  // rcvq_space.space: what the application is first expected to read per RTT; the first DRS
  // period starts now.
  sk.rcvSpace = Math.min(sk.rcvSsthresh, sk.rcvWnd, TCP_INIT_CWND * sk.advmss);
  tcp_rcv_space_init(h, sk, copiedSeq(sk));
}

/** tcp_measure_rcv_mss's ratio part: a segment that changes rcv_mss sets scaling_ratio to its
 * payload over its truesize, and window_clamp follows the buffer's new worth. 6.12 writes
 * window_clamp alone; the live kernel (6.18) goes through tcp_set_window_clamp, so a larger clamp
 * also lifts rcv_ssthresh to the window already offered: after a handshake (rcv_ssthresh one
 * advmss under the buffer, tcp_init_rcvbuf_space) the first full segment leaves tcpi_rcv_ssthresh
 * at rcv_wnd + 2 * 1448 and the ACK's window one scale unit above 6.12's; after a
 * TCP_WINDOW_CLAMP of 5000 the first segment's ACK offers the unclamped window. */
export function tcp_update_scaling_ratio(h: Host, sk: TcpSock, len: number, truesize: number): void {
  const old = sk.scalingRatio;
  sk.scalingRatio = Math.floor((len * 2 ** TCP_RMEM_TO_WIN_SCALE) / truesize) || 1;
  if (old !== sk.scalingRatio) {
    tcp_set_window_clamp(h, sk, tcp_full_space(sk));
    sk.rcvSpace = Math.min(sk.rcvSpace, sk.windowClamp);
  }
}

/** tcp_grow_window: in-order data of at least 128 bytes whose truesize would still fit the
 * buffer raises rcv_ssthresh (the window's slow start) by two segments, and asks for quick ACKs. */
export function tcp_grow_window(h: Host, sk: TcpSock, len: number, truesize: number): void {
  const room = Math.min(sk.windowClamp, tcp_space(sk)) - sk.rcvSsthresh;
  if (room <= 0) return;
  let incr = 0;
  if (tcp_win_from_space(sk, truesize) <= len) incr = 2 * sk.advmss;
  else {
    // __tcp_grow_window: only while the buffer could still hold such segments at tcp_rmem[2].
    let ts = tcp_win_from_space(sk, truesize) >> 1;
    let window = tcp_win_from_space(sk, h.sysctl.tcp_rmem[2]) >> 1;
    while (sk.rcvSsthresh <= window) {
      if (ts <= len) {
        incr = 2 * sk.rcvMss;
        break;
      }
      ts >>= 1;
      window >>= 1;
    }
  }
  if (!incr) return;
  incr = Math.max(incr, 2 * len);
  sk.rcvSsthresh += Math.min(room, incr);
  sk.quickAcks |= 1;
  h.trace.step('tcp_grow_window', sk.id, `rcv_ssthresh +${Math.min(room, incr)} → ${sk.rcvSsthresh}`);
}

/** __tcp_select_window: the window the free space allows now. Below half the buffer it stops
 * quick ACKs and rounds to the scale unit, and under one segment (or 1/16 of the buffer) it
 * offers nothing; otherwise rcv_ssthresh bounds it. Without scaling the old window is kept when
 * within one segment of the free space, else a multiple of rcv_mss. */
export function __tcp_select_window(h: Host, sk: TcpSock): number {
  let mss = sk.rcvMss;
  let free = tcp_space(sk);
  const allowed = tcp_full_space(sk);
  const full = Math.min(sk.windowClamp, allowed);
  const unit = 2 ** sk.rcvWscale;
  if (mss > full) {
    mss = full;
    if (mss <= 0) return 0;
  }
  if (h.sysctl.tcp_shrink_window && sk.rcvWscale) h.flagUnsupported('net.ipv4.tcp_shrink_window');
  if (free < full >> 1) {
    sk.quickAcks = 0;
    free = Math.floor(free / unit) * unit;
    if (free < allowed >> 4 || free < mss) return 0;
  }
  if (free > sk.rcvSsthresh) free = sk.rcvSsthresh;
  if (sk.rcvWscale) return Math.ceil(free / unit) * unit;
  let window = sk.rcvWnd;
  if (window <= free - mss || window > free) window = Math.floor(free / mss) * mss;
  else if (mss === full && free > window + (full >> 1)) window = free;
  return window;
}

/** tcp_select_window: the 16-bit window field of a segment other than a SYN. The window never
 * shrinks (the right edge stays where we last put it); rcv_wnd and rcv_wup record what we
 * advertised, and the value is scaled down by our wscale. */
export function tcp_select_window(h: Host, sk: TcpSock): number {
  const unit = 2 ** sk.rcvWscale;
  const cur = tcp_receive_window(sk);
  let win = __tcp_select_window(h, sk);
  if (win < cur) win = Math.ceil(cur / unit) * unit;
  sk.rcvWnd = win;
  sk.rcvWup = sk.rcvNxt;
  // Unscaled, tcp_workaround_signed_windows keeps the field below 32768.
  win = Math.min(win, !sk.rcvWscale && h.sysctl.tcp_workaround_signed_windows ? MAX_TCP_WINDOW : 65535 * unit);
  // A zero window turns header prediction off (until in-order data or a window change).
  if (win < unit) sk.predWnd = undefined;
  return Math.floor(win / unit);
}

/** tp->copied_seq: the next byte the application will read (a received FIN is not read). */
export function copiedSeq(sk: TcpSock): number {
  return sk.rcvNxt - sk.readable - (sk.finReceived ? 1 : 0);
}

/** tcp_recvmsg's consumption of the receive queue: `n` bytes are copied out skb by skb, each skb
 * read to its end is freed (tcp_eat_recv_skb), giving its truesize back to sk_rmem_alloc, and
 * `afterCopy` runs after each skb's part (tcp_recvmsg_locked's tcp_rcv_space_adjust). */
export function tcp_eat_recv_skb(sk: TcpSock, n: number, afterCopy?: () => void): void {
  while (n > 0 && sk.rcvQueue.length) {
    const skb = sk.rcvQueue[0];
    const take = Math.min(n, skb.len);
    skb.len -= take;
    n -= take;
    sk.readable -= take;
    if (!skb.len) sk.rcvQueue.shift();
    afterCopy?.();
  }
  sk.readable -= n;
}

/** SKB_MAX_ORDER(0, 0): the most data one skb tcp_collapse allocates holds (a page less the
 * shared info). */
const SKB_MAX_ORDER_0 = PAGE_SIZE - SKB_DATA_ALIGNED_SHINFO;

/** tcp_clamp_window: the socket hit its memory bound. Quick ACKs end; an unlocked buffer under
 * tcp_rmem[2] grows to what is allocated (not under global memory pressure, which the model never
 * is); still over it, rcv_ssthresh drops to two segments (the window's slow start again). */
function tcp_clamp_window(h: Host, sk: TcpSock): void {
  sk.quickAcks = 0;
  const rmem2 = h.sysctl.tcp_rmem[2];
  if (sk.rcvbuf < rmem2 && !sk.rcvbufLocked) sk.rcvbuf = Math.min(rmemAlloc(sk), rmem2);
  if (rmemAlloc(sk) > sk.rcvbuf) sk.rcvSsthresh = Math.min(sk.windowClamp, 2 * sk.advmss);
  h.trace.step('tcp_clamp_window', sk.id, `sk_rcvbuf ${sk.rcvbuf}, rcv_ssthresh ${sk.rcvSsthresh}`);
}

/** tcp_collapse on the receive queue (copied_seq to rcv_nxt): from the first skb whose truesize is
 * worth more window than the data it holds ("bloated"), the data is copied into new skbs of at most
 * SKB_MAX_ORDER(0, 0) bytes (alloc_skb: their truesize is what a head of that size takes), and the
 * old skbs are freed. The kernel also starts at a partly read skb (data before copied_seq), which
 * the model does not track; a queue ending in a received FIN is left to the caller (not modelled). */
function tcp_collapse(h: Host, sk: TcpSock): void {
  const q = sk.rcvQueue;
  const first = q.findIndex((skb) => tcp_win_from_space(sk, skb.truesize) > skb.len);
  if (first < 0) return;
  let bytes = 0;
  for (const skb of q.slice(first)) bytes += skb.len;
  const before = rmemAlloc(sk);
  const copies: typeof q = [];
  while (bytes > 0) {
    const copy = Math.min(SKB_MAX_ORDER_0, bytes);
    copies.push({ len: copy, ...allocSkbTruesize(copy) });
    bytes -= copy;
  }
  sk.rcvQueue = [...q.slice(0, first), ...copies];
  h.trace.step(
    'tcp_collapse',
    sk.id,
    `${q.length - first} skb(s) copied into ${copies.length}: sk_rmem_alloc ${before} → ${rmemAlloc(sk)}`,
  );
}

/** tcp_prune_queue, for in-order data arriving while sk_rmem_alloc is over sk_rcvbuf
 * (tcp_try_rmem_schedule): tcp_clamp_window, then collapse the receive queue. Returns whether
 * memory is back under sk_rcvbuf, or undefined where the model stops: an out-of-order queue to
 * collapse or prune (tcp_collapse_ofo_queue, tcp_prune_ofo_queue), a FIN in the queue, or a
 * failed prune (the segment dropped with ICSK_ACK_NOMEM's zero window, which the live 6.18 kernel
 * did not do where 6.12's code says it would: rq-rcvbuf-shrink-drop). */
export function tcp_prune_queue(h: Host, sk: TcpSock): boolean | undefined {
  using _frame = frame(h, 'tcp_prune_queue');
  if (rmemAlloc(sk) >= sk.rcvbuf) tcp_clamp_window(h, sk);
  if (rmemAlloc(sk) <= sk.rcvbuf) return true;
  if (sk.ofoQueue.length || sk.finReceived) return undefined;
  if (sk.rcvQueue.length) tcp_collapse(h, sk);
  if (rmemAlloc(sk) <= sk.rcvbuf) return true;
  return undefined;
}
