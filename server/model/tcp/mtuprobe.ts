// Packetization-layer path MTU discovery (RFC 4821), net.ipv4.tcp_mtu_probing: tcp_mtup_init,
// tcp_mtu_probe (a larger segment built from the head of the write queue), tcp_mtu_check_reprobe,
// tcp_mtup_probe_success / tcp_mtup_probe_failed, and the black hole detection of the RTO
// (tcp_timer.c's tcp_mtu_probing). The search range is in MTUs; tcp_sync_mss (sock.ts) keeps the
// MSS at search_low's while probing is enabled.
import { LIVE_HZ, TCPHDR_ACK, TCPHDR_FIN, TCPHDR_PSH, TCP_HEADER_LEN } from './constants';
import { tcp_current_ssthresh } from './cong';
import type { Host } from './host';
import { frame } from './trace';
import { tcpWndEnd, tcp_current_mss, tcp_mss_to_mtu, tcp_mtu_to_mss, tcp_packets_in_flight, tcp_sync_mss } from './sock';
import { tcp_event_new_data_sent, tcp_set_skb_tso_segs, tcp_skb_can_collapse } from './output';
import { tcp_transmit_skb } from './transmit';
import { Skb, skbLen, TcpSock, truesizeFor } from './types';
import { net_header_len } from './family';

/** tcp_mtup_init (tcp_connect_init, tcp_init_transfer, a simultaneous open's SYN): probing is on
 * from the start only with tcp_mtu_probing = 2; the search runs from tcp_base_mss's MTU up to the
 * peer's MSS clamp plus the headers. It does not resync the MSS: a socket whose MSS was computed
 * before (a passive open's child, in tcp_v4_syn_recv_sock) keeps it until the next tcp_sync_mss. */
export function tcp_mtup_init(h: Host, sk: TcpSock): void {
  const m = sk.mtup;
  m.enabled = h.sysctl.tcp_mtu_probing > 1;
  m.searchHigh = sk.mssClamp + TCP_HEADER_LEN + net_header_len(h);
  m.searchLow = tcp_mss_to_mtu(h, sk, h.sysctl.tcp_base_mss);
  m.probeSize = 0;
  if (m.enabled) m.probeTimestamp = h.jiffies();
  if (m.enabled)
    h.trace.step('tcp_mtup_init', sk.id, `MTU probing on: search MTUs ${m.searchLow}..${m.searchHigh}`, {
      searchLow: m.searchLow,
      searchHigh: m.searchHigh,
    });
}

/** tcp_mtu_check_reprobe: a search that has ended (its range narrower than tcp_probe_threshold)
 * starts again from the current MSS up to the MSS clamp once tcp_probe_interval seconds passed
 * since it started. */
function tcp_mtu_check_reprobe(h: Host, sk: TcpSock): void {
  const m = sk.mtup;
  const interval = h.sysctl.tcp_probe_interval;
  const delta = (h.jiffies() - m.probeTimestamp) | 0;
  if (delta < interval * LIVE_HZ) return;
  const mss = tcp_current_mss(h, sk);
  m.probeSize = 0;
  m.searchHigh = sk.mssClamp + TCP_HEADER_LEN + net_header_len(h);
  m.searchLow = tcp_mss_to_mtu(h, sk, mss);
  m.probeTimestamp = h.jiffies();
  h.trace.step(
    'tcp_mtu_check_reprobe',
    sk.id,
    `${interval} s since the search started: search MTUs ${m.searchLow}..${m.searchHigh} again`,
    {
      searchLow: m.searchLow,
      searchHigh: m.searchHigh,
    },
  );
}

/** tcp_can_coalesce_send_queue_head: the skbs the probe takes its bytes from may be merged (no
 * MSG_EOR between them, no mix of zerocopy and copied data). */
function tcp_can_coalesce_send_queue_head(sk: TcpSock, len: number): boolean {
  const q = sk.writeQueue;
  for (let k = 0; k < q.length; k++) {
    const skb = q[k];
    if (len <= skbLen(skb)) break;
    const next = q[k + 1];
    if (!next || !tcp_skb_can_collapse(skb, next)) return false;
    len -= skbLen(skb);
  }
  return true;
}

