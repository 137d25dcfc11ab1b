// Receiving data (net/ipv4/tcp_input.c): in-order data and FIN, and when to acknowledge them
// (quick ACKs, delayed ACKs, the interactive "pingpong" mode); sending after an ACK.

import { sk_rmem_schedule, tcp_fast_path_check } from './fastpath';
import { tcp_time_wait } from './timewait';
import {
  TCPHDR_FIN,
  TCPHDR_PSH,
  TCPHDR_SYN,
  TCPHDR_URG,
  TCP_HEADER_LEN,
  TCP_ATO_MIN_MS,
  TCP_DELACK_MAX_MS,
  TCP_MAX_QUICKACKS,
  TCP_MSS_DEFAULT,
  TCP_MIN_MSS,
  LIVE_JIFFY_MS,
  msToLiveJiffies,
  WAKE_ALL,
  WAKE_IN,
} from './constants';
import type { Host } from './host';
import { tcp_push_pending_frames } from './output';
import { establishedOptionBytes, inet_csk_enter_pingpong_mode, inet_csk_in_pingpong_mode, packetsOut } from './sock';
import {
  __tcp_select_window,
  rmemAlloc,
  segmentTruesize,
  tcp_grow_window,
  tcp_prune_queue,
  tcp_receive_window,
  tcp_update_scaling_ratio,
} from './rcvbuf';
import { tcp_rcv_rtt_measure } from './rcvspace';
import { tcp_check_space } from './sndbuf';
import { tcp_check_probe_timer, tcp_send_delayed_ack } from './timers';
import { optionBytes, tcp_send_ack } from './transmit';
import { frame } from './trace';
import { tcp_ecn_check_ce } from './ecn';
import { TcpSock } from './types';
import { Segment } from './segment';

export function tcp_initialize_rcv_mss(sk: TcpSock): void {
  let hint = Math.min(sk.advmss, sk.mssCache);
  hint = Math.min(hint, Math.floor(sk.rcvWnd / 2), TCP_MSS_DEFAULT);
  sk.rcvMss = Math.max(hint, TCP_MIN_MSS);
}

/** tcp_data_queue (+ tcp_fin): in-order data advances rcv_nxt (and pulls in what the out-of-order
 * queue holds after it); old data is answered with a D-SACK in quick-ACK mode; data beyond rcv_nxt
 * goes to the out-of-order queue (tcp_data_queue_ofo). Returns whether an ACK is owed. */
