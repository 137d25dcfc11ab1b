// Keepalive (net/ipv4/tcp_timer.c tcp_keepalive_timer, include/net/tcp.h keepalive_*_when): after
// keepalive_time of silence from the peer, an idle connection is probed every keepalive_intvl
// with an ACK carrying snd_una - 1 (tcp_write_wakeup → tcp_xmit_probe_skb) that the peer must
// answer; after keepalive_probes unanswered probes (or, with TCP_USER_TIMEOUT, once the silence
// outlasts it) the connection is reset and ends with ETIMEDOUT.

import type { Host } from './host';
import { packetsOut } from './sock';
import { tcp_send_active_reset, tcp_xmit_probe_skb } from './transmit';
import { tcp_done, tcp_write_err } from './done';
import { TCP_TIMEWAIT_LEN_MS, tcp_fin_time, tcp_time_wait } from './timewait';
import { frame } from './trace';
import type { TcpSock } from './types';
import { jiffiesTimerAtNs } from './constants';

const SEC_MS = 1000;
/** MAX_TCP_KEEPIDLE / MAX_TCP_KEEPINTVL (seconds) and MAX_TCP_KEEPCNT. */
export const MAX_TCP_KEEPIDLE = 32767;
export const MAX_TCP_KEEPINTVL = 32767;
export const MAX_TCP_KEEPCNT = 127;

/** keepalive_time_when: TCP_KEEPIDLE, else net.ipv4.tcp_keepalive_time (ms). */
export function keepalive_time_when(h: Host, sk: TcpSock): number {
  return sk.keepaliveTimeMs || h.sysctl.tcp_keepalive_time * SEC_MS;
}

/** keepalive_intvl_when: TCP_KEEPINTVL, else net.ipv4.tcp_keepalive_intvl (ms). */
export function keepalive_intvl_when(h: Host, sk: TcpSock): number {
  return sk.keepaliveIntvlMs || h.sysctl.tcp_keepalive_intvl * SEC_MS;
}

/** keepalive_probes: TCP_KEEPCNT, else net.ipv4.tcp_keepalive_probes. */
export function keepalive_probes(h: Host, sk: TcpSock): number {
  return sk.keepaliveProbes || h.sysctl.tcp_keepalive_probes;
}

/** keepalive_time_elapsed: silence from the peer, the shorter of the time since the last data
 * (icsk_ack.lrcvtime) and since the last acceptable ACK (tp->rcv_tstamp), in ms. */
export function keepalive_time_elapsed(h: Host, sk: TcpSock): number {
  const now = h.jiffies();
  return Math.min(now - sk.lrcvtime, now - (sk.rcvTstamp ?? 0));
}

/** inet_csk_reset_keepalive_timer: (re)arm sk_timer `ms` from now. */
export function inet_csk_reset_keepalive_timer(h: Host, sk: TcpSock, ms: number): void {
  const g = sk.timerGens;
  const my = ++g.keepalive;
  h.trace.step('inet_csk_reset_keepalive_timer', sk.id, `keepalive timer in ${ms} ms`, { ms });
  // sk_reset_timer in jiffies, run by the timer wheel (hours ahead: up to a bucket of ~16 s late).
  h.addTimer(jiffiesTimerAtNs(h.nowNs, ms * 1000), 'tcp_keepalive_timer', () => {
    if (g.keepalive === my) tcp_keepalive_timer(h, sk);
  });
}

/** inet_csk_delete_keepalive_timer. */
export function inet_csk_delete_keepalive_timer(sk: TcpSock): void {
  sk.timerGens.keepalive++;
}

/** tcp_set_keepalive (SO_KEEPALIVE): turning it on arms the timer a whole keepalive_time ahead
 * (not on a listener or an unconnected socket: their children and tcp_finish_connect arm it);
 * turning it off stops it. Called before SOCK_KEEPOPEN changes. */
export function tcp_set_keepalive(h: Host, sk: TcpSock, on: boolean): void {
  if (sk.state !== 'CLOSE' && sk.state !== 'LISTEN') {
    if (on && !sk.keepOpen) inet_csk_reset_keepalive_timer(h, sk, keepalive_time_when(h, sk));
    else if (!on) inet_csk_delete_keepalive_timer(sk);
  }
  sk.keepOpen = on;
}

