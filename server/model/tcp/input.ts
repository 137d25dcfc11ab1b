// The receive path that transmit depends on (net/ipv4/tcp_input.c, tcp_ipv4.c): the handshakes,
// ACK processing (snd_una, window, RTT, congestion control) and acknowledging received data.

import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN, TCP_ATO_MIN_MS, TCP_DELACK_MAX_MS, TCP_MAX_QUICKACKS, TCP_MSS_DEFAULT, TCP_MIN_MSS, TFO_SERVER_COOKIE_NOT_REQD, TFO_SERVER_ENABLE, TFO_SERVER_WO_SOCKOPT1 } from './constants';
import { cubictcp_acked, tcp_cong_avoid, tcp_slow_start_after_idle_check } from './cong';
import type { Host } from './host';
import { tcp_push_pending_frames } from './output';
import { tcp_ack_update_rtt, tcp_update_pacing_rate } from './rtt';
import { createSock, packetsOut, tcp_sync_mss } from './sock';
import { armRetransmitCheck, cancelLossProbe, clearProbeTimer, tcp_check_probe_timer, tcp_send_delayed_ack } from './timers';
import { rcvWscaleFor, tcp_send_ack, tcp_send_synack } from './transmit';
import { Skb, skbLen, TcpOption, TcpSock, truesizeFor, WirePacket } from './types';

/** An inbound segment as the script injects it. */
export interface Segment {
  flags: number;
  seq: number;
  ack: number;
  win: number;
  len: number;
  options: TcpOption[];
}

const DEFAULT_RCV_WND = 65535;
const LISTEN_PORT = 8080;

function optMss(o: TcpOption[]): number | undefined {
  for (const x of o) if (x.kind === 'mss') return x.value;
  return undefined;
}
function optWscale(o: TcpOption[]): number | undefined {
  for (const x of o) if (x.kind === 'wscale') return x.value;
  return undefined;
}
function optTs(o: TcpOption[]): { val: number; ecr: number } | undefined {
  for (const x of o) if (x.kind === 'TS') return x;
  return undefined;
}
function optFo(o: TcpOption[]): { cookie?: string } | undefined {
  for (const x of o) if (x.kind === 'FO') return x;
  return undefined;
}

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
    const child = tcp_conn_request(h, sk, seg);
    pkt.sock = child.id;
    pkt.src = { ...child.remote };
    pkt.dst = { ...child.local };
    h.wire.splice(h.wire.length - 1, 0, pkt); // the SYN came before our SYN-ACK
    return;
  }
  h.wire.push(pkt);
  if (seg.flags & TCPHDR_RST) {
    h.trace.step('tcp_reset', sk.id, 'RST received: connection closed');
    sk.state = 'CLOSE';
    return;
  }
  if (sk.state === 'SYN_SENT') {
    tcp_rcv_synsent_state_process(h, sk, seg);
    return;
  }
  tcp_rcv_state_process(h, sk, seg);
}

/** tcp_v4_send_reset: no socket wants this segment: answer with a RST (none to a RST). The
 * 4-tuple is that of the last connection, which is where packetdrill's segments go. */
function tcp_v4_send_reset(h: Host, seg: Segment, inbound: WirePacket): void {
  if (seg.flags & TCPHDR_RST) return;
  let last: TcpSock | undefined;
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
    ipId: 0,
    ttl: h.sysctl.ip_default_ttl,
    gsoSegs: 1,
  };
  h.trace.step('tcp_v4_send_reset', rst.sock, `no socket for this segment: RST ${withAck ? `ack ${rst.ack}` : `seq ${rst.seq}`}`);
  h.emit(rst);
}