/** tcp_mtu_probe (from tcp_write_xmit unless it sends one skb): when probing is enabled, no probe
 * is out, the state is Open, cwnd is at least 11 and no SACK blocks are advertised, send the first
 * probe_size bytes of the write queue as one segment of the MTU halfway between search_low and
 * search_high, provided reordering + 1 MSS-sized segments can follow it (write queue and peer's
 * window) and cwnd has room for two. Returns 1 if a probe was sent, 0 to wait for cwnd or the
 * window (tcp_write_xmit then sends nothing), -1 otherwise. */
export function tcp_mtu_probe(h: Host, sk: TcpSock): -1 | 0 | 1 {
  const m = sk.mtup;
  if (!m.enabled || m.probeSize || sk.caState !== 'Open' || sk.cwnd < 11 || sk.selectiveAcks.length || sk.duplicateSack) return -1;
  using _frame = frame(h, 'tcp_mtu_probe');
  const mssNow = tcp_current_mss(h, sk);
  const probeSize = tcp_mtu_to_mss(h, sk, (m.searchHigh + m.searchLow) >> 1);
  const sizeNeeded = probeSize + (sk.recovery.reordering + 1) * sk.mssCache;
  const interval = m.searchHigh - m.searchLow;
  if (probeSize > tcp_mtu_to_mss(h, sk, m.searchHigh) || interval < h.sysctl.tcp_probe_threshold) {
    tcp_mtu_check_reprobe(h, sk);
    return -1;
  }
  if (sk.writeSeq - sk.sndNxt < sizeNeeded) return -1;
  if (sk.sndWnd < sizeNeeded) return -1;
  if (sk.sndNxt + sizeNeeded > tcpWndEnd(sk)) return 0;
  const inFlight = tcp_packets_in_flight(sk);
  if (inFlight + 2 > sk.cwnd) return inFlight ? 0 : -1;
  if (!tcp_can_coalesce_send_queue_head(sk, probeSize)) return -1;
  const q = sk.writeQueue;
  const head = q[0];
  if (q.some((skb) => skb.uarg && skb.seq < head.seq + probeSize)) {
    h.flagUnsupported('an MTU probe built from MSG_ZEROCOPY data');
    return -1;
  }
  // Build the probe: the first probe_size bytes of the queue in one new skb; the skbs it covers
  // are eaten (their flags and EOR move to it), the one it cuts into is trimmed at its head.
  const nskb: Skb = {
    id: h.id('skb'),
    seq: head.seq,
    endSeq: head.seq + probeSize,
    flags: TCPHDR_ACK,
    eor: false,
    zerocopy: head.zerocopy,
    frags: 1,
    truesize: truesizeFor(probeSize),
    pcount: 0,
  };
  let len = 0;
  while (q.length && len < probeSize) {
    const skb = q[0];
    const copy = Math.min(skbLen(skb), probeSize - len);
    if (skbLen(skb) <= copy) {
      // tcp_eat_one_skb
      nskb.flags |= skb.flags;
      nskb.eor = skb.eor;
      nskb.frags += skb.frags;
      q.shift();
    } else {
      nskb.flags |= skb.flags & ~(TCPHDR_FIN | TCPHDR_PSH);
      skb.seq += copy;
      skb.truesize = truesizeFor(skbLen(skb));
      tcp_set_skb_tso_segs(skb, mssNow);
    }
    len += copy;
  }
  q.unshift(nskb);
  tcp_set_skb_tso_segs(nskb, skbLen(nskb)); // tcp_init_tso_segs: one segment
  h.trace.step(
    'tcp_mtu_probe',
    sk.id,
    `MTU probe: ${probeSize} bytes (MTU ${tcp_mss_to_mtu(h, sk, probeSize)}, searching ${m.searchLow}..${m.searchHigh}) at seq ${nskb.seq}, mss ${mssNow}`,
    { seq: nskb.seq, len: probeSize, searchLow: m.searchLow, searchHigh: m.searchHigh },
  );
  if (tcp_transmit_skb(h, sk, nskb)) return -1;
  // Two packets' worth in effect: cwnd pays one back (tcp_mtup_probe_success / _failed restore it).
  sk.cwnd -= 1;
  tcp_event_new_data_sent(h, sk, nskb);
  m.probeSize = tcp_mss_to_mtu(h, sk, skbLen(nskb));
  m.probeSeqStart = nskb.seq;
  m.probeSeqEnd = nskb.endSeq;
  return 1;
}

