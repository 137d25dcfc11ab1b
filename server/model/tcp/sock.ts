// Creating sockets and the small derived quantities every rule needs (packets in flight, the
// window end, the current MSS).

import {
  MAX_TCP_OPTION_SPACE,
  TCP_HEADER_LEN,
  TCP_INFINITE_SSTHRESH,
  TCP_MSS_DEFAULT,
  TCP_TIMEOUT_INIT_MS,
  GSO_LEGACY_MAX_SIZE,
  MAX_TCP_HEADER,
  jiffies_to_usecs,
  usecs_to_jiffies,
} from './constants';
import type { Host } from './host';
import { IPV6_MIN_MTU, ipHeaderLen, mtuToMss, net_header_len, wireIsIpv6 } from './family';

/** ip_rt_min_advmss: the smallest MSS an IPv4 route advertises. */
const IP_RT_MIN_ADVMSS = 256;
import { initCongestion, tcp_ca_find } from './cong';
import { TcpSock } from './types';
import { TCP_DEFAULT_SCALING_RATIO } from './rcvbuf';
import { IP_PMTUDISC_DEFAULT } from './pmtudisc';
import { newRcvSpaceState } from './rcvspace';

export function createSock(h: Host, fd: number): TcpSock {
  const ca = h.sysctl.tcp_congestion_control;
  if (!tcp_ca_find(ca)) h.flagUnsupported(`congestion control '${ca}' (net.ipv4.tcp_congestion_control); the model runs cubic`);
  const sk: TcpSock = {
    id: h.id('sock'),
    fd,
    state: 'CLOSE',
    local: { ip: h.localIp, port: 0 },
    remote: { ip: h.remoteIp, port: 0 },
    nonblock: false,
    nonagle: 0,
    zerocopyEnabled: false,
    congestion: initCongestion(h.sysctl.tcp_congestion_control),
    backlog: 0,
    acceptQueue: [],
    fastopenQlen: 0,
    synRetries: 0,
    fastopenPending: 0,
    fastopenRstHeld: [],
    fastopenChild: false,
    fastopenConnect: false,
    deferConnect: false,
    userMss: 0,
    advmss: dst_metric_advmss(h),
    mssClamp: 65535,
    mssCache: TCP_MSS_DEFAULT,
    tstampOk: false,
    sackOk: false,
    wscaleOk: false,
    sndWscale: 0,
    rcvWscale: 0,
    tsRecent: 0,
    iss: 0,
    sndUna: 0,
    sndNxt: 0,
    writeSeq: 0,
    pushedSeq: 0,
    sndWnd: 0,
    sndWl1: 0,
    predWnd: undefined,
    memReserved: 0,
    memCharged: 0,
    maxWindow: 0,
    sndSml: 0,
    sndUp: 0,
    gsoSegs: 0,
    writeQueue: [],
    rtxQueue: [],
    sndbuf: h.sysctl.tcp_wmem[1],
    sndbufLocked: false,
    notsentLowat: 0,
    noSpace: false,
    writeSpaceWoken: false,
    timerGens: { xmit: 0, probe: 0, delack: 0, keepalive: 0, compressedAck: 0, reo: 0 },
    sackCompress: { held: 0, rcvNxt: 0, sentAtOnce: 0 },
    wmemAlloc: 1,
    tsqThrottled: false,
    cwnd: h.initCwnd,
    ssthresh: TCP_INFINITE_SSTHRESH,
    cwndCnt: 0,
    cwndClamp: 0xffffffff,
    maxPacketsOut: 0,
    isCwndLimited: false,
    cwndUsageSeq: 0,
    sndCwndUsed: 0,
    sndCwndStamp: h.jiffies(),
    lsndtime: h.jiffies(),
    caState: 'Open',
    pmtuCookie: h.pathMtu,
    mtup: { enabled: false, searchHigh: 0, searchLow: 0, probeSize: 0, probeTimestamp: 0, probeSeqStart: 0, probeSeqEnd: 0 },
    ecnFlags: 0,
    recovery: {
      highSeq: 0,
      priorSsthresh: 0,
      priorCwnd: 0,
      prrDelivered: 0,
      prrOut: 0,
      undoMarker: 0,
      undoRetrans: 0,
      renoSacked: 0,
      reordering: h.sysctl.tcp_reordering,
      reordSeen: 0,
      frto: false,
      retransmits: 0,
      totalRetrans: 0,
      totalRto: 0,
      totalRtoRecoveries: 0,
      timeoutRehash: 0,
      dsackDups: 0,
      rack: {
        mstampNs: 0,
        mstampOrder: 0,
        endSeq: 0,
        rttUs: 0,
        advanced: false,
        rttSentNs: 0,
        rttSentOrder: 0,
        rttSentClock: 0,
        rttEndSeq: 0,
        reoWndSteps: 1,
        dsackSeen: false,
        reoWndPersist: 0,
        lastDelivered: 0,
      },
    },
    srttUs: 0,
    // tcp_init_sock: mdev_us starts at TCP_TIMEOUT_INIT (tcpi_rttvar 250000 before any sample).
    mdevUs: TCP_TIMEOUT_INIT_MS * 1000,
    mdevMaxUs: 0,
    rttvarUs: 0,
    rttSeq: 0,
    minRttUs: Infinity,
    rtoMs: TCP_TIMEOUT_INIT_MS,
    // tcp_init_sock: icsk_rto_min = usecs_to_jiffies(tcp_rto_min_us).
    rtoMinMs: jiffies_to_usecs(usecs_to_jiffies(h.sysctl.tcp_rto_min_us)) / 1000,
    backoff: 0,
    pacingRate: Infinity,
    pacingStatus: 'none',
    inetTos: 0,
    pmtudisc: IP_PMTUDISC_DEFAULT,
    recverr: false,
    maxPacingRate: Infinity,
    wstampNs: 0,
    segsOut: 0,
    segsIn: 0,
    dataSegsIn: 0,
    dataSegsOut: 0,
    bytesSent: 0,
    bytesRetrans: 0,
    delivered: 0,
    // Linux starts inet_id at a random value; the model uses a fixed one so runs are reproducible.
    inetId: (0x1000 * (h.socks.length + 1)) & 0xffff,
    rcvNxt: 0,
    rcvWup: 0,
    rcvWnd: 0,
    irs: 0,
    rcvMss: TCP_MSS_DEFAULT,
    quickAcks: 0,
    ato: 0,
    pingpong: 0,
    lrcvtime: 0,
    ackNow: false,
    ackPushed: 0,
    lastSegSize: 0,
    ackPending: false,
    readable: 0,
    finReceived: false,
    rcvShutdown: false,
    ofoQueue: [],
    rcvOoopack: 0,
    rcvSpace: 0,
    rcvSpaceEst: newRcvSpaceState(),
    rcvQueue: [],
    // tcp_init_sock: sk_rcvbuf from tcp_rmem[1].
    rcvbuf: h.sysctl.tcp_rmem[1],
    rcvbufLocked: false,
    windowClamp: 0,
    rcvSsthresh: 0,
    scalingRatio: TCP_DEFAULT_SCALING_RATIO,
    selectiveAcks: [],
    pageFragUsed: 0,
    md5Keys: 0,
  };
  h.socks.push(sk);
  return sk;
}

