// ACK processing (net/ipv4/tcp_input.c tcp_ack): the peer's window, snd_una, the retransmit
// queue, RTT samples, congestion control and the pacing rate.

import { skb_zcopy_release } from './zerocopy';
import { sk_forward_alloc, tcp_fast_path_check } from './fastpath';
import { TCPHDR_FIN, TCPHDR_SYN, TCP_NAGLE_OFF } from './constants';
import { icsk_ca_ops, tcp_slow_start_after_idle_check } from './cong';
import type { Host } from './host';
import { frame } from './trace';
import { tcp_ecn_accept_cwr, tcp_ecn_rcv_ecn_echo } from './ecn';
import { __tcp_push_pending_frames } from './output';
import {
  AckFlags,
  rackAcked,
  tcp_trim_head,
  tcp_cong_control,
  tcp_fastretrans_alert,
  tcp_check_sack_reordering,
  tcp_highest_sack_seq,
  tcp_sacktag_write_queue,
  tcp_xmit_retransmit_queue,
  tcp_process_tlp_ack,
  tcp_rack_update_reo_wnd,
} from './recovery';
import { tcp_rate_skb_delivered } from './rate';
import { tcp_remove_reno_sacks } from './reno';
import { INBOUND_DELAY_US, tcp_ack_update_rtt, tcp_update_pacing_rate } from './rtt';
import { packetsOut, tcpWndEnd, tcp_current_mss, tcp_sync_mss } from './sock';
import {
  armReoTimer,
  inet_csk_clear_xmit_timer,
  tcp_rearm_rto,
  tcp_reo_timer_pending,
  tcp_reset_probe_timer,
  tcp_set_xmit_timer,
} from './timers';
import { TcpSock } from './types';
import { optTs, Segment } from './segment';
import { tcp_mstamp_refresh, tcp_ns_to_ts } from './transmit';
import { tcp_mtup_probe_success } from './mtuprobe';

/** tcp_clean_rtx_queue: drop what the ACK covers (trimming a partly acked TSO skb); returns the
 * segments newly acked (and newly delivered: not SACKed before) and takes the RTT sample, never
 * from a retransmitted skb (Karn): from the cumulatively acked skbs, else from those this ACK
 * SACKed (`sackt`: send times of the first and last never-retransmitted one), else from the
 * echoed timestamp (tcp_ack_update_rtt). */