/** tcp_mtup_probe_success (tcp_clean_rtx_queue, once snd_una passes the probe's end): search_low
 * becomes the probe's MTU and the MSS follows it (tcp_sync_mss); cwnd is rescaled to keep the
 * same bytes in flight, ssthresh to what tcp_current_ssthresh gives. */
export function tcp_mtup_probe_success(h: Host, sk: TcpSock): void {
  const m = sk.mtup;
  sk.recovery.priorSsthresh = tcp_current_ssthresh(sk);
  const before = sk.cwnd;
  sk.cwnd = Math.max(1, Math.floor((sk.cwnd * tcp_mss_to_mtu(h, sk, sk.mssCache)) / m.probeSize));
  sk.cwndCnt = 0;
  sk.sndCwndStamp = h.jiffies();
  sk.ssthresh = tcp_current_ssthresh(sk);
  m.searchLow = m.probeSize;
  m.probeSize = 0;
  const mssBefore = sk.mssCache;
  tcp_sync_mss(h, sk, sk.pmtuCookie);
  h.trace.step(
    'tcp_mtup_probe_success',
    sk.id,
    `MTU probe acked: search_low ${m.searchLow}, mss ${mssBefore} → ${sk.mssCache}, cwnd ${before} → ${sk.cwnd}`,
    { searchLow: m.searchLow, mss: sk.mssCache, cwnd: sk.cwnd },
  );
}

/** tcp_mtup_probe_failed (tcp_fastretrans_alert: the probe at snd_una is lost in Open or Disorder):
 * search_high drops below the probe's MTU. */
export function tcp_mtup_probe_failed(h: Host, sk: TcpSock): void {
  const m = sk.mtup;
  m.searchHigh = m.probeSize - 1;
  m.probeSize = 0;
  h.trace.step('tcp_mtup_probe_failed', sk.id, `MTU probe lost: search_high ${m.searchHigh}`, { searchHigh: m.searchHigh });
}

/** tcp_mtu_probing (tcp_timer.c, from tcp_write_timeout once tcp_retries1 RTOs' worth of time
 * passed without an ACK): with tcp_mtu_probing set, a black hole is suspected: probing is switched
 * on (tcp_mtu_probing = 1), or if it was on, search_low drops to half its MSS (at most
 * tcp_base_mss, at least tcp_mtu_probe_floor and tcp_min_snd_mss); the MSS follows. */
export function tcp_mtu_probing(h: Host, sk: TcpSock): void {
  if (!h.sysctl.tcp_mtu_probing) return;
  const m = sk.mtup;
  let note: string;
  if (!m.enabled) {
    m.enabled = true;
    m.probeTimestamp = h.jiffies();
    note = 'black hole suspected: MTU probing on';
  } else {
    let mss = tcp_mtu_to_mss(h, sk, m.searchLow) >> 1;
    mss = Math.min(h.sysctl.tcp_base_mss, mss);
    mss = Math.max(mss, h.sysctl.tcp_mtu_probe_floor);
    mss = Math.max(mss, h.sysctl.tcp_min_snd_mss);
    m.searchLow = tcp_mss_to_mtu(h, sk, mss);
    note = `black hole suspected: search_low ${m.searchLow}`;
  }
  const before = sk.mssCache;
  tcp_sync_mss(h, sk, sk.pmtuCookie);
  h.trace.step('tcp_mtu_probing', sk.id, `${note}, mss ${before} → ${sk.mssCache}`, { searchLow: m.searchLow, mss: sk.mssCache });
}
