// Loss recovery: the SACK scoreboard (tcp_sacktag_write_queue), RACK loss detection
// (net/ipv4/tcp_recovery.c) or NewReno's without SACK (reno.ts), fast recovery with PRR (tcp_fastretrans_alert, tcp_cwnd_reduction),
// the retransmission timeout with F-RTO (tcp_retransmit_timer, tcp_enter_loss, tcp_process_loss)
// and retransmitting (tcp_retransmit_skb, tcp_xmit_retransmit_queue). Undoing a reduction that
// was not needed is in undo.ts.

import {
  TCPHDR_FIN,
  TCPHDR_PSH,
  TCPHDR_SYN,
  TCP_INFINITE_SSTHRESH,
  TCP_RESOURCE_PROBE_INTERVAL_MS,
  TCP_RTO_MAX_MS,
  TCP_RTO_MIN_MS,
  TCP_THIN_LINEAR_RETRIES,
  TCP_TIMEOUT_INIT_MS,
  TCP_TIMEOUT_MIN_US,
  jiffiesTimerDelayUs,
  usecs_to_jiffies,
} from './constants';
import { INBOUND_DELAY_US, tcp_set_rto } from './rtt';
import { icsk_ca_ops, tcp_cong_avoid, tcp_current_ssthresh } from './cong';
import type { Host } from './host';
import { frame } from './trace';
import { tcp_set_skb_tso_segs, tcp_small_queue_check, tcp_tso_segs } from './output';
import { packetsOut, scoreboard, tcpWndEnd, tcp_current_mss, tcp_packets_in_flight } from './sock';
import { tcp_add_reno_sack, tcp_newreno_mark_lost, tcp_reset_reno_sack } from './reno';
import { tcp_transmit_skb, tcp_urg_mode } from './transmit';
import { tcp_ecn_clear_syn, tcp_ecn_queue_cwr } from './ecn';
import { tcp_write_err } from './done';
import { tcp_pacing_check } from './pacing';
import { tcp_retrans_try_collapse } from './collapse';
import { tcp_rate_skb_delivered } from './rate';
import { Skb, skbLen, TcpSock, tcp_skb_mss, truesizeFor } from './types';
import { tcp_mtu_probing, tcp_mtup_probe_failed } from './mtuprobe';
import { tcp_simple_retransmit } from './icmp';
import {
  tcp_count_undo_retrans,
  tcp_init_undo,
  tcp_try_undo_dsack,
  tcp_try_undo_loss,
  tcp_try_undo_partial,
  tcp_try_undo_recovery,
} from './undo';

/** net.ipv4.tcp_recovery's bit that turns off RACK's DUPACK threshold. */
const TCP_RACK_STATIC_REO_WND = 0x2;
const TCP_RACK_NO_DUPTHRESH = 0x4;

/** What one ACK did, the kernel's FLAG_* bits that recovery reads. */
export interface AckFlags {
  sndUnaAdvanced: boolean;
  /** FLAG_DATA_ACKED: new data (not just a SYN) cumulatively acked. */
  dataAcked: boolean;
  /** FLAG_DATA_SACKED: the ACK SACKed new data. */
  dataSacked: boolean;
  /** FLAG_ORIG_SACK_ACKED: a never-retransmitted skb below high_seq was (s)acked (F-RTO: the RTO was spurious). */
  origSackAcked: boolean;
  /** FLAG_SACK_RENEGING: snd_una moved to a SACKed skb (tcp_check_sack_reneging). */
  sackReneging: boolean;
  /** snd_una before this ACK (tcp_try_undo_partial's reordering check). */
  priorUna: number;
  /** FLAG_NOT_DUP: the ACK carried data, a window update or acked something. */
  notDup: boolean;
  /** Packets newly acked or SACKed (tcp_newly_delivered). */
  delivered: number;
  /** FLAG_ECE: the peer echoes a CE mark (tcp_ecn_rcv_ecn_echo). */
  ece: boolean;
}

export function tcp_in_cwnd_reduction(sk: TcpSock): boolean {
  return sk.caState === 'CWR' || sk.caState === 'Recovery';
}

/** tcp_set_ca_state: tell the congestion module, then switch. */
export function setCaState(h: Host, sk: TcpSock, state: TcpSock['caState'], why: string): void {
  // The module hears every call, also a repeated Loss (each RTO restarts CUBIC).
  icsk_ca_ops(sk).set_state?.(h, sk, state);
  if (sk.caState === state) return;
  h.trace.step('tcp_set_ca_state', sk.id, `${sk.caState} → ${state}: ${why}`, { from: sk.caState, to: state });
  sk.caState = state;
}

// ---------------------------------------------------------------- skbs of the retransmit queue

/** tcp_fragment(TCP_FRAG_IN_RTX_QUEUE): cut a sent skb at `len`; both halves keep its marks and
 * send time, PSH and FIN stay with the second. */
export function tcp_fragment_rtx(h: Host, sk: TcpSock, skb: Skb, len: number, mss: number): Skb {
  const idx = sk.rtxQueue.indexOf(skb);
  const total = skbLen(skb);
  const buff: Skb = { ...skb, id: h.id('skb'), seq: skb.seq + len, truesize: truesizeFor(total - len), pcount: 0 };
  skb.endSeq = skb.seq + len;
  skb.flags &= ~(TCPHDR_FIN | TCPHDR_PSH);
  skb.eor = false;
  skb.truesize = truesizeFor(len);
  tcp_set_skb_tso_segs(skb, mss);
  tcp_set_skb_tso_segs(buff, mss);
  sk.rtxQueue.splice(idx + 1, 0, buff);
  return buff;
}

/** tcp_trim_head: drop the first `len` acknowledged bytes of a sent skb; a TSO skb is recounted
 * with its own gso_size (tcp_skb_mss), a one-segment skb keeps its count. */
export function tcp_trim_head(skb: Skb, len: number): void {
  skb.seq += len;
  skb.truesize = truesizeFor(skbLen(skb));
  if (skb.pcount > 1) tcp_set_skb_tso_segs(skb, Math.max(1, tcp_skb_mss(skb)));
}

/** __tcp_retransmit_skb: resend `skb`, at most `segs` segments of it (the rest is split off and
 * stays marked as it was). Returns the kernel's err: 0 sent, RTX_NO_WINDOW (-EAGAIN) if the window
 * does not allow it, RTX_QDISC_DROP (NET_XMIT_DROP, > 0) if the qdisc dropped it (local
 * congestion). The segments are counted in total_retrans / bytes_retrans and the skb marked
 * EVER_RETRANS either way, as the kernel does before and after tcp_transmit_skb. */
function __tcp_retransmit_skb(h: Host, sk: TcpSock, skb: Skb, segs: number): number {
  // Inconclusive MTU probe: a retransmission says nothing about its size.
  if (sk.mtup.probeSize) sk.mtup.probeSize = 0;
  // tcp_clean_rtx_queue trims only TSO skbs: a one-segment skb an ACK covered in part (the data
  // of a data+FIN skb, not its FIN) is trimmed to snd_una when it is resent (cq-fin-partial-ack-tlp).
  if (skb.seq < sk.sndUna && !(skb.flags & TCPHDR_SYN) && skb.endSeq > sk.sndUna) {
    h.trace.step('tcp_trim_head', sk.id, `${skb.seq}:${skb.endSeq} was acked up to ${sk.sndUna}: resend from there`);
    tcp_trim_head(skb, sk.sndUna - skb.seq);
  }
  const mss = tcp_current_mss(h, sk);
  let avail = tcpWndEnd(sk) - skb.seq;
  if (avail <= 0) {
    if (skb.seq !== sk.sndUna) return RTX_NO_WINDOW;
    avail = mss;
  }
  // In urgent mode one segment at a time, each with its own urgent pointer.
  let len = mss * (tcp_urg_mode(sk) ? 1 : segs);
  if (len > avail) len = Math.floor(avail / mss) * mss || avail;
  if (skbLen(skb) > len) tcp_fragment_rtx(h, sk, skb, len, mss);
  else {
    tcp_set_skb_tso_segs(skb, mss);
    avail = Math.min(avail, mss);
    if (skbLen(skb) < avail) tcp_retrans_try_collapse(h, sk, skb, avail);
  }
  tcp_ecn_clear_syn(h, sk, skb);
  sk.recovery.totalRetrans += skb.pcount;
  sk.bytesRetrans += skbLen(skb);
  const err = tcp_transmit_skb(h, sk, skb) ? RTX_QDISC_DROP : 0;
  // TCPCB_EVER_RETRANS on every resend, a loss probe's too: its ACK or SACK gives no RTT sample
  // (Karn) and RACK does not trust it sooner than min_rtt.
  skb.everRetrans = true;
  return err;
}