export function tcp_data_queue(h: Host, sk: TcpSock, seg: Segment, fastPath = false): boolean {
  const fin = (seg.flags & TCPHDR_FIN) !== 0;
  if (!seg.len && !fin) return false;
  let seq = seg.seq;
  const endSeq = seg.seq + seg.len + (fin ? 1 : 0);
  if (endSeq <= sk.rcvNxt) {
    // A retransmission of data we already have: D-SACK it and ACK at once.
    h.trace.step('tcp_data_queue', sk.id, `segment ${seq}:${endSeq} already received (rcv_nxt ${sk.rcvNxt}): D-SACK, quick ACK`);
    tcp_dsack_set(h, sk, seq, endSeq);
    tcp_enter_quickack_mode(sk);
    sk.ackPending = true;
    return true;
  }
  const skbMem = segmentTruesize(h, seg, optionBytes(seg.options));
  if (seq > sk.rcvNxt) {
    if (seq >= sk.rcvNxt + tcp_receive_window(sk)) {
      // Out of window, e.g. a zero-window probe: dropped, ACKed at once.
      h.trace.step('tcp_data_queue', sk.id, `segment ${seq}:${endSeq} beyond our window: dropped, quick ACK`);
      tcp_enter_quickack_mode(sk);
      sk.ackPending = true;
      return true;
    }
    sk_rmem_schedule(sk, skbMem.truesize);
    tcp_data_queue_ofo(h, sk, seg, seq, endSeq, fin, skbMem.truesize);
    sk.ackPending = true;
    return true;
  }
  if (!tcp_receive_window(sk) && (seg.len || !fin)) {
    // In sequence but the window is closed: dropped (TCPZeroWindowDrop), a quick ACK says so.
    h.trace.step('tcp_data_queue', sk.id, `segment ${seq}:${endSeq} into a zero window: dropped, quick ACK`);
    tcp_enter_quickack_mode(sk);
    sk.ackPending = true;
    return true;
  }
  if (seq < sk.rcvNxt) {
    // Partial packet, seq < rcv_nxt < end_seq: D-SACK the old head, queue the rest.
    tcp_dsack_set(h, sk, seq, sk.rcvNxt);
    seq = sk.rcvNxt;
  }
  const len = endSeq - (fin ? 1 : 0) - seq;
  if (len) {
    // The slow path reserves the skb's memory first (tcp_try_rmem_schedule: over sk_rcvbuf,
    // tcp_prune_queue first); the fast path found it reserved already and checks no sk_rcvbuf.
    if (!fastPath) {
      if (rmemAlloc(sk) > sk.rcvbuf && !tcp_prune_queue(h, sk))
        h.flagUnsupported(
          'receive memory over sk_rcvbuf after tcp_prune_queue (tcp_collapse_ofo_queue, tcp_prune_ofo_queue, ICSK_ACK_NOMEM)',
        );
      sk_rmem_schedule(sk, skbMem.truesize);
    }
    sk.rcvNxt += len;
    tcp_queue_rcv(sk, len, skbMem);
    tcp_event_data_recv(h, sk, seg, len, skbMem.truesize);
    h.wake(sk.fd, WAKE_IN); // tcp_data_ready
  }
  h.trace.step('tcp_data_queue', sk.id, `${len} bytes in order${fin ? ' + FIN' : ''}: rcv_nxt ${sk.rcvNxt + (fin ? 1 : 0)}`, {
    len,
  });
  sk.ackPending = true;
  let owed = true;
  if (fin) owed = tcp_fin(h, sk);
  if (sk.ofoQueue.length) {
    owed = tcp_ofo_queue(h, sk) && owed;
    // RFC 5681 4.2: an ACK at once when the gap in the queue is filled.
    if (!sk.ofoQueue.length) sk.ackNow = true;
  }
  if (sk.selectiveAcks.length) tcp_sack_remove(sk);
  tcp_fast_path_check(sk);
  return owed;
}

/** tcp_ofo_queue: move the out-of-order data rcv_nxt now reaches into the receive queue. */
function tcp_ofo_queue(h: Host, sk: TcpSock): boolean {
  let owed = true;
  while (sk.ofoQueue.length && sk.ofoQueue[0].start <= sk.rcvNxt) {
    const r = sk.ofoQueue.shift()!;
    const dataEnd = r.end - (r.fin ? 1 : 0);
    if (r.start < sk.rcvNxt) tcp_dsack_extend(h, sk, r.start, Math.min(sk.rcvNxt, dataEnd));
    if (dataEnd > sk.rcvNxt) {
      const n = dataEnd - sk.rcvNxt;
      sk.rcvNxt += n;
      tcp_queue_rcv(sk, n, { truesize: r.truesize, tailroom: 0 });
      h.wake(sk.fd, WAKE_IN);
      h.trace.step('tcp_ofo_queue', sk.id, `${n} queued out-of-order bytes now in order: rcv_nxt ${sk.rcvNxt}`);
    }
    if (r.fin) {
      owed = tcp_fin(h, sk);
      break;
    }
  }
  return owed;
}

/** tcp_data_queue_ofo: queue data beyond a hole; a first block or an update of the SACK blocks
 * (tcp_sack_new_ofo_skb); data the queue already has is D-SACKed. */
