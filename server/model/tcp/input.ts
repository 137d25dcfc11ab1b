// The receive path's entry (net/ipv4/tcp_ipv4.c tcp_v4_rcv, tcp_input.c tcp_rcv_state_process):
// find the socket, then handshake (handshake.ts), ACK (ack.ts) and data (receive.ts).

import { tcp_rcv_rtt_measure_ts } from './rcvspace';
import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN } from './constants';
import { tcp_init_buffer_space } from './sndbuf';
import type { Host } from './host';
import { cookie_v4_check } from './syncookies';
import { frame } from './trace';
import { tcp_update_pacing_rate } from './rtt';
import { tcp_sync_mss } from './sock';
import { TcpSock, WirePacket } from './types';
import { LISTEN_PORT, optTs, Segment } from './segment';
import { tcp_ack } from './ack';
import { tcp_fast_path_on, tcp_header_predicted, tcp_pure_ack_predicted } from './fastpath';
import { reqsk_fastopen_remove } from './fastopen';
import { tcp_done, tcp_done_with_error } from './done';
import { inet_csk_reset_keepalive_timer, keepaliveOnEstablish } from './keepalive';
import {
  reqsk_lookup,
  sk_acceptq_is_full,
  isRequest,
  tcp_check_req_syn,
  tcp_conn_request,
  tcp_check_req_defer_accept,
  tcp_rcv_synsent_state_process,
  tcp_synrecv_established,
} from './handshake';
import {
  __tcp_ack_snd_check,
  tcp_data_queue,
  tcp_data_snd_check,
  tcp_dsack_set,
  tcp_enter_quickack_mode,
  tcp_initialize_rcv_mss,
} from './receive';
import { tcp_send_challenge_ack, tcp_validate_incoming } from './validate';
import { tcp_check_req, tcp_paws_reject } from './checkreq';
import { TCP_TIMEWAIT_LEN_MS, tcp_fin_time, tcp_time_wait, tcp_v4_timewait, twsk } from './timewait';

export type { Segment } from './segment';

/** States in which a SYN for the connection's 4-tuple reaches the connection itself (a challenge
 * ACK) rather than the listener. */
const SYNCHRONIZED: ReadonlySet<TcpSock['state']> = new Set(['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSING', 'CLOSE_WAIT', 'LAST_ACK']);

/** The socket an inbound segment belongs to (__inet_lookup_skb: established and timewait sockets
 * first, then listeners). packetdrill drives one 4-tuple, so the connection is the newest one that
 * is not closed, or a closed one whose timewait socket still lives; a SYN goes to a listener
 * unless that connection is synchronized. */
function lookup(h: Host, seg: Segment): TcpSock | undefined {
  let conn: TcpSock | undefined;
  for (let k = h.socks.length - 1; k >= 0 && !conn; k--) {
    const sk = h.socks[k];
    if (sk.state !== 'LISTEN' && (sk.state !== 'CLOSE' || (twsk(h, sk) && sameTuple(h, k)))) conn = sk;
  }
  if (seg.flags & TCPHDR_SYN && !(seg.flags & TCPHDR_ACK) && !(conn && (conn.tw || SYNCHRONIZED.has(conn.state)))) {
    for (let k = h.socks.length - 1; k >= 0; k--) if (h.socks[k].state === 'LISTEN') return h.socks[k];
  }
  return conn;
}

/** packetdrill gives every socket() of the script a new remote port: a timewait socket still
 * matches the script's segments only while no socket was made after it (children of a listener
 * share its port). */
function sameTuple(h: Host, k: number): boolean {
  for (let j = k + 1; j < h.socks.length; j++) if (!h.socks[j].parent) return false;
  return true;
}

/** The listener a SYN for a timewait socket goes on to (TCP_TW_SYN). */
function listener(h: Host): TcpSock | undefined {
  for (let k = h.socks.length - 1; k >= 0; k--) if (h.socks[k].state === 'LISTEN') return h.socks[k];
  return undefined;
}