function applyPeerOptions(h: Host, sk: TcpSock, o: TcpOption[], weSentTs: boolean): void {
  const mss = optMss(o);
  sk.mssClamp = Math.min(mss ?? TCP_MSS_DEFAULT, sk.userMss || 65535);
  const ws = optWscale(o);
  sk.wscaleOk = ws !== undefined && h.sysctl.tcp_window_scaling !== 0;
  sk.sndWscale = sk.wscaleOk ? Math.min(ws ?? 0, 14) : 0;
  sk.rcvWscale = sk.wscaleOk ? rcvWscaleFor(h) : 0;
  sk.sackOk = o.some((x) => x.kind === 'sackOK') && h.sysctl.tcp_sack !== 0;
  const ts = optTs(o);
  sk.tstampOk = ts !== undefined && weSentTs;
  if (ts) sk.tsRecent = ts.val;
}

/** tcp_conn_request: a SYN on a listener makes a request (modelled as the child socket in
 * SYN_RECV) and a SYN-ACK; with Fast Open the SYN's data is accepted at once. */
function tcp_conn_request(h: Host, lsk: TcpSock, seg: Segment): TcpSock {
  const sk = createSock(h, -1);
  sk.parent = lsk;
  sk.local = { ip: h.localIp, port: lsk.local.port || LISTEN_PORT };
  sk.remote = { ip: h.remoteIp, port: h.ephemeralPort() };
  sk.nonagle = lsk.nonagle;
  sk.sndbuf = lsk.sndbuf;
  sk.zerocopyEnabled = lsk.zerocopyEnabled;
  sk.userMss = lsk.userMss;
  sk.congestion = { ...lsk.congestion };
  applyPeerOptions(h, sk, seg.options, h.sysctl.tcp_timestamps !== 0);
  sk.irs = seg.seq;
  sk.rcvNxt = seg.seq + 1;
  sk.rcvWup = sk.rcvNxt;
  sk.rcvWnd = DEFAULT_RCV_WND;
  sk.iss = 0;
  sk.sndUna = sk.iss;
  sk.sndNxt = sk.iss + 1;
  sk.writeSeq = sk.iss + 1;
  sk.pushedSeq = sk.writeSeq;
  sk.sndWnd = seg.win; // a SYN's window is never scaled
  sk.maxWindow = seg.win;
  sk.sndWl1 = seg.seq;
  sk.state = 'SYN_RECV';
  tcp_sync_mss(h, sk);
  h.trace.step('tcp_conn_request', sk.id, `SYN from ${sk.remote.ip}: peer mss ${optMss(seg.options) ?? 'none'}, wscale ${optWscale(seg.options) ?? 'none'}, sack ${sk.sackOk}, timestamps ${sk.tstampOk}`, {
    peerMss: optMss(seg.options) ?? 0,
    mssCache: sk.mssCache,
  });
  if (seg.len > 0) {
    const tfo = h.sysctl.tcp_fastopen;
    const serverOn = (tfo & TFO_SERVER_ENABLE) !== 0 && (lsk.fastopenQlen > 0 || (tfo & TFO_SERVER_WO_SOCKOPT1) !== 0);
    if (serverOn && (tfo & TFO_SERVER_COOKIE_NOT_REQD) !== 0) {
      sk.rcvNxt += seg.len;
      sk.readable += seg.len;
      sk.fastopenChild = true;
      lsk.acceptQueue.push(sk);
      h.trace.step('tcp_try_fastopen', sk.id, `Fast Open: ${seg.len} bytes of SYN data accepted without a cookie; child can be accepted now`);
    } else {
      h.flagUnsupported('data in a SYN without Fast Open cookie handling (cookie generation is not modelled)');
    }
  } else if (optFo(seg.options)) {
    h.flagUnsupported('Fast Open cookie request in a SYN (server cookie generation is not modelled)');
  }
  // The SYN-ACK stays on the retransmit queue with no segment count, only to time the RTT
  // (tcp_synack_rtt_meas) when the handshake's ACK arrives.
  const synack: Skb = { id: h.id('skb'), seq: sk.iss, endSeq: sk.iss + 1, flags: TCPHDR_SYN | TCPHDR_ACK, eor: false, zerocopy: false, frags: 0, truesize: truesizeFor(0), pcount: 0 };
  tcp_send_synack(h, sk);
  synack.firstTxNs = h.nowNs;
  synack.sentNs = h.nowNs;
  sk.rtxQueue.push(synack);
  return sk;
}

