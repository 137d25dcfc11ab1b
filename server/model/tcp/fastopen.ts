// Server-side TCP Fast Open (net/ipv4/tcp_fastopen.c): the cookie a listener hands out and checks
// (SipHash-2-4 of the SYN's addresses under net.ipv4.tcp_fastopen_key), the limit on pending
// Fast Open children (fastopenq), and the child socket created straight from a SYN with a valid
// cookie, which takes the SYN's data and can be accepted before the handshake completes.

import { TFO_SERVER_COOKIE_NOT_REQD, TFO_SERVER_ENABLE } from './constants';
import type { Host } from './host';
import { ipv4Bytes, ipv6Bytes } from './family';
import { frame } from './trace';
import type { TcpSock } from './types';
import type { Segment } from './segment';

/** TCP_FASTOPEN_COOKIE_MIN / _MAX: a cookie option's length in bytes when it carries one. */
const COOKIE_MIN = 4;
const COOKIE_MAX = 16;
/** How long a child that was reset after accept() keeps counting against max_qlen (60*HZ). */
const RST_HOLD_NS = 60e9;

/** struct tcp_fastopen_cookie as tcp_parse_fastopen_option leaves it: `len` -1 (no option or a
 * bad length), 0 (a cookie request) or the cookie's bytes; `exp` for the experimental option. */
export interface FastopenCookie {
  len: number;
  cookie?: string;
  exp: boolean;
}

/** tcp_parse_fastopen_option on a SYN's options. */
export function tcp_parse_fastopen_option(seg: Segment): FastopenCookie {
  for (const o of seg.options) {
    if (o.kind !== 'FO') continue;
    const hex = o.cookie ?? '';
    const len = hex.length / 2;
    if (!Number.isInteger(len) || len & 1) return { len: -1, exp: false };
    if (len >= COOKIE_MIN && len <= COOKIE_MAX) return { len, cookie: hex.toLowerCase(), exp: !!o.exp };
    return { len: len === 0 ? 0 : -1, exp: !!o.exp };
  }
  return { len: -1, exp: false };
}

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;

/** siphash() of lib/siphash.c (SipHash-2-4) over `data` with the 128-bit key k0, k1. */
export function siphash(data: Uint8Array, k0: bigint, k1: bigint): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M64;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M64;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M64;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const compress = (m: bigint): void => {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  };
  const full = data.length - (data.length % 8);
  for (let i = 0; i < full; i += 8) {
    let m = 0n;
    for (let j = 7; j >= 0; j--) m = (m << 8n) | BigInt(data[i + j]);
    compress(m);
  }
  let b = BigInt(data.length & 0xff) << 56n;
  for (let j = data.length - 1; j >= full; j--) b |= BigInt(data[j]) << BigInt(8 * (j - full));
  compress(b);
  v2 ^= 0xffn;
  for (let k = 0; k < 4; k++) round();
  return (v0 ^ v1 ^ v2 ^ v3) & M64;
}

/** The keys of net.ipv4.tcp_fastopen_key (`primary[,backup]`, each four 32-bit hex words), as
 * proc_tcp_fastopen_key stores them (each word little-endian, so k0 = w0 | w1 << 32). Undefined
 * when the script never set one: the kernel then uses a random key, which no script can know. */
function fastopenKeys(h: Host, lsk: TcpSock): Array<[bigint, bigint]> | undefined {
  // tcp_fastopen_get_ctx: the listener's own keys (TCP_FASTOPEN_KEY) before the namespace's.
  if (lsk.fastopenKeys) return lsk.fastopenKeys;
  const text = h.sysctl.other['net.ipv4.tcp_fastopen_key'];
  if (!text) return undefined;
  const keys: Array<[bigint, bigint]> = [];
  for (const part of text.split(',')) {
    const w = part.trim().split('-');
    if (w.length !== 4 || w.some((x) => !/^[0-9a-fA-F]{1,8}$/.test(x))) return undefined;
    const n = w.map((x) => BigInt(`0x${x}`));
    keys.push([n[0] | (n[1] << 32n), n[2] | (n[3] << 32n)]);
  }
  return keys;
}

function ipBytes(ip: string): number[] {
  return ipv4Bytes(ip) ?? ipv6Bytes(ip) ?? [];
}

/** __tcp_fastopen_cookie_gen_cipher: SipHash of the SYN's saddr then daddr, stored little-endian. */
function cookieFor(h: Host, key: [bigint, bigint]): string {
  // packetdrill's random IPv6 address (no --local_ip) makes the hash unknowable.
  if (h.localIpRandom) h.flagUnsupported('a Fast Open cookie of the random local IPv6 address packetdrill picks (give --local_ip)');
  const v = siphash(new Uint8Array([...ipBytes(h.remoteIp), ...ipBytes(h.localIp)]), key[0], key[1]);
  let hex = '';
  for (let i = 0n; i < 8n; i++) hex += ((v >> (8n * i)) & 0xffn).toString(16).padStart(2, '0');
  return hex;
}

/** The TCP_FASTOPEN_KEY socket option (do_tcp_setsockopt): 16 bytes, the primary key, or 32, a
 * backup key after it; each key's two 64-bit halves little-endian (tcp_fastopen_reset_cipher).
 * The socket's own keys then make and check its cookies. False for another length (EINVAL). */
export function tcp_fastopen_reset_cipher(sk: TcpSock, bytes: number[], optlen: number): boolean {
  if (optlen !== 16 && optlen !== 32) return false;
  const b = [...bytes, ...new Array<number>(32).fill(0)].slice(0, optlen);
  const le64 = (o: number): bigint => {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i] & 0xff);
    return v;
  };
  sk.fastopenKeys = [[le64(0), le64(8)]];
  if (optlen === 32) sk.fastopenKeys.push([le64(16), le64(24)]);
  return true;
}

