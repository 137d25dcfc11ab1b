// Undoing a cwnd reduction that was not needed (net/ipv4/tcp_input.c "Undo procedures"): the
// peer shows the data was not lost after all, by D-SACKing every retransmission (each one
// arrived twice) or by echoing a timestamp older than the first retransmission (the original
// got through: Eifel, RFC 3522). Then cwnd and ssthresh go back to where they were.
import type { Host } from './host';
import { scoreboard } from './sock';
import { tcp_ns_to_ts } from './transmit';
import type { TcpSock } from './types';
import { setCaState, tcp_any_retrans_done, tcp_check_sack_reordering, tcp_try_keep_open, TCP_RACK_RECOVERY_THRESH } from './recovery';
import { tcp_ecn_withdraw_cwr } from './ecn';

/** tcp_init_undo: remember where the episode began; retransmissions still in flight (and a loss
 * probe's) may be D-SACKed later. undo_retrans 0 means "may undo now", so none is -1. */
export function tcp_init_undo(sk: TcpSock): void {
  const r = sk.recovery;
  r.undoMarker = sk.sndUna || 1;
  r.undoRetrans = scoreboard(sk).retrans + (sk.tlpHighSeq !== undefined && sk.tlpRetrans ? 1 : 0);
  if (!r.undoRetrans) r.undoRetrans = -1;
}

/** tcp_retransmit_skb's undo count: each retransmitted segment must be D-SACKed to undo. */
export function tcp_count_undo_retrans(sk: TcpSock, pcount: number): void {
  const r = sk.recovery;
  if (r.undoRetrans < 0) r.undoRetrans = 0;
  r.undoRetrans += pcount;
}

/** tcp_undo_cwnd_reduction: the loss was not real: cwnd back (tcp_reno_undo_cwnd, which CUBIC
 * uses too) and ssthresh back when it was lowered. */
export function tcp_undo_cwnd_reduction(h: Host, sk: TcpSock, unmarkLoss: boolean): void {
  const r = sk.recovery;
  if (unmarkLoss) for (const skb of sk.rtxQueue) skb.lost = false;
  if (r.priorSsthresh) {
    sk.cwnd = Math.max(sk.cwnd, r.priorCwnd);
    if (r.priorSsthresh > sk.ssthresh) {
      sk.ssthresh = r.priorSsthresh;
      tcp_ecn_withdraw_cwr(sk);
    }
  }
  sk.sndCwndStamp = h.jiffies();
  r.undoMarker = 0;
  r.rack.advanced = true;
}

/** tcp_tsopt_ecr_before: the segment echoes a timestamp from before `ns`. */
function tcp_tsopt_ecr_before(sk: TcpSock, ns: number): boolean {
  return !!sk.rcvTsecr && sk.rcvTsecr < tcp_ns_to_ts(ns);
}

/** tcp_packet_delayed: the echoed timestamp is older than the first retransmission, or nothing
 * was retransmitted (except a SACK-less connection held at high_seq, and SYN_SENT). */
function tcp_packet_delayed(sk: TcpSock): boolean {
  const stamp = sk.recovery.retransStampNs;
  if (stamp !== undefined) return tcp_tsopt_ecr_before(sk, stamp);
  if (!sk.sackOk && sk.sndUna >= sk.recovery.highSeq) return false;
  return sk.state !== 'SYN_SENT';
}

function tcp_may_undo(sk: TcpSock): boolean {
  const r = sk.recovery;
  return !!r.undoMarker && (!r.undoRetrans || tcp_packet_delayed(sk));
}

/** tcp_is_non_sack_preventing_reopen: without SACK, hold the state until an ACK above high_seq
 * (RFC 2582), or a stale duplicate could start a false fast retransmit. */
export function tcp_is_non_sack_preventing_reopen(sk: TcpSock): boolean {
  if (sk.sackOk || sk.sndUna !== sk.recovery.highSeq) return false;
  if (!tcp_any_retrans_done(sk)) sk.recovery.retransStampNs = undefined;
  return true;
}

/** tcp_try_undo_recovery: high_seq is acked; undo if nothing needed retransmitting after all.
 * True when the state is held (no SACK, at high_seq). */
