// State of the model: the socket (struct tcp_sock and the parts of struct sock it uses), the skb,
// and the packet as it leaves or enters the host.

import { SKB_TRUESIZE_OVERHEAD } from './constants';
import type { RcvSpaceState } from './rcvspace';
import type { SockExtendedErr } from './zerocopy';

/** One TCP option on the wire. The model owns this type; the packetdrill parser writes a script's
 * options in it (ast.ts), so the model never depends on the script's syntax tree. `unknown` is an
 * option the model does not read (kept so a match can still compare it as text). */
export type TcpOption =
  | { kind: 'mss'; value: number }
  | { kind: 'wscale'; value: number }
  | { kind: 'sackOK' }
  | { kind: 'nop' }
  | { kind: 'eol' }
  | { kind: 'TS'; val: number; ecr: number }
  | { kind: 'sack'; blocks: Array<[number, number]> }
  | { kind: 'FO'; cookie?: string; exp?: boolean }
  | { kind: 'md5'; hex: string }
  | { kind: 'unknown'; text: string };

export type TcpState =
  | 'CLOSE'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'CLOSING'
  | 'TIME_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK';

/** struct ubuf_info_msgzc: a MSG_ZEROCOPY completion's id range [id, id + len) and whether the
 * pages went out uncopied; `callerRef`: the sending call still holds it. */
export interface UbufInfo {
  id: number;
  len: number;
  bytelen: number;
  zerocopy: boolean;
  callerRef: boolean;
}

/** struct inet_connection_sock's icsk_mtup and tcp_sock's mtu_probe (mtuprobe.ts). */
export interface MtuProbeState {
  /** tcp_mtu_probing = 2, or 1 once an RTO found a black hole. */
  enabled: boolean;
  /** Range of the binary search, in MTUs (bytes on the wire from the IP header). */
  searchHigh: number;
  searchLow: number;
  /** The MTU of the probe in flight (0: none). */
  probeSize: number;
  /** Jiffies when the search last (re)started (tcp_mtu_check_reprobe). */
  probeTimestamp: number;
  /** tp->mtu_probe: the probe's sequence range. */
  probeSeqStart: number;
  probeSeqEnd: number;
}

export interface Skb {
  id: number;
  seq: number;
  endSeq: number;
  /** TCPHDR_* bits the segment will carry (ACK, PSH, SYN, FIN). */
  flags: number;
  /** MSG_EOR was set on the write that ended here: never coalesce more data into it. */
  eor: boolean;
  /** Data pinned from user pages (MSG_ZEROCOPY): cannot be merged with copied data. */
  zerocopy: boolean;
  /** skb_zcopy: the MSG_ZEROCOPY ubuf whose completion waits for this skb (shared by the pieces
   * of a split). */
  uarg?: UbufInfo;
  /** Page fragments holding the payload (MAX_SKB_FRAGS limits it). */
  frags: number;
  truesize: number;
  /** tcp_skb_pcount: segments once cut at mss (0 = not computed yet). */
  pcount: number;
  /** tcp_skb_mss (gso_size): the segment size it was counted with, when pcount > 1. */
  segSize?: number;
  /** Departure time given by __tcp_transmit_skb (EDT), ns; set once sent. */
  sentNs?: number;
  /** First transmission time, ns (for RTT samples). */
  firstTxNs?: number;
  /** Order of the last transmission among all packets the host sent: RACK's tie-break between
   * skbs of the same send time (see sentAfter in recovery.ts). */
  sentOrder?: number;
  /** The tcp_mstamp_refresh its send time was read from: skbs of one refresh (one tcp_write_xmit,
   * or the retransmissions of one ACK) share the kernel's microsecond exactly. */
  sentClock?: number;
  /** TCP_SKB_CB(skb)->tx.delivered: tp->delivered when it was last sent (tcp_rate_skb_sent);
   * undefined once it was delivered (SACKed: tcp_rate_skb_delivered clears delivered_mstamp). */
  txDelivered?: number;
  /** TCP_SKB_CB(skb)->sacked: SACKED_ACKED, LOST, SACKED_RETRANS (retransmitted and not yet
   * acked or lost again), EVER_RETRANS (Karn: no RTT sample from it). */
  sackedAcked?: boolean;
  lost?: boolean;
  retrans?: boolean;
  everRetrans?: boolean;
}

