// From an skb to a packet on the wire: __tcp_transmit_skb builds the TCP header and options,
// ip_queue_xmit the IPv4 header, then the neighbour, qdisc (pfifo or fq) and tun driver steps.

import {
  TCPHDR_ACK,
  TCPHDR_CWR,
  TCPHDR_FIN,
  TCPHDR_PSH,
  TCPHDR_RST,
  TCPHDR_SYN,
  TCPHDR_URG,
  TCP_ATO_MIN_MS,
  TCP_HEADER_LEN,
  MAX_TCP_OPTION_SPACE,
} from './constants';
import { icsk_ca_ops } from './cong';
import type { Host } from './host';
import { ipHeaderLen, wireIsIpv6 } from './family';
import { frame } from './trace';
import { tcp_write_xmit } from './output';
import { dst_metric_advmss, packetsOut, tcp_current_mss } from './sock';
import { tcp_select_window } from './rcvbuf';
import { inet_csk_clear_xmit_timer } from './timers';
import { tcp_enter_cwr } from './recovery';
import { INET_ECN_NOT_ECT, tcp_ecn_make_synack, tcp_ecn_send } from './ecn';
import { flagLetters } from '../flags';
import { packetChecksums } from '../pcap';
import { Skb, skbLen, TcpOption, TcpSock, tcp_skb_mss, truesizeFor, UbufInfo, WirePacket } from './types';
import { ip_dont_fragment } from './pmtudisc';
import { skb_orphan_frags_rx } from './zerocopy';

/** The window field: a SYN or SYN-ACK carries the initial window unscaled (at most 64 KB);
 * every other segment what tcp_select_window offers. */
function windowField(h: Host, sk: TcpSock, syn: boolean): number {
  // tcp_v4_timewait_ack: a timewait socket offers the window it was left with.
  if (sk.tw) return Math.min(Math.floor(sk.tw.rcvWnd / 2 ** sk.rcvWscale), 65535);
  return syn ? Math.min(sk.rcvWnd, 65535) : tcp_select_window(h, sk);
}

/** tcp_ns_to_ts: a time on the TS option's clock (ms; +1 keeps it non-zero at t=0, the model's
 * tsoffset). Undo compares the peer's echo with a send time on this clock. */
export function tcp_ns_to_ts(ns: number): number {
  return Math.floor(ns / 1e6) + 1;
}

function tsVal(h: Host): number {
  return tcp_ns_to_ts(h.nowNs); // tcp_time_stamp_ts
}

/** tcp_established_options' SACK part, written as tcp_options_write does: NOP NOP SACK with the
 * D-SACK block first, then the SACK blocks, as many as the 40 option bytes leave room for (3 with
 * timestamps, 4 without); a D-SACK goes out once (rx_opt.dsack is cleared when written). */
function tcp_established_options_sack(sk: TcpSock, o: TcpOption[]): void {
  // Copies: the socket's blocks change in place as data arrives, the packet must not.
  const blocks: Array<[number, number]> = [];
  if (sk.duplicateSack) blocks.push([sk.duplicateSack[0], sk.duplicateSack[1]]);
  for (const [start, end] of sk.selectiveAcks) blocks.push([start, end]);
  if (!blocks.length) return;
  const remaining = MAX_TCP_OPTION_SPACE - optionBytes(o);
  if (remaining < 4 + 8) return;
  const n = Math.min(blocks.length, Math.floor((remaining - 4) / 8));
  o.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: blocks.slice(0, n) });
  sk.duplicateSack = undefined;
}

/** tcp_syn_options / tcp_synack_options / tcp_established_options laid out as tcp_options_write
 * does: MSS, then SACK-permitted+TS (or NOP NOP TS), NOP NOP SACK-permitted, NOP WSCALE, Fast Open. */
