// Classic ECN (RFC 3168) as Linux does it (net/ipv4/tcp_input.c, tcp_output.c, tcp_minisocks.c):
// negotiation on the SYN and SYN-ACK, ECT(0) on new data, the receiver echoing a CE mark with
// ECE until the sender's CWR, and what an ECE means to the sender (FLAG_ECE; the CWR state itself
// is recovery.ts's tcp_enter_cwr). The congestion controls modelled (Reno, CUBIC) do not need ECN
// (tcp_ca_needs_ecn is false), and there are no per-route ECN features.

import { TCPHDR_CWR, TCPHDR_ECE, TCPHDR_FIN, TCPHDR_SYN } from './constants';
import type { Host } from './host';
import { tcp_enter_quickack_mode } from './receive';
import type { Segment } from './segment';
import type { Skb, TcpSock } from './types';

/** tp->ecn_flags (include/net/tcp.h). */
export const TCP_ECN_OK = 1;
export const TCP_ECN_QUEUE_CWR = 2;
export const TCP_ECN_DEMAND_CWR = 4;
export const TCP_ECN_SEEN = 8;

/** The IP header's ECN field (include/net/inet_ecn.h). */
export const INET_ECN_NOT_ECT = 0;
export const INET_ECN_ECT_1 = 1;
export const INET_ECN_ECT_0 = 2;
export const INET_ECN_CE = 3;
export const INET_ECN_MASK = 3;

const ECN_NAMES = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'];

/** net.ipv4.tcp_ecn takes 0..2 in 6.12 (and in the 6.18 we check against); larger values are
 * refused with EINVAL there, or mean AccECN in later kernels. */
function checkEcnSysctl(h: Host): void {
  const v = h.sysctl.tcp_ecn;
  if (v < 0 || v > 2) h.flagUnsupported(`net.ipv4.tcp_ecn = ${v} (6.12 accepts only 0, 1 and 2)`);
}

/** tcp_ecn_send_syn: with net.ipv4.tcp_ecn = 1 an active open asks for ECN (ECE|CWR on the SYN);
 * 2 (the default) only answers a peer that asks. */
export function tcp_ecn_send_syn(h: Host, sk: TcpSock, syn: Skb): void {
  sk.ecnFlags = 0;
  checkEcnSysctl(h);
  if (h.sysctl.tcp_ecn !== 1) return;
  syn.flags |= TCPHDR_ECE | TCPHDR_CWR;
  sk.ecnFlags = TCP_ECN_OK;
  h.trace.step('tcp_ecn_send_syn', sk.id, 'net.ipv4.tcp_ecn = 1: the SYN asks for ECN (ECE|CWR)');
}

/** tcp_ecn_clear_syn (from __tcp_retransmit_skb): RFC 3168 6.1.1.1's fallback, a resent SYN
 * drops ECE|CWR for good (the skb's flags), in case a middlebox drops ECN SYNs. ecn_flags stay:
 * the SYN-ACK decides. */
export function tcp_ecn_clear_syn(h: Host, sk: TcpSock, skb: Skb): void {
  const SYN_ECN = TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR;
  if ((skb.flags & SYN_ECN) !== SYN_ECN || !h.sysctl.tcp_ecn_fallback) return;
  skb.flags &= ~(TCPHDR_ECE | TCPHDR_CWR);
  h.trace.step('tcp_ecn_clear_syn', sk.id, 'resent SYN without ECE|CWR (net.ipv4.tcp_ecn_fallback)');
}

/** tcp_ecn_rcv_synack: ECN holds only if the SYN-ACK has ECE and not CWR. */
export function tcp_ecn_rcv_synack(h: Host, sk: TcpSock, seg: Segment): void {
  if (!(sk.ecnFlags & TCP_ECN_OK)) return;
  if (seg.flags & TCPHDR_ECE && !(seg.flags & TCPHDR_CWR)) {
    h.trace.step('tcp_ecn_rcv_synack', sk.id, 'SYN-ACK with ECE: ECN in use');
    return;
  }
  sk.ecnFlags &= ~TCP_ECN_OK;
  h.trace.step('tcp_ecn_rcv_synack', sk.id, 'SYN-ACK without ECE (or with CWR): no ECN');
}

/** tcp_ecn_create_request, then tcp_ecn_openreq_child: a SYN with ECE and CWR, not itself
 * ECT-marked (RFC 3168 6.1.1: a SYN must not be), is granted ECN when net.ipv4.tcp_ecn is not 0.
 * The request's ecn_ok puts ECE on the SYN-ACK (tcp_ecn_make_synack) and becomes the child's
 * TCP_ECN_OK. */
export function tcp_ecn_create_request(h: Host, sk: TcpSock, seg: Segment): void {
  sk.ecnFlags = 0;
  checkEcnSysctl(h);
  if ((seg.flags & (TCPHDR_ECE | TCPHDR_CWR)) !== (TCPHDR_ECE | TCPHDR_CWR)) return;
  const ect = (seg.tos & INET_ECN_MASK) !== INET_ECN_NOT_ECT;
  if (ect || !h.sysctl.tcp_ecn) {
    h.trace.step(
      'tcp_ecn_create_request',
      sk.id,
      ect ? `the SYN asks for ECN but is itself ${ECN_NAMES[seg.tos & INET_ECN_MASK]}: refused` : 'net.ipv4.tcp_ecn = 0: ECN refused',
    );
    return;
  }
  sk.ecnFlags = TCP_ECN_OK;
  h.trace.step('tcp_ecn_create_request', sk.id, 'the SYN asks for ECN: granted, ECE on the SYN-ACK');
}

