// The three-way handshake (net/ipv4/tcp_input.c, tcp_ipv4.c): a SYN on a listener
// (tcp_conn_request, with Fast Open), and the SYN-ACK of an active open.

import { tcp_finish_connect_prediction } from './fastpath';
import {
  TCPHDR_ACK,
  TCPHDR_FIN,
  TCPHDR_RST,
  TCPHDR_SYN,
  TCP_DELACK_MAX_MS,
  TCP_INFINITE_SSTHRESH,
  TCPOLEN_TSTAMP_ALIGNED,
  TCP_RTO_MAX_MS,
  TCP_TIMEOUT_FALLBACK_MS,
  TCP_TIMEOUT_INIT_MS,
  WAKE_ALL,
  TCP_TIMEOUT_MIN_JIFFIES,
  jiffies_to_usecs,
  jiffiesTimerAtNs,
} from './constants';
import { tcp_parse_fastopen_option, tcp_try_fastopen } from './fastopen';
import { cookie_init_sequence } from './syncookies';
import { frame } from './trace';
import { INET_ECN_MASK, tcp_ecn_create_request, tcp_ecn_make_synack, tcp_ecn_rcv_synack } from './ecn';
import { tcp_init_buffer_space } from './sndbuf';
import type { Host } from './host';
import { defaultMssClamp } from './family';
import { tcp_push_pending_frames } from './output';
import { tcp_update_pacing_rate } from './rtt';
import { createSock, inet_csk_in_pingpong_mode, tcp_sync_mss } from './sock';
import { tcp_mtup_init } from './mtuprobe';
import { keepaliveOnEstablish } from './keepalive';
import { tcp_done_with_error } from './done';
import { optionBytes, tcp_ns_to_ts, tcp_send_ack, tcp_send_synack, tcp_transmit_skb } from './transmit';
import { segmentTruesize, tcp_openreq_init_rwin } from './rcvbuf';
import { RequestSock, Skb, skbLen, TcpOption, TcpSock, truesizeFor } from './types';
import { LISTEN_PORT, optFo, optMss, optTs, optWscale, Segment } from './segment';
import { tcp_clean_rtx_queue } from './ack';
import { tcp_enter_quickack_mode, tcp_fin, tcp_initialize_rcv_mss, tcp_queue_rcv } from './receive';
import { resetDackTimer, tcp_rearm_rto } from './timers';
import { tcp_non_congestion_loss_retransmit } from './recovery';
import { tcp_try_undo_loss, tcp_try_undo_recovery } from './undo';

function applyPeerOptions(h: Host, sk: TcpSock, o: TcpOption[], weSentTs: boolean): void {
  const mss = optMss(o);
  sk.mssClamp = Math.min(mss ?? defaultMssClamp(h), sk.userMss || 65535);
  const ws = optWscale(o);
  sk.wscaleOk = ws !== undefined && h.sysctl.tcp_window_scaling !== 0;
  sk.sndWscale = sk.wscaleOk ? Math.min(ws ?? 0, 14) : 0;
  sk.sackOk = o.some((x) => x.kind === 'sackOK') && h.sysctl.tcp_sack !== 0;
  const ts = optTs(o);
  sk.tstampOk = ts !== undefined && weSentTs;
  if (ts) sk.tsRecent = ts.val;
}

/** net.core.somaxconn's default. */
const SOMAXCONN = 4096;

/** sk_acceptq_is_full: more children wait for accept() than the listen() backlog (which
 * __sys_listen caps at net.core.somaxconn, 4096 by default). tcp_conn_request drops a SYN then
 * (ListenOverflows): no request, no SYN-ACK; the peer's SYN timer retries. */
export function sk_acceptq_is_full(h: Host, lsk: TcpSock): boolean {
  const max = lsk.backlog < 0 || lsk.backlog > SOMAXCONN ? SOMAXCONN : lsk.backlog;
  if (lsk.acceptQueue.length <= max) return false;
  h.trace.step('tcp_conn_request', lsk.id, `accept queue full (${lsk.acceptQueue.length} > backlog ${max}): SYN dropped (ListenOverflows)`);
  return true;
}

/** tcp_conn_request: a SYN on a listener makes a request (modelled as the child socket in
 * SYN_RECV) and a SYN-ACK; with Fast Open the SYN's data is accepted at once. */