export function buildOptions(h: Host, sk: TcpSock, syn: boolean): TcpOption[] {
  const o: TcpOption[] = [];
  if (!syn) {
    if (sk.tstampOk) o.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'TS', val: tsVal(h), ecr: sk.tsRecent });
    tcp_established_options_sack(sk, o);
    return o;
  }
  // tcp_advertise_mss: a route whose MTU dropped (ICMP fragmentation needed) lowers advmss for good.
  sk.advmss = Math.min(sk.advmss, dst_metric_advmss(h));
  o.push({ kind: 'mss', value: sk.userMss ? Math.min(sk.userMss, sk.advmss) : sk.advmss });
  // A full socket's SYN (also resent as a simultaneous open's SYN-ACK) offers what the sysctls
  // allow (tcp_syn_options); a request's SYN-ACK what was agreed (tcp_synack_options).
  const ownSyn = !sk.parent;
  const ts = ownSyn ? h.sysctl.tcp_timestamps !== 0 : sk.tstampOk;
  const sack = ownSyn ? h.sysctl.tcp_sack !== 0 : sk.sackOk;
  const wscale = ownSyn ? h.sysctl.tcp_window_scaling !== 0 : sk.wscaleOk;
  if (ts) {
    if (sack) o.push({ kind: 'sackOK' }, { kind: 'TS', val: tsVal(h), ecr: sk.tsRecent });
    else o.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'TS', val: tsVal(h), ecr: sk.tsRecent });
  } else if (sack) {
    o.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' });
  }
  if (wscale) o.push({ kind: 'nop' }, { kind: 'wscale', value: sk.rcvWscale });
  if (sk.fastopenRequest && sk.state === 'SYN_SENT' && !sk.fastopenRequest.noCookie && !sk.fastopenRequest.optionSent)
    pushFastopen(o, sk.fastopenRequest.cookie, !!sk.fastopenRequest.exp);
  if (sk.synackCookie && sk.state !== 'SYN_SENT') pushFastopen(o, sk.synackCookie.cookie, sk.synackCookie.exp);
  return o;
}

/** tcp_options_write's Fast Open part: kind 34, or the experimental kind 254 with its 2-byte magic,
 * then the cookie; two NOPs when the option's length is 2 mod 4. */
function pushFastopen(o: TcpOption[], cookie: string | undefined, exp: boolean): void {
  const opt: TcpOption = { kind: 'FO' };
  if (cookie) opt.cookie = cookie;
  if (exp) opt.exp = true;
  o.push(opt);
  const len = (exp ? 4 : 2) + (cookie ? cookie.length / 2 : 0);
  if ((len & 3) === 2) o.push({ kind: 'nop' }, { kind: 'nop' });
}

export function optionBytes(opts: TcpOption[]): number {
  let n = 0;
  for (const o of opts) {
    switch (o.kind) {
      case 'nop':
      case 'eol':
        n += 1;
        break;
      case 'mss':
        n += 4;
        break;
      case 'wscale':
        n += 3;
        break;
      case 'sackOK':
        n += 2;
        break;
      case 'TS':
        n += 10;
        break;
      case 'sack':
        n += 2 + 8 * o.blocks.length;
        break;
      case 'FO':
        n += (o.exp ? 4 : 2) + (o.cookie ? o.cookie.length / 2 : 0);
        break;
      case 'md5':
        n += 18;
        break;
      case 'unknown':
        break;
    }
  }
  return n;
}

/** NET_XMIT_DROP: the qdisc dropped the packet (a positive error for the TCP callers). */
export const NET_XMIT_DROP = 1;

/** __tcp_transmit_skb: stamp the departure time (EDT), build the header, hand it to IP. Returns 0,
 * or NET_XMIT_DROP when the qdisc dropped it: local congestion, so tcp_enter_cwr, and the skb is
 * not marked sent (no tcp_update_skb_after_send, no rate sample). */
