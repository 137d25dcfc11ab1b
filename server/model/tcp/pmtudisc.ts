// IP_MTU_DISCOVER (inet->pmtudisc, include/net/ip.h): whether our packets carry DF and whether an
// ICMP "fragmentation needed" may lower the connection's MSS.

import type { Host } from './host';
import type { TcpSock } from './types';

/** include/uapi/linux/in.h's IP_PMTUDISC_* values, by the names packetdrill scripts use. */
export const IP_PMTUDISC: Readonly<Record<string, number>> = {
  IP_PMTUDISC_DONT: 0,
  IP_PMTUDISC_WANT: 1,
  IP_PMTUDISC_DO: 2,
  IP_PMTUDISC_PROBE: 3,
  IP_PMTUDISC_INTERFACE: 4,
  IP_PMTUDISC_OMIT: 5,
};

/** A socket's start (inet_create): net.ipv4.ip_no_pmtu_disc is 0, so IP_PMTUDISC_WANT. */
export const IP_PMTUDISC_DEFAULT = IP_PMTUDISC.IP_PMTUDISC_WANT;

/** ip_dont_fragment: DF on DO and PROBE, and on WANT unless the route's MTU is locked (a reported
 * MTU below min_pmtu locks it: then the path fragments). */
export function ip_dont_fragment(h: Host, sk: TcpSock): boolean {
  const p = sk.pmtudisc;
  return (
    p === IP_PMTUDISC.IP_PMTUDISC_DO || p === IP_PMTUDISC.IP_PMTUDISC_PROBE || (p === IP_PMTUDISC.IP_PMTUDISC_WANT && !h.pathMtuLocked)
  );
}

/** tcp_v4_mtu_reduced's test (with ip_sk_accept_pmtu): a socket in DONT, INTERFACE or OMIT mode
 * keeps its MSS when the path MTU drops; the usual retransmit timer handles what was lost. */
export function pmtu_lowers_mss(sk: TcpSock): boolean {
  return ![IP_PMTUDISC.IP_PMTUDISC_DONT, IP_PMTUDISC.IP_PMTUDISC_INTERFACE, IP_PMTUDISC.IP_PMTUDISC_OMIT].includes(sk.pmtudisc);
}