export function tcp_clean_rtx_queue(
  h: Host,
  sk: TcpSock,
  ack: number,
  priorFack: number,
  sackt?: { first: number; last: number },
): {
  acked: number;
  delivered: number;
  /** rs->prior_delivered of what this ACK cumulatively delivered (tcp_rate_skb_delivered). */
  priorDelivered: number;
  dataAcked: boolean;
  origAcked: boolean;
  firstTx?: number;
  lastTx?: number;
  /** FLAG_SET_XMIT_TIMER without new data acked: a SACK's RTT sample older than the head's last send. */
  rearm: boolean;
  /** FLAG_SACK_RENEGING: the new head of the queue was SACKed, the peer acked up to it but not through it. */
  reneging: boolean;
} {
  const highSeq = sk.recovery.highSeq;
  // The lowest never-retransmitted, never-SACKed sequence this ACK covers.
  let reord = sk.sndNxt;
  let acked = 0;
  let delivered = 0;
  let priorDelivered = 0;
  let dataAcked = false;
  let origAcked = false;
  let retransAcked = false;
  let synAcked = false;
  let firstTx: number | undefined;
  let lastTx: number | undefined;
  while (sk.rtxQueue.length) {
    const skb = sk.rtxQueue[0];
    if (skb.seq >= ack) break;
    let n: number;
    if (skb.endSeq > ack) {
      if (skb.pcount <= 1) break;
      // tcp_tso_acked: trim the acked head of a TSO skb
      const before = skb.pcount;
      tcp_trim_head(skb, ack - skb.seq);
      n = before - skb.pcount;
      dataAcked = true;
    } else {
      sk.rtxQueue.shift();
      n = skb.pcount;
      if (!(skb.flags & TCPHDR_SYN)) dataAcked = true;
      else synAcked = true;
    }
    acked += n;
    if (!skb.sackedAcked) delivered += n;
    priorDelivered = tcp_rate_skb_delivered(skb, priorDelivered);
    if (skb.everRetrans) retransAcked = true;
    else if (!skb.sackedAcked) {
      reord = Math.min(reord, skb.seq);
      if (skb.endSeq <= highSeq) origAcked = true;
      if (firstTx === undefined) firstTx = skb.firstTxNs;
      lastTx = skb.sentNs ?? skb.firstTxNs;
    }
    // SACKed skbs advanced RACK when they were SACKed.
    if (!skb.sackedAcked) rackAcked(sk, skb, h.nowNs);
  }
  // The freed skbs let go of their MSG_ZEROCOPY ubufs (tcp_rtx_queue_unlink_and_free).
  skb_zcopy_release(h, sk);
  // Without SACK, a cumulative ACK that covers a retransmission cannot say the never-retransmitted
  // segments it also covers arrived as sent (no SACKed bits to tell): no FLAG_ORIG_SACK_ACKED, so
  // F-RTO does not call such an RTO spurious.
  if (!sk.sackOk && retransAcked) origAcked = false;
  // A hole of never-retransmitted data below SACKed data was filled: reordering.
  if (dataAcked && sk.sackOk && reord < priorFack) tcp_check_sack_reordering(h, sk, reord, false);
  const reneging = !!sk.rtxQueue[0]?.sackedAcked;
  let seqRtt = -1;
  let caRtt = -1;
  if (firstTx !== undefined && lastTx !== undefined && !retransAcked) {
    seqRtt = rttSampleUs(h, firstTx);
    caRtt = rttSampleUs(h, lastTx);
  }
  if (sackt) {
    if (seqRtt < 0) seqRtt = rttSampleUs(h, sackt.first);
    caRtt = rttSampleUs(h, sackt.last);
  }
  // RTTM: an echoed timestamp counts only on an ACK of new data or of our SYN (FLAG_ACKED;
  // tcp_rtt_tsopt_us, at least 1 ms): a resent SYN or SYN-ACK is timed only this way.
  if (seqRtt < 0 && sk.rcvTsecr && (dataAcked || synAcked)) seqRtt = caRtt = Math.max(1, tcp_ns_to_ts(h.nowNs) - sk.rcvTsecr) * 1000;
  if (seqRtt >= 0) {
    tcp_ack_update_rtt(h, sk, seqRtt, caRtt);
    icsk_ca_ops(sk).pkts_acked?.(h, sk, caRtt);
  }
  // The RTO is re-armed for a SACK's RTT sample only when it was measured from data sent before
  // the head was last (re)sent; otherwise the timeout could keep moving out during recovery.
  const head = sk.rtxQueue[0];
  const sackRtt = sackt ? Math.floor((h.nowNs - sackt.first) / 1000) : -1;
  const rearm = !dataAcked && !!head && sackRtt >= 0 && sackRtt > (h.nowNs - (head.sentNs ?? 0)) / 1000;
  return { acked, delivered, priorDelivered, dataAcked, origAcked, firstTx, lastTx, rearm, reneging };
}

/** tcp_clean_rtx_queue's sample: now minus a send time (tcp_stamp_us_delta), in microseconds. */
function rttSampleUs(h: Host, sentNs: number): number {
  return Math.floor((h.nowNs - sentNs) / 1000) + INBOUND_DELAY_US;
}

/** SACK blocks of an ACK, in the model's sequence numbers. */
function sackBlocks(seg: Segment): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const o of seg.options) if (o.kind === 'sack') out.push(...o.blocks);
  return out;
}

const NO_DSACK = { segs: 0, tlp: false };
const NOTHING_SACKED: ReturnType<typeof tcp_sacktag_write_queue> = { sacked: 0, orig: false, priorDelivered: 0 };

