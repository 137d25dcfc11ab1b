// Loss detection without SACK (net/ipv4/tcp_input.c, "NewReno"): duplicate ACKs stand in for
// SACKed segments (tp->sacked_out counts them), the third one marks the head lost, and in
// Recovery every ACK that advances snd_una marks the new head lost (a partial ACK).

import type { Host } from './host';
import { packetsOut, scoreboard } from './sock';
import type { Skb, TcpSock } from './types';

/** tcp_add_reno_sack: a duplicate ACK counts as one more segment delivered out of order; returns
 * the segments newly counted (for PRR's delivered count). */
export function tcp_add_reno_sack(h: Host, sk: TcpSock, numDupack: number): number {
  if (!numDupack) return 0;
  const r = sk.recovery;
  const prior = r.renoSacked;
  r.renoSacked += numDupack;
  tcp_check_reno_reordering(h, sk, 0);
  const delivered = Math.max(0, r.renoSacked - prior);
  sk.delivered += delivered;
  h.trace.step('tcp_add_reno_sack', sk.id, `duplicate ACK without SACK: sacked_out ${prior} → ${r.renoSacked}`, {
    sackedOut: r.renoSacked,
  });
  return delivered;
}

/** tcp_remove_reno_sacks: a cumulative ACK of `acked` segments: one filled the hole, the rest had
 * been counted by duplicate ACKs. Returns the segments newly delivered. */
export function tcp_remove_reno_sacks(sk: TcpSock, acked: number): number {
  const r = sk.recovery;
  if (acked <= 0) return 0;
  const delivered = Math.max(acked - r.renoSacked, 1);
  r.renoSacked = acked - 1 >= r.renoSacked ? 0 : r.renoSacked - (acked - 1);
  return delivered;
}

/** tcp_reset_reno_sack */
export function tcp_reset_reno_sack(sk: TcpSock): void {
  sk.recovery.renoSacked = 0;
}

/** tcp_check_reno_reordering via tcp_limit_reno_sacked: more duplicate ACKs than segments out
 * (minus the holes) means reordering, not loss: cap sacked_out and raise tp->reordering. */
function tcp_check_reno_reordering(h: Host, sk: TcpSock, addend: number): void {
  const r = sk.recovery;
  const out = packetsOut(sk);
  const holes = Math.min(Math.max(scoreboard(sk).lost, 1), out);
  if (r.renoSacked + holes <= out) return;
  r.renoSacked = out - holes;
  r.reordering = Math.min(out + addend, h.sysctl.tcp_max_reordering);
  r.reordSeen++;
  h.trace.step('tcp_check_reno_reordering', sk.id, `more duplicate ACKs than segments out: reordering ${r.reordering}`);
}

/** tcp_newreno_mark_lost: outside Recovery, `reordering` duplicate ACKs; in Recovery, an ACK that
 * advanced snd_una: the head of the retransmit queue is lost (cut to one segment first). */
export function tcp_newreno_mark_lost(
  h: Host,
  sk: TcpSock,
  sndUnaAdvanced: boolean,
  fragment: (skb: Skb, mss: number) => void,
  markLost: (skb: Skb) => void,
): number {
  const r = sk.recovery;
  const inRecovery = sk.caState === 'Recovery' || sk.caState === 'Loss';
  const due = (!inRecovery && r.renoSacked >= r.reordering) || (sk.caState === 'Recovery' && sndUnaAdvanced);
  const head = sk.rtxQueue[0];
  if (!due || !head || head.lost) return 0;
  const mss = sk.mssCache;
  if (head.pcount > 1 && head.endSeq - head.seq > mss) fragment(head, mss);
  markLost(head);
  h.trace.step(
    'tcp_newreno_mark_lost',
    sk.id,
    inRecovery
      ? `partial ACK in Recovery: the new head ${head.seq}:${head.endSeq} is lost`
      : `${r.renoSacked} duplicate ACKs: the head ${head.seq}:${head.endSeq} is lost`,
  );
  return head.pcount;
}