/** tp->packets_out: segments sent and not cumulatively acked. */
export function packetsOut(sk: TcpSock): number {
  let n = 0;
  for (const skb of sk.rtxQueue) n += skb.pcount;
  return n;
}

/** tp->sacked_out, lost_out and retrans_out, counted from the skbs' marks (sacked_out from the
 * duplicate ACKs without SACK). */
export function scoreboard(sk: TcpSock): { sacked: number; lost: number; retrans: number } {
  const c = { sacked: sk.recovery.renoSacked, lost: 0, retrans: 0 };
  for (const skb of sk.rtxQueue) {
    if (skb.sackedAcked) c.sacked += skb.pcount;
    if (skb.lost) c.lost += skb.pcount;
    if (skb.retrans) c.retrans += skb.pcount;
  }
  return c;
}

/** tcp_packets_in_flight: packets_out - (sacked_out + lost_out) + retrans_out. */
export function tcp_packets_in_flight(sk: TcpSock): number {
  const c = scoreboard(sk);
  return packetsOut(sk) - (c.sacked + c.lost) + c.retrans;
}

export function tcpWndEnd(sk: TcpSock): number {
  return sk.sndUna + sk.sndWnd;
}

/** Bytes of TCP options on every established segment (tp->tcp_header_len - 20). */
export function establishedOptionBytes(sk: TcpSock): number {
  return sk.tstampOk ? 12 : 0;
}

/** tcp_bound_to_half_wnd: keep a TSO skb to at most half the largest window the peer offered. */
export function tcp_bound_to_half_wnd(sk: TcpSock, pktsize: number): number {
  const cutoff = sk.maxWindow > TCP_MSS_DEFAULT ? sk.maxWindow >> 1 : sk.maxWindow;
  if (cutoff && pktsize > cutoff) return Math.max(cutoff, 68 - TCP_HEADER_LEN - establishedOptionBytes(sk));
  return pktsize;
}

/** dst_metric_advmss: the route's advmss metric when it has one, else ipv4_default_advmss: the MSS
 * from its (path) MTU, at least ip_rt_min_advmss (256); on IPv6 ip6_default_advmss: the MTU less
 * the 40-byte header, at least ip6_rt_min_advmss (IPV6_MIN_MTU - 20 - 40 = 1220). */
export function dst_metric_advmss(h: Host): number {
  if (h.routeAdvmss) return h.routeAdvmss;
  const minAdvmss = wireIsIpv6(h) ? IPV6_MIN_MTU - TCP_HEADER_LEN - ipHeaderLen(h) : IP_RT_MIN_ADVMSS;
  return Math.max(mtuToMss(h, h.pathMtu), minAdvmss);
}

