// An ICMPv4 error about one of our TCP segments (net/ipv4/tcp_ipv4.c tcp_v4_err): "fragmentation
// needed" lowers the path MTU and resends what no longer fits (tcp_v4_mtu_reduced,
// tcp_simple_retransmit); other errors on an established connection are soft errors, reported
// only if it later times out. What the model does not follow is named as unsupported.

import { tcp_write_queue_purge } from './done';
import type { Host } from './host';
import { frame } from './trace';
import { inet_csk_reqsk_queue_drop } from './handshake';
import { TCP_RESOURCE_PROBE_INTERVAL_MS, TCP_RTO_MAX_MS, TCP_TIMEOUT_INIT_MS } from './constants';
import { RTO_RESOURCE_PROBE, tcp_non_congestion_loss_retransmit, tcp_retransmit_timer } from './recovery';
import { tcp_set_rto } from './rtt';
import { tcp_rearm_rto } from './timers';
import { packetsOut, tcp_current_mss, tcp_sync_mss } from './sock';
import { TcpSock, tcp_skb_mss } from './types';
import { ip_dont_fragment, pmtu_lowers_mss } from './pmtudisc';
import { sk_error_report } from './zerocopy';

const ICMP_DEST_UNREACH = 3;
const ICMP_SOURCE_QUENCH = 4;
const ICMP_REDIRECT = 5;
const ICMP_TIME_EXCEEDED = 11;
const ICMP_PARAMETERPROB = 12;
const ICMP_NET_UNREACH = 0;
const ICMP_HOST_UNREACH = 1;
const ICMP_FRAG_NEEDED = 4;
const NR_ICMP_UNREACH = 15;

/** net.ipv4.route.min_pmtu's default: a smaller reported MTU is raised to it and locked. */
const IP_RT_MIN_PMTU = 552;

/** icmp_err_convert: the errno of each unreachable code. */
const UNREACH_ERRNO = [
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOPROTOOPT',
  'ECONNREFUSED',
  'EMSGSIZE',
  'EOPNOTSUPP',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENONET',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
  'EHOSTUNREACH',
];

export interface IcmpError {
  type: number;
  code: number;
  /** The next-hop MTU of a frag_needed (icmp_unreach's info). */
  mtu: number;
  /** The sequence number of the TCP header the ICMP quotes (model numbering). */
  seq: number;
}

/** net.ipv4's NR_ICMP_TYPES: icmp_rcv drops a higher type unread. */
const NR_ICMP_TYPES = 18;

/** icmp_rcv's dispatch (icmp_pointers): only the error types (unreachable, source quench,
 * redirect, time exceeded, parameter problem) go through icmp_unreach to the transport's
 * err_handler, tcp_v4_err. Echo and timestamp requests are answered with ICMP, which packetdrill
 * does not read, and the other types are discarded (ping_rcv, icmp_discard): no TCP effect. */
export function icmp_rcv(h: Host, sk: TcpSock | undefined, e: IcmpError): void {
  using _frame = frame(h, 'icmp_rcv');
  const toTcp = [ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB];
  if (toTcp.includes(e.type)) {
    tcp_v4_err(h, sk, e);
    return;
  }
  const why = e.type > NR_ICMP_TYPES ? 'above NR_ICMP_TYPES: dropped' : 'not an error: answered or discarded by ICMP, TCP not told';
  h.trace.step('icmp_rcv', sk?.id ?? 0, `ICMP type ${e.type} ${why}`);
}

/** tcp_v4_err: find the connection the quoted header names (the runner's socket under test),
 * check the quoted sequence number is in flight, then act on the type and code. */
function tcp_v4_err(h: Host, sk: TcpSock | undefined, e: IcmpError): void {
  using _frame = frame(h, 'tcp_v4_err');
  if (!sk || sk.state === 'LISTEN' || sk.state === 'CLOSE' || sk.state === 'TIME_WAIT') {
    // __inet_lookup_established finds no connection (or a closed or TIME_WAIT one): ignored.
    h.trace.step('tcp_v4_err', sk?.id ?? 0, 'ICMP error for no open connection: ignored');
    return;
  }
  if (sk.state === 'SYN_RECV' && !sk.fastopenChild) {
    // icmp_err_convert's fatal: the peer cannot be reached (parameter problem, time exceeded, net
    // or host unreachable).
    const abort =
      e.type === ICMP_PARAMETERPROB ||
      e.type === ICMP_TIME_EXCEEDED ||
      (e.type === ICMP_DEST_UNREACH && (e.code === ICMP_NET_UNREACH || e.code === ICMP_HOST_UNREACH));
    tcp_req_err(h, sk, e.seq, abort);
    return;
  }
  if (e.seq < sk.sndUna || e.seq > sk.sndNxt) {
    h.trace.step(
      'tcp_v4_err',
      sk.id,
      `ICMP quotes seq ${e.seq}, outside snd_una ${sk.sndUna}..snd_nxt ${sk.sndNxt}: ignored (OutOfWindowIcmps)`,
    );
    return;
  }
  let err: string;
  switch (e.type) {
    case ICMP_REDIRECT:
      h.flagUnsupported('ICMP redirect (do_redirect)');
      return;
    case ICMP_SOURCE_QUENCH:
      h.trace.step('tcp_v4_err', sk.id, 'ICMP source quench: ignored');
      return;
    case ICMP_PARAMETERPROB:
      err = 'EPROTO';
      break;
    case ICMP_DEST_UNREACH:
      if (e.code > NR_ICMP_UNREACH) return;
      if (e.code === ICMP_FRAG_NEEDED) {
        tcp_v4_mtu_reduced(h, sk, e.mtu);
        return;
      }
      err = UNREACH_ERRNO[e.code];
      if (e.code === ICMP_NET_UNREACH || e.code === ICMP_HOST_UNREACH) tcp_ld_RTO_revert(h, sk, e.seq);
      break;
    case ICMP_TIME_EXCEEDED:
      err = 'EHOSTUNREACH';
      break;
    default:
      return;
  }
  tcp_err_deliver(h, sk, err, 'tcp_v4_err');
}