/** __tcp_retransmit_skb's -EAGAIN: the skb lies beyond the peer's window. */
const RTX_NO_WINDOW = -11;
/** __tcp_retransmit_skb's NET_XMIT_DROP (net_xmit_eval keeps it positive): the qdisc dropped the
 * retransmission. */
const RTX_QDISC_DROP = 1;

/** A retransmission the qdisc dropped, on a path whose handling of it the model does not follow
 * (tcp_send_loss_probe re-arms without a probe, the zero-window and SYN RTOs). The RTO timer's
 * main path and tcp_xmit_retransmit_queue (which stops, re-arming nothing) follow the kernel. */
function flagRtxDrop(h: Host, err: number): void {
  if (err > 0) h.flagUnsupported('a retransmission dropped at the qdisc (local congestion)');
}

/** tcp_retransmit_skb: retransmit and mark it (SACKED_RETRANS | EVER_RETRANS). False when it
 * was not sent (no window, or dropped at the qdisc, which callers other than the RTO timer's
 * main path report unsupported). */
function tcp_retransmit_skb(h: Host, sk: TcpSock, skb: Skb, segs: number, why: string): boolean {
  const err = tcp_retransmit_skb_err(h, sk, skb, segs, why);
  if (err !== RTX_NO_WINDOW) flagRtxDrop(h, err);
  return err === 0;
}

/** tcp_retransmit_skb returning the kernel's err: on success mark the skb retransmitted; in any
 * attempt that reached the qdisc, save retrans_stamp (the first attempted retransmission) and
 * count undo_retrans, as the kernel does for a failed attempt too. */
function tcp_retransmit_skb_err(h: Host, sk: TcpSock, skb: Skb, segs: number, why: string): number {
  const err = __tcp_retransmit_skb(h, sk, skb, segs);
  if (err === RTX_NO_WINDOW) return err;
  if (err) {
    sk.recovery.retransStampNs ??= skb.sentNs;
    tcp_count_undo_retrans(sk, skb.pcount);
    h.trace.step('tcp_retransmit_skb', sk.id, `${why}: ${skb.seq}:${skb.endSeq} dropped at the qdisc (local congestion)`);
    return err;
  }
  skb.retrans = true;
  sk.recovery.retransStampNs ??= skb.sentNs;
  tcp_count_undo_retrans(sk, skb.pcount);
  h.trace.step('tcp_retransmit_skb', sk.id, `${why}: resend ${skb.seq}:${skb.endSeq} (${skb.pcount} segs)`, {
    seq: skb.seq,
    len: skbLen(skb),
    segs: skb.pcount,
  });
  return 0;
}

/** tcp_non_congestion_loss_retransmit: resend skbs marked lost for a reason other than
 * congestion (Fast Open SYN data the SYN-ACK did not cover): Loss state without a cwnd cut. */
export function tcp_non_congestion_loss_retransmit(h: Host, sk: TcpSock, why: string): void {
  if (sk.caState !== 'Loss') {
    sk.recovery.highSeq = sk.sndNxt;
    sk.ssthresh = tcp_current_ssthresh(sk);
    sk.recovery.priorSsthresh = 0;
    sk.recovery.undoMarker = 0;
    setCaState(h, sk, 'Loss', why);
  }
  tcp_xmit_retransmit_queue(h, sk);
}

/** tcp_xmit_retransmit_queue: resend the lost skbs, as many segments as cwnd allows. Returns
 * true when the head was resent (the caller re-arms the RTO). */
export function tcp_xmit_retransmit_queue(h: Host, sk: TcpSock): boolean {
  if (!packetsOut(sk)) return false;
  const maxSegs = tcp_tso_segs(h, sk, tcp_current_mss(h, sk));
  const head = sk.rtxQueue[0];
  let rearm = false;
  for (let k = 0; k < sk.rtxQueue.length; k++) {
    const skb = sk.rtxQueue[k];
    if (tcp_pacing_check(h, sk)) break;
    let segs = sk.cwnd - tcp_packets_in_flight(sk);
    if (segs <= 0) break;
    segs = Math.min(segs, maxSegs);
    const c = scoreboard(sk);
    if (c.retrans >= c.lost) break;
    if (!skb.lost || skb.sackedAcked || skb.retrans) continue;
    if (tcp_small_queue_check(h, sk, skb, 1)) break;
    const why = sk.caState === 'Loss' ? 'slow-start retransmit after an RTO' : 'fast retransmit of a lost segment';
    // Any error stops the loop (no window, or the qdisc dropped it: local congestion); the RTO is
    // re-armed only for a head that was really resent.
    if (tcp_retransmit_skb_err(h, sk, skb, segs, why)) break;
    if (tcp_in_cwnd_reduction(sk)) sk.recovery.prrOut += skb.pcount;
    if (skb === head) rearm = true;
  }
  return rearm;
}

// ---------------------------------------------------------------- SACK scoreboard and RACK

/** tcp_rack_advance: remember the most recently sent skb that was delivered. A retransmitted
 * skb whose ACK came sooner than min_rtt may be for the original: not used. */
function tcp_rack_advance(sk: TcpSock, skb: Skb, nowNs: number): void {
  const sentNs = skb.sentNs ?? 0;
  const rttUs = (nowNs - sentNs) / 1000;
  // The kernel's rtt_us (tcp_mstamp - xmit_time) and min_rtt come from one clock, so the ACK's
  // inbound delay is in both: compare like with like (min_rtt carries INBOUND_DELAY_US, see
  // rttSampleUs). Without it a probe SACKed one scripted RTT after it left looked faster than
  // min_rtt and was ignored, where the kernel advances RACK and marks the older segments lost.
  // (rack.rtt_us stays the scripted gap: tcp_rack_detect_loss's elapsed times are on that scale.)
  if (skb.everRetrans && Math.floor(rttUs) + INBOUND_DELAY_US < sk.minRttUs) return;
  const r = sk.recovery.rack;
  r.advanced = true;
  r.rttUs = rttUs;
  r.rttSentNs = sentNs;
  r.rttSentOrder = skb.sentOrder ?? 0;
  r.rttSentClock = skb.sentClock ?? 0;
  r.rttEndSeq = skb.endSeq;
  if (sentAfter(sentNs, skb.sentOrder ?? 0, skb.endSeq, r.mstampNs, r.mstampOrder, r.endSeq)) {
    r.mstampNs = sentNs;
    r.mstampOrder = skb.sentOrder ?? 0;
    r.endSeq = skb.endSeq;
  }
}

/** tcp_rack_sent_after: the kernel breaks a tie of send times (µs) by sequence, which within one
 * transmit burst is the order of sending. The model's clock also gives one time to skbs sent on
 * different events of one script instant (several inbound packets at +0), which the kernel sends
 * microseconds apart; the order of sending is right for both, and sequence still orders the halves
 * of one skb split after it was sent. */
function sentAfter(t1: number, order1: number, seq1: number, t2: number, order2: number, seq2: number): boolean {
  return t1 > t2 || (t1 === t2 && (order1 > order2 || (order1 === order2 && seq1 > seq2)));
}

/** tcp_highest_sack_seq: the end of the highest SACKed skb (tp->highest_sack is the skb after
 * it), snd_una when nothing is SACKed. */