export function tcp_try_undo_recovery(h: Host, sk: TcpSock): boolean {
  if (tcp_may_undo(sk)) {
    const why = sk.recovery.undoRetrans
      ? 'the peer echoes a timestamp from before the retransmission'
      : 'every retransmission was D-SACKed';
    h.trace.step(
      'tcp_try_undo_recovery',
      sk.id,
      `${why}: the loss was not real, cwnd ${sk.cwnd} → ${Math.max(sk.cwnd, sk.recovery.priorCwnd)} (undo)`,
    );
    tcp_undo_cwnd_reduction(h, sk, false);
  } else if (sk.recovery.rack.reoWndPersist) {
    // A recovery that was needed: one fewer to keep RACK's grown reordering window for.
    sk.recovery.rack.reoWndPersist--;
  }
  if (tcp_is_non_sack_preventing_reopen(sk)) {
    h.trace.step('tcp_try_undo_recovery', sk.id, `no SACK: stay in ${sk.caState} until an ACK above high_seq ${sk.recovery.highSeq}`);
    return true;
  }
  setCaState(h, sk, 'Open', `recovery done (snd_una ${sk.sndUna} ≥ high_seq ${sk.recovery.highSeq})`);
  return false;
}

/** tcp_try_undo_dsack: D-SACKs have covered every retransmission: undo. */
export function tcp_try_undo_dsack(h: Host, sk: TcpSock): boolean {
  const r = sk.recovery;
  if (!r.undoMarker || r.undoRetrans) return false;
  // A spurious recovery: keep RACK's reordering window (tcp_rack_update_reo_wnd) one more.
  r.rack.reoWndPersist = Math.min(TCP_RACK_RECOVERY_THRESH, r.rack.reoWndPersist + 1);
  h.trace.step(
    'tcp_try_undo_dsack',
    sk.id,
    `every retransmission was D-SACKed: cwnd ${sk.cwnd} → ${Math.max(sk.cwnd, r.priorCwnd)} (undo)`,
  );
  tcp_undo_cwnd_reduction(h, sk, false);
  return true;
}

/** tcp_try_undo_partial: a partial ACK in Recovery echoing a timestamp from before the
 * retransmission: the hole was filled by the delayed original. With retransmissions still out,
 * recovery only stops retransmitting (true); with none, undo and leave. */
export function tcp_try_undo_partial(h: Host, sk: TcpSock, priorUna: number): boolean {
  const r = sk.recovery;
  if (!r.undoMarker || !tcp_packet_delayed(sk)) return false;
  tcp_check_sack_reordering(h, sk, priorUna, true);
  if (scoreboard(sk).retrans) {
    h.trace.step('tcp_try_undo_partial', sk.id, 'the hole was filled by a delayed original: no more retransmissions this ACK');
    return true;
  }
  if (!tcp_any_retrans_done(sk)) r.retransStampNs = undefined;
  h.trace.step(
    'tcp_try_undo_partial',
    sk.id,
    `the hole was filled by a delayed original: cwnd ${sk.cwnd} → ${Math.max(sk.cwnd, r.priorCwnd)} (undo)`,
  );
  tcp_undo_cwnd_reduction(h, sk, true);
  tcp_try_keep_open(h, sk);
  return false;
}

/** tcp_try_undo_loss: in Loss, an ACK after an RTO that was spurious (F-RTO said so, or
 * tcp_may_undo): undo and, with SACK or F-RTO, back to Open. */
export function tcp_try_undo_loss(h: Host, sk: TcpSock, frtoUndo: boolean): boolean {
  if (!frtoUndo && !tcp_may_undo(sk)) return false;
  tcp_undo_cwnd_reduction(h, sk, true);
  sk.recovery.retransmits = 0;
  const why = frtoUndo ? 'F-RTO: never-retransmitted data was acked' : 'the ACK shows the data was not lost';
  h.trace.step('tcp_try_undo_loss', sk.id, `${why}: the timeout was spurious, cwnd back to ${sk.cwnd} (undo)`);
  if (tcp_is_non_sack_preventing_reopen(sk)) return true;
  if (frtoUndo || sk.sackOk) setCaState(h, sk, 'Open', 'spurious timeout undone');
  return true;
}