export function tcp_transmit_skb(h: Host, sk: TcpSock, skb: Skb): number {
  using _frame = frame(h, '__tcp_transmit_skb');
  const prior = sk.wstampNs;
  sk.wstampNs = Math.max(sk.wstampNs, h.nowNs);
  const tstamp = sk.wstampNs;
  const syn = (skb.flags & TCPHDR_SYN) !== 0;
  const len = skbLen(skb);
  let flags = skb.flags;
  // GSO packets always carry PSH so the receiver's GRO flushes early. The kernel sets it on the
  // clone it transmits, so the skb kept for retransmission does not get it.
  if (!syn && skb.pcount > 1) flags |= TCPHDR_PSH;
  // tcp_ecn_send runs for every segment but a SYN (whose ECN bits tcp_ecn_send_syn and
  // tcp_ecn_make_synack set on the skb).
  const ecn = syn ? { flags, tos: INET_ECN_NOT_ECT } : tcp_ecn_send(h, sk, skb, len, flags);
  flags = ecn.flags;
  const urgPtr = tcp_urg_ptr(sk, skb.seq);
  if (urgPtr) flags |= TCPHDR_URG;
  const options = buildOptions(h, sk, syn);
  const pkt: WirePacket = {
    id: h.id('packet'),
    timeNs: tstamp,
    direction: 'out',
    sock: sk.id,
    src: { ...sk.local },
    dst: { ...sk.remote },
    flags,
    seq: skb.seq,
    ack: flags & TCPHDR_ACK ? sk.rcvNxt : 0,
    win: windowField(h, sk, syn),
    len,
    options,
    tos: ecn.tos | sk.inetTos,
    ...(urgPtr ? { urgPtr } : {}),
    ipId: 0,
    ttl: h.sysctl.ip_default_ttl,
    gsoSegs: Math.max(1, skb.pcount),
    // gso_size is the MSS the skb was counted with (tcp_skb_mss), not its average segment: a
    // 2080-byte skb at mss 1460 leaves as 1460 + 620.
    gsoSize: skb.pcount > 1 ? tcp_skb_mss(skb) : len,
  };
  h.trace.step(
    '__tcp_transmit_skb',
    sk.id,
    `TCP header: ${flagLetters(flags)} seq ${pkt.seq} ack ${pkt.ack} win ${pkt.win}, ${len} bytes, ${TCP_HEADER_LEN + optionBytes(options)}-byte header`,
    {
      seq: pkt.seq,
      ack: pkt.ack,
      len,
      win: pkt.win,
      flags: flagLetters(flags),
    },
  );
  if (flags & TCPHDR_ACK) tcp_event_ack_sent(sk);
  // A passive socket's SYN-ACK is the request sock's (tcp_v4_send_synack), not counted in the
  // child, which starts from the listener's zero.
  if (!(syn && flags & TCPHDR_ACK && sk.parent)) sk.segsOut += Math.max(1, skb.pcount);
  if (len > 0) {
    tcp_event_data_sent(h, sk);
    sk.dataSegsOut += Math.max(1, skb.pcount);
    sk.bytesSent += len;
  }
  const synack = syn && (flags & TCPHDR_ACK) !== 0;
  if (!ip_queue_xmit(h, sk, pkt, { truesize: skb.truesize, uarg: skb.uarg }, synack)) {
    // A passive open's SYN-ACK leaves from the request sock (ip_build_and_send_pkt), not through
    // __tcp_transmit_skb: nothing to reduce.
    if (!synack || !sk.parent) tcp_enter_cwr(h, sk, 'local congestion: the qdisc dropped a packet');
    return NET_XMIT_DROP;
  }
  tcp_update_skb_after_send(h, sk, skb, prior);
  skb.sentNs = tstamp;
  if (len > 0) skb.txDelivered = sk.delivered; // tcp_rate_skb_sent
  skb.sentOrder = pkt.id;
  skb.sentClock = sk.mstampRefreshes ?? 0;
  if (skb.firstTxNs === undefined) skb.firstTxNs = tstamp;
  return 0;
}