export function tcp_highest_sack_seq(sk: TcpSock): number {
  let fack = sk.sndUna;
  for (const skb of sk.rtxQueue) if (skb.sackedAcked) fack = Math.max(fack, skb.endSeq);
  return fack;
}

/** tcp_check_sack_reordering: never-retransmitted data at `lowSeq`, below the highest SACKed
 * sequence, was delivered after it: reordering, not loss. tp->reordering grows to the distance
 * in segments (at most tcp_max_reordering) and reord_seen turns RACK's reordering window on for
 * good (tcp_rack_reo_wnd). `ts`: seen from a timestamp (tcp_try_undo_partial). */
export function tcp_check_sack_reordering(h: Host, sk: TcpSock, lowSeq: number, ts: boolean): void {
  const r = sk.recovery;
  const mss = sk.mssCache;
  const fack = tcp_highest_sack_seq(sk);
  if (lowSeq >= fack) return;
  const metric = fack - lowSeq;
  if (mss && metric > r.reordering * mss) r.reordering = Math.min(Math.ceil(metric / mss), h.sysctl.tcp_max_reordering);
  r.reordSeen++;
  h.trace.step(
    'tcp_check_sack_reordering',
    sk.id,
    `${ts ? 'the timestamp shows' : 'SACKs show'} ${lowSeq} delivered after ${fack}: reordering ${r.reordering}, RACK keeps a reordering window`,
    { reordering: r.reordering },
  );
}

/** tcp_sacktag_write_queue: mark the skbs each SACK block covers, splitting a TSO skb at an MSS
 * boundary when a block covers part of it (tcp_match_skb_to_sack). A first block that is a
 * D-SACK (`dsack`, see tcp_check_dsack) counts the retransmitted skbs it covers as not needed
 * (undo_retrans) and marks only what lies above `ack`. The other blocks are walked in sequence
 * order, whatever order the peer listed them in (the kernel sorts them): RACK's RTT is the last
 * skb's. Returns packets newly SACKed and whether one of them was never retransmitted and lies
 * below high_seq (FLAG_ORIG_SACK_ACKED: F-RTO's new data beyond it does not count). */
export function tcp_sacktag_write_queue(
  h: Host,
  sk: TcpSock,
  blocks: Array<[number, number]>,
  dsack = false,
  ack = sk.sndUna,
): { sacked: number; orig: boolean; sackt?: { first: number; last: number }; priorDelivered: number } {
  let sacked = 0;
  let priorDelivered = 0;
  let orig = false;
  let sackt: { first: number; last: number } | undefined;
  const r = sk.recovery;
  // state->reord: the lowest never-retransmitted skb newly SACKed below the highest SACKed one.
  let reord = sk.sndNxt;
  let fack = tcp_highest_sack_seq(sk);
  const sorted = dsack ? [blocks[0], ...[...blocks.slice(1)].sort((a, b) => a[0] - b[0])] : [...blocks].sort((a, b) => a[0] - b[0]);
  for (const [i, block] of sorted.entries()) {
    let start = block[0];
    const end = block[1];
    if (dsack && i === 0) {
      for (const skb of sk.rtxQueue) {
        if (skb.seq < start || skb.endSeq > end || !skb.everRetrans) continue;
        if (r.undoMarker && r.undoRetrans > 0 && skb.endSeq > r.undoMarker) r.undoRetrans = Math.max(0, r.undoRetrans - skb.pcount);
      }
      start = Math.max(start, ack);
    } else if (start < ack || end <= start || end > sk.sndNxt) {
      // tcp_is_sackblock_valid: reversed, beyond snd_nxt, or below snd_una without being a D-SACK.
      h.trace.step('tcp_sacktag_write_queue', sk.id, `SACK block ${start}:${end} is not valid: ignored`);
      continue;
    }
    if (end <= sk.sndUna || start >= sk.sndNxt || end <= start) continue;
    for (let k = 0; k < sk.rtxQueue.length; k++) {
      const skb = sk.rtxQueue[k];
      if (skb.endSeq <= start) continue;
      if (skb.seq >= end) break;
      if (skb.sackedAcked) continue;
      // tcp_match_skb_to_sack cuts at the skb's own gso_size (tcp_skb_mss), not its average.
      const mss = Math.max(1, tcp_skb_mss(skb));
      if (skb.seq < start) {
        // Only whole segments can be split off; a block inside a segment marks nothing.
        const cut = Math.ceil((start - skb.seq) / mss) * mss;
        if (cut >= skbLen(skb)) continue;
        tcp_fragment_rtx(h, sk, skb, cut, mss);
        continue; // the next iteration sees the second half
      }
      if (skb.endSeq > end) {
        const cut = Math.floor((end - skb.seq) / mss) * mss;
        if (cut <= 0) continue;
        tcp_fragment_rtx(h, sk, skb, cut, mss);
      }
      // tcp_sacktag_one
      if (skb.retrans) skb.retrans = false;
      else if (!skb.everRetrans) {
        if (skb.seq < fack) reord = Math.min(reord, skb.seq);
        if (skb.endSeq <= r.highSeq) orig = true;
        // A never-retransmitted skb newly SACKed gives an RTT sample (first_sackt, last_sackt).
        const sent = skb.sentNs ?? 0;
        sackt = { first: sackt?.first ?? sent, last: sent };
      }
      skb.lost = false;
      skb.sackedAcked = true;
      priorDelivered = tcp_rate_skb_delivered(skb, priorDelivered);
      sacked += skb.pcount;
      fack = Math.max(fack, skb.endSeq);
      tcp_rack_advance(sk, skb, h.nowNs);
    }
  }
  if (sk.caState !== 'Loss' || r.undoMarker) tcp_check_sack_reordering(h, sk, reord, false);
  if (sacked)
    h.trace.step(
      'tcp_sacktag_write_queue',
      sk.id,
      `SACK ${blocks.map(([a, b]) => `${a}:${b}`).join(' ')}: ${sacked} segments newly SACKed`,
      { sacked },
    );
  return { sacked, orig, sackt, priorDelivered };
}

/** tcp_rack_advance for cumulatively acked skbs (from tcp_clean_rtx_queue). */
export function rackAcked(sk: TcpSock, skb: Skb, nowNs: number): void {
  tcp_rack_advance(sk, skb, nowNs);
}

/** tcp_rack_reo_wnd: no reordering window once enough is SACKed (DUPACK threshold) or in
 * recovery, else reo_wnd_steps × min_rtt/4 (at most srtt). */
function tcp_rack_reo_wnd(h: Host, sk: TcpSock): number {
  const r = sk.recovery;
  if (!r.reordSeen) {
    if (sk.caState === 'Recovery' || sk.caState === 'Loss') return 0;
    if (scoreboard(sk).sacked >= r.reordering && !(h.sysctl.tcp_recovery & TCP_RACK_NO_DUPTHRESH)) return 0;
  }
  const step = sk.minRttUs === Infinity ? 0 : sk.minRttUs >> 2;
  return Math.min(step * r.rack.reoWndSteps, sk.srttUs >> 3);
}

/** TCP_RACK_RECOVERY_THRESH: recoveries a grown reordering window is kept for. */
export const TCP_RACK_RECOVERY_THRESH = 16;

/** tcp_rack_update_reo_wnd (tcp_ack, after tcp_clean_rtx_queue): a D-SACK seen after reordering
 * (rack.dsack_seen, see tcp_check_dsack) says a RACK retransmission may have been spurious, so the
 * reordering window grows one min_rtt/4 step, at most once a round trip (only when the ACK
 * delivered data sent after the last step: rs->prior_delivered ≥ last_delivered), and is kept for
 * TCP_RACK_RECOVERY_THRESH recoveries; once they have passed it falls back to one step.
 * `priorDelivered`: tp->delivered when the most recently sent skb this ACK delivered was sent
 * (0: it delivered nothing, and nothing changes). */