function tcp_data_queue_ofo(h: Host, sk: TcpSock, seg: Segment, seq: number, endSeq: number, fin: boolean, truesize: number): void {
  using _frame = frame(h, 'tcp_data_queue_ofo');
  h.trace.step('tcp_data_queue_ofo', sk.id, `segment ${seq}:${endSeq} beyond rcv_nxt ${sk.rcvNxt}: out-of-order queue`);
  tcp_ecn_check_ce(h, sk, seg);
  // tcp_try_rmem_schedule: over sk_rcvbuf, tcp_prune_queue would collapse or prune this queue.
  // Not modelled: collapsing as 6.12's tcp_collapse_ofo_queue does left room for a 1072-byte
  // window once the hole was filled where the live kernel offered only the old right edge
  // (rq-ofo-small-segs in helper rq's notes, 24 100-byte segments behind a hole, SO_RCVBUF 4096).
  if (rmemAlloc(sk) > sk.rcvbuf)
    h.flagUnsupported('receive memory over sk_rcvbuf with out-of-order data (tcp_prune_queue, tcp_collapse_ofo_queue)');
  sk.predWnd = undefined; // a hole: header prediction off
  // Out-of-order data also measures the peer's segment size (and scaling_ratio, window_clamp).
  if (seg.len) tcp_measure_rcv_mss(h, sk, seg, seg.len, truesize);
  // Counted once memory was found for it, duplicates of queued data included.
  sk.rcvOoopack++;
  const q = sk.ofoQueue;
  // Duplicate bytes already in the queue: D-SACK the first overlap.
  for (const r of q) {
    if (r.end <= seq || r.start >= endSeq) continue;
    if (r.start <= seq && r.end >= endSeq) {
      tcp_dsack_set(h, sk, seq, endSeq);
      if (sk.sackOk) tcp_sack_new_ofo_skb(sk, seq, endSeq);
      return;
    }
    if (r.start > seq) tcp_dsack_set(h, sk, r.start, Math.min(r.end, endSeq));
    else tcp_dsack_set(h, sk, seq, r.end);
    break;
  }
  // The segment is kept (alone or merged): for a SACK flow it grows rcv_ssthresh like in-order
  // data, before it is charged (skb_set_owner_r); without SACK the window stays put so the
  // duplicate ACKs that trigger fast retransmit keep their window.
  if (sk.sackOk && endSeq - seq - (fin ? 1 : 0) > 0) tcp_grow_window(h, sk, endSeq - seq - (fin ? 1 : 0), truesize);
  let start = seq;
  let end = endSeq;
  let hasFin = fin;
  let mem = truesize;
  const keep: typeof q = [];
  for (const r of q) {
    if (r.end < start || r.start > end) keep.push(r);
    else {
      start = Math.min(start, r.start);
      end = Math.max(end, r.end);
      hasFin = hasFin || r.fin;
      mem += r.truesize;
    }
  }
  keep.push({ start, end, fin: hasFin, truesize: mem });
  keep.sort((a, b) => a.start - b.start);
  sk.ofoQueue = keep;
  if (sk.sackOk) tcp_sack_new_ofo_skb(sk, seq, endSeq);
}

/** tcp_sack_extend: grow a SACK block by an adjacent or overlapping range. */
function tcp_sack_extend(sp: [number, number], seq: number, endSeq: number): boolean {
  if (seq <= sp[1] && endSeq >= sp[0]) {
    if (seq < sp[0]) sp[0] = seq;
    if (endSeq > sp[1]) sp[1] = endSeq;
    return true;
  }
  return false;
}

/** tcp_sack_new_ofo_skb: the block the new data extends moves to the front (tcp_sack_maybe_coalesce
 * merges blocks that now touch), else a new block goes in front; at most TCP_NUM_SACKS (4). */
function tcp_sack_new_ofo_skb(sk: TcpSock, seq: number, endSeq: number): void {
  const sacks = sk.selectiveAcks;
  for (let i = 0; i < sacks.length; i++) {
    if (tcp_sack_extend(sacks[i], seq, endSeq)) {
      const [b] = sacks.splice(i, 1);
      sacks.unshift(b);
      // tcp_sack_maybe_coalesce
      for (let j = 1; j < sacks.length;) {
        if (tcp_sack_extend(sacks[0], sacks[j][0], sacks[j][1])) sacks.splice(j, 1);
        else j++;
      }
      return;
    }
  }
  if (sacks.length >= 4) sacks.pop();
  sacks.unshift([seq, endSeq]);
}