export function skbLen(skb: Skb): number {
  let len = skb.endSeq - skb.seq;
  if (skb.flags & 0x02) len--; // SYN occupies a sequence number but no payload
  if (skb.flags & 0x01) len--; // so does FIN
  return len;
}

/** tcp_skb_mss: the gso_size an skb of several segments was counted with (its segments' size,
 * not the average: 5793:8001 counted at mss 1448 is 1448 + 760). */
export function tcp_skb_mss(skb: Skb): number {
  return skb.pcount > 1 ? (skb.segSize ?? Math.ceil(skbLen(skb) / skb.pcount)) : skbLen(skb);
}

/** skb->truesize for a payload: what TSQ and autocorking count. */
export function truesizeFor(len: number): number {
  return len + SKB_TRUESIZE_OVERHEAD;
}

/** The memory a socket is charged for its queues: the sum of their buffers' truesizes. */
export function queuedTruesize(...queues: ReadonlyArray<readonly { truesize: number }[]>): number {
  let n = 0;
  for (const q of queues) for (const b of q) n += b.truesize;
  return n;
}

export interface Endpoint {
  ip: string;
  port: number;
}

/** An inbound segment as the script injects it: the TCP fields a packet carries. */
export interface Segment {
  flags: number;
  seq: number;
  ack: number;
  /** The 16-bit window field as sent (already scaled down). */
  win: number;
  len: number;
  options: TcpOption[];
  /** The IP header's TOS byte; its low two bits are the ECN field (INET_ECN_*). */
  tos: number;
  /** th->urg_ptr, with URG set (0 otherwise). */
  urgPtr?: number;
  /** TCP_SKB_CB(skb)->tcp_tw_isn: a SYN a TIME_WAIT socket handed to the listener carries the ISN
   * the new connection takes (tw_snd_nxt + 65535 + 2). */
  twIsn?: number;
  /** skb_shinfo(skb)->gso_size of an inbound GSO skb: packetdrill's --mss writes it in the
   * virtio_net_hdr of every inbound TCP packet, and virtio_net_hdr_to_skb keeps it only when the
   * packet is larger ("Too small packets are not really GSO ones"). */
  gsoSize?: number;
}

/** A packet on the wire (one TSO/GSO packet as the tun device and packetdrill see it). */
export interface WirePacket extends Segment {
  id: number;
  timeNs: number;
  direction: 'out' | 'in';
  sock: number;
  src: Endpoint;
  dst: Endpoint;
  ipId: number;
  ttl: number;
  /** Segments a TSO packet will be cut into by the device (1 for normal packets). */
  gsoSegs: number;
  /** Payload bytes per segment of a TSO packet (the MSS it was built with). */
  gsoSize?: number;
  /** IP_DF cleared (ip_dont_fragment false: IP_MTU_DISCOVER, a locked path MTU). */
  noDf?: boolean;
  /** Script line that injected it (inbound) or that it was compared with (outbound). */
  line?: number;
}

export interface CongestionState {
  algo: 'reno' | 'cubic';
  // CUBIC (net/ipv4/tcp_cubic.c struct bictcp), times in CUBIC_HZ (250 Hz) jiffies
  cnt: number;
  lastMaxCwnd: number;
  lastCwnd: number;
  lastTime: number;
  originPoint: number;
  K: number;
  delayMinUs: number;
  epochStart: number;
  ackCnt: number;
  tcpCwnd: number;
  // HyStart (hybrid slow start), times in us
  found: boolean;
  roundStart: number;
  endSeq: number;
  lastAck: number;
  currRtt: number;
  sampleCnt: number;
}