export function tcp_rack_update_reo_wnd(h: Host, sk: TcpSock, priorDelivered: number): void {
  const rack = sk.recovery.rack;
  if (h.sysctl.tcp_recovery & TCP_RACK_STATIC_REO_WND || !priorDelivered) return;
  if (priorDelivered < rack.lastDelivered) rack.dsackSeen = false;
  if (rack.dsackSeen) {
    rack.reoWndSteps = Math.min(0xff, rack.reoWndSteps + 1);
    rack.dsackSeen = false;
    rack.lastDelivered = sk.delivered;
    rack.reoWndPersist = TCP_RACK_RECOVERY_THRESH;
    h.trace.step(
      'tcp_rack_update_reo_wnd',
      sk.id,
      `D-SACK after reordering: RACK's reordering window grows to ${rack.reoWndSteps} × min_rtt/4`,
      {
        steps: rack.reoWndSteps,
      },
    );
  } else if (!rack.reoWndPersist) {
    rack.reoWndSteps = 1;
  }
}

/** The model's clock gives every skb of one burst the same send time; the kernel's gives each a
 * later microsecond. An RTT taken from one skb of a burst then leaves a skb sent after it in that
 * burst a few µs short of overdue, and one sent before it overdue. */
const RACK_BURST_TIE_US = 1;

function tcp_rack_skb_timeout(h: Host, sk: TcpSock, skb: Skb, reoWndUs: number): number {
  const r = sk.recovery.rack;
  const sentNs = skb.sentNs ?? 0;
  const remaining = r.rttUs + reoWndUs - (h.nowNs - sentNs) / 1000;
  // Skbs sent on one reading of the clock (one tcp_write_xmit; both halves of a TSO packet split
  // by a partial SACK) share the kernel's timestamp: remaining is exactly 0, so they are lost at
  // once. Only skbs sent on different readings at one model instant are microseconds apart.
  if (Math.abs(remaining) < 1e-6 && sentNs === r.rttSentNs && skb.endSeq !== r.rttEndSeq && (skb.sentClock ?? 0) !== r.rttSentClock)
    return sentAfter(sentNs, skb.sentOrder ?? 0, skb.endSeq, r.rttSentNs, r.rttSentOrder, r.rttEndSeq)
      ? RACK_BURST_TIE_US
      : -RACK_BURST_TIE_US;
  return remaining;
}

/** tcp_rack_detect_loss: an skb sent before the latest delivered one is lost once that one's RTT
 * plus the reordering window has passed since it was sent. Returns the µs until the next skb
 * would be (0: none waiting). */
function tcp_rack_detect_loss(h: Host, sk: TcpSock): { lost: number; waitUs: number } {
  const reo = tcp_rack_reo_wnd(h, sk);
  const r = sk.recovery.rack;
  let lost = 0;
  let waitUs = 0;
  // tp->tsorted_sent_queue: in send order
  const bySend = [...sk.rtxQueue].sort(
    (a, b) => (a.sentNs ?? 0) - (b.sentNs ?? 0) || (a.sentOrder ?? 0) - (b.sentOrder ?? 0) || a.seq - b.seq,
  );
  for (const skb of bySend) {
    if (skb.sackedAcked) continue;
    if (skb.lost && !skb.retrans) continue;
    if (!sentAfter(r.mstampNs, r.mstampOrder, r.endSeq, skb.sentNs ?? 0, skb.sentOrder ?? 0, skb.endSeq)) break;
    const remaining = tcp_rack_skb_timeout(h, sk, skb, reo);
    if (remaining <= 0) {
      tcp_mark_skb_lost(skb);
      lost += skb.pcount;
    } else if (remaining > waitUs) {
      waitUs = remaining;
    }
  }
  return { lost, waitUs };
}

function tcp_mark_skb_lost(skb: Skb): void {
  skb.retrans = false; // a lost retransmission is lost again: no longer in flight
  skb.lost = true;
}

/** tcp_rack_mark_lost; a reordering timer (tcp_rack_reo_timeout) for the skbs not yet due. */
function tcp_rack_mark_lost(h: Host, sk: TcpSock, armReo: (ms: number) => void): number {
  const r = sk.recovery.rack;
  if (!r.advanced) return 0;
  r.advanced = false;
  const { lost, waitUs } = tcp_rack_detect_loss(h, sk);
  if (lost) h.trace.step('tcp_rack_detect_loss', sk.id, `RACK: ${lost} segments sent before a delivered one are lost`, { lost });
  if (waitUs) {
    const ms = jiffiesTimerDelayUs(h.nowNs, usecs_to_jiffies(waitUs + TCP_TIMEOUT_MIN_US)) / 1000;
    h.trace.step('tcp_rack_mark_lost', sk.id, `RACK: reordering timer in ${ms.toFixed(3)} ms for segments not yet overdue`, {
      ms,
    });
    armReo(ms);
  }
  return lost;
}

// ---------------------------------------------------------------- entering and leaving recovery

export function tcp_init_cwnd_reduction(sk: TcpSock): void {
  const r = sk.recovery;
  r.highSeq = sk.sndNxt;
  sk.tlpHighSeq = undefined;
  sk.cwndCnt = 0;
  r.priorCwnd = sk.cwnd;
  r.prrDelivered = 0;
  r.prrOut = 0;
  sk.ssthresh = icsk_ca_ops(sk).ssthresh(sk);
  tcp_ecn_queue_cwr(sk);
}

/** tcp_enter_recovery: fast recovery, ssthresh from the congestion control, PRR from here. The
 * clock for undo and ETIMEDOUT starts with this recovery's first retransmission. A reduction the
 * peer's ECE asked for may not be undone (no prior_ssthresh). */
function tcp_enter_recovery(h: Host, sk: TcpSock, eceAck: boolean): void {
  if (!tcp_any_retrans_done(sk)) sk.recovery.retransStampNs = undefined;
  sk.recovery.priorSsthresh = 0;
  tcp_init_undo(sk);
  if (!tcp_in_cwnd_reduction(sk)) {
    if (!eceAck) sk.recovery.priorSsthresh = tcp_current_ssthresh(sk);
    tcp_init_cwnd_reduction(sk);
  }
  setCaState(h, sk, 'Recovery', `lost segments detected; ssthresh ${sk.ssthresh}, PRR reduces cwnd ${sk.cwnd} toward it`);
}

/** tcp_end_cwnd_reduction: leaving CWR, or Recovery unless it was undone (undo_marker cleared),
 * sets cwnd to ssthresh. */
export function tcp_end_cwnd_reduction(h: Host, sk: TcpSock): void {
  if (sk.ssthresh < TCP_INFINITE_SSTHRESH && (sk.caState === 'CWR' || sk.recovery.undoMarker)) {
    sk.cwnd = sk.ssthresh;
    sk.sndCwndStamp = h.jiffies();
  }
}

/** tcp_any_retrans_done: retransmissions out, or the head of the retransmit queue was ever
 * retransmitted. */
export function tcp_any_retrans_done(sk: TcpSock): boolean {
  return scoreboard(sk).retrans > 0 || !!sk.rtxQueue[0]?.everRetrans;
}

/** tcp_try_keep_open: outside recovery, Disorder while anything is SACKed, lost or resent. Once
 * a recovery's retransmissions are all acknowledged it is Open again. */
export function tcp_try_keep_open(h: Host, sk: TcpSock): void {
  const c = scoreboard(sk);
  const state = c.sacked || c.lost || tcp_any_retrans_done(sk) ? 'Disorder' : 'Open';
  if (sk.caState !== state) {
    setCaState(h, sk, state, state === 'Disorder' ? 'SACKed or lost segments, not yet a loss' : 'scoreboard clean');
    sk.recovery.highSeq = sk.sndNxt;
  }
}

/** tcp_process_tlp_ack: the ACK covers what a loss probe was sent for. A probe that resent old
 * data, and whose ACK goes beyond it without a D-SACK of the probe, repaired a real loss: cwnd
 * is reduced once (CWR, ended at once). A D-SACK of the probe or a pure duplicate ACK says the
 * original got through too. */