export function tcp_conn_request(h: Host, lsk: TcpSock, seg: Segment): TcpSock {
  const sk = createSock(h, -1);
  sk.parent = lsk;
  // inet_csk_clone_lock: the child shares the listener's bind bucket and its sk_reuse.
  sk.bound = lsk.bound;
  sk.reuse = lsk.reuse;
  sk.local = { ip: h.localIp, port: lsk.local.port || LISTEN_PORT };
  sk.remote = { ip: h.remoteIp, port: h.ephemeralPort() };
  sk.nonagle = lsk.nonagle;
  sk.sndbuf = lsk.sndbuf;
  sk.sndbufLocked = lsk.sndbufLocked;
  sk.notsentLowat = lsk.notsentLowat;
  sk.zerocopyEnabled = lsk.zerocopyEnabled;
  sk.userMss = lsk.userMss;
  // sk_clone_lock copies the whole tcp_sock, tp->fastopen_no_cookie with it.
  sk.fastopenNoCookie = lsk.fastopenNoCookie;
  sk.thinLto = lsk.thinLto;
  // tcp_v4_syn_recv_sock: the child's advmss is tcp_mss_clamp'ed by the listener's TCP_MAXSEG.
  if (sk.userMss) sk.advmss = Math.min(sk.userMss, sk.advmss);
  sk.congestion = { ...lsk.congestion };
  // sk_clone copies the listener's keepalive settings and SOCK_KEEPOPEN; TCP_USER_TIMEOUT too.
  sk.keepOpen = lsk.keepOpen;
  sk.keepaliveTimeMs = lsk.keepaliveTimeMs;
  sk.keepaliveIntvlMs = lsk.keepaliveIntvlMs;
  sk.keepaliveProbes = lsk.keepaliveProbes;
  sk.userTimeoutMs = lsk.userTimeoutMs;
  sk.rtoMinMs = lsk.rtoMinMs;
  // SOCK_LINGER and sk_lingertime are copied by sk_clone as well.
  sk.linger = lsk.linger && { ...lsk.linger };
  // ... and the pacing fields: SO_MAX_PACING_RATE on a listener caps and paces its children.
  sk.pacingRate = lsk.pacingRate;
  sk.maxPacingRate = lsk.maxPacingRate;
  sk.pacingStatus = lsk.pacingStatus;
  // inet->tos (IP_TOS) is cloned too; the SYN-ACK goes out with the listener's.
  sk.inetTos = lsk.inetTos;
  sk.pmtudisc = lsk.pmtudisc;
  // inet_sk_clone_lock copies inet->inet_flags, RECVERR among them.
  sk.recverr = lsk.recverr;
  // tcp_reflect_tos: the SYN-ACK and the child carry the SYN's DSCP bits (tcp_v4_send_synack,
  // tcp_v4_syn_recv_sock), and so do its TIME_WAIT ACKs (tw_tos).
  if (h.sysctl.tcp_reflect_tos) {
    sk.inetTos = seg.tos & ~INET_ECN_MASK;
    if (sk.inetTos) h.trace.step('tcp_conn_request', sk.id, `tcp_reflect_tos: the SYN's tos 0x${sk.inetTos.toString(16)} is reflected`);
  }
  // tcp_syn_flood_action: tcp_syncookies = 2 answers every SYN with a cookie. Without a timestamp
  // to carry them, the SYN's options other than the MSS are dropped (tcp_clear_options).
  const wantCookie = h.sysctl.tcp_syncookies === 2;
  const synTs = optTs(seg.options) !== undefined;
  if (wantCookie && synTs && !h.sysctl.tcp_timestamps) h.flagUnsupported('a SYN cookie for a SYN with timestamps while tcp_timestamps = 0');
  applyPeerOptions(h, sk, wantCookie && !synTs ? seg.options.filter((o) => o.kind === 'mss') : seg.options, h.sysctl.tcp_timestamps !== 0);
  tcp_ecn_create_request(h, sk, seg);
  if (wantCookie) {
    cookie_init_sequence(h, sk);
    // tcp_conn_request: no ECN without the timestamp that would carry it.
    if (!sk.tstampOk) sk.ecnFlags = 0;
  }
  sk.irs = seg.seq;
  sk.rcvNxt = seg.seq + 1;
  sk.rcvWup = sk.rcvNxt;
  tcp_openreq_init_rwin(h, lsk, sk, sk.wscaleOk);
  // The model numbers a fresh connection's bytes from 0 (the runner maps them to the script's
  // ISN); after TIME_WAIT the ISN follows from the old connection (tcp_tw_isn).
  sk.iss = seg.twIsn ?? 0;
  sk.sndUna = sk.iss;
  sk.sndNxt = sk.iss + 1;
  sk.writeSeq = sk.iss + 1;
  sk.pushedSeq = sk.writeSeq;
  sk.sndWnd = seg.win; // a SYN's window is never scaled
  sk.maxWindow = seg.win;
  sk.sndWl1 = seg.seq;
  sk.state = 'SYN_RECV';
  tcp_sync_mss(h, sk);
  h.trace.step(
    'tcp_conn_request',
    sk.id,
    `SYN from ${sk.remote.ip}: peer mss ${optMss(seg.options) ?? 'none'}, wscale ${optWscale(seg.options) ?? 'none'}, sack ${sk.sackOk}, timestamps ${sk.tstampOk}`,
    {
      peerMss: optMss(seg.options) ?? 0,
      mssCache: sk.mssCache,
    },
  );
  // A cookie's SYN is not parsed for Fast Open (tcp_parse_options gets no foc).
  const foc = tcp_parse_fastopen_option(seg);
  if (wantCookie) foc.len = -1;
  if (!wantCookie && tcp_try_fastopen(h, lsk, seg, foc) === 'child') tcp_fastopen_create_child(h, lsk, sk, seg);
  else if (seg.len > 0) h.trace.step('tcp_conn_request', sk.id, `no Fast Open: the SYN's ${seg.len} bytes are dropped`);
  if (foc.len >= 0 && foc.cookie) sk.synackCookie = { cookie: foc.cookie, exp: foc.exp };
  // The SYN-ACK stays on the retransmit queue with no segment count, only to time the RTT
  // (tcp_synack_rtt_meas) when the handshake's ACK arrives.
  const synack: Skb = {
    id: h.id('skb'),
    seq: sk.iss,
    endSeq: sk.iss + 1,
    // A Fast Open child resends this skb itself (tcp_fastopen_synack_timer): ECE stays on it.
    flags: tcp_ecn_make_synack(sk, TCPHDR_SYN | TCPHDR_ACK),
    eor: false,
    zerocopy: false,
    frags: 0,
    truesize: truesizeFor(0),
    pcount: 0,
  };
  tcp_send_synack(h, sk);
  synack.firstTxNs = h.nowNs;
  synack.sentNs = h.nowNs;
  // A cookie's request has snt_synack 0: tcp_synack_rtt_meas takes no sample from the SYN-ACK's
  // send time, only an echoed timestamp can time it (as for a resent SYN-ACK).
  if (wantCookie) synack.everRetrans = true;
  sk.rtxQueue.push(synack);
  // The cookie's request was freed once its SYN-ACK left: no timer resends it.
  if (wantCookie) return sk;
  // A Fast Open child is a full socket whose SYN-ACK the retransmit timer resends
  // (tcp_fastopen_synack_timer); any other request has its own rsk_timer.
  if (!sk.fastopenChild) reqsk_start_timer(h, lsk, sk, synack);
  // tcp_fastopen_create_child: inet_csk_reset_xmit_timer(child, ICSK_TIME_RETRANS, req->timeout)
  // from the start, whether or not the child writes.
  else tcp_rearm_rto(h, sk, TCP_TIMEOUT_INIT_MS);
  return sk;
}