/** fastopen_queue_tune: at most `backlog` Fast Open children pending at once (capped by somaxconn). */
export function fastopen_queue_tune(lsk: TcpSock, backlog: number): void {
  lsk.fastopenQlen = Math.min(backlog, 4096);
}

/** tcp_fastopen_queue_check: Fast Open is off on a listener with no max_qlen, and while
 * max_qlen children are pending (a child reset after accept() counts for 60 s). */
function tcp_fastopen_queue_check(h: Host, lsk: TcpSock): boolean {
  using _frame = frame(h, 'tcp_fastopen_queue_check');
  if (lsk.fastopenQlen === 0) return false;
  if (lsk.fastopenPending >= lsk.fastopenQlen) {
    const held = lsk.fastopenRstHeld[0];
    if (held === undefined || held > h.nowNs) {
      h.trace.step('tcp_fastopen_queue_check', lsk.id, `${lsk.fastopenPending} Fast Open children pending, the limit: no Fast Open`);
      return false;
    }
    lsk.fastopenRstHeld.shift();
    lsk.fastopenPending--;
  }
  return true;
}

/** tcp_fastopen_no_cookie: cookie-less Fast Open, by the sysctl's `flag` or the socket's
 * TCP_FASTOPEN_NO_COOKIE (tp->fastopen_no_cookie; the route's RTAX_FASTOPEN_NO_COOKIE is not
 * modelled). */
export function tcp_fastopen_no_cookie(h: Host, sk: TcpSock, flag: number): boolean {
  return (h.sysctl.tcp_fastopen & flag) !== 0 || !!sk.fastopenNoCookie;
}

/** tcp_try_fastopen: whether this SYN makes a Fast Open child. `foc` becomes the cookie the
 * SYN-ACK carries (len -1: none): a fresh one for a request or a wrong cookie, none when the
 * cookie was good. Returns 'child' when the caller is to build the child from the SYN. */
export function tcp_try_fastopen(h: Host, lsk: TcpSock, seg: Segment, foc: FastopenCookie): 'child' | 'request' {
  using _frame = frame(h, 'tcp_try_fastopen');
  const tfo = h.sysctl.tcp_fastopen;
  const synData = seg.len > 0;
  const noOption = (): 'request' => {
    foc.len = -1;
    delete foc.cookie;
    return 'request';
  };
  if (!(tfo & TFO_SERVER_ENABLE) || !(synData || foc.len >= 0) || !tcp_fastopen_queue_check(h, lsk)) return noOption();
  if (tcp_fastopen_no_cookie(h, lsk, TFO_SERVER_COOKIE_NOT_REQD)) {
    h.trace.step('tcp_try_fastopen', lsk.id, 'Fast Open without a cookie (TFO_SERVER_COOKIE_NOT_REQD or TCP_FASTOPEN_NO_COOKIE)');
    noOption();
    return 'child';
  }
  const keys = fastopenKeys(h, lsk);
  if (!keys) {
    h.flagUnsupported('Fast Open cookie without net.ipv4.tcp_fastopen_key (the kernel picks a random key)');
    return noOption();
  }
  const valid = cookieFor(h, keys[0]);
  if (foc.len > 0) {
    const match = tcp_fastopen_cookie_gen_check(h, lsk, keys, foc.cookie ?? '');
    if (match) {
      h.trace.step('tcp_try_fastopen', lsk.id, `valid cookie (key ${match}): Fast Open child takes the SYN's ${seg.len} bytes`);
      // With the backup key the SYN-ACK hands out the primary key's cookie.
      if (match === 2) foc.cookie = valid;
      else noOption();
      return 'child';
    }
    h.trace.step('tcp_try_fastopen', lsk.id, `cookie ${foc.cookie} is not ours: SYN data dropped, SYN-ACK carries a valid cookie`);
  } else if (foc.len === 0) {
    h.trace.step('tcp_fastopen_cookie_gen', lsk.id, `cookie request: SYN-ACK carries cookie ${valid}`);
  }
  if (foc.len < 0) return noOption(); // SYN data without any cookie option
  foc.len = valid.length / 2;
  foc.cookie = valid;
  return 'request';
}

/** tcp_fastopen_cookie_gen_check: 1 when the cookie is the primary key's, 2 the backup's, else 0. */
function tcp_fastopen_cookie_gen_check(h: Host, lsk: TcpSock, keys: Array<[bigint, bigint]>, cookie: string): number {
  using _frame = frame(h, 'tcp_fastopen_cookie_gen_check');
  for (let i = 0; i < keys.length && i < 2; i++) if (cookieFor(h, keys[i]) === cookie) return i + 1;
  h.trace.step('tcp_fastopen_cookie_gen_check', lsk.id, `cookie ${cookie} matches no key (TCPFastOpenPassiveFail)`);
  return 0;
}

/** reqsk_fastopen_remove: a Fast Open child leaves SYN_RECV (handshake done, closed or reset). A
 * child reset after accept() stays counted against max_qlen for 60 s (a defence against spoofed
 * SYN data); otherwise its slot is free at once. */
export function reqsk_fastopen_remove(h: Host, sk: TcpSock, reset: boolean): void {
  const lsk = sk.fastopenListener;
  if (!lsk) return;
  sk.fastopenListener = undefined;
  lsk.fastopenPending--;
  const accepted = sk.fd >= 0;
  if (reset && accepted && lsk.state === 'LISTEN') {
    lsk.fastopenPending++;
    lsk.fastopenRstHeld.push(h.nowNs + RST_HOLD_NS);
    h.trace.step('reqsk_fastopen_remove', sk.id, 'reset Fast Open child: still counts against the Fast Open limit for 60 s');
  }
}
