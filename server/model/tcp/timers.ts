// Timers (net/ipv4/tcp_timer.c): the retransmission timeout, tail loss probe, RACK reordering
// timer (all three share icsk_retransmit_timer), zero-window probe and delayed ACK.

import {
  TCPHDR_PSH,
  TCP_ATO_MIN_MS,
  TCP_DELACK_MAX_MS,
  TCP_NAGLE_OFF,
  TCP_RESOURCE_PROBE_INTERVAL_MS,
  TCP_RTO_MAX_MS,
  TCP_RTO_MIN_MS,
  TCP_TIMEOUT_INIT_MS,
  TCP_TIMEOUT_MIN_US,
  jiffies_to_usecs,
  jiffiesTimerAtNs,
  jiffiesTimerDelayUs,
  usecs_to_jiffies,
} from './constants';
import type { Host } from './host';
import { tcp_event_new_data_sent, tcp_set_skb_tso_segs, tcp_snd_wnd_test, tcp_write_xmit, tso_fragment } from './output';
import { inet_csk_in_pingpong_mode, packetsOut, tcpWndEnd, tcp_current_mss } from './sock';
import { tcp_send_ack, tcp_transmit_skb, tcp_xmit_probe_skb } from './transmit';
import {
  tcp_clamp_rto_to_user_timeout,
  tcp_orphan_retries,
  tcp_loss_probe_retransmit,
  tcp_rack_reo_timeout,
  RTO_RESOURCE_PROBE,
  tcp_retransmit_timer,
} from './recovery';
import { skbLen, TcpSock, TimerGens } from './types';
import { tcp_pacing_delay_ms } from './pacing';
import { tcp_write_err } from './done';

/** The socket's timer generations (TcpSock.timerGens): re-arming bumps one so a stale callback
 * does nothing. */
function gen(sk: TcpSock): TimerGens {
  return sk.timerGens;
}

/** inet_csk_reset_xmit_timer(ICSK_TIME_RETRANS / REO_TIMEOUT / LOSS_PROBE): RTO, RACK's timer, the
 * loss probe and the zero-window probe are all icsk_retransmit_timer, so arming one of the first
 * three replaces a pending probe0 (icsk_pending names one). Returns the new generation. */
function takeXmitTimer(sk: TcpSock): number {
  const g = gen(sk);
  g.probe++;
  sk.probeTimerNs = undefined;
  return ++g.xmit;
}

/** tcp_rearm_rto: (re)start the retransmission timer while data is outstanding. Without an
 * explicit time it is tcp_reset_xmit_timer's: the RTO plus tcp_pacing_delay (a paced packet not
 * yet due is no loss). */
export function tcp_rearm_rto(h: Host, sk: TcpSock, ms = sk.rtoMs + tcp_pacing_delay_ms(h, sk)): void {
  const g = gen(sk);
  // Nothing out: inet_csk_clear_xmit_timer(ICSK_TIME_RETRANS), which clears a probe0 as well.
  const my = takeXmitTimer(sk);
  if (!packetsOut(sk) && !sk.rtxQueue.length) return;
  const una = sk.sndUna;
  // inet_csk_reset_xmit_timer counts whole jiffies, which the timer wheel runs a little late.
  h.addTimer(jiffiesTimerAtNs(h.nowNs, ms * 1000), 'tcp_retransmit_timer', () => {
    if (g.xmit !== my || !sk.rtxQueue.length || sk.sndUna !== una) return;
    // out_reset_timer: the backed-off RTO, no later than TCP_USER_TIMEOUT allows; after local
    // congestion (the qdisc dropped the retransmission) TCP_RESOURCE_PROBE_INTERVAL.
    const r = tcp_retransmit_timer(h, sk);
    if (r === RTO_RESOURCE_PROBE) tcp_rearm_rto(h, sk, TCP_RESOURCE_PROBE_INTERVAL_MS);
    else if (r) tcp_rearm_rto(h, sk, tcp_clamp_rto_to_user_timeout(h, sk));
  });
}

/** ICSK_TIME_REO_TIMEOUT → tcp_rack_reo_timeout: mark what became overdue, enter recovery and
 * resend; then the RTO runs again, counted from the head's send time (tcp_rearm_rto). */