/** The inbound segment as the wire shows it. */
function inboundPacket(h: Host, seg: Segment, line: number, sk: TcpSock | undefined): WirePacket {
  return {
    id: h.id('packet'),
    timeNs: h.nowNs,
    direction: 'in',
    sock: sk?.id ?? 0,
    src: sk ? { ...sk.remote } : { ip: h.remoteIp, port: 0 },
    dst: sk ? { ...sk.local } : { ip: h.localIp, port: LISTEN_PORT },
    flags: seg.flags,
    seq: seg.seq,
    ack: seg.ack,
    win: seg.win,
    len: seg.len,
    options: seg.options,
    tos: seg.tos,
    ipId: 0,
    ttl: 64,
    gsoSegs: 1,
    line,
  };
}

/** tcp_v4_rcv: the entry for a segment from the wire. */
export function tcp_v4_rcv(h: Host, seg: Segment, line: number): void {
  using _frame = frame(h, 'tcp_v4_rcv');
  let sk = lookup(h, seg);
  if (sk?.tw) {
    // do_time_wait: the timewait socket answers, or (TCP_TW_SYN) hands a new SYN to the listener.
    const tw = sk;
    const pkt = inboundPacket(h, seg, line, tw);
    h.wire.push(pkt);
    // inet_lookup_listener by the timewait socket's local port: a listener's child or a socket
    // bound to the script's port shares it with a listener; a connect()ed socket's ephemeral port
    // has none.
    const listening = !!listener(h) && (!!tw.parent || !!tw.bound);
    if (!tcp_v4_timewait(h, tw, seg, () => tcp_v4_send_reset(h, seg, pkt, tw), listening)) return;
    h.wire.pop();
    sk = listener(h);
  }
  const pkt = inboundPacket(h, seg, line, sk);
  if (!sk) {
    h.wire.push(pkt);
    // tcp_rcv_state_process in LISTEN: an ACK is answered with a RST (as when no socket is
    // found; without a recent SYN queue overflow no syncookie is checked), a segment without
    // ACK, SYN or RST is dropped.
    const listener = h.socks.some((s) => s.state === 'LISTEN');
    if (listener && !(seg.flags & (TCPHDR_ACK | TCPHDR_RST))) {
      h.trace.step('tcp_rcv_state_process', 0, 'segment without ACK or SYN on a listener: dropped');
      return;
    }
    tcp_v4_send_reset(h, seg, pkt);
    return;
  }
  if (sk.state === 'LISTEN' && !sk.local.port) sk.local.port = LISTEN_PORT;
  h.trace.step('tcp_v4_rcv', sk.id, `segment ${seg.seq}:${seg.seq + seg.len}(${seg.len}) ack ${seg.ack} win ${seg.win}`, {
    seq: seg.seq,
    ack: seg.ack,
    len: seg.len,
  });
  if (seg.options.some((o) => o.kind === 'md5') && !sk.md5Keys) {
    // tcp_inbound_hash: an MD5 option on a socket without keys is unexpected: drop it.
    h.wire.push(pkt);
    h.trace.step('tcp_inbound_hash', sk.id, 'MD5 signature option but no key configured: segment dropped (TCPMD5Unexpected)');
    return;
  }
  if (sk.state === 'LISTEN') {
    const req = seg.flags & TCPHDR_ACK ? undefined : reqsk_lookup(sk, h.socks);
    if (req) {
      // tcp_v4_rcv finds the request (TCP_NEW_SYN_RECV) before the listener: tcp_check_req, where
      // a SYN at rcv_isn is the same SYN again (unless its TSval fails PAWS: then out of window).
      pkt.sock = req.id;
      pkt.src = { ...req.remote };
      pkt.dst = { ...req.local };
      h.wire.push(pkt);
      if (seg.seq === req.irs && !(seg.flags & TCPHDR_RST) && !tcp_paws_reject(req, seg)) tcp_check_req_syn(h, req);
      else tcp_check_req(h, req, seg, () => tcp_v4_send_reset(h, seg, pkt, req));
      return;
    }
    const drop = tcp_rcv_state_process_listen(seg);
    if (drop) {
      h.wire.push(pkt);
      h.trace.step('tcp_rcv_state_process', sk.id, `${drop} on a listener: dropped`);
      return;
    }
    if (sk_acceptq_is_full(h, sk)) {
      h.wire.push(pkt);
      return;
    }
    const child = tcp_conn_request(h, sk, seg);
    pkt.sock = child.id;
    pkt.src = { ...child.remote };
    pkt.dst = { ...child.local };
    h.wire.splice(h.wire.length - 1, 0, pkt); // the SYN came before our SYN-ACK
    return;
  }
  h.wire.push(pkt);
  if (isRequest(sk)) {
    const verdict = tcp_check_req(h, sk, seg, () => tcp_v4_send_reset(h, seg, pkt, sk));
    // tcp_check_req handed the segment back to the listener: in LISTEN an ACK is reset.
    if (verdict === 'listener') tcp_v4_send_reset(h, seg, pkt);
    if (verdict !== 'child') return;
    // tcp_create_openreq_child counts the SYN (segs_in = 1); tcp_child_process then counts this ACK.
    sk.segsIn = 1;
  }
  tcp_segs_in(sk, seg);
  if (sk.state === 'SYN_RECV' && tcp_check_req_defer_accept(h, sk, seg)) return;
  if (sk.state === 'SYN_SENT') {
    // tcp_v4_do_rcv: a segment tcp_rcv_state_process refuses gets a RST in reply.
    if (tcp_rcv_synsent_state_process(h, sk, seg)) tcp_v4_send_reset(h, seg, pkt, sk);
    return;
  }
  if (seg.flags & TCPHDR_RST && sk.state === 'SYN_RECV') {
    // tcp_check_req: a Fast Open child reset in SYN_RECV.
    reqsk_fastopen_remove(h, sk, true);
    tcp_reset(h, sk);
    return;
  }
  // tcp_v4_do_rcv: a segment tcp_rcv_state_process refuses gets a RST in reply.
  if (tcp_rcv_state_process(h, sk, seg)) tcp_v4_send_reset(h, seg, pkt, sk);
}