/** tcp_mstamp_refresh: the kernel reads its clock once on entry to tcp_write_xmit and to the
 * processing of an inbound segment; everything sent before the next reading shares one microsecond
 * timestamp (RACK sees such skbs as sent at the same time). */
export function tcp_mstamp_refresh(sk: TcpSock): void {
  sk.mstampRefreshes = (sk.mstampRefreshes ?? 0) + 1;
}

/** tcp_urg_mode: urgent data not yet acknowledged (snd_up ahead of snd_una). */
export function tcp_urg_mode(sk: TcpSock): boolean {
  return sk.urgUp !== undefined && sk.urgUp !== sk.sndUna;
}

/** __tcp_transmit_skb's urgent pointer: in urgent mode a segment starting before snd_up points
 * at it (snd_up - seq), or says 0xFFFF when it is further than that; 0 = no URG. */
function tcp_urg_ptr(sk: TcpSock, seq: number): number {
  if (!tcp_urg_mode(sk) || sk.urgUp === undefined || seq >= sk.urgUp) return 0;
  if (sk.urgUp < seq + 0x10000) return sk.urgUp - seq;
  return seq + 0xffff > sk.sndNxt ? 0xffff : 0;
}

/** tcp_event_ack_sent: any packet carrying our ACK makes a pending (delayed) ACK unnecessary. */
function tcp_event_ack_sent(sk: TcpSock): void {
  // tcp_dec_quickack_mode: an ACK of new data uses up one quick ACK
  if (sk.quickAcks) {
    const pkts = sk.ackPending ? 1 : 0;
    if (pkts >= sk.quickAcks) {
      sk.quickAcks = 0;
      sk.ato = TCP_ATO_MIN_MS;
    } else sk.quickAcks -= pkts;
  }
  sk.ackPending = false;
  // Any ACK sent also carries what compressed duplicate ACKs held back (their hrtimer is cancelled).
  if (sk.sackCompress.held) {
    sk.sackCompress.held = 0;
    sk.timerGens.compressedAck++;
  }
  // inet_csk_clear_xmit_timer(ICSK_TIME_DACK) clears icsk_ack.pending (ICSK_ACK_NOW, _PUSHED, _PUSHED2)
  sk.ackNow = false;
  sk.ackPushed = 0;
  inet_csk_clear_xmit_timer(sk, 'dack');
}

/** tcp_event_data_sent: remember when data last left (slow start after idle) and restart cubic's
 * epoch after an idle period (CA_EVENT_TX_START). */
function tcp_event_data_sent(h: Host, sk: TcpSock): void {
  if (packetsOut(sk) === 0) icsk_ca_ops(sk).cwnd_event_tx_start?.(h, sk);
  sk.lsndtime = h.jiffies();
  // A reply within ato of received data marks the session interactive (pingpong).
  if (h.jiffies() - sk.lrcvtime < sk.ato) sk.pingpong = Math.min(sk.pingpong + 1, 255);
}

/** tcp_update_skb_after_send: with pacing (fq, or TCP itself: pacing.ts), push the next departure time by len/rate, except
 * for the first 10 segments which sch_fq never paced. */
function tcp_update_skb_after_send(h: Host, sk: TcpSock, skb: Skb, prior: number): void {
  if (sk.pacingStatus === 'none') return;
  const rate = sk.pacingRate;
  if (rate !== Infinity && rate > 0 && sk.dataSegsOut >= 10) {
    let lenNs = Math.floor((skbLen(skb) * 1e9) / rate);
    const credit = sk.wstampNs - prior;
    lenNs -= Math.min(Math.floor(lenNs / 2), credit);
    sk.wstampNs += lenNs;
    h.trace.step(
      'tcp_update_skb_after_send',
      sk.id,
      `pacing: next departure ${(sk.wstampNs / 1e9).toFixed(6)} s (+${(lenNs / 1e6).toFixed(3)} ms)`,
      {
        nextNs: sk.wstampNs,
      },
    );
  }
}