/** tcp_check_dsack and tcp_dsack_seen: the first SACK block is a D-SACK when it lies below the
 * ACK or inside the second block. It counts (segs > 0) unless dubious: longer than the largest
 * window, or more duplicates reported over the connection than were ever retransmitted. One that
 * ends where a loss probe did says the probe was not needed (tlp). A D-SACK of data already
 * acked before this ACK counts toward undo here; the rest is counted by the SACK tagging. */
function tcp_check_dsack(
  h: Host,
  sk: TcpSock,
  blocks: Array<[number, number]>,
  ack: number,
  priorUna: number,
): { segs: number; tlp: boolean } {
  const [start, end] = blocks[0];
  if (!(start < ack || (blocks.length > 1 && end <= blocks[1][1] && start >= blocks[1][0]))) return NO_DSACK;
  if (start >= end || end - start > sk.maxWindow) return NO_DSACK;
  const mss = sk.mssCache;
  const segs = end - start > mss ? Math.ceil((end - start) / mss) : 1;
  const tlp = end - start <= mss && sk.tlpHighSeq === end;
  const r = sk.recovery;
  r.dsackDups += segs;
  if (r.dsackDups > r.totalRetrans) {
    h.trace.step('tcp_check_dsack', sk.id, `D-SACK ${start}:${end} ignored: more duplicates reported than were retransmitted`);
    return NO_DSACK;
  }
  // RACK grows its reordering window for a D-SACK only after reordering was seen, and not for a
  // loss probe's (timer-driven, not RACK's doing): tcp_rack_update_reo_wnd reads it.
  if (r.reordSeen && !tlp) r.rack.dsackSeen = true;
  if (r.undoMarker && r.undoRetrans > 0 && end <= priorUna && end > r.undoMarker) r.undoRetrans = Math.max(0, r.undoRetrans - segs);
  h.trace.step('tcp_check_dsack', sk.id, `D-SACK ${start}:${end}: the peer got ${segs} segment(s) twice`, { segs });
  return { segs, tlp };
}

/** tcp_replace_ts_recent (tcp_ack with FLAG_UPDATE_TS_RECENT, which the slow path passes): only
 * a timestamp that passes PAWS with no slack moves ts_recent, and only from a segment starting at
 * or before rcv_wup (the edge our last ACK announced), so a delayed ACK covering several segments
 * echoes the first one's TSval (RFC 7323 4.3). tcp_ack calls it after refusing an ACK that is too
 * old or acks unsent data, so such a segment never moves ts_recent. */
function tcp_replace_ts_recent(sk: TcpSock, seg: Segment): void {
  const ts = optTs(seg.options);
  if (ts && sk.tstampOk && seg.seq <= sk.rcvWup && ((sk.tsRecent - ts.val) | 0) <= 0) sk.tsRecent = ts.val;
}

/** tcp_ack's answer: `too-old` and `unsent` are its negative returns (the segment is dropped;
 * tcp_rcv_established sends a challenge ACK for the first, tcp_rcv_state_process for both). */
export type AckResult = 'ok' | 'old' | 'too-old' | 'unsent';

/** tcp_ack: window update, SACK scoreboard, snd_una, RTT, loss recovery, congestion control,
 * pacing rate, timers, and the retransmissions recovery asks for (tcp_xmit_recovery). */
