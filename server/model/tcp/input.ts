// The receive path's entry (net/ipv4/tcp_ipv4.c tcp_v4_rcv, tcp_input.c tcp_rcv_state_process):
// find the socket, then handshake (handshake.ts), ACK (ack.ts) and data (receive.ts).

import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN } from './constants';
import { tcp_init_buffer_space } from './sndbuf';
import type { Host } from './host';
import { frame } from './trace';
import { tcp_update_pacing_rate } from './rtt';
import { tcp_sync_mss } from './sock';
import { TcpSock, WirePacket } from './types';
import { LISTEN_PORT, optTs, Segment } from './segment';
import { tcp_ack } from './ack';
import { reqsk_fastopen_remove } from './fastopen';
import { tcp_done_with_error } from './done';
import { keepaliveOnEstablish } from './keepalive';
import { reqsk_lookup, tcp_check_req_syn, tcp_conn_request, tcp_rcv_synsent_state_process, TCP_INVALID_RATELIMIT_MS } from './handshake';
import {
  __tcp_ack_snd_check,
  tcp_data_queue,
  tcp_data_snd_check,
  tcp_dsack_set,
  tcp_enter_quickack_mode,
  tcp_initialize_rcv_mss,
} from './receive';
import { tcp_receive_window } from './rcvbuf';
import { tcp_send_ack } from './transmit';

export type { Segment } from './segment';

/** The socket an inbound segment belongs to: a listener for a SYN, otherwise the newest
 * connection (packetdrill drives one "socket under test" at a time). */
function lookup(h: Host, seg: Segment): TcpSock | undefined {
  if (seg.flags & TCPHDR_SYN && !(seg.flags & TCPHDR_ACK)) {
    for (let k = h.socks.length - 1; k >= 0; k--) if (h.socks[k].state === 'LISTEN') return h.socks[k];
  }
  for (let k = h.socks.length - 1; k >= 0; k--) {
    const sk = h.socks[k];
    if (sk.state !== 'LISTEN' && sk.state !== 'CLOSE') return sk;
  }
  return undefined;
}