export function armReoTimer(h: Host, sk: TcpSock, ms: number): void {
  const g = gen(sk);
  const my = takeXmitTimer(sk);
  g.reo = my;
  h.addTimer(h.nowNs + ms * 1e6, 'tcp_rack_reo_timeout', () => {
    if (g.xmit !== my || !packetsOut(sk)) return;
    g.reo = 0;
    tcp_rack_reo_timeout(h, sk);
    const head = sk.rtxQueue[0];
    const leftMs = head?.sentNs === undefined ? sk.rtoMs : sk.rtoMs - (h.nowNs - head.sentNs) / 1e6;
    tcp_rearm_rto(h, sk, Math.max(leftMs, 1));
  });
}

/** icsk_pending == ICSK_TIME_REO_TIMEOUT: RACK's reordering timer is the one armed. */
export function tcp_reo_timer_pending(sk: TcpSock): boolean {
  const g = gen(sk);
  return !!g.reo && g.reo === g.xmit;
}

/** tcp_schedule_loss_probe: if no ACK comes within the probe timeout — 2*srtt plus 2 jiffies (or
 * plus the minimum RTO when a single packet is out, for the peer's delayed ACK), never later than
 * the RTO — send a tail loss probe. Returns false when no probe applies. */
export function tcp_schedule_loss_probe(h: Host, sk: TcpSock, advancingRto: boolean): boolean {
  const er = h.sysctl.tcp_early_retrans;
  const out = packetsOut(sk);
  if ((er !== 3 && er !== 4) || !out || !sk.sackOk || (sk.caState !== 'Open' && sk.caState !== 'CWR') || sk.fastopenChild) return false;
  let timeoutUs: number;
  if (sk.srttUs) {
    // usecs_to_jiffies(2*srtt + TCP_TIMEOUT_MIN_US, or + the minimum RTO for one packet), in the
    // live kernel's 4 ms jiffies (CONFIG_HZ=250): the 2 ms are added before rounding, so 2*10 ms
    // + 2 ms is 6 jiffies (24 ms), not the 8 of rounding 2*srtt first and adding 2 jiffies.
    const extraUs = out === 1 ? sk.rtoMinMs * 1000 : TCP_TIMEOUT_MIN_US;
    timeoutUs = jiffies_to_usecs(usecs_to_jiffies((sk.srttUs >> 2) + extraUs));
  } else {
    timeoutUs = TCP_TIMEOUT_INIT_MS * 1000;
  }
  const rtoDeltaUs = advancingRto ? sk.rtoMs * 1000 : tcp_rto_delta_us(h, sk);
  if (rtoDeltaUs > 0) timeoutUs = Math.min(timeoutUs, jiffies_to_usecs(usecs_to_jiffies(rtoDeltaUs)));
  // The timer wheel runs it up to a jiffy later (live: a 6-jiffy probe after a 10 ms RTT left
  // 25.8 ms after the data; one after a sub-jiffy RTT 8 ms after).
  timeoutUs = jiffiesTimerDelayUs(h.nowNs, usecs_to_jiffies(timeoutUs));
  // tcp_reset_xmit_timer: no probe before a paced packet is due
  timeoutUs += tcp_pacing_delay_ms(h, sk) * 1000;
  const g = gen(sk);
  const my = takeXmitTimer(sk);
  h.addTimer(h.nowNs + timeoutUs * 1e3, 'tcp_send_loss_probe', () => {
    if (g.xmit !== my || !packetsOut(sk)) return;
    tcp_send_loss_probe(h, sk, timeoutUs);
  });
  return true;
}

/** tcp_send_loss_probe: send new data if the window allows (one skb, past cwnd and Nagle),
 * otherwise retransmit the last segment; then the RTO runs from now. */
function tcp_send_loss_probe(h: Host, sk: TcpSock, timeoutUs: number): void {
  const mss = tcp_current_mss(h, sk);
  const head = sk.writeQueue[0];
  if (sk.tlpHighSeq === undefined && head && tcp_snd_wnd_test(sk, head, mss)) {
    const before = packetsOut(sk);
    h.trace.step('tcp_send_loss_probe', sk.id, `no ACK for ${(timeoutUs / 1000).toFixed(0)} ms: probe with new data`);
    tcp_write_xmit(h, sk, mss, TCP_NAGLE_OFF, 2);
    if (packetsOut(sk) > before) {
      sk.tlpHighSeq = sk.sndNxt;
      sk.tlpRetrans = false;
      tcp_rearm_rto(h, sk);
    } else rearmFromHead(h, sk);
    return;
  }
  h.trace.step('tcp_send_loss_probe', sk.id, `no ACK for ${(timeoutUs / 1000).toFixed(0)} ms and no new data: probe with the last segment`);
  // probe_sent clears icsk_pending so the RTO restarts from now; every other way out reaches
  // rearm_timer with ICSK_TIME_LOSS_PROBE still pending, and tcp_rearm_rto then counts the RTO
  // from the head's last transmission (tcp_rto_delta_us).
  if (tcp_loss_probe_retransmit(h, sk)) tcp_rearm_rto(h, sk);
  else rearmFromHead(h, sk);
}