export function tcp_ack(h: Host, sk: TcpSock, seg: Segment, updateTsRecent = true): AckResult {
  using _frame = frame(h, 'tcp_ack');
  tcp_mstamp_refresh(sk); // tcp_rcv_established's reading, before the ACK's retransmissions
  const ack = seg.ack;
  if (ack < sk.sndUna) {
    // RFC 5961 5.2: an ACK older than the larger of what was ever acked and the largest window
    // (tp->bytes_acked: here all acked bytes after the SYN) is refused; the caller answers it.
    const maxWindow = Math.min(sk.maxWindow, sk.sndUna - sk.iss - 1);
    if (ack < sk.sndUna - maxWindow) {
      h.trace.step('tcp_ack', sk.id, `ACK ${ack} older than snd_una ${sk.sndUna} - max_window ${maxWindow}: dropped (TCP_TOO_OLD_ACK)`);
      return 'too-old';
    }
    // old_ack: an old ACK can carry new data, so TS.Recent is updated before SACK processing.
    if (updateTsRecent) tcp_replace_ts_recent(sk, seg);
    tcp_old_ack(h, sk, seg);
    return 'old';
  }
  if (ack > sk.sndNxt) {
    // RFC 793 3.9: the whole segment is discarded (its data too), and its TSval is not taken:
    // ts_recent moves only once the ACK is known to be in window.
    h.trace.step('tcp_ack', sk.id, `ACK ${ack} for data not sent yet (snd_nxt ${sk.sndNxt}): segment dropped (TCP_ACK_UNSENT_DATA)`);
    return 'unsent';
  }
  if (updateTsRecent) tcp_replace_ts_recent(sk, seg);
  const priorPackets = packetsOut(sk);
  const priorUna = sk.sndUna;
  const blocks = sackBlocks(seg);
  // tcp_parse_options reads a SACK option only where SACK was agreed: otherwise it is ignored.
  if (blocks.length && !sk.sackOk) h.trace.step('tcp_ack', sk.id, 'SACK blocks on a connection without SACK: ignored (tcp_parse_options)');
  const ts = optTs(seg.options);
  sk.rcvTsecr = ts && sk.tstampOk ? ts.ecr : 0;
  const winUpdate = tcp_ack_update_window(h, sk, seg);
  // An acceptable ACK: whatever keepalive probes were out are answered, and idle time (the
  // keepalive timer's keepalive_time_elapsed) counts from now.
  sk.probesOut = 0;
  sk.rcvTstamp = h.jiffies();
  // prior_fack: the highest SACKed sequence before this ACK's blocks are tagged.
  const priorFack = sk.sackOk ? tcp_highest_sack_seq(sk) : sk.sndUna;
  const dsack = sk.sackOk && blocks.length ? tcp_check_dsack(h, sk, blocks, ack, priorUna) : NO_DSACK;
  const sack = sk.sackOk && blocks.length ? tcp_sacktag_write_queue(h, sk, blocks, dsack.segs > 0, ack) : NOTHING_SACKED;
  sk.sndUna = ack;
  // tcp_clean_rtx_queue: urgent mode ends once snd_una reaches snd_up.
  if (sk.urgUp !== undefined && sk.urgUp > priorUna && sk.urgUp <= ack) sk.urgUp = undefined;
  const res = tcp_clean_rtx_queue(h, sk, ack, priorFack, sack.sackt);
  // tcp_clean_rtx_queue (FLAG_ACKED): the MTU probe is acked once snd_una passes its end.
  if (ack > priorUna && sk.mtup.probeSize && sk.mtup.probeSeqEnd <= sk.sndUna) tcp_mtup_probe_success(h, sk);
  sk_forward_alloc(sk); // tcp_wmem_free_skb's sk_mem_uncharge and reclaim
  // Without SACK, tcp_remove_reno_sacks: segments already counted by duplicate ACKs are not
  // delivered again. A spurious retransmission that was D-SACKed was delivered too (tcp_dsack_seen).
  const delivered = sk.sackOk ? res.delivered + sack.sacked + dsack.segs : tcp_remove_reno_sacks(sk, res.acked);
  sk.delivered += delivered;
  tcp_rack_update_reo_wnd(h, sk, Math.max(sack.priorDelivered, res.priorDelivered));
  // FLAG_NOT_DUP: FLAG_DATA, FLAG_WIN_UPDATE or FLAG_ACKED.
  const notDup = seg.len > 0 || winUpdate || ack > priorUna;
  // FLAG_DSACKING_ACK: an ACK that reports a duplicate is not a duplicate ACK itself.
  const dupack = !notDup && !dsack.segs && priorPackets > 0 && !(seg.flags & TCPHDR_FIN);
  const flags: AckFlags = {
    sndUnaAdvanced: ack > priorUna,
    dataAcked: res.dataAcked,
    dataSacked: sack.sacked > 0,
    origSackAcked: res.origAcked || sack.orig,
    sackReneging: res.reneging,
    priorUna,
    notDup,
    delivered,
    ece: tcp_ecn_rcv_ecn_echo(sk, seg),
  };
  // Also on a pure ACK (a deviation from RFC 3168 the kernel makes for robustness).
  tcp_ecn_accept_cwr(h, sk, seg);
  // Something got through: forget an ICMP soft error.
  sk.errSoft = undefined;
  if (ack > priorUna) {
    sk.recovery.retransmits = 0;
    // The kernel clears retrans_stamp on the next dubious ACK in Open (tcp_fastretrans_alert).
    if (sk.caState === 'Open' && !sk.rtxQueue.some((skb) => skb.everRetrans)) sk.recovery.retransStampNs = undefined;
  }
  tcp_process_tlp_ack(h, sk, ack, flags, dsack.tlp);
  let setXmitTimer = ack > priorUna || res.rearm;
  let recovery: { rexmit: 'none' | 'new' | 'lost'; lost: number; renegingMs?: number } = { rexmit: 'none', lost: 0 };
  // tcp_ack_is_dubious: FLAG_CA_ALERT is FLAG_DATA_SACKED, FLAG_ECE or FLAG_DSACKING_ACK.
  if (dupack || flags.dataSacked || flags.ece || dsack.segs || sk.caState !== 'Open') {
    recovery = tcp_fastretrans_alert(h, sk, flags, dupack, (ms) => {
      armReoTimer(h, sk, ms);
      setXmitTimer = false;
    });
    if (recovery.renegingMs) {
      tcp_rearm_rto(h, sk, recovery.renegingMs);
      setXmitTimer = false;
    }
  }
  if (setXmitTimer) {
    inet_csk_clear_xmit_timer(sk, 'retrans');
    tcp_set_xmit_timer(h, sk);
  }
  h.trace.step('tcp_ack', sk.id, `snd_una ${priorUna} → ${ack}: ${res.acked} segments acked, ${packetsOut(sk)} still in flight`, {
    acked: res.acked,
    inFlight: packetsOut(sk),
    sndWnd: sk.sndWnd,
  });
  if (priorPackets) {
    tcp_cong_control(h, sk, flags, recovery.lost);
    tcp_update_pacing_rate(h, sk);
  } else if (sk.writeQueue.length) {
    tcp_ack_probe(h, sk);
  }
  tcp_xmit_recovery(h, sk, recovery.rexmit);
  return 'ok';
}