/** reqsk_timeout(req, TCP_RTO_MAX): TCP_TIMEOUT_INIT << num_timeout, at most TCP_RTO_MAX. */
export function reqsk_timeout(r: RequestSock): number {
  return Math.min(TCP_TIMEOUT_INIT_MS * 2 ** r.numTimeout, TCP_RTO_MAX_MS);
}

function reqsk_start_timer(h: Host, lsk: TcpSock, sk: TcpSock, synack: Skb): void {
  const r: RequestSock = { lsk, synack, numTimeout: 0, numRetrans: 0, acked: false, gen: 0 };
  sk.request = r;
  reqsk_arm(h, sk, r);
}

/** mod_timer(&req->rsk_timer, jiffies + reqsk_timeout(req, TCP_RTO_MAX)). */
function reqsk_arm(h: Host, sk: TcpSock, r: RequestSock): void {
  const gen = ++r.gen;
  // In jiffies, run by the timer wheel (a 1 s timeout is filed in 32 ms buckets, 4 s in 256 ms).
  h.addTimer(jiffiesTimerAtNs(h.nowNs, reqsk_timeout(r) * 1000), 'reqsk_timer_handler', () => {
    if (r.gen === gen && sk.state === 'SYN_RECV') reqsk_timer_handler(h, sk, r);
  });
}

/** reqsk_timer_handler (inet_connection_sock.c): while the handshake's ACK has not come, each
 * expiry resends the SYN-ACK (inet_rtx_syn_ack; the request's num_retrans makes
 * tcp_synack_rtt_meas skip the RTT sample) and re-arms at reqsk_timeout, which doubles with
 * num_timeout, until max_syn_ack_retries (the listener's TCP_SYNCNT, else tcp_synack_retries)
 * expiries; then the request is dropped. */
function reqsk_timer_handler(h: Host, sk: TcpSock, r: RequestSock): void {
  using _frame = frame(h, 'reqsk_timer_handler');
  const maxRetries = r.lsk.synRetries || h.sysctl.tcp_synack_retries;
  // syn_ack_recalc: with TCP_DEFER_ACCEPT, a request whose bare ACK came lives until the
  // deferral's retransmissions are spent, and its SYN-ACK is resent only for the last of them.
  const defer = r.lsk.deferAccept ?? 0;
  const expire = r.numTimeout >= maxRetries && (!defer || !r.acked || r.numTimeout >= defer);
  const resend = !defer || !r.acked || r.numTimeout >= defer - 1;
  if (expire) {
    // __inet_csk_reqsk_queue_drop, no packet. A later ACK finds the listener.
    inet_csk_reqsk_queue_drop(h, sk, `SYN-ACK unanswered after ${r.numTimeout} retransmissions (max_syn_ack_retries ${maxRetries})`);
    return;
  }
  if (resend) {
    h.trace.step('reqsk_timer_handler', sk.id, `no ACK for the SYN-ACK after ${reqsk_timeout(r)} ms: resend it`);
    inet_rtx_syn_ack(h, sk, r);
  } else h.trace.step('reqsk_timer_handler', sk.id, `TCP_DEFER_ACCEPT: the bare ACK came, wait for data (no SYN-ACK)`);
  r.numTimeout++;
  reqsk_arm(h, sk, r);
}