/** tcp_rearm_rto with ICSK_TIME_LOSS_PROBE pending: the RTO expires one RTO after the head of the
 * retransmission queue was (re)sent, usecs_to_jiffies(max(tcp_rto_delta_us, 1)). */
function rearmFromHead(h: Host, sk: TcpSock): void {
  const ms = jiffies_to_usecs(usecs_to_jiffies(Math.max(tcp_rto_delta_us(h, sk), 1))) / 1000;
  tcp_rearm_rto(h, sk, ms + tcp_pacing_delay_ms(h, sk));
}

/** tcp_rto_delta_us: how long until the RTO counted from the head of the retransmission queue's
 * last send would expire (a whole RTO when nothing was sent yet). */
function tcp_rto_delta_us(h: Host, sk: TcpSock): number {
  const head = sk.rtxQueue[0];
  return head?.sentNs === undefined ? sk.rtoMs * 1000 : sk.rtoMs * 1000 - (h.nowNs - head.sentNs) / 1000;
}

/** tcp_set_xmit_timer after an ACK: a fresh loss probe, or else the RTO. */
export function tcp_set_xmit_timer(h: Host, sk: TcpSock): void {
  if (!tcp_schedule_loss_probe(h, sk, true)) tcp_rearm_rto(h, sk);
}

/** inet_csk_clear_xmit_timer: stop one of the socket's timers (a stale callback finds its
 * generation moved on and does nothing). RTO, loss probe and RACK's timer are one ('retrans'). */
export function inet_csk_clear_xmit_timer(sk: TcpSock, what: 'retrans' | 'probe0' | 'dack'): void {
  const g = gen(sk);
  if (what === 'retrans') takeXmitTimer(sk);
  else if (what === 'probe0') {
    g.probe++;
    sk.probeTimerNs = undefined;
  } else {
    g.delack++;
    sk.delackTimerNs = undefined;
  }
}

/** tcp_probe0_base: the (already backed-off) RTO, at least TCP_RTO_MIN. */
function tcp_probe0_base(sk: TcpSock): number {
  return Math.max(sk.rtoMs, TCP_RTO_MIN_MS);
}

function tcp_probe0_when(sk: TcpSock): number {
  return Math.min(tcp_probe0_base(sk) * 2 ** sk.backoff, TCP_RTO_MAX_MS);
}

/** tcp_check_probe_timer: data is queued, nothing in flight, no probe timer pending: arm probe0 after
 * tcp_probe0_base, the RTO as it stands, without the icsk_backoff shift tcp_probe0_when adds (a
 * segment held by cork after an RTO episode's ACK goes out one backed-off RTO later, not two). */
export function tcp_check_probe_timer(h: Host, sk: TcpSock): void {
  if (packetsOut(sk) || sk.probeTimerNs !== undefined) return;
  armProbe(h, sk, tcp_probe0_base(sk));
}

/** tcp_reset_xmit_timer(ICSK_TIME_PROBE0, tcp_probe0_when(sk, TCP_RTO_MAX)) from tcp_ack_probe,
 * clamped to what TCP_USER_TIMEOUT leaves. */
export function tcp_reset_probe_timer(h: Host, sk: TcpSock): void {
  armProbe(h, sk, tcp_clamp_probe0_to_user_timeout(h, sk, tcp_probe0_when(sk)));
}

function armProbe(h: Host, sk: TcpSock, whenMs: number): void {
  const g = gen(sk);
  g.xmit++; // the same timer: a pending RTO or loss probe is replaced
  const my = ++g.probe;
  // In jiffies, run by the timer wheel (late by up to a bucket: da-zwp-peer-data's backed-off probe).
  sk.probeTimerNs = jiffiesTimerAtNs(h.nowNs, whenMs * 1000);
  h.trace.step('tcp_reset_xmit_timer', sk.id, `zero-window probe timer in ${whenMs} ms (backoff ${sk.backoff})`, { ms: whenMs });
  h.addTimer(sk.probeTimerNs, 'tcp_probe_timer', () => {
    if (g.probe !== my) return;
    sk.probeTimerNs = undefined;
    tcp_probe_timer(h, sk);
  });
}