/** tcp_rcv_synsent_state_process: the SYN-ACK of our active open. */
function tcp_rcv_synsent_state_process(h: Host, sk: TcpSock, seg: Segment): void {
  if (!(seg.flags & TCPHDR_SYN) || !(seg.flags & TCPHDR_ACK)) {
    h.flagUnsupported('segment other than SYN-ACK in SYN_SENT (simultaneous open / reset)');
    return;
  }
  if (seg.ack !== sk.sndNxt) {
    h.flagUnsupported(`SYN-ACK acknowledging ${seg.ack} instead of ${sk.sndNxt} (Fast Open data retransmission is not modelled)`);
    return;
  }
  applyPeerOptions(h, sk, seg.options, sk.tstampOk);
  sk.irs = seg.seq;
  sk.rcvNxt = seg.seq + 1;
  sk.rcvWup = sk.rcvNxt;
  sk.sndWnd = seg.win;
  sk.maxWindow = seg.win;
  sk.sndWl1 = seg.seq;
  const fo = optFo(seg.options);
  if (fo?.cookie) {
    h.tfoCookies.set(sk.remote.ip, fo.cookie);
    h.trace.step('tcp_fastopen_cache_set', sk.id, `Fast Open cookie ${fo.cookie} cached for ${sk.remote.ip}`);
  }
  cleanRtxQueue(h, sk, seg.ack);
  sk.sndUna = seg.ack;
  sk.state = 'ESTABLISHED';
  sk.cwnd = h.initCwnd;
  tcp_sync_mss(h, sk);
  tcp_update_pacing_rate(h, sk);
  sk.lsndtime = h.jiffies();
  h.trace.step('tcp_finish_connect', sk.id, `established: mss ${sk.mssCache}, peer wscale ${sk.sndWscale}, cwnd ${sk.cwnd}`);
  tcp_send_ack(h, sk);
  tcp_push_pending_frames(h, sk);
}

/** tcp_rcv_state_process (and tcp_rcv_established): ACK first, then data, then transmit, then ACK. */
function tcp_rcv_state_process(h: Host, sk: TcpSock, seg: Segment): void {
  if (seg.flags & TCPHDR_SYN) {
    h.flagUnsupported(`SYN in state ${sk.state} (retransmitted SYN / challenge ACK not modelled)`);
    return;
  }
  const ts = optTs(seg.options);
  if (ts && sk.tstampOk && seg.seq <= sk.rcvNxt) sk.tsRecent = ts.val;
  if (seg.flags & TCPHDR_ACK) {
    if (sk.state === 'SYN_RECV') {
      if (seg.ack < sk.sndUna + 1 || seg.ack > sk.sndNxt) {
        h.flagUnsupported(`bad ACK ${seg.ack} for our SYN-ACK (would trigger a RST)`);
        return;
      }
      tcp_ack(h, sk, seg);
      sk.state = 'ESTABLISHED';
      sk.sndWnd = seg.win * 2 ** sk.sndWscale;
      sk.maxWindow = Math.max(sk.maxWindow, sk.sndWnd);
      sk.sndWl1 = seg.seq;
      tcp_sync_mss(h, sk);
      tcp_update_pacing_rate(h, sk);
      sk.lsndtime = h.jiffies();
      tcp_initialize_rcv_mss(sk);
      if (!sk.fastopenChild && sk.parent) sk.parent.acceptQueue.push(sk);
      sk.fastopenChild = false;
      h.trace.step('tcp_rcv_state_process', sk.id, `handshake complete: ESTABLISHED, snd_wnd ${sk.sndWnd}, mss ${sk.mssCache}, cwnd ${sk.cwnd}`, {
        sndWnd: sk.sndWnd,
        mss: sk.mssCache,
      });
    } else {
      tcp_ack(h, sk, seg);
      if (sk.state === 'FIN_WAIT1' && sk.sndUna === sk.writeSeq) sk.state = 'FIN_WAIT2';
      else if (sk.state === 'CLOSING' && sk.sndUna === sk.writeSeq) sk.state = 'TIME_WAIT';
      else if (sk.state === 'LAST_ACK' && sk.sndUna === sk.writeSeq) {
        sk.state = 'CLOSE';
        return;
      }
    }
  }
  const gotData = tcp_data_queue(h, sk, seg);
  tcp_data_snd_check(h, sk);
  if (gotData) __tcp_ack_snd_check(h, sk);
}