/** The loss-recovery fields of struct tcp_sock and struct inet_connection_sock. */
export interface RecoveryState {
  /** tp->high_seq: snd_nxt when recovery began; recovery ends when it is acked. */
  highSeq: number;
  priorSsthresh: number;
  priorCwnd: number;
  /** PRR (RFC 6937): packets delivered and sent since the cwnd reduction began. */
  prrDelivered: number;
  prrOut: number;
  /** tp->undo_marker / undo_retrans: a reduction may be undone while no retransmit was needed. */
  undoMarker: number;
  undoRetrans: number;
  /** tp->sacked_out on a connection without SACK: duplicate ACKs counted as segments delivered
   * out of order (with SACK the skbs' marks say it, see scoreboard()). */
  renoSacked: number;
  /** tp->reordering, and tp->reord_seen: how many times reordering was detected (any turns
   * RACK's reordering window on for good). */
  reordering: number;
  reordSeen: number;
  /** tp->frto: an RTO is being checked for being spurious (F-RTO). */
  frto: boolean;
  /** icsk_retransmits: RTOs in a row. */
  retransmits: number;
  /** tp->total_retrans: segments retransmitted over the connection's life (__tcp_retransmit_skb). */
  totalRetrans: number;
  /** tp->total_rto and total_rto_recoveries (tcp_update_rto_stats): RTOs fired, and episodes of
   * them (an RTO with icsk_retransmits still 0 starts one). */
  totalRto: number;
  totalRtoRecoveries: number;
  /** tp->timeout_rehash: RTOs after which a new flow hash was picked (tcpi_rehash). */
  timeoutRehash: number;
  /** tp->dsack_dups: segments the peer reported by D-SACK; more than total_retrans = not ours. */
  dsackDups: number;
  /** tp->retrans_stamp: when the oldest unacknowledged retransmission went out, ns. */
  retransStampNs?: number;
  /** tp->rack: the send time, end and RTT of the most recently sent skb that was (s)acked;
   * rtt* name the skb the RTT was last taken from (for ties of equal model send times). */
  rack: {
    mstampNs: number;
    mstampOrder: number;
    endSeq: number;
    rttUs: number;
    advanced: boolean;
    rttSentNs: number;
    rttSentOrder: number;
    rttSentClock: number;
    rttEndSeq: number;
    /** The reordering window's adaptation (tcp_rack_update_reo_wnd): reo_wnd_steps (min_rtt/4
     * each), a D-SACK seen since the last step (dsack_seen), recoveries the steps persist for
     * (reo_wnd_persist), and tp->delivered when they last grew (last_delivered). */
    reoWndSteps: number;
    dsackSeen: boolean;
    reoWndPersist: number;
    lastDelivered: number;
  };
}

export interface RequestInfo {
  /** Peer's options from its SYN. */
  peerMss?: number;
  peerWscale?: number;
  peerSackOk: boolean;
  peerTsVal?: number;
}

/** Timer generations: arming a timer bumps its number, and a callback whose number is no longer
 * current does nothing (the kernel re-arms one timer_list instead). RTO, loss probe and RACK's
 * reordering timer share `xmit` as they share icsk_retransmit_timer. */
export interface TimerGens {
  xmit: number;
  probe: number;
  delack: number;
  /** icsk_keepalive_timer (sk_timer). */
  keepalive: number;
  /** tp->compressed_ack_timer (an hrtimer). */
  compressedAck: number;
  /** The `xmit` generation of a RACK reordering timer not yet fired (icsk_pending ==
   * ICSK_TIME_REO_TIMEOUT while it equals `xmit`). */
  reo: number;
}

/** The request_sock fields the model keeps for a SYN_RECV child: num_timeout, the rsk_timer
 * (a generation so that a re-armed timer drops its earlier expiry) and last_oow_ack_time. */
export interface RequestSock {
  lsk: TcpSock;
  synack: Skb;
  numTimeout: number;
  /** num_retrans: every SYN-ACK resent, by the timer or for a retransmitted SYN. */
  numRetrans: number;
  /** inet_rsk(req)->acked: a bare ACK came while TCP_DEFER_ACCEPT held the request. */
  acked: boolean;
  gen: number;
  lastOowNs?: number;
}