/** tcp_sack_remove: drop the SACK blocks rcv_nxt has reached (all of them once the queue is empty). */
function tcp_sack_remove(sk: TcpSock): void {
  if (!sk.ofoQueue.length) {
    sk.selectiveAcks = [];
    return;
  }
  sk.selectiveAcks = sk.selectiveAcks.filter(([start]) => sk.rcvNxt < start);
}

/** The duplicate ACKs three lost segments need before the sender retransmits; SACK compression
 * holds back only those after them. */
const TCP_FASTRETRANS_THRESH = 3;

/** tp->compressed_ack_timer: the held duplicate ACKs go out as one after 5 % of the receive RTT,
 * at most tcp_comp_sack_delay_ns, within tcp_comp_sack_slack_ns (the hrtimer's range; the live
 * kernel fired ~140 µs after with no receive RTT sample). rcv_rtt_est is not modelled and taken
 * as 0, the kernel's value until it has a sample; with one (timestamps, a window of in-order
 * data) the kernel waits up to 1 ms, still within packetdrill's 4 ms tolerance. */
function tcp_sack_compress_timer(h: Host, sk: TcpSock): void {
  const g = sk.timerGens;
  if (sk.sackCompress.held > 1) return; // hrtimer_is_queued
  const my = ++g.compressedAck;
  const rcvRttUs = 0;
  const delayNs = Math.min(h.sysctl.tcp_comp_sack_delay_ns, (rcvRttUs * 1000) / 20);
  h.trace.step(
    '__tcp_ack_snd_check',
    sk.id,
    `duplicate ACK held: SACK compression for up to ${((delayNs + h.sysctl.tcp_comp_sack_slack_ns) / 1000).toFixed(0)} µs`,
  );
  h.addTimer(h.nowNs + delayNs + h.sysctl.tcp_comp_sack_slack_ns, 'tcp_compressed_ack_kick', () => {
    if (g.compressedAck !== my || !sk.sackCompress.held) return;
    h.trace.step('tcp_compressed_ack_kick', sk.id, `${sk.sackCompress.held} held duplicate ACK(s) sent as one`);
    tcp_send_ack(h, sk);
  });
}

/** tcp_dsack_set: remember a duplicate range for the next ACK's D-SACK block (net.ipv4.tcp_dsack). */
export function tcp_dsack_set(h: Host, sk: TcpSock, seq: number, endSeq: number): void {
  if (!sk.sackOk || !h.sysctl.tcp_dsack) return;
  sk.duplicateSack = [seq, endSeq];
  h.trace.step('tcp_dsack_set', sk.id, `duplicate data ${seq}:${endSeq}: D-SACK block for the next ACK`);
}

/** tcp_dsack_extend: widen the pending D-SACK block, or start one. */
function tcp_dsack_extend(h: Host, sk: TcpSock, seq: number, endSeq: number): void {
  if (!sk.duplicateSack) tcp_dsack_set(h, sk, seq, endSeq);
  else tcp_sack_extend(sk.duplicateSack, seq, endSeq);
}

/** tcp_event_data_recv: the first data starts quick-ACK mode; track the peer's segment size and
 * the receive RTT (tcp_rcv_rtt_measure); grow the window's bound (tcp_grow_window) for segments of 128 bytes or more. */