/** A socket in SYN_RECV that the handshake's ACK completed (tcp_rcv_state_process, after
 * tcp_ack): a simultaneous open's own socket, or a request's child, which tcp_create_openreq_child gave total_retrans = num_retrans and,
 * after a SYN-ACK timeout, undo_marker with retrans_stamp at the first SYN-ACK; then
 * tcp_try_undo_spurious_syn, retrans_stamp cleared, tcp_init_transfer. */
export function tcp_synrecv_established(h: Host, sk: TcpSock): void {
  // The advertised MSS (advmss) leaves room for the timestamp option from now on, as
  // tcp_rcv_synsent_state_process does on the active side: tcpi_advmss reads 1448, not 1460.
  if (sk.tstampOk) sk.advmss -= TCPOLEN_TSTAMP_ALIGNED;
  sk.delivered++; // the SYN-ACK, which tcp_ack does not count
  // A Fast Open child ran tcp_init_transfer when it was made from the SYN.
  if (sk.fastopenChild) return;
  const r = sk.request;
  const rec = sk.recovery;
  if (r) {
    sk.request = undefined;
    r.gen++;
    rec.totalRetrans = r.numRetrans;
    if (r.numTimeout) {
      // tcp_create_openreq_child: the SYN-ACK's timeouts were one RTO episode.
      rec.totalRto = r.numTimeout;
      rec.totalRtoRecoveries = 1;
      rec.undoMarker = sk.iss || 1;
      rec.retransStampNs = r.synack.firstTxNs;
    }
  }
  tcp_try_undo_spurious_syn(h, sk);
  rec.retransStampNs = undefined;
  tcp_init_transfer(h, sk);
}

/** tcp_check_req under TCP_DEFER_ACCEPT: while num_timeout < rskq_defer_accept, the handshake's
 * bare ACK (end_seq = rcv_isn + 1) makes no child; it is dropped and the request marked acked.
 * True when the segment is dropped so. */
export function tcp_check_req_defer_accept(h: Host, sk: TcpSock, seg: Segment): boolean {
  const r = sk.request;
  if (!r || !(seg.flags & TCPHDR_ACK) || seg.flags & (TCPHDR_SYN | TCPHDR_RST)) return false;
  const endSeq = seg.seq + seg.len + (seg.flags & TCPHDR_FIN ? 1 : 0);
  if (r.numTimeout >= (r.lsk.deferAccept ?? 0) || endSeq !== sk.irs + 1) return false;
  r.acked = true;
  using _frame = frame(h, 'tcp_check_req');
  h.trace.step('tcp_check_req', sk.id, `TCP_DEFER_ACCEPT: bare ACK dropped, the child waits for data (TCPDeferAcceptDrop)`);
  return true;
}

/** inet_csk_reqsk_queue_drop: the request is forgotten (its timer stops with it); a later ACK
 * for it finds no socket. */
export function inet_csk_reqsk_queue_drop(h: Host, sk: TcpSock, why: string): void {
  const r = sk.request;
  if (r) r.gen++;
  sk.request = undefined;
  sk.state = 'CLOSE';
  h.trace.step('inet_csk_reqsk_queue_drop', sk.id, `request dropped: ${why}`);
}

/** inet_rtx_syn_ack: resend the request's SYN-ACK (num_retrans++: no RTT sample from it). */
function inet_rtx_syn_ack(h: Host, sk: TcpSock, r: RequestSock): void {
  tcp_send_synack(h, sk);
  r.numRetrans++;
  r.synack.everRetrans = true;
  r.synack.sentNs = h.nowNs;
}

/** The SYN_RECV request a SYN belongs to: packetdrill sends every segment on one 4-tuple, so any
 * pending request of the listener is this segment's (__inet_lookup_skb finds it before the
 * listener); tcp_check_req tells a retransmitted SYN from a new one. */
export function reqsk_lookup(lsk: TcpSock, socks: readonly TcpSock[]): TcpSock | undefined {
  return socks.find((sk) => sk.parent === lsk && isRequest(sk));
}

/** A request_sock of a listener (TCP_NEW_SYN_RECV) rather than a Fast Open child. */
export function isRequest(sk: TcpSock): boolean {
  return sk.state === 'SYN_RECV' && sk.request !== undefined;
}