/** tcp_rcv_state_process's LISTEN case for a SYN the lookup gave the listener: a RST bit is
 * checked before the SYN bit (SYN+RST is discarded, SKB_DROP_REASON_TCP_RESET), and a SYN with
 * FIN is discarded (TCP_FLAGS); neither is answered nor starts a request. Why it is dropped, or
 * undefined when tcp_conn_request takes it. */
function tcp_rcv_state_process_listen(seg: Segment): string | undefined {
  if (seg.flags & TCPHDR_RST) return 'SYN with RST';
  if (seg.flags & TCPHDR_FIN) return 'SYN with FIN';
  return undefined;
}

/** tcp_segs_in: a segment a full socket (or a new child) takes in, before any check of it;
 * payload makes it a data segment too. */
function tcp_segs_in(sk: TcpSock, seg: Segment): void {
  sk.segsIn++;
  if (seg.len > 0) sk.dataSegsIn++;
}

/** tcp_reset: the error depends on the state (CLOSE_WAIT: the peer already closed, EPIPE), then
 * tcp_done_with_error; read data stays readable. */
function tcp_reset(h: Host, sk: TcpSock): void {
  const err = sk.state === 'CLOSE_WAIT' ? 'EPIPE' : 'ECONNRESET';
  h.trace.step('tcp_reset', sk.id, `RST received: connection closed (${err})`);
  if (sk.state === 'CLOSE') return;
  tcp_done_with_error(h, sk, err);
}

/** tcp_v4_send_reset: no socket wants this segment, or its socket refuses it: answer with a RST
 * (none to a RST). Without a socket the 4-tuple is that of the last connection, which is where
 * packetdrill's segments go. */