export function tcp_process_tlp_ack(h: Host, sk: TcpSock, ack: number, f: AckFlags, dsackTlp: boolean): void {
  if (sk.tlpHighSeq === undefined || ack < sk.tlpHighSeq) return;
  if (!sk.tlpRetrans || dsackTlp) {
    sk.tlpHighSeq = undefined;
  } else if (ack > sk.tlpHighSeq) {
    tcp_init_cwnd_reduction(sk);
    setCaState(h, sk, 'CWR', `the loss probe repaired a loss (ACK ${ack} beyond it): ssthresh ${sk.ssthresh}`);
    tcp_end_cwnd_reduction(h, sk);
    tcp_try_keep_open(h, sk);
  } else if (!f.sndUnaAdvanced && !f.notDup && !f.dataSacked) {
    sk.tlpHighSeq = undefined;
  }
}

/** tcp_enter_loss (from the RTO): every unSACKed skb not sent within the last RACK RTT is lost,
 * ssthresh shrinks once per episode, cwnd = packets in flight + 1. */
function tcp_enter_loss(h: Host, sk: TcpSock): void {
  const r = sk.recovery;
  const newRecovery = sk.caState === 'Open' || sk.caState === 'Disorder' || sk.caState === 'CWR';
  tcp_reset_reno_sack(sk);
  // tcp_timeout_mark_lost: a SACKed head means the peer reneged: forget every SACK and mark all
  // lost; otherwise all but the recently sent (RACK) unSACKed skbs.
  const head = sk.rtxQueue[0];
  const reneg = !!head?.sackedAcked;
  if (reneg) h.trace.step('tcp_enter_loss', sk.id, 'the head is SACKed: the peer reneged; all SACK information is forgotten');
  for (const skb of sk.rtxQueue) {
    if (reneg) skb.sackedAcked = false;
    else if (skb.sackedAcked) continue;
    else if (skb !== head && tcp_rack_skb_timeout(h, sk, skb, 0) > 0) continue;
    tcp_mark_skb_lost(skb);
  }
  // A timeout after this many SACKs outside recovery: the reordering degree was over-estimated.
  if (newRecovery && sk.caState !== 'CWR' && scoreboard(sk).sacked >= h.sysctl.tcp_reordering)
    r.reordering = Math.min(r.reordering, h.sysctl.tcp_reordering);
  if (newRecovery || r.highSeq <= sk.sndUna || (sk.caState === 'Loss' && !r.retransmits)) {
    r.priorSsthresh = tcp_current_ssthresh(sk);
    r.priorCwnd = sk.cwnd;
    sk.ssthresh = icsk_ca_ops(sk).ssthresh(sk);
    tcp_init_undo(sk);
  }
  sk.cwnd = tcp_packets_in_flight(sk) + 1;
  sk.cwndCnt = 0;
  sk.sndCwndStamp = h.jiffies();
  setCaState(h, sk, 'Loss', `retransmission timeout: ssthresh ${sk.ssthresh}, cwnd ${sk.cwnd}`);
  r.highSeq = sk.sndNxt;
  sk.tlpHighSeq = undefined;
  tcp_ecn_queue_cwr(sk);
  // F-RTO is off while an MTU probe is out (its loss is not a spurious timeout to detect).
  r.frto = h.sysctl.tcp_frto > 0 && (newRecovery || r.retransmits > 0) && !sk.mtup.probeSize;
}

/** tcp_retransmit_timer's answer when the qdisc dropped the head's retransmission (local
 * congestion): re-arm after TCP_RESOURCE_PROBE_INTERVAL, neither backed off nor clamped. */
export const RTO_RESOURCE_PROBE = 'resource-probe';

/** tcp_retransmit_timer: the RTO fired. Enter Loss, resend the head, back off (double the RTO).
 * Returns false where the model stops (zero window: the kernel probes instead), and
 * RTO_RESOURCE_PROBE when the retransmission was dropped at the qdisc: "Let senders fight for
 * local resources conservatively" (goto out: no backoff, icsk_retransmits still counted). */
export function tcp_retransmit_timer(h: Host, sk: TcpSock): boolean | typeof RTO_RESOURCE_PROBE {
  // A Fast Open child's SYN-ACK is on the queue without a segment count; its timer still runs.
  if (!packetsOut(sk) && !(sk.fastopenChild && sk.state === 'SYN_RECV')) return true;
  if (sk.state === 'SYN_SENT') return tcp_syn_retransmit_timer(h, sk);
  if (!sk.sndWnd && !sk.orphan && sk.state !== 'SYN_RECV') return tcp_retransmit_timer_zero_window(h, sk);
  if (sk.fastopenChild && sk.state === 'SYN_RECV') {
    // tcp_fastopen_synack_timer (the child still has its fastopen_rsk): not tcp_write_timeout but
    // req->num_timeout (the SYN-ACKs resent) against TCP_SYNCNT, else tcp_synack_retries + 1 ("add
    // one more retry for fastopen"), then tcp_write_err; the resend below backs off as the
    // request's timeout << num_timeout does.
    const maxRetries = sk.synRetries || h.sysctl.tcp_synack_retries + 1;
    if (sk.recovery.retransmits >= maxRetries) {
      h.trace.step(
        'tcp_fastopen_synack_timer',
        sk.id,
        `${sk.recovery.retransmits} SYN-ACKs resent unanswered: the Fast Open child is dropped (ETIMEDOUT)`,
      );
      tcp_write_err(h, sk);
      return false;
    }
  } else if (tcp_write_timeout(h, sk)) return false;
  sk_rethink_txhash(sk);
  h.trace.step(
    'tcp_retransmit_timer',
    sk.id,
    `RTO of ${sk.rtoMs} ms expired with ${packetsOut(sk)} segment(s) unacked${sk.backoff ? ` (backed off ${sk.backoff} time(s))` : ''}: resend the head, back off the next RTO to ${Math.min(sk.rtoMs * 2, TCP_RTO_MAX_MS)} ms`,
    {
      rtoMs: sk.rtoMs,
      backoff: sk.backoff,
    },
  );
  tcp_enter_loss(h, sk);
  tcp_update_rto_stats(sk);
  const err = tcp_retransmit_skb_err(h, sk, sk.rtxQueue[0], 1, 'RTO');
  if (err > 0) {
    h.trace.step('tcp_retransmit_timer', sk.id, `local congestion: retry in ${TCP_RESOURCE_PROBE_INTERVAL_MS} ms, no backoff`);
    return RTO_RESOURCE_PROBE;
  }
  // out_reset_timer: a thin stream (tcp_stream_is_thin: fewer than 4 packets out, past the initial
  // slow start) under tcp_thin_linear_timeouts (or the socket's TCP_THIN_LINEAR_TIMEOUTS) keeps a fresh RTO for its first 6 retransmissions.
  const thin = packetsOut(sk) < 4 && sk.ssthresh < TCP_INFINITE_SSTHRESH;
  if (
    sk.state === 'ESTABLISHED' &&
    (sk.thinLto || h.sysctl.tcp_thin_linear_timeouts) &&
    thin &&
    sk.recovery.retransmits <= TCP_THIN_LINEAR_RETRIES
  ) {
    sk.backoff = 0;
    tcp_set_rto(sk);
    sk.rtoMs = Math.max(sk.rtoMs, sk.rtoMinMs);
    h.trace.step('tcp_retransmit_timer', sk.id, `thin stream (tcp_thin_linear_timeouts): the next RTO stays ${sk.rtoMs} ms`);
    return true;
  }
  sk.backoff++;
  sk.rtoMs = Math.min(sk.rtoMs * 2, TCP_RTO_MAX_MS);
  return true;
}

