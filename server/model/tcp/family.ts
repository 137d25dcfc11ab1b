// packetdrill's --ip_version (config.c): which address family the socket under test has and which
// IP version goes on the wire. ipv4: AF_INET sockets, IPv4 packets. ipv6: AF_INET6 sockets, IPv6
// packets (40-byte header: net/ipv6/tcp_ipv6.c's ipv6_specific). ipv4-mapped-ipv6: AF_INET6
// sockets bound and connected to ::ffff:a.b.c.d, IPv4 packets: tcp_v6_connect and
// tcp_v6_syn_recv_sock hand such a connection to IPv4 (ipv6_mapped af_ops), so what it sends is
// IPv4's.

import type { Host } from './host';
import { TCP_HEADER_LEN, TCP_MSS_DEFAULT } from './constants';

export type IpVersion = 'ipv4' | 'ipv6' | 'ipv4-mapped-ipv6';

export const IP_VERSIONS: readonly IpVersion[] = ['ipv4', 'ipv6', 'ipv4-mapped-ipv6'];

const IPV4_HEADER_LEN = 20;
const IPV6_HEADER_LEN = 40;

/** IPV6_MIN_MTU: the smallest MTU an IPv6 link may have (RFC 8200). */
export const IPV6_MIN_MTU = 1280;

/** packetdrill's IPv6 defaults (config.c): the peer is DEFAULT_V6_LIVE_REMOTE_IP_STRING; our
 * address is random within fd3d:fa7b:d17d::/48 unless --local_ip gives it
 * (generate_random_ipv6_addr), so the model's is a stand-in (Host.localIpRandom). */
export const DEFAULT_V6_REMOTE_IP = '2001:db8::1';
export const DEFAULT_V6_LOCAL_IP = 'fd3d:fa7b:d17d::1';

/** Whether the wire carries IPv6 (config->wire_protocol == AF_INET6). */
export function wireIsIpv6(h: Host): boolean {
  return h.ipVersion === 'ipv6';
}

/** The IP header of our packets: sizeof(struct ipv6hdr) or sizeof(struct iphdr). */
export function ipHeaderLen(h: Host): number {
  return wireIsIpv6(h) ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
}

/** icsk_af_ops->net_header_len, what tcp_mtu_to_mss / tcp_mss_to_mtu take off the MTU: 40 for
 * ipv6_specific, 20 for ipv4_specific and ipv6_mapped (a mapped socket is an IPv4 one on the wire). */
export function net_header_len(h: Host): number {
  return ipHeaderLen(h);
}

/** __tcp_mtu_to_mss before the floor and options: MTU minus the network and TCP headers. */
export function mtuToMss(h: Host, mtu: number): number {
  return mtu - net_header_len(h) - TCP_HEADER_LEN;
}

/** The peer's MSS when its SYN or SYN-ACK has none: the af_ops' mss_clamp, TCP_MSS_DEFAULT (536)
 * on IPv4 (tcp_request_sock_ipv4_ops, tcp_v4_connect; a mapped socket connects and accepts through
 * them), IPV6_MIN_MTU less the headers (1220) on IPv6 (tcp_request_sock_ipv6_ops, tcp_v6_connect). */
export function defaultMssClamp(h: Host): number {
  return wireIsIpv6(h) ? IPV6_MIN_MTU - TCP_HEADER_LEN - IPV6_HEADER_LEN : TCP_MSS_DEFAULT;
}

/** packetdrill's socket_domain for `socket(..., ...)`: AF_INET6 unless the wire and the socket are
 * both IPv4. */
export function socketDomain(h: Host): 'AF_INET' | 'AF_INET6' {
  return h.ipVersion === 'ipv4' ? 'AF_INET' : 'AF_INET6';
}

/** The 16 bytes of an IPv6 address in text form (with `::` and an optional dotted tail). */
export function ipv6Bytes(ip: string): number[] | undefined {
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string): string[] => (s ? s.split(':') : []);
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const all = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (!all.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return undefined;
  return all.flatMap((w) => [parseInt(w, 16) >> 8, parseInt(w, 16) & 0xff]);
}

/** An IPv4 address's 4 bytes, or undefined. */
export function ipv4Bytes(ip: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  return b.every((o) => o <= 255) ? b : undefined;
}