/** tcp_check_req for a retransmitted SYN (same ISN, SYN alone): answer with the SYN-ACK again
 * unless tcp_oow_rate_limited (one per tcp_invalid_ratelimit, 500 ms), and push the request's
 * timer out to reqsk_timeout from now (mod_timer_pending). */
export function tcp_check_req_syn(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_check_req');
  const r = sk.request;
  if (!r) return;
  if (r.lastOowNs !== undefined && h.nowNs - r.lastOowNs < h.sysctl.tcp_invalid_ratelimit * 1e6) {
    h.trace.step('tcp_check_req', sk.id, 'retransmitted SYN within tcp_invalid_ratelimit: no SYN-ACK (tcp_oow_rate_limited)');
    return;
  }
  r.lastOowNs = h.nowNs;
  h.trace.step('tcp_check_req', sk.id, `retransmitted SYN: resend the SYN-ACK, request timer re-armed for ${reqsk_timeout(r)} ms`);
  inet_rtx_syn_ack(h, sk, r);
  reqsk_arm(h, sk, r);
}

/** tcp_fastopen_create_child (+ tcp_fastopen_add_skb): the child is made from the SYN alone, so
 * it takes the SYN's data now, counts against the listener's Fast Open limit until it leaves
 * SYN_RECV, and goes to the accept queue before the handshake's ACK. */
function tcp_fastopen_create_child(h: Host, lsk: TcpSock, sk: TcpSock, seg: Segment): void {
  using _frame = frame(h, 'tcp_fastopen_create_child');
  lsk.fastopenPending++;
  sk.fastopenListener = lsk;
  sk.rcvNxt += seg.len;
  sk.rcvWup = sk.rcvNxt;
  if (seg.len) tcp_queue_rcv(sk, seg.len, segmentTruesize(h, seg, optionBytes(seg.options)));
  sk.synDataAcked = seg.len > 0; // tcp_fastopen_add_skb
  // tcp_create_openreq_child counts the SYN; tcp_fastopen_add_skb recounts it as data if it has any.
  sk.segsIn = 1;
  sk.dataSegsIn = seg.len > 0 ? 1 : 0;
  sk.fastopenChild = true;
  // tcp_create_openreq_child runs on the SYN itself here and scales its window.
  sk.sndWnd = seg.win * 2 ** sk.sndWscale;
  sk.maxWindow = sk.sndWnd;
  tcp_sync_mss(h, sk);
  // tcp_fastopen_create_child's tcp_init_transfer, after tcp_v4_syn_recv_sock's sync.
  tcp_mtup_init(h, sk);
  tcp_init_buffer_space(h, sk);
  keepaliveOnEstablish(h, sk);
  lsk.acceptQueue.push(sk);
  h.trace.step('tcp_fastopen_create_child', sk.id, `Fast Open child: ${seg.len} bytes of SYN data accepted; accept() can return it now`);
}

/** tcp_rcv_synsent_state_process: the SYN-ACK of our active open. Returns true when the segment
 * is to be answered with a RST (reset_and_undo: the caller, tcp_v4_do_rcv, sends it). */