function tcp_initialize_rcv_mss(sk: TcpSock): void {
  let hint = Math.min(sk.advmss, sk.mssCache);
  hint = Math.min(hint, Math.floor(sk.rcvWnd / 2), TCP_MSS_DEFAULT);
  sk.rcvMss = Math.max(hint, TCP_MIN_MSS);
}

/** tcp_clean_rtx_queue: drop what the ACK covers (trimming a partly acked TSO skb); returns the
 * segments newly acked and the transmit times for the RTT sample. */
function cleanRtxQueue(h: Host, sk: TcpSock, ack: number): { acked: number; dataAcked: boolean; firstTx?: number; lastTx?: number } {
  let acked = 0;
  let dataAcked = false;
  let firstTx: number | undefined;
  let lastTx: number | undefined;
  while (sk.rtxQueue.length) {
    const skb = sk.rtxQueue[0];
    if (skb.seq >= ack) break;
    if (skb.endSeq > ack) {
      if (skb.pcount <= 1) break;
      // tcp_tso_acked: trim the acked head of a TSO skb
      const before = skb.pcount;
      const mss = Math.max(1, Math.ceil(skbLen(skb) / skb.pcount));
      skb.seq = ack;
      skb.pcount = Math.max(1, Math.ceil(skbLen(skb) / mss));
      skb.truesize = truesizeFor(skbLen(skb));
      acked += before - skb.pcount;
      dataAcked = true;
    } else {
      sk.rtxQueue.shift();
      acked += skb.pcount;
      if (!(skb.flags & TCPHDR_SYN)) dataAcked = true;
      sk.wmemQueued = Math.max(0, sk.wmemQueued - skbLen(skb));
    }
    if (firstTx === undefined) firstTx = skb.firstTxNs;
    lastTx = skb.sentNs ?? skb.firstTxNs;
  }
  if (firstTx !== undefined && lastTx !== undefined) {
    const seqRtt = (h.nowNs - firstTx) / 1000;
    const caRtt = (h.nowNs - lastTx) / 1000;
    tcp_ack_update_rtt(h, sk, Math.floor(seqRtt), Math.floor(caRtt));
    cubictcp_acked(h, sk, Math.floor(caRtt));
  }
  return { acked, dataAcked, firstTx, lastTx };
}