/** tcp_sock_set_keepidle_locked (TCP_KEEPIDLE, seconds): on a connected socket with keepalive on,
 * the timer moves to keepalive_time after the peer was last heard from (now if that has passed). */
export function tcp_sock_set_keepidle_locked(h: Host, sk: TcpSock, secs: number): boolean {
  if (secs < 1 || secs > MAX_TCP_KEEPIDLE) return false;
  sk.keepaliveTimeMs = secs * SEC_MS;
  if (sk.keepOpen && sk.state !== 'CLOSE' && sk.state !== 'LISTEN') {
    const elapsed = keepalive_time_elapsed(h, sk);
    inet_csk_reset_keepalive_timer(h, sk, Math.max(sk.keepaliveTimeMs - elapsed, 0));
  }
  return true;
}

/** A connection just established (tcp_finish_connect, tcp_create_openreq_child): the peer was
 * heard from now, and with SO_KEEPALIVE the timer starts. */
export function keepaliveOnEstablish(h: Host, sk: TcpSock): void {
  sk.lrcvtime = h.jiffies();
  if (sk.keepOpen) inet_csk_reset_keepalive_timer(h, sk, keepalive_time_when(h, sk));
}

/** tcp_keepalive_timer. */
function tcp_keepalive_timer(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_keepalive_timer');
  if (sk.state === 'LISTEN') return;
  if (sk.state === 'FIN_WAIT2' && sk.orphan) {
    // The same timer is an orphan's FIN_WAIT2 timeout when tcp_fin_time passes 60 s: what is left
    // of it goes to a timewait socket; none left, the connection is reset.
    const tmo = (sk.linger2Ms ?? 0) >= 0 ? tcp_fin_time(h, sk) - TCP_TIMEWAIT_LEN_MS : 0;
    if (tmo > 0) tcp_time_wait(h, sk, 'FIN_WAIT2', tmo);
    else {
      tcp_send_active_reset(h, sk, 'FIN_WAIT2 timeout of an orphan');
      tcp_done(h, sk);
    }
    return;
  }
  if (!sk.keepOpen || sk.state === 'CLOSE' || sk.state === 'SYN_SENT') return;
  let next = keepalive_time_when(h, sk);
  if (packetsOut(sk) || sk.writeQueue.length) {
    // "It is alive without keepalive": data in flight or queued; look again a whole
    // keepalive_time later.
    h.trace.step('tcp_keepalive_timer', sk.id, `data in flight or queued: no probe, look again in ${next} ms`);
    inet_csk_reset_keepalive_timer(h, sk, next);
    return;
  }
  const elapsed = keepalive_time_elapsed(h, sk);
  if (elapsed >= next) {
    const userTimeout = sk.userTimeoutMs ?? 0;
    const probesOut = sk.probesOut ?? 0;
    if ((userTimeout && elapsed >= userTimeout && probesOut > 0) || (!userTimeout && probesOut >= keepalive_probes(h, sk))) {
      h.trace.step(
        'tcp_keepalive_timer',
        sk.id,
        `${probesOut} keepalive probe(s) unanswered, peer silent for ${elapsed} ms${userTimeout ? ` (TCP_USER_TIMEOUT ${userTimeout} ms)` : ''}: reset`,
      );
      tcp_send_active_reset(h, sk, 'keepalive timed out (SK_RST_REASON_TCP_KEEPALIVE_TIMEOUT)');
      tcp_write_err(h, sk);
      return;
    }
    // tcp_write_wakeup with an empty write queue: the probe is an old-sequence ACK.
    h.trace.step('tcp_keepalive_timer', sk.id, `peer silent for ${elapsed} ms: keepalive probe ${probesOut + 1}`);
    tcp_xmit_probe_skb(h, sk);
    sk.probesOut = probesOut + 1;
    next = keepalive_intvl_when(h, sk);
  } else {
    // tp->rcv_tstamp + keepalive_time: heard from the peer since the timer was armed.
    next -= elapsed;
  }
  inet_csk_reset_keepalive_timer(h, sk, next);
}