/** tcp_ecn_make_synack: ECE on the SYN-ACK of a request granted ECN. */
export function tcp_ecn_make_synack(sk: TcpSock, flags: number): number {
  return sk.ecnFlags & TCP_ECN_OK ? flags | TCPHDR_ECE : flags;
}

/** tcp_ecn_send, for every non-SYN segment of an ECN connection: new data is ECT(0) and carries
 * CWR once after a cwnd reduction (TCP_ECN_QUEUE_CWR); ACKs and retransmissions are Not-ECT
 * (INET_ECN_dontxmit); every segment carries ECE while the peer owes us a CWR. Returns the header
 * flags and the IP ECN field. */
export function tcp_ecn_send(h: Host, sk: TcpSock, skb: Skb, len: number, flags: number): { flags: number; tos: number } {
  if (!(sk.ecnFlags & TCP_ECN_OK)) return { flags, tos: INET_ECN_NOT_ECT };
  let tos = INET_ECN_NOT_ECT;
  if (len > 0 && skb.seq >= sk.sndNxt) {
    tos = INET_ECN_ECT_0;
    if (sk.ecnFlags & TCP_ECN_QUEUE_CWR) {
      sk.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
      flags |= TCPHDR_CWR;
      h.trace.step('tcp_ecn_send', sk.id, `CWR on new data ${skb.seq}: tells the peer our cwnd was reduced`);
    }
  }
  if (sk.ecnFlags & TCP_ECN_DEMAND_CWR) flags |= TCPHDR_ECE;
  return { flags, tos };
}

/** tcp_ecn_queue_cwr: a cwnd reduction (CWR, Recovery, Loss) is to be signalled with CWR. */
export function tcp_ecn_queue_cwr(sk: TcpSock): void {
  if (sk.ecnFlags & TCP_ECN_OK) sk.ecnFlags |= TCP_ECN_QUEUE_CWR;
}

/** tcp_ecn_withdraw_cwr: an undone reduction is not signalled. */
export function tcp_ecn_withdraw_cwr(sk: TcpSock): void {
  sk.ecnFlags &= ~TCP_ECN_QUEUE_CWR;
}

/** tcp_ecn_check_ce (from tcp_event_data_recv and tcp_data_queue_ofo): a CE mark makes us echo
 * ECE until the sender's CWR, with quick ACKs (the sender may have a tiny cwnd); Not-ECT data
 * after ECT data is probably a retransmission, also ACKed quickly. */
export function tcp_ecn_check_ce(h: Host, sk: TcpSock, seg: Segment): void {
  if (!(sk.ecnFlags & TCP_ECN_OK)) return;
  switch (seg.tos & INET_ECN_MASK) {
    case INET_ECN_NOT_ECT:
      if (sk.ecnFlags & TCP_ECN_SEEN) {
        h.trace.step('tcp_ecn_check_ce', sk.id, 'Not-ECT data after ECT data (a retransmission?): quick ACKs');
        tcp_enter_quickack_mode(sk, 2);
      }
      break;
    case INET_ECN_CE:
      if (!(sk.ecnFlags & TCP_ECN_DEMAND_CWR)) {
        h.trace.step('tcp_ecn_check_ce', sk.id, 'CE-marked data: echo ECE until CWR, quick ACKs');
        tcp_enter_quickack_mode(sk, 2);
        sk.ecnFlags |= TCP_ECN_DEMAND_CWR;
      }
      sk.ecnFlags |= TCP_ECN_SEEN;
      break;
    default:
      sk.ecnFlags |= TCP_ECN_SEEN;
  }
}

/** tcp_ecn_accept_cwr (from tcp_ack, also on pure ACKs): CWR stops our ECE; CWR on data is
 * ACKed at once, since the sender's cwnd may be very small. */
export function tcp_ecn_accept_cwr(h: Host, sk: TcpSock, seg: Segment): void {
  if (!(seg.flags & TCPHDR_CWR)) return;
  sk.ecnFlags &= ~TCP_ECN_DEMAND_CWR;
  // seq != end_seq: data or a FIN
  const occupies = seg.len > 0 || (seg.flags & TCPHDR_FIN) !== 0;
  if (occupies) sk.ackNow = true;
  h.trace.step('tcp_ecn_accept_cwr', sk.id, `CWR received: stop echoing ECE${occupies ? '; ACK this segment at once' : ''}`);
}

/** tcp_ecn_rcv_ecn_echo: an ECE (not on a SYN) on an ECN connection is FLAG_ECE. */
export function tcp_ecn_rcv_ecn_echo(sk: TcpSock, seg: Segment): boolean {
  return (seg.flags & TCPHDR_ECE) !== 0 && !(seg.flags & TCPHDR_SYN) && (sk.ecnFlags & TCP_ECN_OK) !== 0;
}