function tcp_event_data_recv(h: Host, sk: TcpSock, seg: Segment, len: number, truesize: number): void {
  tcp_measure_rcv_mss(h, sk, seg, len, truesize);
  tcp_rcv_rtt_measure(h, sk);
  const now = h.jiffies();
  if (!sk.ato) {
    tcp_incr_quickack(sk);
    sk.ato = TCP_ATO_MIN_MS;
  } else {
    // Adapt the delayed-ACK timeout to the inter-arrival time of data. The arithmetic is the
    // kernel's, in jiffies of the live kernel's HZ (250: 4 ms), where ato >> 1 and the gap m
    // round to whole jiffies (data every 30 ms gives m of 7 or 8 jiffies, ato 56 or 60 ms).
    const j = msToLiveJiffies;
    const m = j(now) - j(sk.lrcvtime);
    const ato = j(sk.ato);
    const atoMin = j(TCP_ATO_MIN_MS);
    if (m <= atoMin / 2) sk.ato = ((ato >> 1) + atoMin / 2) * LIVE_JIFFY_MS;
    else if (m < ato) sk.ato = Math.min((ato >> 1) + m, j(sk.rtoMs), j(TCP_DELACK_MAX_MS)) * LIVE_JIFFY_MS;
    else if (m > j(sk.rtoMs)) tcp_incr_quickack(sk);
  }
  sk.lrcvtime = now;
  tcp_ecn_check_ce(h, sk, seg);
  if (len >= 128) tcp_grow_window(h, sk, len, truesize);
}

/** tcp_queue_rcv: in-order data joins the receive queue; a segment that fits in the room left in
 * the tail skb's head is copied there (tcp_try_coalesce, skb_try_coalesce) and charges nothing
 * more; otherwise its skb is queued with its truesize (skb_set_owner_r). */
export function tcp_queue_rcv(sk: TcpSock, len: number, mem: { truesize: number; tailroom: number }): void {
  sk.readable += len;
  const tail = sk.rcvQueue[sk.rcvQueue.length - 1];
  if (tail && len <= tail.tailroom) {
    tail.len += len;
    tail.tailroom -= len;
    return;
  }
  sk.rcvQueue.push({ len, truesize: mem.truesize, tailroom: mem.tailroom });
}

/** tcp_measure_rcv_mss: a segment of at least rcv_mss raises rcv_mss (and sets scaling_ratio
 * from its payload over its truesize when rcv_mss changes; with PSH it marks the ACK pushed); a
 * smaller one that is not a plausible full segment (under 536 bytes + header, or under 88 with
 * PSH/FIN/URG) marks the ACK "pushed" (ICSK_ACK_PUSHED, the second time ICSK_ACK_PUSHED2), which
 * tcp_cleanup_rbuf reads. */
function tcp_measure_rcv_mss(h: Host, sk: TcpSock, seg: Segment, skbLen: number, truesize: number): void {
  const lss = sk.lastSegSize;
  sk.lastSegSize = 0;
  // len = skb_shinfo(skb)->gso_size ? : skb->len: a GSO skb (packetdrill's --mss) is measured by
  // its segment size; scaling_ratio still takes the whole skb's payload over its truesize.
  const len = seg.gsoSize ?? skbLen;
  if (len >= sk.rcvMss) {
    if (len !== sk.rcvMss) tcp_update_scaling_ratio(h, sk, skbLen, truesize);
    sk.rcvMss = Math.min(len, sk.advmss);
    // A full segment with PSH likely ends a write the sender waits on: a read that drains the
    // queue ACKs it (tcp_cleanup_rbuf).
    if (seg.flags & TCPHDR_PSH) sk.ackPushed |= 1;
    return;
  }
  let hlen = len + TCP_HEADER_LEN + optionBytes(seg.options);
  const remnant = (seg.flags & (TCPHDR_FIN | TCPHDR_URG | TCPHDR_SYN | TCPHDR_PSH)) !== 0;
  if (hlen >= TCP_MSS_DEFAULT + TCP_HEADER_LEN || (hlen >= TCP_MIN_MSS + TCP_HEADER_LEN && !remnant)) {
    hlen -= TCP_HEADER_LEN + establishedOptionBytes(sk);
    sk.lastSegSize = hlen;
    if (hlen === lss) {
      sk.rcvMss = hlen;
      return;
    }
  }
  if (sk.ackPushed & 1) sk.ackPushed |= 2;
  sk.ackPushed |= 1;
  h.trace.step('tcp_measure_rcv_mss', sk.id, `small segment (${len} bytes < rcv_mss ${sk.rcvMss}): ACK marked pushed`);
}