/** tcp_ack: window update, snd_una, RTT, congestion control, pacing rate, probe timer. */
function tcp_ack(h: Host, sk: TcpSock, seg: Segment): void {
  const ack = seg.ack;
  if (ack > sk.sndNxt) {
    h.trace.step('tcp_ack', sk.id, `ACK ${ack} for data not sent yet (snd_nxt ${sk.sndNxt}): ignored`);
    h.flagUnsupported(`ACK of unsent data (${ack} > snd_nxt ${sk.sndNxt}); the kernel would answer with an ACK`);
    return;
  }
  if (ack < sk.sndUna) {
    h.trace.step('tcp_ack', sk.id, `old ACK ${ack} < snd_una ${sk.sndUna}: ignored`);
    return;
  }
  const priorPackets = packetsOut(sk);
  const priorUna = sk.sndUna;
  if (seg.options.some((o) => o.kind === 'sack')) h.flagUnsupported('SACK blocks in an ACK (SACK scoreboard and loss recovery are not modelled)');
  if (ack === priorUna && priorPackets && !seg.len && seg.win * 2 ** sk.sndWscale === sk.sndWnd && !(seg.flags & TCPHDR_FIN)) {
    h.trace.step('tcp_ack', sk.id, `duplicate ACK ${ack} with ${priorPackets} segments in flight`);
    h.flagUnsupported('duplicate ACK (fast retransmit / RACK loss detection is not modelled)');
  }
  tcp_ack_update_window(h, sk, seg);
  sk.sndUna = ack;
  const res = cleanRtxQueue(h, sk, ack);
  if (ack > priorUna) {
    armRetransmitCheck(h, sk);
    cancelLossProbe(sk);
  }
  h.trace.step('tcp_ack', sk.id, `snd_una ${priorUna} → ${ack}: ${res.acked} segments acked, ${packetsOut(sk)} still in flight`, {
    acked: res.acked,
    inFlight: packetsOut(sk),
    sndWnd: sk.sndWnd,
  });
  if (priorPackets) {
    if (res.dataAcked && sk.caState === 'Open') tcp_cong_avoid(h, sk, res.acked);
    tcp_update_pacing_rate(h, sk);
  } else if (sk.writeQueue.length) {
    // tcp_ack_probe: a window that opens for the head skb stops the zero-window probes.
    const head = sk.writeQueue[0];
    if (Math.min(head.endSeq, head.seq + sk.mssCache) <= sk.sndUna + sk.sndWnd) {
      sk.backoff = 0;
      if (sk.probeTimerNs !== undefined) {
        clearProbeTimer(sk);
        h.trace.step('tcp_ack_probe', sk.id, 'window reopened: zero-window probe timer cleared');
      }
    }
  }
}

/** tcp_ack_update_window: take the peer's (scaled) window if this segment is newer. */
function tcp_ack_update_window(h: Host, sk: TcpSock, seg: Segment): void {
  const nwin = seg.win * 2 ** sk.sndWscale;
  const may = seg.ack > sk.sndUna || seg.seq > sk.sndWl1 || (seg.seq === sk.sndWl1 && (nwin > sk.sndWnd || !nwin));
  if (!may) return;
  sk.sndWl1 = seg.seq;
  if (sk.sndWnd !== nwin) {
    h.trace.step('tcp_ack_update_window', sk.id, `peer window ${sk.sndWnd} → ${nwin} bytes (${seg.win} << ${sk.sndWscale})`, {
      before: sk.sndWnd,
      after: nwin,
    });
    sk.sndWnd = nwin;
    if (sk.writeQueue.length) tcp_slow_start_after_idle_check(h, sk, packetsOut(sk));
    if (nwin > sk.maxWindow) {
      sk.maxWindow = nwin;
      tcp_sync_mss(h, sk);
    }
  }
}

/** tcp_data_queue (+ tcp_fin): in-order data advances rcv_nxt; returns whether an ACK is owed. */
function tcp_data_queue(h: Host, sk: TcpSock, seg: Segment): boolean {
  const fin = (seg.flags & TCPHDR_FIN) !== 0;
  if (!seg.len && !fin) return false;
  if (seg.seq !== sk.rcvNxt) {
    h.trace.step('tcp_data_queue', sk.id, `segment at ${seg.seq} but rcv_nxt is ${sk.rcvNxt}: out of order or old, immediate duplicate ACK`);
    if (seg.seq > sk.rcvNxt) h.flagUnsupported('out-of-order data (SACK blocks are not modelled)');
    tcp_send_ack(h, sk);
    return false;
  }
  if (seg.len) {
    sk.rcvNxt += seg.len;
    sk.readable += seg.len;
    tcp_event_data_recv(h, sk, seg.len);
  }
  h.trace.step('tcp_data_queue', sk.id, `${seg.len} bytes in order${fin ? ' + FIN' : ''}: rcv_nxt ${sk.rcvNxt + (fin ? 1 : 0)}`, {
    len: seg.len,
  });
  sk.ackPending = true;
  if (fin) return tcp_fin(h, sk);
  return true;
}