function tcp_v4_send_reset(h: Host, seg: Segment, inbound: WirePacket, sk?: TcpSock): void {
  if (seg.flags & TCPHDR_RST) return;
  let last = sk;
  for (let k = h.socks.length - 1; k >= 0 && !last; k--) if (h.socks[k].state === 'CLOSE' && h.socks[k].remote.port) last = h.socks[k];
  const local = last ? { ...last.local } : { ...inbound.dst };
  const remote = last ? { ...last.remote } : { ...inbound.src };
  const withAck = !(seg.flags & TCPHDR_ACK);
  const rst: WirePacket = {
    id: h.id('packet'),
    timeNs: h.nowNs,
    direction: 'out',
    sock: last?.id ?? 0,
    src: local,
    dst: remote,
    flags: TCPHDR_RST | (withAck ? TCPHDR_ACK : 0),
    seq: withAck ? 0 : seg.ack,
    ack: withAck ? seg.seq + seg.len + (seg.flags & TCPHDR_SYN ? 1 : 0) + (seg.flags & TCPHDR_FIN ? 1 : 0) : 0,
    win: 0,
    len: 0,
    options: [],
    // ip_send_unicast_reply: the ECN bits of the offending segment are not echoed.
    tos: 0,
    ipId: 0,
    ttl: h.sysctl.ip_default_ttl,
    gsoSegs: 1,
  };
  h.trace.step('tcp_v4_send_reset', rst.sock, `no socket for this segment: RST ${withAck ? `ack ${rst.ack}` : `seq ${rst.seq}`}`);
  h.emit(rst);
}

/** tcp_rcv_state_process's FIN_WAIT1 case once our FIN is acked on an orphan: wait for the peer's
 * FIN tcp_fin_time at most, as a timewait socket (true: the segment is consumed) unless this
 * segment carries data (the abort below) or the FIN (tcp_fin makes it TIME_WAIT). */
function finWait2Orphan(h: Host, sk: TcpSock, seg: Segment): boolean {
  const tmo = tcp_fin_time(h, sk);
  if (seg.len && seg.seq + seg.len > sk.rcvNxt) return false;
  if (tmo > TCP_TIMEWAIT_LEN_MS) {
    // The full socket stays in FIN_WAIT2; the keepalive timer hands it to TIME_WAIT 60 s early.
    inet_csk_reset_keepalive_timer(h, sk, tmo - TCP_TIMEWAIT_LEN_MS);
    return false;
  }
  if (seg.flags & TCPHDR_FIN) return false;
  tcp_time_wait(h, sk, 'FIN_WAIT2', tmo);
  return true;
}

