// Numeric facts of the Linux TCP/IP stack that the model uses (header bits, limits, defaults).
// Values, not code: they are the documented constants of include/net/tcp.h and friends.

export const TCPHDR_FIN = 0x01;
export const TCPHDR_SYN = 0x02;
export const TCPHDR_RST = 0x04;
export const TCPHDR_PSH = 0x08;
/** MAX_TCP_OPTION_SPACE: the most TCP options a header can carry. */
export const MAX_TCP_OPTION_SPACE = 40;
export const TCPHDR_ACK = 0x10;
export const TCPHDR_URG = 0x20;
export const TCPHDR_ECE = 0x40;
export const TCPHDR_CWR = 0x80;

/** Nagle state bits (tp->nonagle and the nonagle argument of tcp_write_xmit). */
export const TCP_NAGLE_OFF = 1; // TCP_NODELAY
export const TCP_NAGLE_CORK = 2; // TCP_CORK or MSG_MORE
export const TCP_NAGLE_PUSH = 4; // push regardless of Nagle

export const MSG_OOB = 0x1;
export const MSG_DONTWAIT = 0x40;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_WAITALL = 0x100;
export const MSG_EOR = 0x80;
export const MSG_MORE = 0x8000;
export const MSG_FASTOPEN = 0x20000000;
export const MSG_ZEROCOPY = 0x4000000;
export const MSG_ERRQUEUE = 0x2000;

export const MSG_FLAG_NAMES: Record<string, number> = {
  MSG_OOB,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_MORE,
  MSG_FASTOPEN,
  MSG_ZEROCOPY,
  MSG_ERRQUEUE,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  MSG_NOSIGNAL: 0x4000,
};

export const TCP_INIT_CWND = 10;
export const TCP_INFINITE_SSTHRESH = 0x7fffffff;
export const TCP_MSS_DEFAULT = 536;
export const TCP_MIN_MSS = 88;
export const TCP_MAX_QUICKACKS = 16;
export const TCP_ATO_MIN_MS = 40; // HZ/25 with HZ=1000 (the selftests' config)
export const TCP_DELACK_MAX_MS = 200;
export const TCP_RTO_MIN_MS = 200;
/** Retransmissions a thin stream keeps its RTO for under tcp_thin_linear_timeouts. */
export const TCP_THIN_LINEAR_RETRIES = 6;
/** CONFIG_HZ of the live kernel the fixtures were checked on: a jiffy is 4 ms. The RTO
 * (icsk_rto, tcpi_rto) and CUBIC count in these; the rest of the model keeps 1 ms timers. */
export const LIVE_HZ = 250;
/** One live jiffy in ms (4). */
export const LIVE_JIFFY_MS = 1000 / LIVE_HZ;
/** A time on the model's 1 ms clock (lsndtime, lrcvtime, ato...) as live jiffies: the tick it
 * falls in on the script clock's 4 ms grid, as the timers count (jiffiesTimerDelayUs). */
export function msToLiveJiffies(ms: number): number {
  return Math.floor((ms * LIVE_HZ) / 1000);
}
/** usecs_to_jiffies at LIVE_HZ: rounds up to whole jiffies. */
export function usecs_to_jiffies(us: number): number {
  return Math.ceil((us * LIVE_HZ) / 1e6);
}
/** TCP_TIMEOUT_MIN: 2 jiffies (the loss probe's margin past 2*srtt). */
export const TCP_TIMEOUT_MIN_JIFFIES = 2;
/** TCP_TIMEOUT_MIN_US: 2 ms, the loss probe's margin past 2*srtt in 6.12 (added before the
 * conversion to jiffies). */
export const TCP_TIMEOUT_MIN_US = 2000;
/** jiffies_to_usecs at LIVE_HZ. */
export function jiffies_to_usecs(j: number): number {
  return (j * 1e6) / LIVE_HZ;
}
/** When a timer armed now for `jiffies` runs, in µs from now: the timer wheel never fires early.
 * calc_wheel_index files a timer `delta` jiffies ahead in level n, the first whose range
 * (LVL_START(n + 1) = 63 << 3n) holds it, and calc_index rounds its expiry up past a multiple of
 * that level's granularity (8^n jiffies): a timer under 63 jiffies runs one tick after its expiry,
 * one under 504 jiffies (2 s at HZ 250) up to 32 ms late, a longer one up to 256 ms late. Live
 * runs put the ticks on the script clock's 4 ms grid (within 0.2 ms), so the model counts jiffies
 * from script time 0. */