/** tcp_retransmit_timer when the peer shrank its window to zero with data in flight ("receiver
 * dastardly shrinks window"): the retransmissions become zero-window probes. No
 * tcp_write_timeout and no tcp_update_rto_stats (icsk_retransmits stays): the connection only
 * dies once nothing was received for 2 * TCP_RTO_MAX (tcp_rtx_probe0_timed_out). tcp_enter_loss,
 * resend the head (allowed at snd_una although the window is closed), then out_reset_timer's
 * backoff as for any RTO. */
function tcp_retransmit_timer_zero_window(h: Host, sk: TcpSock): boolean {
  // rtx_delta: ms since the first retransmission (retrans_stamp), else since the head was sent.
  const since = sk.recovery.retransStampNs ?? sk.rtxQueue[0].sentNs ?? h.nowNs;
  const rtxDelta = Math.floor(h.nowNs / 1e6) - Math.floor(since / 1e6);
  if (tcp_rtx_probe0_timed_out(h, sk, rtxDelta)) {
    h.trace.step(
      'tcp_retransmit_timer',
      sk.id,
      `zero-window retransmissions without progress for ${rtxDelta} ms: the connection is dropped`,
    );
    tcp_write_err(h, sk);
    return false;
  }
  h.trace.step(
    'tcp_retransmit_timer',
    sk.id,
    `RTO of ${sk.rtoMs} ms expired with a zero window and ${packetsOut(sk)} segment(s) unacked: the head is resent as a window probe, next RTO ${Math.min(sk.rtoMs * 2, TCP_RTO_MAX_MS)} ms`,
    { rtoMs: sk.rtoMs, backoff: sk.backoff },
  );
  tcp_enter_loss(h, sk);
  tcp_retransmit_skb(h, sk, sk.rtxQueue[0], 1, 'RTO (zero window)');
  sk.backoff++;
  sk.rtoMs = Math.min(sk.rtoMs * 2, TCP_RTO_MAX_MS);
  return true;
}

/** tcp_rtx_probe0_timed_out: the zero-window retransmissions give up after TCP_USER_TIMEOUT
 * without progress (the peer's zero-window ACKs do not count), or, when nothing at all was
 * received for the timeout (2 * TCP_RTO_MAX, or the user timeout), once the retransmissions have
 * lasted that long. */
function tcp_rtx_probe0_timed_out(h: Host, sk: TcpSock, rtxDelta: number): boolean {
  const userTimeout = sk.userTimeoutMs ?? 0;
  let timeout = TCP_RTO_MAX_MS * 2;
  if (userTimeout) {
    if (rtxDelta > userTimeout) return true;
    timeout = Math.min(timeout, userTimeout);
  }
  // icsk_timeout - rcv_tstamp: the timer runs now, so its expiry is now.
  const rcvDelta = h.jiffies() - (sk.rcvTstamp ?? 0);
  if (rcvDelta <= timeout) return false;
  return rtxDelta > timeout;
}

/** sk_rethink_txhash, from tcp_write_timeout when the connection goes on: with net.core.txrehash
 * on (the default) every socket has a hash and picks a new one, counted in tp->timeout_rehash. */
function sk_rethink_txhash(sk: TcpSock): void {
  sk.recovery.timeoutRehash++;
}

/** tcp_update_rto_stats: one more RTO in a row (icsk_retransmits) and over the connection's
 * life (total_rto); the first of a row starts an RTO recovery episode. */
function tcp_update_rto_stats(sk: TcpSock): void {
  const r = sk.recovery;
  if (!r.retransmits) r.totalRtoRecoveries++;
  r.retransmits++;
  r.totalRto++;
}

/** tcp_retransmit_timer in SYN_SENT: resend the SYN (without data or a Fast Open option: the
 * request is gone by now), keeping the initial RTO for the first tcp_syn_linear_timeouts
 * timeouts and doubling it after, until tcp_write_timeout gives up. */
function tcp_syn_retransmit_timer(h: Host, sk: TcpSock): boolean {
  using _frame = frame(h, 'tcp_retransmit_timer');
  if (tcp_write_timeout_syn(h, sk)) return false;
  sk_rethink_txhash(sk);
  h.trace.step('tcp_retransmit_timer', sk.id, `SYN timed out after ${sk.rtoMs} ms: resend it`, { rtoMs: sk.rtoMs, backoff: sk.backoff });
  // As for data: Loss state, undo_marker (which tcp_init_transfer reads) and ssthresh, which
  // tcp_init_metrics puts back once connected.
  tcp_enter_loss(h, sk);
  tcp_retransmit_skb(h, sk, sk.rtxQueue[0], 1, 'RTO');
  tcp_update_rto_stats(sk);
  if (sk.recovery.totalRto > h.sysctl.tcp_syn_linear_timeouts) {
    sk.backoff++;
    sk.rtoMs = Math.min(sk.rtoMs * 2, TCP_RTO_MAX_MS);
  }
  return true;
}

/** tcp_write_timeout for a SYN: it expires after icsk_syn_retries (TCP_SYNCNT, else
 * tcp_syn_retries) plus the linear timeouts, or once as much time has passed since the first SYN
 * as that many backed-off initial RTOs take (retransmits_timed_out); then tcp_write_err. */
function tcp_write_timeout_syn(h: Host, sk: TcpSock): boolean {
  const r = sk.recovery;
  const retryUntil = sk.synRetries || h.sysctl.tcp_syn_retries;
  let expired = r.retransmits >= retryUntil + h.sysctl.tcp_syn_linear_timeouts;
  const first = sk.rtxQueue[0]?.firstTxNs;
  // retransmits_timed_out from retrans_stamp, the first SYN's send (tcp_connect): TCP_USER_TIMEOUT,
  // or the time the backed-off initial RTOs take.
  if (!expired && r.retransmits && first !== undefined)
    expired = h.nowNs - first >= (sk.userTimeoutMs || tcp_model_timeout(retryUntil, TCP_TIMEOUT_INIT_MS)) * 1e6;
  if (!expired) return false;
  h.trace.step('tcp_write_timeout', sk.id, `SYN unanswered after ${r.retransmits} retransmissions: connect fails with ETIMEDOUT`);
  tcp_write_err(h, sk);
  return true;
}

/** tcp_model_timeout: how long tcp_retries2 backed-off RTOs take from TCP_RTO_MIN (924.6 s). */
function tcp_model_timeout(boundary: number, rtoBaseMs: number): number {
  const thresh = Math.floor(Math.log2(TCP_RTO_MAX_MS / rtoBaseMs));
  if (boundary <= thresh) return ((2 << boundary) - 1) * rtoBaseMs;
  return ((2 << thresh) - 1) * rtoBaseMs + (boundary - thresh) * TCP_RTO_MAX_MS;
}

/** retransmits_timed_out: whether the time since the first retransmitted send (retrans_stamp)
 * reached TCP_USER_TIMEOUT, or else what `boundary` backed-off RTOs from TCP_RTO_MIN take; in
 * whole ms (tcp_time_stamp_ts without usec timestamps). Never before a first retransmission. */
function retransmits_timed_out(h: Host, sk: TcpSock, boundary: number, timeoutMs: number): boolean {
  const r = sk.recovery;
  if (!r.retransmits || r.retransStampNs === undefined) return false;
  const timeout = timeoutMs || tcp_model_timeout(boundary, TCP_RTO_MIN_MS);
  return Math.floor(h.nowNs / 1e6) - Math.floor(r.retransStampNs / 1e6) >= timeout;
}

/** tcp_orphan_retries: an orphan's boundary is tcp_orphan_retries, where 0 means 8 while the RTO is
 * below TCP_RTO_MAX (alive), and 0 for good once it is not and an ICMP soft error came. */
export function tcp_orphan_retries(h: Host, sk: TcpSock, alive: boolean): number {
  let retries = h.sysctl.tcp_orphan_retries;
  if (sk.errSoft && !alive) retries = 0;
  if (retries === 0 && alive) retries = 8;
  return retries;
}