export function tcp_rcv_synsent_state_process(h: Host, sk: TcpSock, seg: Segment): boolean {
  if (!(seg.flags & TCPHDR_ACK)) {
    // Without an ACK a RST is dropped, a SYN is a simultaneous open, anything else is dropped.
    if (seg.flags & TCPHDR_SYN && !(seg.flags & TCPHDR_RST)) tcp_rcv_synsent_simultaneous(h, sk, seg);
    else h.trace.step('tcp_rcv_synsent_state_process', sk.id, 'segment without ACK in SYN_SENT: dropped');
    return false;
  }
  // An ACK outside (snd_una, snd_nxt] is answered with a RST (reset_and_undo).
  if (seg.ack <= sk.sndUna || seg.ack > sk.sndNxt) {
    h.trace.step('tcp_rcv_synsent_state_process', sk.id, `ACK ${seg.ack} outside ${sk.sndUna + 1}..${sk.sndNxt}: reset`);
    // A stale FIN/ACK or RST/ACK of an old connection may be what our SYN met: while the SYN has
    // not been resent yet, the retransmit timer is re-armed at TCP_TIMEOUT_MIN to resend it soon.
    if (sk.recovery.retransmits === 0) {
      h.trace.step('tcp_rcv_synsent_state_process', sk.id, `SYN not yet resent: retransmit timer re-armed at TCP_TIMEOUT_MIN`);
      // Live, the SYN leaves 10-12 ms later: the 2 jiffies plus the tick that runs the timer.
      tcp_rearm_rto(h, sk, jiffies_to_usecs(TCP_TIMEOUT_MIN_JIFFIES + 1) / 1000);
    }
    return !(seg.flags & TCPHDR_RST);
  }
  // PAWS for the SYN-ACK (LINUX_MIB_PAWSACTIVEREJECTED): an echoed timestamp from before our
  // first SYN (retrans_stamp) or from the future is answered with a RST (reset_and_undo).
  const ts = optTs(seg.options);
  if (ts?.ecr) {
    const synTs = tcp_ns_to_ts(Math.min(...sk.rtxQueue.map((s) => s.firstTxNs ?? h.nowNs), h.nowNs));
    if (ts.ecr < synTs || ts.ecr > tcp_ns_to_ts(h.nowNs)) {
      h.trace.step(
        'tcp_rcv_synsent_state_process',
        sk.id,
        `TSecr ${ts.ecr} outside ${synTs}..${tcp_ns_to_ts(h.nowNs)}: reset (PAWSActiveRejected)`,
      );
      return !(seg.flags & TCPHDR_RST);
    }
  }
  if (seg.flags & TCPHDR_RST) {
    h.trace.step('tcp_reset', sk.id, 'RST acknowledging our SYN: connection refused');
    tcp_done_with_error(h, sk, 'ECONNREFUSED');
    return false;
  }
  if (!(seg.flags & TCPHDR_SYN)) {
    h.trace.step('tcp_rcv_synsent_state_process', sk.id, 'ACK without SYN in SYN_SENT: dropped (discard_and_undo)');
    return false;
  }
  tcp_ecn_rcv_synack(h, sk, seg);
  applyPeerOptions(h, sk, seg.options, sk.tstampOk);
  if (sk.tstampOk) sk.advmss -= TCPOLEN_TSTAMP_ALIGNED;
  if (!sk.wscaleOk) {
    // The peer does not scale: neither do we, and the window stays within 16 bits.
    sk.rcvWscale = 0;
    sk.windowClamp = Math.min(sk.windowClamp, 65535);
  }
  sk.irs = seg.seq;
  sk.rcvNxt = seg.seq + 1;
  sk.rcvWup = sk.rcvNxt;
  sk.sndWnd = seg.win;
  sk.maxWindow = seg.win;
  sk.sndWl1 = seg.seq;
  tcp_finish_connect_prediction(sk);
  const totalRetrans = sk.rtxQueue.some((s) => s.everRetrans); // tp->total_retrans, during the handshake
  sk.rcvTsecr = ts && sk.tstampOk ? ts.ecr : 0;
  const acked = tcp_clean_rtx_queue(h, sk, seg.ack, sk.sndUna);
  // The SYN counts once (tcp_count_delivered, or tcp_remove_reno_sacks' one): with Fast Open the
  // SYN and its data are one skb in the kernel's retransmit queue, counted as one segment.
  if (acked.acked) sk.delivered += 1;
  sk.sndUna = seg.ack;
  sk.recovery.retransmits = 0; // tcp_ack: snd_una advanced
  if (sk.caState === 'Loss') tcp_process_loss_synack(h, sk, acked.origAcked);
  const resend = sk.fastopenRequest ? tcp_rcv_fastopen_synack(h, sk, seg, totalRetrans) : false;
  sk.state = 'ESTABLISHED';
  tcp_try_undo_spurious_syn(h, sk);
  // tcp_sync_mss runs before tcp_finish_connect's tcp_init_transfer (tcp_mtup_init): with MTU
  // probing on since tcp_connect_init, the MSS is that of the search_low computed then (with
  // tcp_header_len still counting the timestamps the SYN offered).
  tcp_sync_mss(h, sk);
  tcp_init_transfer(h, sk);
  tcp_init_buffer_space(h, sk);
  tcp_initialize_rcv_mss(sk);
  tcp_update_pacing_rate(h, sk);
  sk.lsndtime = h.jiffies();
  h.trace.step('tcp_finish_connect', sk.id, `established: mss ${sk.mssCache}, peer wscale ${sk.sndWscale}, cwnd ${sk.cwnd}`);
  h.wake(sk.fd, WAKE_ALL); // sk_state_change
  // tcp_ack ran on the SYN-ACK (rcv_tstamp); tcp_finish_connect sets lrcvtime and the keepalive timer.
  sk.rcvTstamp = h.jiffies();
  keepaliveOnEstablish(h, sk);
  if (sk.fastopenRequest && !resend) tcp_fastopen_add_skb(h, sk, seg);
  // With SYN data to resend, tcp_rcv_state_process returns before tcp_send_ack: the
  // retransmission carries the ACK.
  if (resend) tcp_non_congestion_loss_retransmit(h, sk, 'SYN data not acknowledged by the SYN-ACK');
  else if (sk.writePending || inet_csk_in_pingpong_mode(h, sk)) {
    // "Save one ACK": a writer waits to send and its data will carry the ACK, or a FIN in the
    // SYN-ACK made the session interactive (tcp_fin); quick-ACK mode, and a delayed ACK at
    // TCP_DELACK_MAX in case nothing carries it sooner (a read may: tcp_cleanup_rbuf).
    sk.lrcvtime = h.jiffies();
    sk.ackPending = true;
    tcp_enter_quickack_mode(sk);
    resetDackTimer(h, sk, h.nowNs + TCP_DELACK_MAX_MS * 1e6);
    h.trace.step(
      'tcp_rcv_synsent_state_process',
      sk.id,
      `${sk.writePending ? 'a write is pending' : 'interactive after the FIN'}: no ACK now (delayed ACK in ${TCP_DELACK_MAX_MS} ms)`,
    );
  } else tcp_send_ack(h, sk);
  tcp_push_pending_frames(h, sk);
  return false;
}