/** tcp_probe_timer: with data waiting and nothing in flight, probe the peer's window, unless the
 * probes already made are enough to give up: tcp_retries2 probes unanswered (an orphan:
 * tcp_orphan_retries), or TCP_USER_TIMEOUT since the first probe timer of this episode. */
function tcp_probe_timer(h: Host, sk: TcpSock): void {
  if (packetsOut(sk) || !sk.writeQueue.length) {
    sk.probesOut = 0;
    sk.probesTstamp = 0;
    return;
  }
  // RFC 1122 4.2.2.17: probing goes on as long as the peer answers (any ACK clears probes_out).
  if (!sk.probesTstamp) sk.probesTstamp = h.jiffies();
  else if (sk.userTimeoutMs && h.jiffies() - sk.probesTstamp >= sk.userTimeoutMs)
    return tcp_probe_abort(h, sk, `TCP_USER_TIMEOUT ${sk.userTimeoutMs} ms`);
  let maxProbes = h.sysctl.tcp_retries2;
  if (sk.orphan) {
    const alive = Math.min(sk.rtoMs * 2 ** sk.backoff, TCP_RTO_MAX_MS) < TCP_RTO_MAX_MS;
    maxProbes = tcp_orphan_retries(h, sk, alive);
    if (!alive && sk.backoff >= maxProbes) return tcp_probe_abort(h, sk, `orphan backed off to TCP_RTO_MAX`);
  }
  if ((sk.probesOut ?? 0) >= maxProbes) return tcp_probe_abort(h, sk, `${sk.probesOut} probes unanswered (max ${maxProbes})`);
  tcp_send_probe0(h, sk);
}

function tcp_probe_abort(h: Host, sk: TcpSock, why: string): void {
  h.trace.step('tcp_probe_timer', sk.id, `zero-window probing gives up: ${why}`);
  tcp_write_err(h, sk);
}

/** tcp_send_probe0: probe (tcp_write_wakeup); while nothing is in flight and data waits, probe
 * again after the backed-off RTO (the backoff stops growing at tcp_retries2), or, when the probe
 * was dropped at the qdisc (local congestion), after TCP_RESOURCE_PROBE_INTERVAL without backing
 * off; never past what TCP_USER_TIMEOUT leaves. */
function tcp_send_probe0(h: Host, sk: TcpSock): void {
  const err = tcp_write_wakeup(h, sk);
  if (packetsOut(sk) || !sk.writeQueue.length) {
    sk.backoff = 0;
    sk.probesOut = 0;
    sk.probesTstamp = 0;
    return;
  }
  sk.probesOut = (sk.probesOut ?? 0) + 1; // icsk_probes_out, cleared by the next acceptable ACK
  let whenMs = TCP_RESOURCE_PROBE_INTERVAL_MS;
  if (err <= 0) {
    if (sk.backoff < h.sysctl.tcp_retries2) sk.backoff++;
    whenMs = tcp_probe0_when(sk);
  }
  armProbe(h, sk, tcp_clamp_probe0_to_user_timeout(h, sk, whenMs));
}

/** tcp_clamp_probe0_to_user_timeout: the next probe no later than TCP_USER_TIMEOUT after the
 * first (at least TCP_TIMEOUT_MIN: 2 jiffies, 8 ms at the live kernel's HZ 250). */
export function tcp_clamp_probe0_to_user_timeout(h: Host, sk: TcpSock, whenMs: number): number {
  if (!sk.userTimeoutMs || !sk.probesTstamp) return whenMs;
  const elapsed = Math.max(h.jiffies() - sk.probesTstamp, 0);
  return Math.min(Math.max(sk.userTimeoutMs - elapsed, 8), whenMs);
}

/** tcp_write_wakeup: if the window has room, send up to one MSS of queued data with PSH — even
 * if Nagle or TCP_CORK were holding it (this is what ends a cork after ~200 ms); otherwise send
 * a window probe. Returns tcp_transmit_skb's error (NET_XMIT_DROP: dropped at the qdisc). */
