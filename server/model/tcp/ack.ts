// ACK processing (net/ipv4/tcp_input.c tcp_ack): the peer's window, snd_una, the retransmit
// queue, RTT samples, congestion control and the pacing rate.

import { TCPHDR_FIN, TCPHDR_SYN } from './constants';
import { cubictcp_acked, tcp_cong_avoid, tcp_slow_start_after_idle_check } from './cong';
import type { Host } from './host';
import { tcp_ack_update_rtt, tcp_update_pacing_rate } from './rtt';
import { packetsOut, tcp_sync_mss } from './sock';
import { cancelXmitTimer, clearProbeTimer, tcp_set_xmit_timer } from './timers';
import { skbLen, TcpSock, truesizeFor } from './types';
import { Segment } from './segment';

/** tcp_clean_rtx_queue: drop what the ACK covers (trimming a partly acked TSO skb); returns the
 * segments newly acked and the transmit times for the RTT sample. */
export function cleanRtxQueue(h: Host, sk: TcpSock, ack: number): { acked: number; dataAcked: boolean; firstTx?: number; lastTx?: number } {
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
export function tcp_ack(h: Host, sk: TcpSock, seg: Segment): void {
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
  if (seg.options.some((o) => o.kind === 'sack'))
    h.flagUnsupported('SACK blocks in an ACK (SACK scoreboard and loss recovery are not modelled)');
  if (ack === priorUna && priorPackets && !seg.len && seg.win * 2 ** sk.sndWscale === sk.sndWnd && !(seg.flags & TCPHDR_FIN)) {
    h.trace.step('tcp_ack', sk.id, `duplicate ACK ${ack} with ${priorPackets} segments in flight`);
    h.flagUnsupported('duplicate ACK (fast retransmit / RACK loss detection is not modelled)');
  }
  tcp_ack_update_window(h, sk, seg);
  sk.sndUna = ack;
  const res = cleanRtxQueue(h, sk, ack);
  if (ack > priorUna) {
    if (sk.tlpHighSeq !== undefined && ack >= sk.tlpHighSeq) sk.tlpHighSeq = undefined; // tcp_process_tlp_ack
    cancelXmitTimer(sk);
    tcp_set_xmit_timer(h, sk);
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
