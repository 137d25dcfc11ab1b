// SYN cookies (net/ipv4/syncookies.c, tcp_conn_request): with net.ipv4.tcp_syncookies = 2 every
// SYN is answered from a cookie and no request is kept. The cookie holds only an MSS index, and
// the TS value the rest (wscale, SACK, ECN): without timestamps those options are dropped. The
// trigger of mode 1 (a full SYN queue) never happens on packetdrill's one connection.

import type { Host } from './host';
import { wireIsIpv6 } from './family';
import { tcp_select_initial_window, tcp_full_space } from './rcvbuf';
import { tcp_sync_mss } from './sock';
import { TcpSock } from './types';
import { frame } from './trace';

/** msstab: the MSS values a cookie can encode (net/ipv4/syncookies.c). */
const MSSTAB_V4 = [536, 1300, 1440, 1460] as const;
/** net/ipv6/syncookies.c's msstab: IPV6_MIN_MTU - 60, then 1480, 1500 and 9000 less 60. */
const MSSTAB_V6 = [1220, 1420, 1440, 8940] as const;

/** cookie_v4_init_sequence's MSS (cookie_v6_init_sequence's on IPv6, with its own table): the
 * largest table value not above the SYN's mss_clamp (the first one when it is below all of them). */
export function cookie_init_sequence(h: Host, sk: TcpSock): void {
  const MSSTAB = wireIsIpv6(h) ? MSSTAB_V6 : MSSTAB_V4;
  let i = MSSTAB.length - 1;
  while (i > 0 && sk.mssClamp < MSSTAB[i]) i--;
  sk.syncookieMss = MSSTAB[i];
  h.trace.step(
    'cookie_init_sequence',
    sk.id,
    `tcp_syncookies = 2: a SYN cookie answers the SYN (MSS ${sk.mssClamp} encoded as ${MSSTAB[i]}${sk.tstampOk ? '' : '; no timestamps, so no window scaling, SACK or ECN'}), no request is kept`,
  );
}

/** cookie_v4_check: the handshake's ACK carries a valid cookie; the child gets the cookie's MSS as
 * mss_clamp and its window is chosen again from that MSS (tcp_select_initial_window with
 * req->mss, no room kept for timestamps). */
export function cookie_v4_check(h: Host, lsk: TcpSock, sk: TcpSock): void {
  using _frame = frame(h, 'cookie_v4_check');
  const mss = sk.syncookieMss ?? sk.mssClamp;
  sk.mssClamp = mss;
  const full = tcp_full_space(lsk);
  let clamp = lsk.windowClamp;
  if (lsk.rcvbufLocked && (clamp > full || clamp === 0)) clamp = full;
  const w = tcp_select_initial_window(h, full, mss, clamp, sk.wscaleOk);
  sk.rcvWnd = w.rcvWnd;
  sk.rcvSsthresh = w.rcvWnd;
  sk.windowClamp = sk.wscaleOk ? w.windowClamp : Math.min(w.windowClamp, 65535);
  tcp_sync_mss(h, sk);
  h.trace.step('cookie_v4_check', sk.id, `the ACK's cookie makes the child: MSS ${mss}, window ${sk.rcvWnd}`);
}
