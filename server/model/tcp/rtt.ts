// RTT estimation, RTO and the pacing rate (net/ipv4/tcp_input.c), re-expressed for the model.

import { jiffies_to_usecs, TCP_RTO_MAX_MS, usecs_to_jiffies } from './constants';
import type { Host } from './host';
import { packetsOut } from './sock';
import { TcpSock } from './types';

/** The live kernel takes an ACK in a little after its script time (packetdrill writes it to the
 * tun device, then the softirq runs): its microsecond RTT samples run INBOUND_DELAY_US longer than
 * the scripted gap (measured 150-250 us on this machine). It matters where usecs_to_jiffies rounds:
 * a 100 ms RTT gives an RTO of 300 ms and a little, 76 jiffies at HZ=250 (tcpi_rto 304000), not 75. */
export const INBOUND_DELAY_US = 100;

/** tcp_rtt_estimator: Jacobson/Karels smoothed RTT, srtt kept <<3 and mdev <<2 as in Linux. */
export function tcp_rtt_estimator(h: Host, sk: TcpSock, mrttUs: number): void {
  let m = Math.max(0, Math.floor(mrttUs));
  let srtt = sk.srttUs;
  // tcp_rto_min_us: icsk_rto_min, the floor of rttvar and so of the RTO.
  const rtoMinUs = sk.rtoMinMs * 1000;
  if (srtt !== 0) {
    m -= srtt >> 3;
    srtt += m;
    if (m < 0) {
      m = -m;
      m -= sk.mdevUs >> 2;
      if (m > 0) m >>= 3;
    } else {
      m -= sk.mdevUs >> 2;
    }
    sk.mdevUs += m;
    if (sk.mdevUs > sk.mdevMaxUs) {
      sk.mdevMaxUs = sk.mdevUs;
      if (sk.mdevMaxUs > sk.rttvarUs) sk.rttvarUs = sk.mdevMaxUs;
    }
    if (sk.sndUna > sk.rttSeq) {
      if (sk.mdevMaxUs < sk.rttvarUs) sk.rttvarUs -= (sk.rttvarUs - sk.mdevMaxUs) >> 2;
      sk.rttSeq = sk.sndNxt;
      sk.mdevMaxUs = rtoMinUs;
    }
  } else {
    srtt = m << 3;
    sk.mdevUs = m << 1;
    sk.rttvarUs = Math.max(sk.mdevUs, rtoMinUs);
    sk.mdevMaxUs = sk.rttvarUs;
    sk.rttSeq = sk.sndNxt;
  }
  sk.srttUs = Math.max(1, srtt);
  h.trace.step('tcp_rtt_estimator', sk.id, `RTT sample ${(mrttUs / 1000).toFixed(3)} ms → srtt ${(sk.srttUs / 8000).toFixed(3)} ms`, {
    sampleUs: mrttUs,
    srttUs: sk.srttUs >> 3,
    rttvarUs: sk.rttvarUs,
  });
}

/** tcp_set_rto: RTO = srtt + rttvar (rttvar is at least tcp_rto_min), bounded by TCP_RTO_MAX.
 * __tcp_set_rto keeps it in jiffies (usecs_to_jiffies rounds up): at HZ=250 a 10 ms RTT gives
 * 212 ms, not 210 (tcpi_rto 212000 on the live kernel), and backoff doubles that. */
export function tcp_set_rto(sk: TcpSock): void {
  const us = (sk.srttUs >> 3) + sk.rttvarUs;
  sk.rtoMs = Math.min(jiffies_to_usecs(usecs_to_jiffies(us)) / 1000, TCP_RTO_MAX_MS);
}

/** tcp_ack_update_rtt: the minimum-RTT filter, then the smoother and RTO. */
export function tcp_ack_update_rtt(h: Host, sk: TcpSock, seqRttUs: number, caRttUs: number): void {
  if (seqRttUs < 0) return;
  // The kernel keeps a windowed min (10 s); scripts are shorter than that, so a plain min is it.
  sk.minRttUs = Math.min(sk.minRttUs, Math.max(1, caRttUs));
  tcp_rtt_estimator(h, sk, seqRttUs);
  tcp_set_rto(sk);
  sk.backoff = 0;
}

/** tcp_update_pacing_rate: 200 % (slow start) or 120 % (congestion avoidance) of cwnd*mss/srtt. */
export function tcp_update_pacing_rate(h: Host, sk: TcpSock): void {
  const inSlowStartHalf = sk.cwnd < sk.ssthresh / 2;
  const ratio = inSlowStartHalf ? h.sysctl.tcp_pacing_ss_ratio : h.sysctl.tcp_pacing_ca_ratio;
  // rate = mss * (USEC_PER_SEC/100 << 3) * ratio * max(cwnd, packets_out) / srtt_us(<<3)
  let rate = sk.mssCache * ((1_000_000 / 100) * 8) * ratio * Math.max(sk.cwnd, packetsOut(sk));
  if (sk.srttUs) rate = Math.floor(rate / sk.srttUs);
  // never above SO_MAX_PACING_RATE
  rate = Math.min(rate, sk.maxPacingRate);
  sk.pacingRate = rate;
  h.trace.step('tcp_update_pacing_rate', sk.id, `pacing rate ${rate} B/s (${ratio} % of cwnd*mss/srtt)`, {
    rate,
    ratio,
  });
}