export function jiffiesTimerDelayUs(nowNs: number, jiffies: number): number {
  const tickUs = jiffies_to_usecs(1);
  const nowUs = nowNs / 1000;
  const clk = Math.floor(nowUs / tickUs);
  let shift = 0;
  while (jiffies >= 63 * 2 ** shift && shift < 21) shift += 3;
  const gran = 2 ** shift;
  const fire = (Math.floor((clk + jiffies) / gran) + 1) * gran;
  return fire * tickUs - nowUs;
}
/** When a timer armed now (inet_csk_reset_xmit_timer, sk_reset_timer) for `us` runs, in ns on
 * the model's clock: whole jiffies, run by the timer wheel (jiffiesTimerDelayUs). */
export function jiffiesTimerAtNs(nowNs: number, us: number): number {
  return nowNs + jiffiesTimerDelayUs(nowNs, usecs_to_jiffies(us)) * 1e3;
}
export const TCP_RTO_MAX_MS = 120_000;
/** TCP_FIN_TIMEOUT_MAX: the longest TCP_LINGER2 (seconds). */
export const TCP_FIN_TIMEOUT_MAX_S = 120;
/** The timestamp option with its two NOPs (include/net/tcp.h). */
export const TCPOLEN_TSTAMP_ALIGNED = 12;
export const TCP_TIMEOUT_INIT_MS = 1000;
/** TCP_TIMEOUT_FALLBACK: the RTO after a handshake that gave no RTT sample (RFC 6298 5.7). */
export const TCP_TIMEOUT_FALLBACK_MS = 3000;
export const TCP_RESOURCE_PROBE_INTERVAL_MS = 500;
export const MAX_SKB_FRAGS = 17;
export const GSO_LEGACY_MAX_SIZE = 65536;
export const GSO_MAX_SEGS = 65535;
/** Bytes of one sk_page_frag page (order-3 allocation) that copied data is packed into. */
export const PAGE_FRAG_SIZE = 32768;
/** MAX_TCP_HEADER: L1_CACHE_ALIGN(128 + MAX_HEADER); 256 on the live kernel (no tunnel headroom
 * configured), which the send-buffer thresholds of test/fixtures/pkt/live/sndbuf-*.pkt confirm. */
export const MAX_TCP_HEADER = 256;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) and SKB_DATA_ALIGN(sizeof(struct sk_buff)). */
export const SKB_DATA_ALIGNED_SHINFO = 320;
export const SKB_DATA_ALIGNED_SK_BUFF = 256;
/** SOCK_MIN_SNDBUF: twice TCP_SKB_MIN_TRUESIZE (2048 + the sk_buff). */
export const SOCK_MIN_SNDBUF = 2 * (2048 + SKB_DATA_ALIGNED_SK_BUFF);
/** net.core.wmem_max: the most SO_SNDBUF may ask for. The live 6.18 kernel's default is 4 MB
 * (6.12: 212992); scripts are checked against 6.18, and a script cannot change it (not
 * namespaced). */
export const WMEM_MAX = 4 << 20;
/** skb->truesize beyond the payload (tcp_stream_alloc_skb: SKB_TRUESIZE(skb_end_offset)): the
 * MAX_TCP_HEADER head sits in skb_small_head_cache with the shared info, plus the sk_buff: 832
 * bytes. It counts against sk_sndbuf (sk_wmem_queued) and in TSQ's limit. */
export const SKB_TRUESIZE_OVERHEAD = MAX_TCP_HEADER + SKB_DATA_ALIGNED_SK_BUFF + SKB_DATA_ALIGNED_SHINFO;

export const TFO_CLIENT_ENABLE = 0x1;
export const TFO_SERVER_ENABLE = 0x2;
export const TFO_CLIENT_NO_COOKIE = 0x4;
export const TFO_SERVER_COOKIE_NOT_REQD = 0x200;
export const TFO_SERVER_WO_SOCKOPT1 = 0x400;

export const IPPROTO_TCP = 6;
export const IP_HEADER_LEN = 20;
export const TCP_HEADER_LEN = 20;

/** The events a socket's wait-queue wake-ups signal (ep_poll_callback's key): sk_data_ready
 * (sock_def_readable) and sk_write_space (sk_stream_write_space); 0 wakes every waiter
 * (sk_state_change, sk_error_report's callers go through tcp_done). */
export const WAKE_IN = 0x1 | 0x2 | 0x40 | 0x80; // EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND
export const WAKE_OUT = 0x4 | 0x100 | 0x200; // EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND
export const WAKE_ALL = 0;
/** sock_def_error_report's key (sk_error_report). */
export const WAKE_ERR = 0x8; // EPOLLERR