/** tcp_enter_quickack_mode: quick ACKs again (at most max_quickacks), out of interactive mode, ato
 * back to its minimum. */
export function tcp_enter_quickack_mode(sk: TcpSock, maxQuickacks = TCP_MAX_QUICKACKS): void {
  tcp_incr_quickack(sk, maxQuickacks);
  sk.pingpong = 0;
  sk.ato = TCP_ATO_MIN_MS;
}

/** tcp_incr_quickack: up to max_quickacks (16) immediate ACKs, fewer for a small receive window. */
function tcp_incr_quickack(sk: TcpSock, maxQuickacks = TCP_MAX_QUICKACKS): void {
  let q = Math.floor(sk.rcvWnd / (2 * sk.rcvMss));
  if (q === 0) q = 2;
  q = Math.min(q, maxQuickacks);
  if (q > sk.quickAcks) sk.quickAcks = q;
}

/** tcp_fin: the peer closed its side. */
export function tcp_fin(h: Host, sk: TcpSock): boolean {
  sk.rcvNxt += 1;
  sk.finReceived = true;
  h.wake(sk.fd, WAKE_ALL); // sk_state_change
  const before = sk.state;
  switch (sk.state) {
    case 'SYN_RECV':
    case 'ESTABLISHED':
      sk.state = 'CLOSE_WAIT';
      inet_csk_enter_pingpong_mode(h, sk);
      break;
    case 'FIN_WAIT1':
      sk.state = 'CLOSING';
      tcp_send_ack(h, sk);
      return false;
    case 'FIN_WAIT2':
      tcp_send_ack(h, sk);
      tcp_time_wait(h, sk, 'TIME_WAIT', 0);
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
  // More than one full segment since our last ACK, and the right edge of the window advances:
  // __tcp_select_window() >= rcv_wnd (or the receive queue is empty: rcv_nxt - copied_seq <
  // SO_RCVLOWAT). Else tcp_recvmsg's tcp_cleanup_rbuf ACKs. __tcp_select_window runs first and
  // ends quick-ACK mode when less than half the buffer is free.
  const bigGap = sk.rcvNxt - sk.rcvWup > sk.rcvMss && (sk.readable < (sk.rcvlowat ?? 1) || __tcp_select_window(h, sk) >= sk.rcvWnd);
  const quick = sk.quickAcks > 0 && !inet_csk_in_pingpong_mode(h, sk);
  let ackNow = bigGap || quick || sk.ackNow;
  // Data in the out-of-order queue: a duplicate ACK at once, except that with SACK, past the first
  // TCP_FASTRETRANS_THRESH for one rcv_nxt, they are compressed (at most tcp_comp_sack_nr).
  if (!ackNow && sk.ofoQueue.length) {
    const c = sk.sackCompress;
    if (!sk.sackOk || c.held >= h.sysctl.tcp_comp_sack_nr) ackNow = true;
    else {
      if (c.rcvNxt !== sk.rcvNxt) {
        c.rcvNxt = sk.rcvNxt;
        c.sentAtOnce = 0;
      }
      if (c.sentAtOnce < TCP_FASTRETRANS_THRESH) {
        c.sentAtOnce++;
        ackNow = true;
      } else {
        c.held++;
        tcp_sack_compress_timer(h, sk);
        return;
      }
    }
  }
  if (ackNow) {
    h.trace.step(
      '__tcp_ack_snd_check',
      sk.id,
      bigGap
        ? 'more than one full segment received: ACK now'
        : quick
          ? 'quick-ACK mode: ACK now'
          : sk.ackNow
            ? 'an immediate ACK is due'
            : 'out-of-order data queued: duplicate ACK now',
    );
    sk.ackNow = false;
    tcp_send_ack(h, sk);
  } else {
    tcp_send_delayed_ack(h, sk);
  }
}