/** The clone of an skb that goes to the device: its truesize (charged until tun frees it) and
 * the zerocopy ubuf it shares. */
interface XmitClone {
  truesize: number;
  uarg?: UbufInfo;
}

/** __sk_dst_check (ip_queue_xmit, inet6_csk_xmit): a route command since the socket's route was
 * looked up (rt_cache_flush's new genid, fib6's sernum) made it obsolete: look it up again, and
 * from now on dst_mtu is the new route's (tcp_current_mss resyncs the MSS when it differs from
 * icsk_pmtu_cookie). */
function __sk_dst_check(h: Host, sk: TcpSock): void {
  if (sk.staleDstMtu === undefined) return;
  const old = sk.staleDstMtu;
  sk.staleDstMtu = undefined;
  if (old !== h.pathMtu)
    h.trace.step('__sk_dst_check', sk.id, `the route changed: route looked up again, MTU ${old} → ${h.pathMtu}`, { mtu: h.pathMtu });
}

/** ip_queue_xmit: IPv4 header (DF as ip_dont_fragment says, TTL, id from the socket's counter,
 * one id per TSO segment). False when the qdisc dropped the packet. */
export function ip_queue_xmit(h: Host, sk: TcpSock, pkt: WirePacket, clone: XmitClone, synack: boolean): boolean {
  using _frame = frame(h, 'ip_queue_xmit');
  __sk_dst_check(h, sk);
  if (!ip_dont_fragment(h, sk)) pkt.noDf = true;
  if (synack) {
    // ip_build_and_send_pkt: with DF, id 0 for the SYN-ACK; without, a hashed id (not modelled).
    pkt.ipId = 0;
  } else {
    pkt.ipId = sk.inetId & 0xffff;
    sk.inetId = (sk.inetId + pkt.gsoSegs) & 0xffff;
  }
  const totLen = ipHeaderLen(h) + TCP_HEADER_LEN + optionBytes(pkt.options) + pkt.len;
  if (wireIsIpv6(h)) {
    // inet6_csk_xmit → ip6_xmit: a 40-byte header without id or checksum (the traffic class is
    // the socket's np->tclass, carried in pkt.tos like IPv4's TOS byte).
    h.trace.step(
      'inet6_csk_xmit',
      sk.id,
      `IPv6 header: ${pkt.src.ip} → ${pkt.dst.ip}, hop limit ${pkt.ttl}, payload length ${totLen - ipHeaderLen(h)}`,
      {
        ttl: pkt.ttl,
        totLen,
      },
    );
    return __dev_queue_xmit(h, sk, pkt, clone);
  }
  const csum = packetChecksums(pkt);
  h.trace.step(
    'ip_queue_xmit',
    sk.id,
    `IPv4 header: ${pkt.src.ip} → ${pkt.dst.ip}, id ${pkt.ipId}, ttl ${pkt.ttl}${pkt.noDf ? '' : ', DF'}, total length ${totLen}, checksum 0x${hex4(csum.ip)} (TCP checksum 0x${hex4(csum.tcp)})`,
    {
      id: pkt.ipId,
      ttl: pkt.ttl,
      totLen,
      ipChecksum: csum.ip,
      tcpChecksum: csum.tcp,
    },
  );
  h.trace.step('ip_finish_output2', sk.id, 'tun0 is a point-to-point device without ARP: neigh_output sends without a link-layer header');
  return __dev_queue_xmit(h, sk, pkt, clone);
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** __dev_queue_xmit: the skb is charged to the socket until the driver frees/orphans it. False
 * when the qdisc dropped it (freed at once: nothing stays charged). */
function __dev_queue_xmit(h: Host, sk: TcpSock, pkt: WirePacket, clone: XmitClone): boolean {
  using _frame = frame(h, '__dev_queue_xmit');
  if (h.qdiscDropsAll) {
    h.trace.step(
      'pfifo_enqueue',
      sk.id,
      `pfifo limit 0: packet ${flagLetters(pkt.flags)} ${pkt.seq}:${pkt.seq + pkt.len}(${pkt.len}) dropped (NET_XMIT_DROP)`,
    );
    return false;
  }
  sk.wmemAlloc += clone.truesize;
  if (h.qdisc === 'fq') {
    // sch_fq marks the socket as paced by the qdisc (SK_PACING_FQ) when it first sees it.
    if (sk.pacingStatus === 'none') sk.pacingStatus = 'fq';
    const departNs = Math.max(h.nowNs, pkt.timeNs);
    h.trace.step(
      'fq_enqueue',
      sk.id,
      departNs > h.nowNs
        ? `fq holds the packet until its departure time ${(departNs / 1e9).toFixed(6)} s`
        : 'fq: departure time reached, dequeued at once',
      { departNs },
    );
    if (departNs > h.nowNs) {
      h.addTimer(departNs, 'fq_dequeue', () => dev_hard_start_xmit(h, sk, pkt, clone));
      return true;
    }
  } else {
    h.trace.step('pfifo_enqueue', sk.id, 'pfifo: FIFO queue, dequeued at once');
  }
  dev_hard_start_xmit(h, sk, pkt, clone);
  return true;
}

/** dev_hard_start_xmit → tun_net_xmit: taps (packetdrill's packet socket) see the packet here;
 * tun orphans the skb, which is the TX completion TSQ waits for. */
function dev_hard_start_xmit(h: Host, sk: TcpSock, pkt: WirePacket, clone: XmitClone): void {
  using _frame = frame(h, 'dev_hard_start_xmit');
  pkt.timeNs = h.nowNs;
  const wire = h.tso || pkt.gsoSegs <= 1 ? [pkt] : skb_gso_segment(h, sk, pkt);
  for (const p of wire) {
    h.trace.step('dev_hard_start_xmit', sk.id, `packet ${p.id} leaves: ${flagLetters(p.flags)} ${p.seq}:${p.seq + p.len}(${p.len})`, {
      packet: p.id,
    });
    h.emit(p);
  }
  tun_net_xmit(h, sk, clone);
}

/** tun_net_xmit: skb_orphan_frags_rx copies MSG_ZEROCOPY pages (so their completion says
 * copied), and skb_orphan runs the skb's destructor, tcp_wfree. */
function tun_net_xmit(h: Host, sk: TcpSock, clone: XmitClone): void {
  using _frame = frame(h, 'tun_net_xmit');
  h.trace.step('tun_net_xmit', sk.id, 'tun queues the packet for its reader and orphans the skb (TX completion)');
  skb_orphan_frags_rx(clone.uarg);
  tcp_wfree(h, sk, clone.truesize);
}

/** validate_xmit_skb → skb_gso_segment (tcp_gso_segment): without TSO in the device, software
 * GSO cuts the packet at gso_size; PSH and FIN stay on the last segment, IP ids count up. */
function skb_gso_segment(h: Host, sk: TcpSock, pkt: WirePacket): WirePacket[] {
  const size = pkt.gsoSize ?? pkt.len;
  const out: WirePacket[] = [];
  for (let off = 0, k = 0; off < pkt.len; off += size, k++) {
    const last = off + size >= pkt.len;
    out.push({
      ...pkt,
      id: k === 0 ? pkt.id : h.id('packet'),
      seq: pkt.seq + off,
      len: Math.min(size, pkt.len - off),
      // CWR only on the first segment (tcp_gso_segment), PSH and FIN only on the last.
      flags: (last ? pkt.flags : pkt.flags & ~(TCPHDR_PSH | TCPHDR_FIN)) & (k === 0 ? ~0 : ~TCPHDR_CWR),
      ipId: (pkt.ipId + k) & 0xffff,
      gsoSegs: 1,
      gsoSize: undefined,
    });
  }
  h.trace.step('skb_gso_segment', sk.id, `device has no TSO: software GSO cuts ${pkt.len} bytes into ${out.length} segments of ${size}`, {
    segments: out.length,
  });
  return out;
}

/** tcp_wfree: the skb's memory returns to the socket; a TSQ-throttled socket resumes sending. */
function tcp_wfree(h: Host, sk: TcpSock, truesize: number): void {
  sk.wmemAlloc -= truesize;
  if (sk.tsqThrottled) {
    sk.tsqThrottled = false;
    h.trace.step('tcp_tsq_handler', sk.id, 'TX completion: TSQ lets tcp_write_xmit run again');
    tcp_write_xmit(h, sk, tcp_current_mss(h, sk), sk.nonagle, 0);
  }
}

/** A dataless control segment (ACK, probe, SYN-ACK without data) as a throwaway skb. */
function controlSkb(h: Host, seq: number, flags: number): Skb {
  return { id: h.id('skb'), seq, endSeq: seq, flags, eor: false, zerocopy: false, frags: 0, truesize: truesizeFor(0), pcount: 1 };
}

/** tcp_acceptable_seq: snd_nxt, or the window's right edge when the peer shrank its window so that
 * snd_nxt is beyond it by a window-scale unit or more (a sequence number the peer accepts). */
function tcp_acceptable_seq(sk: TcpSock): number {
  const wndEnd = sk.sndUna + sk.sndWnd;
  return sk.sndNxt <= wndEnd || (sk.wscaleOk && sk.sndNxt - wndEnd < 1 << sk.rcvWscale) ? sk.sndNxt : wndEnd;
}

/** tcp_send_ack: a pure ACK at tcp_acceptable_seq. */
export function tcp_send_ack(h: Host, sk: TcpSock): void {
  h.trace.step('tcp_send_ack', sk.id, `ACK ${sk.rcvNxt}`);
  tcp_transmit_skb(h, sk, controlSkb(h, tcp_acceptable_seq(sk), TCPHDR_ACK));
}

/** tcp_send_active_reset: RST|ACK at tcp_acceptable_seq, acknowledging rcv_nxt, when we abort a
 * connection (close() with unread data, a listener closing on unaccepted children); never
 * retransmitted. */
export function tcp_send_active_reset(h: Host, sk: TcpSock, why: string): void {
  const seq = tcp_acceptable_seq(sk);
  h.trace.step('tcp_send_active_reset', sk.id, `RST|ACK seq ${seq}: ${why}`);
  tcp_transmit_skb(h, sk, controlSkb(h, seq, TCPHDR_ACK | TCPHDR_RST));
}

/** tcp_xmit_probe_skb: a zero-window probe is an ACK with an old sequence number (snd_una - 1),
 * which the peer must answer with its current window. */
export function tcp_xmit_probe_skb(h: Host, sk: TcpSock): number {
  h.trace.step('tcp_xmit_probe_skb', sk.id, `window probe: ACK with seq snd_una-1 = ${sk.sndUna - 1}`);
  return tcp_transmit_skb(h, sk, controlSkb(h, sk.sndUna - 1, TCPHDR_ACK));
}

/** tcp_make_synack + ip_build_and_send_pkt: the SYN-ACK of a passive open. */
export function tcp_send_synack(h: Host, sk: TcpSock): void {
  h.trace.step('tcp_v4_send_synack', sk.id, `SYN-ACK for ${sk.remote.ip}:${sk.remote.port}`);
  const skb = controlSkb(h, sk.iss, tcp_ecn_make_synack(sk, TCPHDR_SYN | TCPHDR_ACK));
  skb.endSeq = sk.iss + 1;
  tcp_transmit_skb(h, sk, skb);
}