/** tcp_write_timeout: after tcp_retries2 RTOs' worth of time (an orphan's: tcp_orphan_retries), or
 * TCP_USER_TIMEOUT, the connection is dropped (tcp_write_err: ETIMEDOUT, no packet). The orphan
 * limits of tcp_out_of_resources (too many orphans, memory pressure) are not reached here. */
function tcp_write_timeout(h: Host, sk: TcpSock): boolean {
  const r = sk.recovery;
  // Black hole detection: after tcp_retries1 RTOs' worth of time, MTU probing may lower the MSS
  // (a SYN_RECV Fast Open child takes the SYN branch, which does not).
  if (sk.state !== 'SYN_RECV' && retransmits_timed_out(h, sk, h.sysctl.tcp_retries1, 0)) tcp_mtu_probing(h, sk);
  const userTimeout = sk.userTimeoutMs ?? 0;
  const boundary = sk.orphan ? tcp_orphan_retries(h, sk, sk.rtoMs < TCP_RTO_MAX_MS) : h.sysctl.tcp_retries2;
  if (!retransmits_timed_out(h, sk, boundary, userTimeout)) return false;
  h.trace.step(
    'tcp_write_timeout',
    sk.id,
    `no ACK after ${r.retransmits} retransmissions${userTimeout ? ` and TCP_USER_TIMEOUT ${userTimeout} ms` : ''}${sk.orphan ? ` (an orphan: ${boundary} RTOs' worth)` : ''}: the connection is dropped (ETIMEDOUT)`,
  );
  tcp_write_err(h, sk);
  return true;
}

/** tcp_clamp_rto_to_user_timeout: with TCP_USER_TIMEOUT the next RTO fires no later than the
 * user timeout counted from retrans_stamp (at once if it has passed); also for a SYN. */
export function tcp_clamp_rto_to_user_timeout(h: Host, sk: TcpSock): number {
  const userTimeout = sk.userTimeoutMs ?? 0;
  // retrans_stamp: while connecting, the first SYN's send (tcp_connect).
  const start = sk.state === 'SYN_SENT' ? sk.rtxQueue[0]?.firstTxNs : sk.recovery.retransStampNs;
  if (!userTimeout || start === undefined) return sk.rtoMs;
  const remaining = userTimeout - (Math.floor(h.nowNs / 1e6) - Math.floor(start / 1e6));
  return remaining <= 0 ? 1 : Math.min(sk.rtoMs, remaining);
}

/** tcp_send_loss_probe without new data to send: resend the last segment (split off the tail of
 * a TSO skb). Not counted as a retransmission out (no TCPCB_SACKED_RETRANS, as the kernel's
 * __tcp_retransmit_skb), but marked ever retransmitted. */
export function tcp_loss_probe_retransmit(h: Host, sk: TcpSock): boolean {
  let skb = sk.rtxQueue[sk.rtxQueue.length - 1];
  if (!skb || sk.tlpHighSeq !== undefined) return false;
  const mss = tcp_current_mss(h, sk);
  if (skb.pcount > 1 && skbLen(skb) > (skb.pcount - 1) * mss) skb = tcp_fragment_rtx(h, sk, skb, (skb.pcount - 1) * mss, mss);
  const err = __tcp_retransmit_skb(h, sk, skb, 1);
  flagRtxDrop(h, err);
  if (err === RTX_NO_WINDOW) {
    h.trace.step('tcp_send_loss_probe', sk.id, `the last segment ${skb.seq}:${skb.endSeq} lies beyond the peer's window: no probe`);
    return false;
  }
  sk.tlpHighSeq = sk.sndNxt;
  sk.tlpRetrans = true;
  h.trace.step('tcp_send_loss_probe', sk.id, `tail loss probe: resend the last segment ${skb.seq}:${skb.endSeq}`, {
    seq: skb.seq,
    len: skbLen(skb),
  });
  return true;
}

// ---------------------------------------------------------------- on each ACK

/** tcp_process_loss: an ACK in Loss state. An ACK that advances snd_una and shows the RTO was
 * spurious (tcp_may_undo) undoes it; F-RTO sends new data on the first ACK that advances
 * snd_una, and (s)acked original data undoes the RTO. Returns what to send: 'new' data, the
 * 'lost' skbs, or nothing. */
function tcp_process_loss(h: Host, sk: TcpSock, f: AckFlags, dupack: boolean): 'none' | 'new' | 'lost' {
  const r = sk.recovery;
  const recovered = sk.sndUna >= r.highSeq;
  if (f.sndUnaAdvanced && tcp_try_undo_loss(h, sk, false)) return 'none';
  if (r.frto) {
    if (f.origSackAcked && tcp_try_undo_loss(h, sk, true)) return 'none';
    if (sk.sndNxt > r.highSeq) {
      if (f.dataSacked || dupack) r.frto = false;
    } else if (f.sndUnaAdvanced && !recovered) {
      r.highSeq = sk.sndNxt;
      const head = sk.writeQueue[0];
      if (head && tcpWndEnd(sk) > sk.sndNxt) {
        h.trace.step('tcp_process_loss', sk.id, 'F-RTO: the retransmission was acked; send new data to tell whether the RTO was spurious');
        return 'new';
      }
      r.frto = false;
    }
  }
  if (recovered) {
    tcp_try_undo_recovery(h, sk);
    return 'none';
  }
  if (!sk.sackOk) {
    if (f.sndUnaAdvanced) tcp_reset_reno_sack(sk);
    f.delivered += tcp_add_reno_sack(h, sk, dupack ? 1 : 0);
  }
  return 'lost';
}

/** tcp_fastretrans_alert: what the ACK means for loss recovery. Returns what to (re)send. */
export function tcp_fastretrans_alert(
  h: Host,
  sk: TcpSock,
  f: AckFlags,
  dupack: boolean,
  armReo: (ms: number) => void,
): { rexmit: 'none' | 'new' | 'lost'; lost: number; renegingMs?: number } {
  const r = sk.recovery;
  let lost = 0;
  // A. ECE: the reduction is required, it may not be undone.
  if (f.ece) r.priorSsthresh = 0;
  // B. Reneging SACKs.
  const renegingMs = tcp_check_sack_reneging(h, sk, f);
  if (renegingMs) return { rexmit: 'none', lost, renegingMs };
  // D. Leave Recovery/CWR once high_seq is acked.
  if (sk.caState === 'Open') {
    r.retransStampNs = undefined;
  } else if (sk.sndUna >= r.highSeq) {
    if (sk.caState === 'CWR' && sk.sndUna !== r.highSeq) {
      tcp_end_cwnd_reduction(h, sk);
      setCaState(h, sk, 'Open', 'CWR done');
    } else if (sk.caState === 'Recovery') {
      if (!sk.sackOk) tcp_reset_reno_sack(sk);
      if (tcp_try_undo_recovery(h, sk)) return { rexmit: 'none', lost };
      tcp_end_cwnd_reduction(h, sk);
      h.trace.step('tcp_end_cwnd_reduction', sk.id, `recovery done: cwnd ${sk.cwnd}, ssthresh ${sk.ssthresh}`);
    }
  }
  // E. Process the state.
  if (sk.caState === 'Recovery') {
    if (!f.sndUnaAdvanced) {
      if (!sk.sackOk) f.delivered += tcp_add_reno_sack(h, sk, dupack ? 1 : 0);
    } else if (tcp_try_undo_partial(h, sk, f.priorUna)) return { rexmit: 'none', lost };
    if (tcp_try_undo_dsack(h, sk)) tcp_try_to_open(h, sk, f);
    lost = tcp_identify_packet_loss(h, sk, f, armReo);
    if ((sk.caState as TcpSock['caState']) !== 'Recovery') {
      if (!scoreboard(sk).lost) return { rexmit: 'none', lost };
      tcp_enter_recovery(h, sk, f.ece);
    }
    return { rexmit: 'lost', lost };
  }
  if (sk.caState === 'Loss') {
    const rexmit = tcp_process_loss(h, sk, f, dupack);
    // RACK runs in Loss too: skbs the RTO left unmarked (sent within an RTT of it) are lost once
    // a later-sent one is delivered, whether or not tcp_process_loss undid the timeout.
    const priorRetrans = scoreboard(sk).retrans;
    lost = tcp_identify_packet_loss(h, sk, f, armReo);
    const lostRetrans = scoreboard(sk).retrans < priorRetrans; // FLAG_LOST_RETRANS
    // Loss is recovered (now Open) or a retransmission is lost: carry on as in Open, like the
    // kernel's fallthrough.
    const open = (sk.caState as TcpSock['caState']) === 'Open';
    if ((!open && !lostRetrans) || (open && rexmit !== 'none')) return { rexmit, lost };
  }
  // Open, Disorder and CWR: a loss starts Recovery, otherwise tcp_try_to_open.
  if (!sk.sackOk) {
    if (f.sndUnaAdvanced) tcp_reset_reno_sack(sk);
    f.delivered += tcp_add_reno_sack(h, sk, dupack ? 1 : 0);
  }
  if (sk.caState === 'Open' || sk.caState === 'Disorder') tcp_try_undo_dsack(h, sk);
  lost += tcp_identify_packet_loss(h, sk, f, armReo);
  if (!scoreboard(sk).lost) {
    tcp_try_to_open(h, sk, f);
    return { rexmit: 'none', lost };
  }
  // MTU probe failure: the probe at snd_una is lost; no cwnd reduction (tcp_mtu_probe's is paid
  // back), the segments larger than the MSS are resent (tcp_simple_retransmit).
  if ((sk.caState === 'Open' || sk.caState === 'Disorder') && sk.mtup.probeSize && sk.sndUna === sk.mtup.probeSeqStart) {
    tcp_mtup_probe_failed(h, sk);
    sk.cwnd += 1;
    tcp_simple_retransmit(h, sk);
    return { rexmit: 'none', lost };
  }
  tcp_enter_recovery(h, sk, f.ece);
  return { rexmit: 'lost', lost };
}

/** tcp_check_sack_reneging: the ACK advanced snd_una onto a SACKed skb, so the peer may have
 * dropped what it SACKed. Give it max(srtt/2, 10 ms) to send more ACKs that restore the
 * scoreboard; then the RTO fires and tcp_enter_loss forgets every SACK. Returns that delay (0:
 * no reneging). */
function tcp_check_sack_reneging(h: Host, sk: TcpSock, f: AckFlags): number {
  if (!f.sackReneging || !f.sndUnaAdvanced) return 0;
  const ms = Math.max(Math.ceil((sk.srttUs >> 4) / 1000), 10);
  h.trace.step('tcp_check_sack_reneging', sk.id, `snd_una ${sk.sndUna} is SACKed data: the peer may have reneged; RTO in ${ms} ms`, { ms });
  return ms;
}

/** tcp_try_to_open: no loss to recover; the undo clock stops, an ECE starts a cwnd reduction
 * (CWR); outside CWR, Open or Disorder. */
function tcp_try_to_open(h: Host, sk: TcpSock, f: AckFlags): void {
  if (!tcp_any_retrans_done(sk)) sk.recovery.retransStampNs = undefined;
  if (f.ece) tcp_enter_cwr(h, sk);
  if (sk.caState !== 'CWR') tcp_try_keep_open(h, sk);
}

/** tcp_enter_cwr: the peer saw congestion (ECE), or our qdisc dropped a packet: reduce cwnd to
 * ssthresh with PRR, as in Recovery but with nothing to resend; congestion is proven, so no undo. */
export function tcp_enter_cwr(h: Host, sk: TcpSock, why = 'ECE: congestion on the path'): void {
  using _frame = frame(h, 'tcp_enter_cwr');
  sk.recovery.priorSsthresh = 0;
  if (sk.caState === 'Open' || sk.caState === 'Disorder') {
    sk.recovery.undoMarker = 0;
    tcp_init_cwnd_reduction(sk);
    setCaState(h, sk, 'CWR', `${why}; ssthresh ${sk.ssthresh}, PRR reduces cwnd ${sk.cwnd} toward it`);
  }
}

/** tcp_identify_packet_loss: NewReno's rule without SACK, RACK with it. */
function tcp_identify_packet_loss(h: Host, sk: TcpSock, f: AckFlags, armReo: (ms: number) => void): number {
  if (!sk.rtxQueue.length) return 0;
  // With SACK, RACK whatever net.ipv4.tcp_recovery's bit 0 says: the live kernel (6.18) no longer
  // reads it (a single SACKed segment above a hole still arms RACK's reordering timer with
  // tcp_recovery=0, checked live); 6.12 would count DUPACKs instead (tcp_mark_head_lost).
  if (sk.sackOk) return tcp_rack_mark_lost(h, sk, armReo);
  return tcp_newreno_mark_lost(h, sk, f.sndUnaAdvanced, (skb, mss) => tcp_fragment_rtx(h, sk, skb, mss, mss), tcp_mark_skb_lost);
}

/** tcp_cong_control without a cong_control hook: PRR during a reduction (tcp_cwnd_reduction),
 * otherwise the congestion avoidance of the module when data was acked in order. */
export function tcp_cong_control(h: Host, sk: TcpSock, f: AckFlags, newlyLost: number): void {
  if (tcp_in_cwnd_reduction(sk)) {
    const r = sk.recovery;
    if (f.delivered <= 0 || !r.priorCwnd) return;
    const inFlight = tcp_packets_in_flight(sk);
    const delta = sk.ssthresh - inFlight;
    r.prrDelivered += f.delivered;
    let sndcnt: number;
    if (delta < 0) {
      sndcnt = Math.floor((sk.ssthresh * r.prrDelivered + r.priorCwnd - 1) / r.priorCwnd) - r.prrOut;
    } else {
      sndcnt = Math.max(r.prrDelivered - r.prrOut, f.delivered);
      if (f.sndUnaAdvanced && !newlyLost) sndcnt++;
      sndcnt = Math.min(delta, sndcnt);
    }
    sndcnt = Math.max(sndcnt, r.prrOut ? 0 : 1);
    const before = sk.cwnd;
    sk.cwnd = inFlight + sndcnt;
    h.trace.step('tcp_cwnd_reduction', sk.id, `PRR: ${f.delivered} delivered, ${inFlight} in flight: cwnd ${before} → ${sk.cwnd}`, {
      before,
      after: sk.cwnd,
      delivered: f.delivered,
    });
  } else if (tcp_may_raise_cwnd(h, sk, f)) {
    tcp_cong_avoid(h, sk, f.delivered);
  }
}

/** tcp_may_raise_cwnd: cwnd grows on in-order delivery (RFC 5681); once reordering above the
 * tcp_reordering sysctl was seen, on any delivery, SACKed included (FLAG_FORWARD_PROGRESS). */
function tcp_may_raise_cwnd(h: Host, sk: TcpSock, f: AckFlags): boolean {
  if (sk.recovery.reordering > h.sysctl.tcp_reordering) return f.dataAcked || f.dataSacked;
  return f.dataAcked;
}

/** tcp_rack_reo_timeout: the reordering window passed; what is overdue now is lost. */
export function tcp_rack_reo_timeout(h: Host, sk: TcpSock): void {
  const prior = tcp_packets_in_flight(sk);
  const { lost } = tcp_rack_detect_loss(h, sk);
  if (tcp_packets_in_flight(sk) === prior) return;
  h.trace.step('tcp_rack_reo_timeout', sk.id, `RACK reordering timer: ${lost} segments now lost`, { lost });
  if (sk.caState !== 'Recovery') {
    tcp_enter_recovery(h, sk, false);
    tcp_cong_control(
      h,
      sk,
      {
        sndUnaAdvanced: false,
        dataAcked: false,
        dataSacked: false,
        origSackAcked: false,
        sackReneging: false,
        priorUna: sk.sndUna,
        notDup: true,
        delivered: 1,
        ece: false,
      },
      lost,
    );
  }
  tcp_xmit_retransmit_queue(h, sk);
}