/** How tcp_v4_err and tcp_v6_err both end: while connecting (SYN_SENT) the error closes the socket
 * (tcp_done_with_error); a Fast Open child in SYN_RECV is not modelled; otherwise, without
 * IP_RECVERR (a hard error, sk_err), only a soft error: it becomes the
 * error of a later timeout (tcp_write_err) unless an ACK clears it first. */
export function tcp_err_deliver(h: Host, sk: TcpSock, err: string, fn: 'tcp_v4_err' | 'tcp_v6_err'): void {
  const icmp = fn === 'tcp_v6_err' ? 'ICMPv6' : 'ICMP';
  // IP_RECVERR is inet's bit, read by tcp_v4_err (tcp_v6_err reads IPV6_RECVERR's np->recverr).
  const recverr = fn === 'tcp_v4_err' && sk.recverr;
  if ((sk.state === 'SYN_SENT' || sk.state === 'SYN_RECV') && recverr) {
    // ip_icmp_error queues the error (with the offending header) on the error queue first.
    h.flagUnsupported(`${icmp} error ${err} with IP_RECVERR while connecting (ip_icmp_error's error-queue entry)`);
  }
  if (sk.state === 'SYN_SENT') {
    tcp_done_with_error(h, sk, err);
    return;
  }
  if (sk.state === 'SYN_RECV') {
    // A Fast Open child not yet accepted: closed with the error but kept in the accept queue.
    h.flagUnsupported(`${icmp} error ${err} on a Fast Open child in SYN_RECV (tcp_done_with_error)`);
    return;
  }
  // Connected: with IP_RECVERR (and the socket not owned by a system call, always so between the
  // model's events) the error is hard: sk_err, which the next system call reports once
  // (sock_error) while the connection keeps retransmitting; else only a soft error.
  if (recverr) {
    sk.err = err;
    sk_error_report(h, sk);
    h.trace.step(fn, sk.id, `${icmp} error with IP_RECVERR: sk_err ${err}, reported by the next system call; the connection goes on`);
    return;
  }
  sk.errSoft = err;
  h.trace.step(fn, sk.id, `${icmp} error: soft error ${err}, reported only if the connection times out`);
}

/** tcp_ld_RTO_revert (RFC 6069): an unreachable about the segment being retransmitted says the
 * loss was a connectivity disruption, not congestion: undo one backoff step and count the RTO from
 * the head's last transmission; if that time has already passed, retransmit now. */
export function tcp_ld_RTO_revert(h: Host, sk: TcpSock, seq: number): void {
  const head = sk.rtxQueue[0];
  if (seq !== sk.sndUna || !sk.recovery.retransmits || !sk.backoff || !head) return;
  sk.backoff--;
  if (sk.srttUs) tcp_set_rto(sk);
  else sk.rtoMs = TCP_TIMEOUT_INIT_MS;
  // inet_csk_rto_backoff
  sk.rtoMs = Math.min(sk.rtoMs * 2 ** sk.backoff, TCP_RTO_MAX_MS);
  const remaining = sk.rtoMs - Math.ceil((h.nowNs - (head.sentNs ?? h.nowNs)) / 1e6);
  h.trace.step(
    'tcp_ld_RTO_revert',
    sk.id,
    `unreachable for the retransmitted head: backoff ${sk.backoff + 1} → ${sk.backoff}, RTO ${sk.rtoMs} ms, ${remaining > 0 ? `fires in ${remaining} ms` : 'already due: retransmit now'}`,
    {
      backoff: sk.backoff,
      rtoMs: sk.rtoMs,
    },
  );
  if (remaining > 0) tcp_rearm_rto(h, sk, remaining);
  else {
    const r = tcp_retransmit_timer(h, sk);
    if (r === RTO_RESOURCE_PROBE) tcp_rearm_rto(h, sk, TCP_RESOURCE_PROBE_INTERVAL_MS);
    else if (r) tcp_rearm_rto(h, sk);
  }
}