/** tcp_ack's old_ack path: an ACK below snd_una (reordered) still carries SACK news. Its blocks are
 * tagged and recovery may resend (tcp_fastretrans_alert, tcp_xmit_recovery), but cwnd is left
 * alone: no tcp_cong_control. */
function tcp_old_ack(h: Host, sk: TcpSock, seg: Segment): void {
  const blocks = sackBlocks(seg);
  if (!blocks.length || !sk.sackOk) {
    h.trace.step('tcp_ack', sk.id, `old ACK ${seg.ack} < snd_una ${sk.sndUna}: ignored`);
    return;
  }
  const ts = optTs(seg.options);
  sk.rcvTsecr = ts && sk.tstampOk ? ts.ecr : 0;
  const dsack = tcp_check_dsack(h, sk, blocks, seg.ack, sk.sndUna);
  const sack = tcp_sacktag_write_queue(h, sk, blocks, dsack.segs > 0, sk.sndUna);
  sk.delivered += sack.sacked + dsack.segs;
  h.trace.step('tcp_ack', sk.id, `old ACK ${seg.ack} < snd_una ${sk.sndUna}: only its SACK blocks count`);
  const flags: AckFlags = {
    sndUnaAdvanced: false,
    dataAcked: false,
    dataSacked: sack.sacked > 0,
    origSackAcked: sack.orig,
    sackReneging: false,
    priorUna: sk.sndUna,
    notDup: false,
    delivered: sack.sacked + dsack.segs,
    ece: false,
  };
  const recovery = tcp_fastretrans_alert(h, sk, flags, false, (ms) => armReoTimer(h, sk, ms));
  tcp_xmit_recovery(h, sk, recovery.rexmit);
}