/** tcp_rcv_state_process (and tcp_rcv_established): ACK first, then data, then transmit, then ACK. */
function tcp_rcv_state_process(h: Host, sk: TcpSock, seg: Segment): boolean {
  if (!(seg.flags & (TCPHDR_ACK | TCPHDR_RST | TCPHDR_SYN))) {
    // tcp_rcv_established's slow path and tcp_rcv_state_process: no ACK, RST or SYN bit (packetdrill's
    // `-`): dropped before anything is read from it.
    h.trace.step('tcp_rcv_state_process', sk.id, 'segment without ACK, RST or SYN: dropped (SKB_DROP_REASON_TCP_FLAGS)');
    return false;
  }
  if (tcp_header_predicted(h, sk, seg) && seg.ack === sk.sndUna) {
    // tcp_rcv_established's fast path for data that acks nothing new: no tcp_ack (so no
    // tcp_ack_probe, and icsk_probes_out stays) and no tcp_data_snd_check; tcp_update_wl only.
    h.trace.step(
      'tcp_rcv_established',
      sk.id,
      `header predicted: ${seg.len} bytes at rcv_nxt on the fast path, ACK ${seg.ack} = snd_una: tcp_ack not called`,
    );
    const ts = optTs(seg.options);
    if (ts) {
      // tcp_parse_aligned_timestamp, and tcp_store_ts_recent when nothing is unacknowledged.
      sk.rcvTsecr = ts.ecr;
      if (sk.rcvNxt === sk.rcvWup) sk.tsRecent = ts.val;
    }
    sk.sndWl1 = seg.seq;
    tcp_rcv_rtt_measure_ts(h, sk, seg.len);
    if (tcp_data_queue(h, sk, seg, true)) __tcp_ack_snd_check(h, sk);
    return false;
  }
  // tcp_validate_incoming lets a SYN through only as the peer's SYN-ACK of a simultaneous open
  // (acking snd_nxt, its SYN at rcv_nxt - 1, no data).
  const synAck =
    sk.state === 'SYN_RECV' &&
    !sk.parent &&
    (seg.flags & (TCPHDR_SYN | TCPHDR_ACK)) === (TCPHDR_SYN | TCPHDR_ACK) &&
    !seg.len &&
    seg.seq + 1 === sk.rcvNxt &&
    seg.ack === sk.sndNxt;
  if (sk.state === 'SYN_RECV' && seg.flags & TCPHDR_SYN && !synAck) {
    h.flagUnsupported(sk.parent ? 'SYN to a Fast Open child in SYN_RECV (tcp_check_req)' : 'SYN in SYN_RECV after a simultaneous open');
    return false;
  }
  if (sk.state !== 'SYN_RECV') {
    const verdict = tcp_validate_incoming(h, sk, seg);
    if (verdict === 'reset') tcp_reset(h, sk);
    if (verdict !== 'pass') return false;
  }
  if (!(seg.flags & TCPHDR_ACK)) return false;
  // ts_recent moves inside tcp_ack (tcp_replace_ts_recent), once the ACK is known to be acceptable.
  if (seg.flags & TCPHDR_ACK) {
    if (sk.state === 'SYN_RECV') {
      if (seg.ack < sk.sndUna + 1 || seg.ack > sk.sndNxt) {
        h.flagUnsupported(`bad ACK ${seg.ack} for our SYN-ACK (would trigger a RST)`);
        return false;
      }
      if (sk.syncookieMss !== undefined) cookie_v4_check(h, sk.parent ?? sk, sk);
      tcp_ack(h, sk, seg);
      sk.state = 'ESTABLISHED';
      sk.sndWnd = seg.win * 2 ** sk.sndWscale;
      // tcp_create_openreq_child builds the child from the handshake's ACK, so max_window is
      // that ACK's window (the SYN's plays no part); a Fast Open child was built from the SYN.
      sk.maxWindow = sk.fastopenChild ? Math.max(sk.maxWindow, sk.sndWnd) : sk.sndWnd;
      // tcp_v4_syn_recv_sock's tcp_sync_mss comes before tcp_init_transfer's tcp_mtup_init: with
      // MTU probing the child keeps the MSS of the full path MTU until the next sync.
      tcp_sync_mss(h, sk);
      tcp_synrecv_established(h, sk);
      sk.sndWl1 = seg.seq;
      tcp_fast_path_on(sk);
      if (!sk.fastopenChild) tcp_init_buffer_space(h, sk);
      tcp_update_pacing_rate(h, sk);
      sk.lsndtime = h.jiffies();
      tcp_initialize_rcv_mss(sk);
      // tcp_create_openreq_child (from this ACK): lrcvtime now, the keepalive timer started.
      if (!sk.fastopenChild) keepaliveOnEstablish(h, sk);
      if (!sk.fastopenChild && sk.parent) sk.parent.acceptQueue.push(sk);
      // tcp_rcv_synrecv_state_fastopen: the handshake is done, the listener's slot is free.
      reqsk_fastopen_remove(h, sk, false);
      sk.fastopenChild = false;
      h.trace.step(
        'tcp_rcv_state_process',
        sk.id,
        `handshake complete: ESTABLISHED, snd_wnd ${sk.sndWnd}, mss ${sk.mssCache}, cwnd ${sk.cwnd}`,
        {
          sndWnd: sk.sndWnd,
          mss: sk.mssCache,
        },
      );
    } else {
      // A pure ACK on the fast path stores its TSval first (when rcv_nxt == rcv_wup) and calls
      // tcp_ack without FLAG_UPDATE_TS_RECENT; elsewhere tcp_ack updates ts_recent once it accepts.
      const fast = tcp_pure_ack_predicted(sk, seg);
      if (fast && sk.tstampOk && sk.rcvNxt === sk.rcvWup) sk.tsRecent = optTs(seg.options)?.val ?? sk.tsRecent;
      const established = sk.state === 'ESTABLISHED';
      const acked = tcp_ack(h, sk, seg, !fast);
      if (acked === 'too-old' || acked === 'unsent') {
        // Dropped, with a challenge ACK under the per-socket rate limit. 6.12's
        // tcp_rcv_established challenges only a too-old ACK (from tcp_ack) and drops an ACK of
        // unsent data silently; the live 6.18 answers that one too (RFC 9293 3.10.7.4: a first one
        // is answered at once, another within tcp_invalid_ratelimit is not), as
        // tcp_rcv_state_process does in the other states.
        tcp_send_challenge_ack(h, sk, `ACK ${seg.ack} outside snd_una..snd_nxt`);
        return false;
      }
      // tcp_rcv_established's slow path (only there) samples the receive RTT after tcp_ack.
      if (established) tcp_rcv_rtt_measure_ts(h, sk, seg.len);
      if (sk.state === 'FIN_WAIT1' && sk.sndUna === sk.writeSeq) {
        sk.state = 'FIN_WAIT2';
        // A negative TCP_LINGER2: the orphan is closed at once and the ACK answered with a RST
        // (TCPAbortOnData).
        if (sk.orphan && (sk.linger2Ms ?? 0) < 0) {
          h.trace.step('tcp_rcv_state_process', sk.id, 'our FIN acked on an orphan with a negative TCP_LINGER2: closed, RST');
          tcp_done(h, sk);
          return true;
        }
        if (sk.orphan && finWait2Orphan(h, sk, seg)) return false;
      } else if (sk.state === 'CLOSING' && sk.sndUna === sk.writeSeq) {
        tcp_time_wait(h, sk, 'TIME_WAIT', 0);
        return false;
      } else if (sk.state === 'LAST_ACK' && sk.sndUna === sk.writeSeq) {
        sk.state = 'CLOSE';
        return false;
      }
    }
  }
  if (synAck) {
    // tcp_data_queue: the SYN's sequence number is below rcv_nxt now, an old duplicate: D-SACK
    // it and ACK at once.
    tcp_dsack_set(h, sk, seg.seq, seg.seq + 1);
    tcp_enter_quickack_mode(sk);
    sk.ackPending = true;
    tcp_data_snd_check(h, sk);
    __tcp_ack_snd_check(h, sk);
    return false;
  }
  const endSeq = seg.seq + seg.len;
  const peerClosed = sk.state === 'CLOSE_WAIT' || sk.state === 'CLOSING' || sk.state === 'LAST_ACK';
  if (peerClosed && seg.seq >= sk.rcvNxt) {
    // The peer already sent its FIN: new data is not queued.
    tcp_data_snd_check(h, sk);
    return false;
  }
  // RFC 1122: once RCV_SHUTDOWN is set (close(), SHUT_RD, or the peer's FIN: then only for a
  // segment starting below rcv_nxt, which falls through to here), a segment whose data passes
  // rcv_nxt is answered with a reset (TCPAbortOnData): tcp_reset closes the socket,
  // tcp_v4_do_rcv sends the RST.
  const abortOnData = peerClosed || sk.state === 'FIN_WAIT1' || sk.state === 'FIN_WAIT2';
  if (abortOnData && (sk.rcvShutdown || sk.finReceived) && (seg.len || seg.flags & TCPHDR_FIN) && endSeq > sk.rcvNxt) {
    h.trace.step('tcp_rcv_state_process', sk.id, `data ${seg.seq}:${endSeq} after reading was shut down: reset (TCPAbortOnData)`);
    tcp_reset(h, sk);
    return true;
  }
  const gotData = tcp_data_queue(h, sk, seg);
  tcp_data_snd_check(h, sk);
  if (gotData) __tcp_ack_snd_check(h, sk);
  return false;
}
