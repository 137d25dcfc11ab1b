// An ICMPv6 error about one of our TCP segments (--ip_version=ipv6): icmpv6_rcv hands the error
// types to tcp_v6_err (net/ipv6/tcp_ipv6.c), which differs from tcp_v4_err in the errno table
// (icmpv6_err_convert), in "packet too big" (tcp_v6_mtu_reduced: no soft EMSGSIZE, no lower bound
// but IPV6_MIN_MTU, which also ignores a smaller report; IPv6 PMTU discovery cannot be locked off)
// and in the RFC 6069 revert (only "no route"). The shared steps are icmp.ts's.

import type { Host } from './host';
import { frame } from './trace';
import { IcmpError, tcp_err_deliver, tcp_ld_RTO_revert, tcp_req_err, tcp_simple_retransmit } from './icmp';
import { IPV6_MIN_MTU } from './family';
import { tcp_mtu_to_mss, tcp_sync_mss } from './sock';
import type { TcpSock } from './types';

const ICMPV6_DEST_UNREACH = 1;
const ICMPV6_PKT_TOOBIG = 2;
const ICMPV6_TIME_EXCEED = 3;
const ICMPV6_PARAMPROB = 4;
const ICMPV6_NOROUTE = 0;
/** Types from here up are informational (ICMPV6_INFOMSG_MASK): never handed to TCP. */
const ICMPV6_INFOMSG = 128;

/** icmpv6_err_convert's tab_unreach: errno and whether it is fatal, by unreachable code. */
const TAB_UNREACH: ReadonlyArray<[string, boolean]> = [
  ['ENETUNREACH', false], // no route
  ['EACCES', true], // administratively prohibited
  ['EHOSTUNREACH', false], // was "not a neighbour"
  ['EHOSTUNREACH', false], // address unreachable
  ['ECONNREFUSED', true], // port unreachable
  ['EACCES', true], // source address failed policy
  ['EACCES', true], // reject route
];

/** icmpv6_err_convert: the errno of an ICMPv6 error and whether it is fatal. */
function icmpv6_err_convert(type: number, code: number): { err: string; fatal: boolean } {
  switch (type) {
    case ICMPV6_DEST_UNREACH: {
      const [err, fatal] = TAB_UNREACH[code] ?? ['EPROTO', true];
      return { err, fatal };
    }
    case ICMPV6_PKT_TOOBIG:
      return { err: 'EMSGSIZE', fatal: false };
    case ICMPV6_PARAMPROB:
      return { err: 'EPROTO', fatal: true };
    case ICMPV6_TIME_EXCEED:
      return { err: 'EHOSTUNREACH', fatal: false };
    default:
      return { err: 'EPROTO', fatal: false };
  }
}

/** icmpv6_rcv: echo goes to ping, the other informational types (128 and up) never reach TCP;
 * every error type, known or not, goes to the transport (icmpv6_notify → tcp_v6_err). */
export function icmpv6_rcv(h: Host, sk: TcpSock | undefined, e: IcmpError): void {
  if (e.type >= ICMPV6_INFOMSG) {
    h.trace.step('icmpv6_rcv', sk?.id ?? 0, `ICMPv6 type ${e.type} is informational: TCP never sees it`);
    return;
  }
  tcp_v6_err(h, sk, e);
}

/** tcp_v6_err: find the connection, check the quoted sequence number, then act on the type. */
function tcp_v6_err(h: Host, sk: TcpSock | undefined, e: IcmpError): void {
  using _frame = frame(h, 'tcp_v6_err');
  if (!sk || sk.state === 'CLOSE' || sk.state === 'TIME_WAIT') {
    h.trace.step('tcp_v6_err', sk?.id ?? 0, 'ICMPv6 error for no open connection: ignored');
    return;
  }
  const { err, fatal } = icmpv6_err_convert(e.type, e.code);
  if (sk.state === 'SYN_RECV' && !sk.fastopenChild) {
    tcp_req_err(h, sk, e.seq, fatal);
    return;
  }
  if (sk.state !== 'LISTEN' && (e.seq < sk.sndUna || e.seq > sk.sndNxt)) {
    h.trace.step(
      'tcp_v6_err',
      sk.id,
      `ICMPv6 quotes seq ${e.seq}, outside snd_una ${sk.sndUna}..snd_nxt ${sk.sndNxt}: ignored (OutOfWindowIcmps)`,
    );
    return;
  }
  if (e.type === ICMPV6_PKT_TOOBIG) {
    if (sk.state === 'LISTEN' || e.mtu < IPV6_MIN_MTU) {
      h.trace.step(
        'tcp_v6_err',
        sk.id,
        `ICMPv6 packet too big (mtu ${e.mtu}): ${sk.state === 'LISTEN' ? 'a listener' : `below IPV6_MIN_MTU ${IPV6_MIN_MTU}`}, ignored`,
      );
      return;
    }
    tcp_v6_mtu_reduced(h, sk, e.mtu);
    return;
  }
  // Unlike tcp_v4_err, the RFC 6069 revert comes after the connecting states are handled, and
  // only for "no route". Any error, fatal or not, ends a connect().
  const connecting = sk.state === 'SYN_SENT' || sk.state === 'SYN_RECV';
  if (!connecting && sk.state !== 'LISTEN' && e.type === ICMPV6_DEST_UNREACH && e.code === ICMPV6_NOROUTE) tcp_ld_RTO_revert(h, sk, e.seq);
  tcp_err_deliver(h, sk, err, 'tcp_v6_err');
}

/** tcp_v6_mtu_reduced: a report that would not lower our MSS is dropped; otherwise the route's
 * PMTU drops (__ip6_rt_update_pmtu: never up, never locked) and, if we were sending larger
 * packets, a smaller MSS and an immediate resend of what no longer fits. */
function tcp_v6_mtu_reduced(h: Host, sk: TcpSock, mtu: number): void {
  using _frame = frame(h, 'tcp_v6_mtu_reduced');
  // inet6_csk_update_pmtu works on a route looked up afresh.
  sk.staleDstMtu = undefined;
  if (tcp_mtu_to_mss(h, sk, mtu) >= sk.mssCache) {
    h.trace.step('tcp_v6_mtu_reduced', sk.id, `ICMPv6 packet too big (mtu ${mtu}) would not lower mss ${sk.mssCache}: ignored`);
    return;
  }
  const old = h.pathMtu;
  if (mtu < h.pathMtu) h.pathMtu = mtu;
  if (sk.pmtuCookie <= h.pathMtu) return;
  const before = sk.mssCache;
  tcp_sync_mss(h, sk);
  h.trace.step('tcp_v6_mtu_reduced', sk.id, `ICMPv6 packet too big: path MTU ${old} → ${h.pathMtu}, mss ${before} → ${sk.mssCache}`, {
    pmtu: h.pathMtu,
    mss: sk.mssCache,
  });
  tcp_simple_retransmit(h, sk);
}