/** tcp_rcv_synsent_state_process, a SYN without ACK: crossed SYNs (a simultaneous open). The
 * peer's SYN options stand (tcp_parse_options ran on it; our advertised wscale is kept even if
 * the peer sent none), the socket goes to SYN_RECV and tcp_send_synack resends our SYN skb with
 * ACK set: same ISN, SYN options, unscaled window. Its data, if any, is dropped; the RTO of our
 * SYN keeps running. */
function tcp_rcv_synsent_simultaneous(h: Host, sk: TcpSock, seg: Segment): void {
  using _frame = frame(h, 'tcp_rcv_synsent_state_process');
  // With Fast Open, tcp_sendmsg_fastopen freed fastopen_req when sendto() returned, so the
  // SYN-ACK built from the bare SYN at the head of the retransmit queue carries no cookie.
  if (sk.ecnFlags) {
    h.flagUnsupported('simultaneous open with ECN (tcp_ecn_rcv_syn, tcp_ecn_send_synack)');
    return;
  }
  const keepWscale = sk.rcvWscale;
  applyPeerOptions(h, sk, seg.options, sk.tstampOk);
  sk.rcvWscale = keepWscale;
  sk.state = 'SYN_RECV';
  sk.irs = seg.seq;
  sk.rcvNxt = seg.seq + 1;
  sk.rcvWup = sk.rcvNxt;
  sk.sndWnd = seg.win; // a SYN's window is never scaled
  sk.maxWindow = seg.win;
  sk.sndWl1 = seg.seq;
  // tcp_rcv_synsent_state_process, a SYN without ACK: tcp_mtup_init, then tcp_sync_mss.
  tcp_mtup_init(h, sk);
  tcp_sync_mss(h, sk);
  tcp_initialize_rcv_mss(sk);
  const syn = sk.rtxQueue[0];
  h.trace.step(
    'tcp_rcv_synsent_state_process',
    sk.id,
    `SYN without ACK in SYN_SENT (simultaneous open): SYN_RECV, resend our SYN as a SYN-ACK`,
  );
  if (!syn) return;
  syn.flags |= TCPHDR_ACK; // tcp_send_synack
  tcp_transmit_skb(h, sk, syn);
}

/** tcp_ack -> tcp_fastretrans_alert -> tcp_process_loss on the SYN-ACK after a SYN timeout
 * (tcp_enter_loss ran): the SYN was retransmitted, so only F-RTO (a never-resent skb acked: Fast
 * Open data) or an echo from before the first SYN undoes; high_seq is acked, so Loss ends
 * (tcp_try_undo_recovery; without SACK the state is held until an ACK above it). */
function tcp_process_loss_synack(h: Host, sk: TcpSock, origAcked: boolean): void {
  if (tcp_try_undo_loss(h, sk, false)) return;
  if (sk.recovery.frto && origAcked && tcp_try_undo_loss(h, sk, true)) return;
  tcp_try_undo_recovery(h, sk);
}

/** tcp_try_undo_spurious_syn: the SYN (or SYN-ACK) timeout was spurious when the peer echoes the
 * first one's timestamp (retrans_stamp): forget undo_marker, so cwnd is not cut to 1. */
function tcp_try_undo_spurious_syn(h: Host, sk: TcpSock): void {
  const stamp = sk.recovery.retransStampNs;
  if (!sk.recovery.undoMarker || stamp === undefined || !sk.rcvTsecr || sk.rcvTsecr !== tcp_ns_to_ts(stamp)) return;
  sk.recovery.undoMarker = 0;
  h.trace.step('tcp_try_undo_spurious_syn', sk.id, "the peer echoes the first SYN's timestamp: the timeout was spurious");
}

/** tcp_init_transfer (with tcp_init_metrics, no cached metrics): ssthresh back to infinity (a SYN
 * timeout lowered it), a 3 s RTO and rttvar without an RTT sample from the handshake
 * (TCP_TIMEOUT_FALLBACK, RFC 6298 5.7), and cwnd 1 after more than one SYN or SYN-ACK retransmission unless the timeout
 * proved spurious (undo_marker cleared), else tcp_init_cwnd. */