/** tcp_xmit_recovery: F-RTO's new data, or the lost skbs; resending the head re-arms the RTO. */
function tcp_xmit_recovery(h: Host, sk: TcpSock, rexmit: 'none' | 'new' | 'lost'): void {
  if (rexmit === 'none') return;
  if (rexmit === 'new') {
    __tcp_push_pending_frames(h, sk, tcp_current_mss(h, sk), TCP_NAGLE_OFF);
    if (sk.sndNxt > sk.recovery.highSeq) return;
    sk.recovery.frto = false;
  }
  // Resending the head restarts the RTO, unless RACK's reordering timer is the one pending: it
  // will mark the rest lost first (tcp_xmit_retransmit_queue).
  if (tcp_xmit_retransmit_queue(h, sk) && !tcp_reo_timer_pending(sk)) tcp_rearm_rto(h, sk);
}

/** tcp_ack_update_window: take the peer's (scaled) window if this segment is newer. Returns
 * FLAG_WIN_UPDATE, set whenever tcp_may_update_window passes, even with the window unchanged
 * (a pure ACK whose sequence moved past snd_wl1): such an ACK is not a duplicate ACK. */
function tcp_ack_update_window(h: Host, sk: TcpSock, seg: Segment): boolean {
  const nwin = seg.win * 2 ** sk.sndWscale;
  const may = seg.ack > sk.sndUna || seg.seq > sk.sndWl1 || (seg.seq === sk.sndWl1 && (nwin > sk.sndWnd || !nwin));
  if (!may) return false;
  sk.sndWl1 = seg.seq;
  if (sk.sndWnd !== nwin) {
    h.trace.step('tcp_ack_update_window', sk.id, `peer window ${sk.sndWnd} → ${nwin} bytes (${seg.win} << ${sk.sndWscale})`, {
      before: sk.sndWnd,
      after: nwin,
    });
    sk.sndWnd = nwin;
    // The only place header prediction learns the peer's new window.
    sk.predWnd = undefined;
    tcp_fast_path_check(sk);
    if (sk.writeQueue.length) tcp_slow_start_after_idle_check(h, sk, packetsOut(sk));
    if (nwin > sk.maxWindow) {
      sk.maxWindow = nwin;
      tcp_sync_mss(h, sk);
    }
  }
  return true;
}

/** tcp_ack_probe (no_queue: nothing was in flight): a window that now holds the whole head skb
 * stops the zero-window probes and clears the backoff; otherwise the probe timer is re-armed
 * from now with the current backoff (tcp_probe0_when), so each ACK of a probe pushes the next
 * probe out by a full interval. */
function tcp_ack_probe(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_ack_probe');
  const head = sk.writeQueue[0];
  if (head.endSeq <= tcpWndEnd(sk)) {
    sk.backoff = 0;
    sk.probesTstamp = 0;
    if (sk.probeTimerNs !== undefined) {
      inet_csk_clear_xmit_timer(sk, 'probe0');
      h.trace.step('tcp_ack_probe', sk.id, 'window reopened: zero-window probe timer cleared');
    }
    return;
  }
  h.trace.step('tcp_ack_probe', sk.id, `window ends at ${tcpWndEnd(sk)}, before the head skb's end ${head.endSeq}: probe timer re-armed`);
  tcp_reset_probe_timer(h, sk);
}