/** tcp_mtu_to_mss: the MSS a path MTU gives, less our fixed options. */
export function tcp_mtu_to_mss(h: Host, sk: TcpSock, mtu: number): number {
  // __tcp_mtu_to_mss: less icsk_af_ops->net_header_len (40 on IPv6) and the TCP header.
  let mss = mtuToMss(h, mtu);
  if (mss > sk.mssClamp) mss = sk.mssClamp;
  // __tcp_mtu_to_mss: at least tcp_min_snd_mss before the options come off (a peer's tiny MSS
  // with timestamps leaves 12 bytes less than the floor).
  mss = Math.max(mss, h.sysctl.tcp_min_snd_mss);
  return mss - establishedOptionBytes(sk);
}

/** tcp_mss_to_mtu: the inverse of tcp_mtu_to_mss (the MSS plus tp->tcp_header_len and the
 * network header). */
export function tcp_mss_to_mtu(h: Host, sk: TcpSock, mss: number): number {
  return mss + TCP_HEADER_LEN + establishedOptionBytes(sk) + net_header_len(h);
}

/** dst_mtu(__sk_dst_get(sk)): the MTU of the route the socket holds (a stale one until the next
 * transmission looks it up again, see TcpSock.staleDstMtu). */
export function sk_dst_mtu(h: Host, sk: TcpSock): number {
  return sk.staleDstMtu ?? h.pathMtu;
}

/** tcp_sync_mss: MSS from the path MTU (the socket's route's unless given: callers passing
 * icsk_pmtu_cookie pass the same value), clamped by the peer's MSS, minus our fixed options; the
 * MTU probing search never goes above the path MTU, and while probing is enabled the MSS is
 * that of search_low (mtuprobe.ts). */
export function tcp_sync_mss(h: Host, sk: TcpSock, pmtu = sk_dst_mtu(h, sk)): number {
  const mtup = sk.mtup;
  if (mtup.searchHigh > pmtu) mtup.searchHigh = pmtu;
  // icsk_pmtu_cookie: the route MTU this MSS was computed from (tcp_v4_mtu_reduced compares).
  sk.pmtuCookie = pmtu;
  let mss = tcp_mtu_to_mss(h, sk, pmtu);
  mss = tcp_bound_to_half_wnd(sk, mss);
  if (mtup.enabled) mss = Math.min(mss, tcp_mtu_to_mss(h, sk, mtup.searchLow));
  sk.mssCache = mss;
  return mss;
}

/** tcp_current_mss: the MSS for the next segment; SACK blocks we advertise (tcp_established_options)
 * make the header longer than tp->tcp_header_len, and the payload shrinks by the difference.
 * The kernel calls tcp_sync_mss here only when the route's MTU moved from icsk_pmtu_cookie and
 * otherwise reads mss_cache, which its other callers keep current; the model recomputes it (the
 * same value) except while MTU probing is enabled, where mss_cache may lag on purpose (a
 * passive open syncs before tcp_mtup_init: its MSS is not search_low's until the next sync). */
export function tcp_current_mss(h: Host, sk: TcpSock): number {
  const mtu = sk_dst_mtu(h, sk);
  let mss: number;
  if (mtu !== sk.pmtuCookie) mss = tcp_sync_mss(h, sk, mtu);
  else if (sk.mtup.enabled) mss = sk.mssCache;
  else {
    mss = tcp_bound_to_half_wnd(sk, tcp_mtu_to_mss(h, sk, mtu));
    sk.mssCache = mss;
  }
  return mss - sackOptionBytes(sk);
}

/** The NOP NOP SACK option's bytes on our next segment: the D-SACK block and the SACK blocks, as
 * many as fit beside the other established options (4 + 8 per block). */
export function sackOptionBytes(sk: TcpSock): number {
  const blocks = (sk.duplicateSack ? 1 : 0) + sk.selectiveAcks.length;
  if (!blocks) return 0;
  const remaining = MAX_TCP_OPTION_SPACE - establishedOptionBytes(sk);
  if (remaining < 4 + 8) return 0;
  return 4 + 8 * Math.min(blocks, Math.floor((remaining - 4) / 8));
}

/** sk_gso_max_size: the device's 64 KB GSO limit minus MAX_TCP_HEADER + 1 (sk_setup_caps). */
export const GSO_MAX_SIZE = GSO_LEGACY_MAX_SIZE - (MAX_TCP_HEADER + 1);

export function findByFd(h: Host, fd: number): TcpSock | undefined {
  for (let k = h.socks.length - 1; k >= 0; k--) if (h.socks[k].fd === fd) return h.socks[k];
  return undefined;
}

/** inet_csk_in_pingpong_mode: the session counts as interactive (ACKs are delayed, no quick ACKs)
 * once tcp_pingpong_thresh replies followed received data within ato. */
export function inet_csk_in_pingpong_mode(h: Host, sk: TcpSock): boolean {
  return sk.pingpong >= h.sysctl.tcp_pingpong_thresh;
}

/** inet_csk_enter_pingpong_mode: interactive at once (TCP_QUICKACK 0, a FIN received). */
export function inet_csk_enter_pingpong_mode(h: Host, sk: TcpSock): void {
  sk.pingpong = h.sysctl.tcp_pingpong_thresh;
}