/** tcp_v4_rcv: the entry for a segment from the wire. */
export function tcp_v4_rcv(h: Host, seg: Segment, line: number): void {
  using _frame = frame(h, 'tcp_v4_rcv');
  const sk = lookup(h, seg);
  const pkt: WirePacket = {
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
  if (!sk) {
    h.wire.push(pkt);
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
    const req = seg.flags & TCPHDR_ACK ? undefined : reqsk_lookup(sk, h.socks, seg);
    if (req && seg.len === 0 && !(seg.flags & (TCPHDR_RST | TCPHDR_FIN))) {
      // tcp_v4_rcv finds the request (TCP_NEW_SYN_RECV) before the listener: tcp_check_req.
      pkt.sock = req.id;
      pkt.src = { ...req.remote };
      pkt.dst = { ...req.local };
      h.wire.push(pkt);
      tcp_check_req_syn(h, req);
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
  if (sk.state === 'SYN_SENT') {
    // tcp_v4_do_rcv: a segment tcp_rcv_state_process refuses gets a RST in reply.
    if (tcp_rcv_synsent_state_process(h, sk, seg)) tcp_v4_send_reset(h, seg, pkt, sk);
    return;
  }
  if (seg.flags & TCPHDR_RST) {
    // tcp_check_req: a Fast Open child reset in SYN_RECV.
    if (sk.state === 'SYN_RECV') reqsk_fastopen_remove(h, sk, true);
    tcp_reset(h, sk);
    return;
  }
  // tcp_v4_do_rcv: a segment tcp_rcv_state_process refuses gets a RST in reply.
  if (tcp_rcv_state_process(h, sk, seg)) tcp_v4_send_reset(h, seg, pkt, sk);
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

/** tcp_validate_incoming's sequence check (tcp_sequence): a segment wholly before the window we
 * last advertised, or starting beyond it, is dropped unread (its ACK too) and answered with a
 * duplicate ACK (tcp_send_dupack; without data at most one per 500 ms, tcp_oow_rate_limited).
 * The live kernel (6.18, "tcp: do not accept packets beyond window") also drops a segment that
 * ends beyond the window while the receive queue holds data; 6.12 accepts it. */
function tcp_sequence(h: Host, sk: TcpSock, seg: Segment): boolean {
  const endSeq = seg.seq + seg.len + (seg.flags & TCPHDR_FIN ? 1 : 0);
  const edge = sk.rcvNxt + tcp_receive_window(sk);
  let why: string | undefined;
  if (endSeq < sk.rcvWup) why = `ends before rcv_wup ${sk.rcvWup}`;
  else if (seg.seq > edge) why = `starts beyond the window's right edge ${edge}`;
  else if (endSeq > edge && sk.rcvQueue.length) why = `ends beyond the window's right edge ${edge} with data queued`;
  if (!why) return true;
  h.trace.step('tcp_sequence', sk.id, `segment ${seg.seq}:${endSeq} ${why}: dropped, duplicate ACK`);
  if (seg.flags & TCPHDR_RST) return false;
  if (!seg.len) {
    if (sk.lastOowAckNs !== undefined && h.nowNs - sk.lastOowAckNs < TCP_INVALID_RATELIMIT_MS * 1e6) return false;
    sk.lastOowAckNs = h.nowNs;
  } else if (seg.seq < sk.rcvNxt) {
    tcp_enter_quickack_mode(sk);
    tcp_dsack_set(h, sk, seg.seq, endSeq);
  }
  tcp_send_ack(h, sk);
  return false;
}

/** tcp_rcv_state_process (and tcp_rcv_established): ACK first, then data, then transmit, then ACK. */
function tcp_rcv_state_process(h: Host, sk: TcpSock, seg: Segment): boolean {
  if (seg.flags & TCPHDR_SYN) {
    h.flagUnsupported(`SYN in state ${sk.state} (retransmitted SYN / challenge ACK not modelled)`);
    return false;
  }
  if (!(seg.flags & TCPHDR_ACK)) {
    // tcp_rcv_established's slow path and tcp_rcv_state_process: no ACK, RST or SYN bit (packetdrill's
    // `-`): dropped before anything is read from it.
    h.trace.step('tcp_rcv_state_process', sk.id, 'segment without ACK, RST or SYN: dropped (SKB_DROP_REASON_TCP_FLAGS)');
    return false;
  }
  if (sk.state !== 'SYN_RECV' && !tcp_sequence(h, sk, seg)) return false;
  const ts = optTs(seg.options);
  if (ts && sk.tstampOk && seg.seq <= sk.rcvNxt) sk.tsRecent = ts.val;
  if (seg.flags & TCPHDR_ACK) {
    if (sk.state === 'SYN_RECV') {
      if (seg.ack < sk.sndUna + 1 || seg.ack > sk.sndNxt) {
        h.flagUnsupported(`bad ACK ${seg.ack} for our SYN-ACK (would trigger a RST)`);
        return false;
      }
      tcp_ack(h, sk, seg);
      sk.state = 'ESTABLISHED';
      sk.sndWnd = seg.win * 2 ** sk.sndWscale;
      // tcp_create_openreq_child builds the child from the handshake's ACK, so max_window is
      // that ACK's window (the SYN's plays no part); a Fast Open child was built from the SYN.
      sk.maxWindow = sk.fastopenChild ? Math.max(sk.maxWindow, sk.sndWnd) : sk.sndWnd;
      sk.sndWl1 = seg.seq;
      tcp_sync_mss(h, sk);
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
      tcp_ack(h, sk, seg);
      if (sk.state === 'FIN_WAIT1' && sk.sndUna === sk.writeSeq) sk.state = 'FIN_WAIT2';
      else if (sk.state === 'CLOSING' && sk.sndUna === sk.writeSeq) sk.state = 'TIME_WAIT';
      else if (sk.state === 'LAST_ACK' && sk.sndUna === sk.writeSeq) {
        sk.state = 'CLOSE';
        return false;
      }
    }
  }
  const endSeq = seg.seq + seg.len;
  if ((sk.state === 'FIN_WAIT1' || sk.state === 'FIN_WAIT2') && sk.rcvShutdown && seg.len && endSeq > sk.rcvNxt) {
    // RFC 1122: new data after close() (or SHUT_RD) must be answered with a reset
    // (TCPAbortOnData); tcp_v4_do_rcv sends it, tcp_reset closes the socket.
    h.trace.step('tcp_rcv_state_process', sk.id, `data ${seg.seq}:${endSeq} after our side stopped reading: reset (TCPAbortOnData)`);
    sk.state = 'CLOSE';
    return true;
  }
  if ((sk.state === 'CLOSE_WAIT' || sk.state === 'CLOSING' || sk.state === 'LAST_ACK') && seg.seq >= sk.rcvNxt) {
    // The peer already sent its FIN: new data is not queued.
    tcp_data_snd_check(h, sk);
    return false;
  }
  const gotData = tcp_data_queue(h, sk, seg);
  tcp_data_snd_check(h, sk);
  if (gotData) __tcp_ack_snd_check(h, sk);
  return false;
}