export function tcp_init_transfer(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_init_transfer');
  tcp_mtup_init(h, sk);
  sk.ssthresh = TCP_INFINITE_SSTHRESH;
  if (!sk.srttUs) {
    // tcp_init_metrics' reset: rttvar, mdev and mdev_max all become the 3 s fallback too
    // (tcpi_rttvar 750000 until the first sample).
    sk.rtoMs = TCP_TIMEOUT_FALLBACK_MS;
    sk.rttvarUs = sk.mdevUs = sk.mdevMaxUs = TCP_TIMEOUT_FALLBACK_MS * 1000;
  }
  const cut = sk.recovery.totalRetrans > 1 && !!sk.recovery.undoMarker;
  sk.cwnd = cut ? 1 : h.initCwnd;
  sk.sndCwndStamp = h.jiffies();
  if (cut || !sk.srttUs)
    h.trace.step(
      'tcp_init_transfer',
      sk.id,
      `${sk.recovery.totalRetrans} SYN/SYN-ACK retransmission(s): cwnd ${sk.cwnd}${sk.srttUs ? '' : `, no RTT sample: RTO ${sk.rtoMs} ms`}`,
    );
}

/** tcp_fastopen_add_skb: data (and a FIN) a SYN-ACK carries to a Fast Open client is queued as
 * if it had come in order; the ACK tcp_rcv_synsent_state_process sends then covers it. */
function tcp_fastopen_add_skb(h: Host, sk: TcpSock, seg: Segment): void {
  if (!seg.len && !(seg.flags & TCPHDR_FIN)) return;
  sk.rcvNxt += seg.len;
  if (seg.len) tcp_queue_rcv(sk, seg.len, segmentTruesize(h, seg, optionBytes(seg.options)));
  h.trace.step(
    'tcp_fastopen_add_skb',
    sk.id,
    `SYN-ACK carries ${seg.len} bytes${seg.flags & TCPHDR_FIN ? ' and a FIN' : ''}: queued, rcv_nxt ${sk.rcvNxt}`,
  );
  if (seg.flags & TCPHDR_FIN) tcp_fin(h, sk);
}

/** A cookie option is valid with an even length of 4 to 16 bytes (tcp_parse_fastopen_option). */
function validCookie(cookie: string | undefined): boolean {
  const len = cookie ? cookie.length / 2 : 0;
  return Number.isInteger(len) && len >= 4 && len <= 16 && len % 2 === 0;
}

/** tcp_rcv_fastopen_synack: cache the peer's MSS (its SYN-ACK option, also when TCP_MAXSEG
 * clamped ours) and a valid cookie for the next connection (tcp_fastopen_cache_set); SYN data the
 * SYN-ACK does not cover is marked lost for resending. Returns whether there is such data. */
function tcp_rcv_fastopen_synack(h: Host, sk: TcpSock, seg: Segment, totalRetrans: boolean): boolean {
  const entry = h.tfoCookies.get(sk.remote.ip) ?? {};
  const mss = optMss(seg.options);
  if (mss) entry.mss = mss;
  const fo = optFo(seg.options);
  const req = sk.fastopenRequest;
  const synFastopen = !!req && !req.noCookie; // tp->syn_fastopen: our SYN carried the option
  if (synFastopen && validCookie(fo?.cookie)) {
    entry.cookie = fo?.cookie;
    entry.exp = !!fo?.exp;
  } else if (synFastopen && !totalRetrans && !req?.dataLen) {
    // We asked for a cookie and got none: try the experimental option next time (try_exp 1),
    // and if that was it already, go back to RFC 7413's (try_exp 2, for good).
    const tryExp = req?.exp ? 2 : 1;
    if (tryExp > (entry.tryExp ?? 0) && !entry.cookie && !entry.exp) entry.tryExp = tryExp;
  }
  h.tfoCookies.set(sk.remote.ip, entry);
  h.trace.step(
    'tcp_fastopen_cache_set',
    sk.id,
    `cached for ${sk.remote.ip}: mss ${entry.mss ?? 'none'}, cookie ${entry.cookie ?? 'none'}${entry.exp ? ' (experimental option)' : ''}${entry.tryExp === 1 ? '; next request uses the experimental option' : ''}`,
  );
  const data = sk.rtxQueue.find((s) => !(s.flags & TCPHDR_SYN));
  if (!data) {
    sk.synDataAcked = (req?.dataLen ?? 0) > 0; // tp->syn_data
    return false;
  }
  // __tcp_retransmit_skb trims what the SYN-ACK did acknowledge (tcp_trim_head).
  if (data.seq < sk.sndUna) {
    data.seq = sk.sndUna;
    data.truesize = truesizeFor(skbLen(data));
  }
  for (const s of sk.rtxQueue) s.lost = true;
  h.trace.step(
    'tcp_rcv_fastopen_synack',
    sk.id,
    `SYN-ACK covers ${sk.sndUna - sk.iss - 1} of the SYN's data: the rest (${data.seq}:${data.endSeq}) is resent`,
  );
  return true;
}