export interface TcpSock {
  id: number;
  fd: number;
  /** Count of tcp_mstamp_refresh calls: which reading of the clock a send time came from. */
  mstampRefreshes?: number;
  /** The MSS a SYN cookie encoded (tcp_syncookies = 2): the child made from the handshake's
   * ACK takes it as mss_clamp (cookie_v4_check). */
  syncookieMss?: number;
  /** SOCK_DEAD: close() orphaned it (sock_orphan in tcp_close). */
  orphan?: boolean;
  state: TcpState;
  local: Endpoint;
  remote: Endpoint;
  nonblock: boolean;
  /** tp->nonagle: TCP_NAGLE_OFF (TCP_NODELAY), TCP_NAGLE_CORK (TCP_CORK), TCP_NAGLE_PUSH. */
  nonagle: number;
  /** SO_ZEROCOPY (SOCK_ZEROCOPY). */
  zerocopyEnabled: boolean;
  /** sk_zckey: the next MSG_ZEROCOPY notification id. */
  zckey?: number;
  /** The MSG_ZEROCOPY ubufs not yet completed (zerocopy.ts). */
  zcUbufs?: UbufInfo[];
  /** sk_error_queue: the zerocopy notifications recvmsg(MSG_ERRQUEUE) reads. */
  errQueue?: SockExtendedErr[];
  congestion: CongestionState;
  // listener
  backlog: number;
  acceptQueue: TcpSock[];
  /** sk->sk_write_pending: a blocking Fast Open send waits for the handshake (inet_wait_for_connect's
   * writebias), so the SYN-ACK's ACK can wait for the data that will carry it. */
  writePending?: boolean;
  /** icsk_syn_retries (TCP_SYNCNT); 0: the sysctl. */
  synRetries: number;
  /** tp->snd_up while in urgent mode: the end of urgent data (send(MSG_OOB), tcp_mark_urg);
   * undefined once snd_una reached it (snd_up = snd_una: not urgent). */
  urgUp?: number;
  /** tp->recvmsg_inq (TCP_INQ): recvmsg adds a TCP_CM_INQ control message. */
  recvmsgInq?: boolean;
  /** sk_rcvlowat (SO_RCVLOWAT): the bytes a read waits for and poll calls readable; 1 by default. */
  rcvlowat?: number;
  /** icsk_accept_queue.rskq_defer_accept (TCP_DEFER_ACCEPT), in SYN-ACK retransmissions. */
  deferAccept?: number;
  /** sk->sk_err: the error a blocked or later system call reports (ETIMEDOUT, ECONNREFUSED...);
   * sock_error() hands it out once (reads, writes, getsockopt(SO_ERROR)). */
  err?: string;
  /** sk->sk_shutdown & SEND_SHUTDOWN: shutdown(SHUT_WR), close() or tcp_done. */
  sndShutdown?: boolean;
  /** SOCK_KEEPOPEN (SO_KEEPALIVE). */
  keepOpen?: boolean;
  /** tp->keepalive_time / keepalive_intvl (ms) and keepalive_probes: TCP_KEEPIDLE, TCP_KEEPINTVL,
   * TCP_KEEPCNT; 0 or unset: the net.ipv4.tcp_keepalive_* sysctls. */
  keepaliveTimeMs?: number;
  keepaliveIntvlMs?: number;
  keepaliveProbes?: number;
  /** icsk_user_timeout (TCP_USER_TIMEOUT, ms; 0: none). */
  userTimeoutMs?: number;
  /** tp->linger2 (TCP_LINGER2) in ms: 0 uses tcp_fin_timeout, negative closes an orphan in
   * FIN_WAIT2 at once. */
  linger2Ms?: number;
  /** icsk_probes_out: keepalive probes unanswered (any acceptable ACK clears it). */
  probesOut?: number;
  /** icsk_probes_tstamp: jiffies of the first zero-window probe timer of this episode (0: none),
   * what TCP_USER_TIMEOUT counts from. */
  probesTstamp?: number;
  /** tp->rcv_tstamp: jiffies of the last ACK tcp_ack accepted. */
  rcvTstamp?: number;
  /** fastopenq.max_qlen (TCP_FASTOPEN, or the backlog with TFO_SERVER_WO_SOCKOPT1). */
  fastopenQlen: number;
  /** fastopenq.ctx: keys set by TCP_FASTOPEN_KEY (primary, then an optional backup), as
   * SipHash's k0, k1; undefined: net.ipv4.tcp_fastopen_key. */
  fastopenKeys?: Array<[bigint, bigint]>;
  /** fastopenq.qlen: Fast Open children not yet out of SYN_RECV, plus those held after a reset. */
  fastopenPending: number;
  /** fastopenq.rskq_rst_head: when each reset child stops counting against max_qlen (ns). */
  fastopenRstHeld: number[];
  /** tp->fastopen_rsk's listener: set while a Fast Open child is in SYN_RECV. */
  fastopenListener?: TcpSock;
  /** The Fast Open cookie our SYN-ACK carries (tcp_synack_options' foc). */
  synackCookie?: { cookie: string; exp: boolean };
  parent?: TcpSock;
  /** Still a TFO child in SYN_RECV that accept() may already return. */
  fastopenChild: boolean;
  /** The request_sock while this socket stands for a listener's request in SYN_RECV (its timer
   * and counters); undefined for a full socket. */
  request?: RequestSock;
  /** tp->syn_data_acked: a Fast Open SYN's data was taken (server) or wholly acked (client). */
  synDataAcked?: boolean;
  // options negotiated
  userMss: number;
  advmss: number;
  mssClamp: number;
  mssCache: number;
  tstampOk: boolean;
  sackOk: boolean;
  wscaleOk: boolean;
  sndWscale: number;
  rcvWscale: number;
  tsRecent: number;
  // send sequence space
  iss: number;
  sndUna: number;
  sndNxt: number;
  writeSeq: number;
  pushedSeq: number;
  sndWnd: number;
  sndWl1: number;
  /** tp->pred_flags: the window field header prediction expects (undefined: the slow path). */
  predWnd: number | undefined;
  /** Memory reserved in pages (sk_forward_alloc + what is charged), and the charge last seen. */
  memReserved: number;
  memCharged: number;
  maxWindow: number;
  sndSml: number;
  sndUp: number;
  gsoSegs: number;
  writeQueue: Skb[];
  rtxQueue: Skb[];
  sndbuf: number;
  /** SOCK_SNDBUF_LOCK: SO_SNDBUF fixed sk_sndbuf, so tcp_sndbuf_expand leaves it alone. */
  sndbufLocked: boolean;
  /** TCP_NOTSENT_LOWAT (0: the sysctl's). */
  notsentLowat: number;
  /** SOCK_NOSPACE: a writer found the buffer full (tcp_check_space then looks for room). */
  noSpace: boolean;
  /** sk_stream_write_space woke the writer sleeping in sk_stream_wait_memory. */
  writeSpaceWoken: boolean;
  /** sk_wmem_alloc: 1 plus the truesize of skbs still in the qdisc or device. */
  wmemAlloc: number;
  tsqThrottled: boolean;
  // congestion window
  cwnd: number;
  ssthresh: number;
  cwndCnt: number;
  cwndClamp: number;
  maxPacketsOut: number;
  isCwndLimited: boolean;
  cwndUsageSeq: number;
  sndCwndUsed: number;
  sndCwndStamp: number;
  lsndtime: number; // jiffies
  caState: 'Open' | 'Disorder' | 'CWR' | 'Recovery' | 'Loss';
  /** tp->ecn_flags: TCP_ECN_OK, _QUEUE_CWR, _DEMAND_CWR, _SEEN (ecn.ts). */
  ecnFlags: number;
  /** icsk_pmtu_cookie: the path MTU the MSS was last computed from. */
  pmtuCookie: number;
  /** The MTU of the route the socket holds (sk_dst_cache) while a route command has made it stale:
   * dst_mtu keeps the old route's value until the next ip_queue_xmit looks the route up again
   * (__sk_dst_check). Undefined: the socket's route is the current one (h.pathMtu). */
  staleDstMtu?: number;
  /** icsk_mtup: path MTU probing (mtuprobe.ts): the MTUs searched between, the probe in flight. */
  mtup: MtuProbeState;
  /** sk->sk_err_soft: an ICMP error kept for a timeout to report (cleared by an ACK). */
  errSoft?: string;
  /** Loss recovery (struct tcp_sock): see recovery.ts. */
  recovery: RecoveryState;
  // RTT, RTO, pacing
  srttUs: number; // << 3 like the kernel
  mdevUs: number;
  mdevMaxUs: number;
  rttvarUs: number;
  rttSeq: number;
  minRttUs: number;
  rtoMs: number;
  /** icsk_rto_min (ms, whole jiffies): net.ipv4.tcp_rto_min_us when the socket was made; a
   * child inherits its listener's. */
  rtoMinMs: number;
  backoff: number;
  pacingRate: number; // bytes per second; Infinity = ~0UL
  pacingStatus: 'none' | 'needed' | 'fq';
  /** inet->tos without the ECN bits: the DSCP the socket's packets carry (tcp_reflect_tos). */
  inetTos: number;
  /** inet->pmtudisc (IP_MTU_DISCOVER, pmtudisc.ts): DF on our packets, MSS cut by ICMP. */
  pmtudisc: number;
  /** inet's RECVERR bit (IP_RECVERR): an ICMP error on a connected socket becomes sk_err, a hard
   * error the next system call reports (tcp_v4_err), instead of a soft one. */
  recverr: boolean;
  /** inet->tos of an IPv6 socket, set by IP_TOS: IPv6 packets carry np->tclass (inetTos) instead. */
  ipTosUnsent?: number;
  /** sk_max_pacing_rate (SO_MAX_PACING_RATE), bytes per second; Infinity = ~0UL. */
  maxPacingRate: number;
  /** When the pacing hrtimer (tp->pacing_timer) is queued, the time it fires. */
  pacingTimerNs?: number;
  wstampNs: number;
  /** tp->segs_out / segs_in: every segment sent or taken in (tcp_info), pure ACKs included. */
  segsOut: number;
  segsIn: number;
  /** tp->data_segs_in: taken-in segments that carried payload. */
  dataSegsIn: number;
  dataSegsOut: number;
  /** tp->bytes_sent / bytes_retrans: payload bytes transmitted, and retransmitted (tcp_info). */
  bytesSent: number;
  bytesRetrans: number;
  /** tp->delivered: segments the peer got, acked or SACKed (tcp_count_delivered), the SYN-ACK's
   * or the SYN's included. */
  delivered: number;
  inetId: number;
  // receive side
  rcvNxt: number;
  rcvWup: number;
  rcvWnd: number;
  irs: number;
  rcvMss: number;
  /** icsk_ack.quick: ACKs still to send at once (quick-ACK mode). */
  quickAcks: number;
  ato: number;
  /** icsk_ack.pingpong: interactive-session count; at net.ipv4.tcp_pingpong_thresh (1) or above, ACKs are delayed. */
  pingpong: number;
  /** icsk_ack.lrcvtime: jiffies of the last data received. */
  lrcvtime: number;
  /** tp->tlp_high_seq: snd_nxt when a tail loss probe went out (one at a time). */
  tlpHighSeq?: number;
  /** tp->tlp_retrans: the probe resent old data (not new): its ACK may show a loss it repaired. */
  tlpRetrans?: boolean;
  /** rx_opt.rcv_tsecr of the segment being processed, 0 when it had no timestamp (saw_tstamp). */
  rcvTsecr?: number;
  /** icsk_ack.pending & ICSK_ACK_NOW: the next ACK check must send at once. */
  ackNow: boolean;
  /** icsk_ack.pending & ICSK_ACK_PUSHED (1) / ICSK_ACK_PUSHED2 (2): small pushed segments were
   * received since our last ACK (tcp_measure_rcv_mss); tcp_cleanup_rbuf may ACK on a read. */
  ackPushed: number;
  /** icsk_ack.last_seg_size: the payload of the last segment tcp_measure_rcv_mss took as full. */
  lastSegSize: number;
  ackPending: boolean;
  /** tp->last_oow_ack_time: when we last answered an out-of-window segment without data (ns). */
  lastOowAckNs?: number;
  /** The inet_timewait_sock tcp_time_wait left behind once this socket closed (timewait.ts). */
  tw?: TimeWaitSock;
  /** SO_LINGER: on, and sk_lingertime in ms (0: close() aborts with a RST). */
  linger?: { on: boolean; ms: number };
  readable: number;
  finReceived: boolean;
  /** sk->sk_shutdown & RCV_SHUTDOWN from our side: close() or shutdown(SHUT_RD / SHUT_RDWR). */
  rcvShutdown: boolean;
  /** tp->out_of_order_queue, as merged byte ranges [start, end) of the peer's sequence space
   * (`fin` when the range ends with the peer's FIN). */
  ofoQueue: Array<{ start: number; end: number; fin: boolean; truesize: number }>;
  /** tp->rcv_ooopack: segments taken into the out-of-order queue (tcp_data_queue_ofo). */
  rcvOoopack: number;
  /** tp->rcvq_space.space (tcpi_rcv_space): what the application is expected to read per receive
   * RTT, set by tcp_init_buffer_space and raised by tcp_rcv_space_adjust (rcvspace.ts). */
  rcvSpace: number;
  /** The receive RTT estimate and the DRS period (rcvspace.ts). */
  rcvSpaceEst: RcvSpaceState;
  /** sk_receive_queue: the skbs of in-order data not yet read (bytes left, truesize charged to
   * sk_rmem_alloc until the last byte is read, head room a small next segment may be copied into). */
  rcvQueue: Array<{ len: number; truesize: number; tailroom: number }>;
  /** sk_rcvbuf, and SOCK_RCVBUF_LOCK (SO_RCVBUF set it). */
  rcvbuf: number;
  rcvbufLocked: boolean;
  /** tp->window_clamp: the largest window we will advertise. */
  windowClamp: number;
  /** tp->rcv_ssthresh: the window's slow-start bound, raised by tcp_grow_window. */
  rcvSsthresh: number;
  /** tp->scaling_ratio: payload per 256 bytes of receive memory (skb->len / truesize). */
  scalingRatio: number;
  /** tp->selective_acks[0..num_sacks): the SACK blocks we advertise, most recent first. */
  selectiveAcks: Array<[number, number]>;
  /** tp->duplicate_sack[0] while tp->rx_opt.dsack is set: a D-SACK block for the next ACK. */
  duplicateSack?: [number, number];
  // fast open (client)
  /** tp->fastopen_req: `noCookie` in the sysctl's cookie-less mode (no FO option); `optionSent`
   * once the first SYN went out (SYN retransmissions carry no FO option). */
  fastopenRequest?: { cookie?: string; exp?: boolean; dataLen: number; noCookie?: boolean; optionSent?: boolean };
  /** TCP_FASTOPEN_CONNECT (tp->fastopen_connect). */
  fastopenConnect: boolean;
  /** TCP_FASTOPEN_NO_COOKIE (tp->fastopen_no_cookie): this socket's own cookie-less Fast Open,
   * as the sysctl's TFO_CLIENT_NO_COOKIE (connecting) or TFO_SERVER_COOKIE_NOT_REQD (listening). */
  fastopenNoCookie?: boolean;
  /** TCP_THIN_LINEAR_TIMEOUTS (tp->thin_lto): linear RTOs for a thin stream, as the sysctl. */
  thinLto?: boolean;
  /** DEFER_CONNECT: connect() returned 0 with a cookie cached; the first write sends the SYN. */
  deferConnect: boolean;
  /** socket->state SS_CONNECTING, left by a non-blocking connect() until a later connect() sees
   * the outcome (__inet_stream_connect). */
  sockConnecting?: boolean;
  /** sk_reuse (SO_REUSEADDR), copied to the children of a listener. */
  reuse?: boolean;
  /** Holds the script's local port in the bind table: bind() did, or a child of a listener that did. */
  bound?: boolean;
  // timers (absolute ns or undefined)
  probeTimerNs?: number;
  delackTimerNs?: number;
  timerGens: TimerGens;
  /** SACK compression: duplicate ACKs held back (tp->compressed_ack), the rcv_nxt they are for,
   * and how many were sent at once first (dup_ack_counter). */
  sackCompress: { held: number; rcvNxt: number; sentAtOnce: number };
  pageFragUsed: number;
  md5Keys: number;
}

export interface TfoCookieCache {
  get(remoteIp: string): string | undefined;
  set(remoteIp: string, cookie: string): void;
}

/** struct tcp_timewait_sock: what tcp_time_wait copies from a closing socket. `substate`
 * FIN_WAIT2 is an orphan still waiting for the peer's FIN (tcp_fin_timeout). */
export interface TimeWaitSock {
  substate: 'FIN_WAIT2' | 'TIME_WAIT';
  /** tw_rcv_wnd: the receive window when it closed (its rcv_nxt, snd_nxt and ts_recent stay on
   * the socket, which is dead). */
  rcvWnd: number;
  /** tw_last_oow_ack_time: starts unset, not the socket's. */
  lastOowAckNs?: number;
  expiresNs: number;
}