function tcp_write_wakeup(h: Host, sk: TcpSock): number {
  const skb = sk.writeQueue[0];
  if (!skb || skb.seq >= tcpWndEnd(sk)) return tcp_xmit_probe_skb(h, sk);
  const mss = tcp_current_mss(h, sk);
  let segSize = tcpWndEnd(sk) - skb.seq;
  if (sk.pushedSeq < skb.endSeq) sk.pushedSeq = skb.endSeq;
  if (segSize < skb.endSeq - skb.seq || skbLen(skb) > mss) {
    segSize = Math.min(segSize, mss);
    skb.flags |= TCPHDR_PSH;
    tso_fragment(h, sk, skb, segSize, mss);
  } else if (!skb.pcount) {
    tcp_set_skb_tso_segs(skb, mss);
  }
  skb.flags |= TCPHDR_PSH;
  h.trace.step(
    'tcp_write_wakeup',
    sk.id,
    `probe timer: send ${skbLen(skb)} queued bytes now (window has room), whatever Nagle or cork said`,
    {
      len: skbLen(skb),
    },
  );
  const err = tcp_transmit_skb(h, sk, skb);
  if (!err) tcp_event_new_data_sent(h, sk, skb);
  return err;
}

/** inet_csk_reset_xmit_timer(ICSK_TIME_DACK): ACK later, unless something else carries it. */
export function tcp_send_delayed_ack(h: Host, sk: TcpSock): void {
  let ato = sk.ato;
  if (ato > TCP_ATO_MIN_MS) {
    let maxAto = inet_csk_in_pingpong_mode(h, sk) || sk.ackPushed & 1 ? TCP_DELACK_MAX_MS : 500;
    if (sk.srttUs) maxAto = Math.min(maxAto, Math.max(Math.ceil((sk.srttUs >> 3) / 1000), TCP_ATO_MIN_MS));
    ato = Math.min(ato, maxAto);
  }
  ato = Math.min(ato, TCP_DELACK_MAX_MS);
  // jiffies + ato: a timer already due (ato 0: no data ever went through tcp_event_data_recv,
  // e.g. a Fast Open child whose only data came in the SYN) runs at the next tick, so a syscall
  // at the same instant (close() sending a FIN) still carries the ACK.
  let timeoutNs = ato > 0 ? h.nowNs + ato * 1e6 : (h.jiffies() + 1) * 1e6;
  if (sk.delackTimerNs !== undefined) {
    // If the pending timer is about to expire anyway, ACK now; never postpone it.
    if (sk.delackTimerNs <= h.nowNs + (ato >> 2) * 1e6) {
      tcp_send_ack(h, sk);
      return;
    }
    timeoutNs = Math.min(timeoutNs, sk.delackTimerNs);
  }
  h.trace.step(
    'tcp_send_delayed_ack',
    sk.id,
    `delayed ACK in ${((timeoutNs - h.nowNs) / 1e6).toFixed(0)} ms (ato ${sk.ato} ms${inet_csk_in_pingpong_mode(h, sk) ? ', interactive' : ''})`,
    { ms: ato },
  );
  resetDackTimer(h, sk, timeoutNs);
}

const DELACK_TIE_NS = 1000;

/** inet_csk_reset_xmit_timer(ICSK_TIME_DACK) at `timeoutNs`: the delayed ACK goes out then unless
 * a segment carries it first (tcp_event_ack_sent clears ackPending). */
export function resetDackTimer(h: Host, sk: TcpSock, timeoutNs: number): void {
  const g = gen(sk);
  const my = ++g.delack;
  sk.delackTimerNs = timeoutNs;
  // The timer runs from the timer wheel's tick at or after its expiry, so a segment arriving at
  // the very instant it expires is processed first (and may carry the ACK at once): 1 µs late.
  h.addTimer(timeoutNs + DELACK_TIE_NS, 'tcp_delack_timer', () => {
    if (g.delack !== my) return;
    sk.delackTimerNs = undefined;
    if (!sk.ackPending) return;
    // tcp_delack_timer_handler: a missed delayed ACK inflates ato, or ends pingpong mode.
    if (!inet_csk_in_pingpong_mode(h, sk)) sk.ato = Math.min(sk.ato << 1, sk.rtoMs, TCP_DELACK_MAX_MS);
    else {
      sk.pingpong = 0;
      sk.ato = TCP_ATO_MIN_MS;
    }
    h.trace.step('tcp_delack_timer', sk.id, 'delayed ACK timer fired');
    tcp_send_ack(h, sk);
  });
}
