// Numeric facts of the Linux TCP/IP stack that the model uses (header bits, limits, defaults).
// Values, not code: they are the documented constants of include/net/tcp.h and friends.

export const TCPHDR_FIN = 0x01;
export const TCPHDR_SYN = 0x02;
export const TCPHDR_RST = 0x04;
export const TCPHDR_PSH = 0x08;
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
  MSG_PEEK: 0x2,
  MSG_WAITALL: 0x100,
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
export const TCP_RTO_MAX_MS = 120_000;
export const TCP_TIMEOUT_INIT_MS = 1000;
export const TCP_RESOURCE_PROBE_INTERVAL_MS = 500;
export const MAX_SKB_FRAGS = 17;
export const GSO_LEGACY_MAX_SIZE = 65536;
export const GSO_MAX_SEGS = 65535;
/** Bytes of one sk_page_frag page (order-3 allocation) that copied data is packed into. */
export const PAGE_FRAG_SIZE = 32768;
/** skb->truesize beyond the payload: sk_buff + skb_shared_info + MAX_TCP_HEADER headroom. What
 * matters for TSQ and autocork is that equal payloads give equal truesizes. */
export const SKB_TRUESIZE_OVERHEAD = 768;

export const TFO_CLIENT_ENABLE = 0x1;
export const TFO_SERVER_ENABLE = 0x2;
export const TFO_CLIENT_NO_COOKIE = 0x4;
export const TFO_SERVER_COOKIE_NOT_REQD = 0x200;
export const TFO_SERVER_WO_SOCKOPT1 = 0x400;

export const IPPROTO_TCP = 6;
export const IP_HEADER_LEN = 20;
export const TCP_HEADER_LEN = 20;