/** tcp_event_data_recv: the first data starts quick-ACK mode; track the peer's segment size. */
function tcp_event_data_recv(h: Host, sk: TcpSock, len: number): void {
  if (len >= sk.rcvMss) sk.rcvMss = Math.min(len, sk.advmss); // tcp_measure_rcv_mss
  const now = h.jiffies();
  if (!sk.ato) {
    tcp_incr_quickack(sk);
    sk.ato = TCP_ATO_MIN_MS;
  } else {
    // Adapt the delayed-ACK timeout to the inter-arrival time of data.
    const m = now - sk.lrcvtime;
    if (m <= TCP_ATO_MIN_MS / 2) sk.ato = (sk.ato >> 1) + TCP_ATO_MIN_MS / 2;
    else if (m < sk.ato) sk.ato = Math.min((sk.ato >> 1) + m, sk.rtoMs, TCP_DELACK_MAX_MS);
    else if (m > sk.rtoMs) tcp_incr_quickack(sk);
  }
  sk.lrcvtime = now;
}

/** tcp_incr_quickack: up to 16 immediate ACKs, fewer for a small receive window. */
function tcp_incr_quickack(sk: TcpSock): void {
  let q = Math.floor(sk.rcvWnd / (2 * sk.rcvMss));
  if (q === 0) q = 2;
  q = Math.min(q, TCP_MAX_QUICKACKS);
  if (q > sk.quickAcks) sk.quickAcks = q;
}

/** tcp_fin: the peer closed its side. */
function tcp_fin(h: Host, sk: TcpSock): boolean {
  sk.rcvNxt += 1;
  sk.finReceived = true;
  const before = sk.state;
  switch (sk.state) {
    case 'SYN_RECV':
    case 'ESTABLISHED':
      sk.state = 'CLOSE_WAIT';
      sk.pingpong = 1; // inet_csk_enter_pingpong_mode
      break;
    case 'FIN_WAIT1':
      sk.state = 'CLOSING';
      tcp_send_ack(h, sk);
      return false;
    case 'FIN_WAIT2':
      sk.state = 'TIME_WAIT';
      tcp_send_ack(h, sk);
      return false;
    default:
      break;
  }
  h.trace.step('tcp_fin', sk.id, `FIN received: ${before} → ${sk.state}`);
  return true;
}

/** tcp_data_snd_check: after an ACK, send what became allowed. */
function tcp_data_snd_check(h: Host, sk: TcpSock): void {
  if (!sk.writeQueue.length) return;
  tcp_push_pending_frames(h, sk);
  if (!packetsOut(sk) && sk.writeQueue.length) tcp_check_probe_timer(h, sk);
}

/** __tcp_ack_snd_check: ACK now (more than one full segment unacked, quick-ACK mode) or later. */
function __tcp_ack_snd_check(h: Host, sk: TcpSock): void {
  if (!sk.ackPending) return;
  const bigGap = sk.rcvNxt - sk.rcvWup > sk.rcvMss;
  const quick = sk.quickAcks > 0 && sk.pingpong < 1;
  if (bigGap || quick || sk.ackNow) {
    h.trace.step('__tcp_ack_snd_check', sk.id, bigGap ? 'more than one full segment received: ACK now' : quick ? 'quick-ACK mode: ACK now' : 'an immediate ACK is due');
    sk.ackNow = false;
    tcp_send_ack(h, sk);
  } else {
    tcp_send_delayed_ack(h, sk);
  }
}
