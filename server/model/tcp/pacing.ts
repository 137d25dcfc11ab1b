// Pacing by TCP itself (net/ipv4/tcp_output.c, net/core/sock.c): SO_MAX_PACING_RATE caps
// sk_pacing_rate and, when no qdisc paces the socket (pfifo on packetdrill's tun), makes TCP hold
// each packet until its departure time (sk_pacing_status SK_PACING_NEEDED). The departure time
// itself (tcp_wstamp_ns) is advanced by tcp_update_skb_after_send (transmit.ts).

import { LIVE_HZ } from './constants';
import type { Host } from './host';
import { tcp_write_xmit } from './output';
import { tcp_xmit_retransmit_queue } from './recovery';
import { scoreboard, tcp_current_mss, tcp_packets_in_flight } from './sock';
import { tcp_rearm_rto } from './timers';
import { frame } from './trace';
import type { TcpSock } from './types';

/** SO_MAX_PACING_RATE's "no limit": ~0U from a 4-byte option means ~0UL. */
const NO_LIMIT_U32 = 0xffffffff;

/** sk_setsockopt(SO_MAX_PACING_RATE): any value but ~0U asks for pacing (SK_PACING_NONE →
 * SK_PACING_NEEDED; sch_fq's SK_PACING_FQ stays); the current rate drops to the cap at once, and
 * rises again only with the next tcp_update_pacing_rate. Clearing the cap keeps the socket paced. */
export function sk_setsockopt_max_pacing_rate(h: Host, sk: TcpSock, value: number): void {
  const cap = value === NO_LIMIT_U32 || value === Infinity ? Infinity : value;
  if (cap !== Infinity && sk.pacingStatus === 'none') sk.pacingStatus = 'needed';
  sk.maxPacingRate = cap;
  if (cap < sk.pacingRate) sk.pacingRate = cap;
  h.trace.step(
    'sk_setsockopt',
    sk.id,
    `SO_MAX_PACING_RATE ${cap === Infinity ? 'unlimited' : `${cap} B/s`}: pacing rate ${sk.pacingRate === Infinity ? 'unset' : `${sk.pacingRate} B/s`}${sk.pacingStatus === 'needed' ? ', TCP paces itself' : ''}`,
    { maxRate: cap === Infinity ? -1 : cap },
  );
}

/** sk_getsockopt(SO_MAX_PACING_RATE) with a 4-byte option: the cap, at most ~0U. */
export function so_max_pacing_rate_u32(sk: TcpSock): number {
  return Math.min(sk.maxPacingRate, NO_LIMIT_U32);
}

/** tcp_pacing_check: with internal pacing, a packet may not leave before tcp_wstamp_ns; the
 * pacing hrtimer (precise, not in jiffies) is armed for that time and tcp_write_xmit stops. */
export function tcp_pacing_check(h: Host, sk: TcpSock): boolean {
  if (sk.pacingStatus !== 'needed' || sk.wstampNs <= h.nowNs) return false;
  if (sk.pacingTimerNs === undefined) {
    const at = sk.wstampNs;
    sk.pacingTimerNs = at;
    h.trace.step('tcp_pacing_check', sk.id, `paced: next departure at ${(at / 1e9).toFixed(6)} s, pacing timer armed`, {
      atNs: at,
    });
    h.addTimer(at, 'tcp_pace_kick', () => tcp_pace_kick(h, sk, at));
  }
  return true;
}

/** tcp_pace_kick: the pacing timer ran out; tcp_tsq_handler sends what pacing held. */
function tcp_pace_kick(h: Host, sk: TcpSock, at: number): void {
  if (sk.pacingTimerNs !== at) return;
  sk.pacingTimerNs = undefined;
  using _frame = frame(h, 'tcp_pace_kick');
  tcp_tsq_handler(h, sk);
}

/** tcp_tsq_handler → tcp_tsq_write: in a sending state, retransmit what is marked lost if cwnd
 * allows, then new data. */
export function tcp_tsq_handler(h: Host, sk: TcpSock): void {
  if (!['ESTABLISHED', 'FIN_WAIT1', 'CLOSING', 'CLOSE_WAIT', 'LAST_ACK'].includes(sk.state)) return;
  h.trace.step('tcp_tsq_handler', sk.id, 'pacing timer: tcp_write_xmit runs again');
  const c = scoreboard(sk);
  if (c.lost > c.retrans && sk.cwnd > tcp_packets_in_flight(sk)) {
    if (tcp_xmit_retransmit_queue(h, sk)) tcp_rearm_rto(h, sk);
  }
  tcp_write_xmit(h, sk, tcp_current_mss(h, sk), sk.nonagle, 0);
}

/** tcp_pacing_delay: jiffies until the paced departure time, which tcp_reset_xmit_timer adds to
 * the RTO and loss-probe timers (in ms here: nsecs_to_jiffies truncates). */
export function tcp_pacing_delay_ms(h: Host, sk: TcpSock): number {
  const delayNs = sk.wstampNs - h.nowNs;
  if (delayNs <= 0) return 0;
  return Math.floor(delayNs / (1e9 / LIVE_HZ)) * (1000 / LIVE_HZ);
}