/** tcp_done_with_error: a hard error (any ICMP error but frag_needed while connecting) closes the
 * socket; a blocked connect() returns it. */
export function tcp_done_with_error(h: Host, sk: TcpSock, err: string): void {
  h.trace.step('tcp_done_with_error', sk.id, `ICMP error while connecting: ${err}, connection closed`);
  sk.err = err;
  sk.state = 'CLOSE';
  tcp_write_queue_purge(h, sk);
}

/** tcp_req_err: an ICMP error about a request (TCP_NEW_SYN_RECV) quoting our SYN-ACK's ISN drops
 * the request silently when the error is fatal (`abort`: the peer cannot be reached); accept()
 * never sees it, and POSIX wants no error from accept(). */
export function tcp_req_err(h: Host, sk: TcpSock, seq: number, abort: boolean): void {
  if (seq !== sk.iss) {
    h.trace.step('tcp_req_err', sk.id, `ICMP quotes seq ${seq}, not the SYN-ACK's ${sk.iss}: ignored (OutOfWindowIcmps)`);
    return;
  }
  if (!abort) {
    h.trace.step('tcp_req_err', sk.id, 'ICMP error about a request that does not drop it: ignored');
    return;
  }
  inet_csk_reqsk_queue_drop(h, sk, 'ICMP says the peer cannot be reached (tcp_req_err)');
}

/** tcp_v4_mtu_reduced: the route's PMTU drops (__ip_rt_update_pmtu: never up, at least
 * min_pmtu 552, then locked); if we were sending larger packets, a smaller MSS and an immediate
 * resend of the segments too large for it (the "fast" path MTU discovery). */
function tcp_v4_mtu_reduced(h: Host, sk: TcpSock, reported: number): void {
  using _frame = frame(h, 'tcp_v4_mtu_reduced');
  // inet_csk_update_pmtu works on a route looked up afresh (__sk_dst_check).
  sk.staleDstMtu = undefined;
  const old = h.pathMtu;
  if (!h.pathMtuLocked && reported <= old) {
    let mtu = reported;
    if (mtu < IP_RT_MIN_PMTU) {
      h.pathMtuLocked = true;
      mtu = Math.min(old, IP_RT_MIN_PMTU);
    }
    h.pathMtu = mtu;
  }
  // The route's MTU is below what was reported and our packets carry DF: EMSGSIZE as soft error.
  if (reported < h.pathMtu && ip_dont_fragment(h, sk)) sk.errSoft = 'EMSGSIZE';
  if (!pmtu_lowers_mss(sk)) {
    h.trace.step('tcp_v4_mtu_reduced', sk.id, `ICMP fragmentation needed: path MTU ${h.pathMtu}, but IP_MTU_DISCOVER keeps the MSS`);
    return;
  }
  if (sk.pmtuCookie <= h.pathMtu) {
    h.trace.step(
      'tcp_v4_mtu_reduced',
      sk.id,
      `ICMP fragmentation needed (mtu ${reported}): path MTU ${h.pathMtu}, no smaller than ours: nothing to do`,
    );
    return;
  }
  const before = sk.mssCache;
  tcp_sync_mss(h, sk);
  h.trace.step('tcp_v4_mtu_reduced', sk.id, `ICMP fragmentation needed: path MTU ${old} → ${h.pathMtu}, mss ${before} → ${sk.mssCache}`, {
    pmtu: h.pathMtu,
    mss: sk.mssCache,
  });
  tcp_simple_retransmit(h, sk);
}

/** tcp_simple_retransmit: every skb whose segments exceed the new MSS is lost (a Fast Open SYN
 * with data: all of them) and resent at once, in Loss state without touching cwnd (units
 * changed, not the amount of data in flight). */
export function tcp_simple_retransmit(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_simple_retransmit');
  // A Fast Open SYN with data sits in the queue as two skbs (SYN, data): all are taken as lost, and
  // the window (zero before the SYN-ACK) lets only the bare SYN be resent.
  const mss = sk.state === 'SYN_SENT' && sk.fastopenRequest?.dataLen ? -1 : tcp_current_mss(h, sk);
  let lost = 0;
  for (const skb of sk.rtxQueue) {
    if (skb.sackedAcked || tcp_skb_mss(skb) <= mss) continue;
    skb.retrans = false;
    if (!skb.lost) lost += skb.pcount;
    skb.lost = true;
  }
  const lostOut = sk.rtxQueue.reduce((n, skb) => n + (skb.lost ? skb.pcount : 0), 0);
  if (!lostOut) return;
  // tcp_limit_reno_sacked: duplicate ACKs cannot have counted the holes.
  if (!sk.sackOk) sk.recovery.renoSacked = Math.min(sk.recovery.renoSacked, Math.max(0, packetsOut(sk) - Math.max(lostOut, 1)));
  h.trace.step('tcp_simple_retransmit', sk.id, `${lost} segments larger than mss ${mss} are lost: resend them now`, { lost, mss });
  tcp_non_congestion_loss_retransmit(h, sk, `path MTU dropped: ${lost} segments to resend at mss ${mss}`);
}
