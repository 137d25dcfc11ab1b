// Congestion control on each ACK: slow start, Reno's additive increase and CUBIC's growth
// (net/ipv4/tcp_cong.c, net/ipv4/tcp_cubic.c), with CUBIC's HyStart exit from slow start. The
// stack reaches a module only through its ops table (struct tcp_congestion_ops), as the kernel
// does through icsk_ca_ops.

import { LIVE_HZ, msToLiveJiffies, usecs_to_jiffies } from './constants';
import type { Host } from './host';
import { GSO_MAX_SIZE } from './sock';
import { CongestionState, TcpSock } from './types';

const BICTCP_BETA_SCALE = 1024;
const BETA = 717; // cubic's beta = 717/1024 ≈ 0.7
const BIC_SCALE = 41;
const BICTCP_HZ = 10;
// cube_rtt_scale = bic_scale * 10 (the kernel's constant for c/rtt with rtt = 100 ms)
const CUBE_RTT_SCALE = BIC_SCALE * 10;
// cube_factor = 2^(10+3*BICTCP_HZ) / (bic_scale*10), an integer (do_div in cubictcp_register)
const CUBE_FACTOR = BigInt(Math.floor(2 ** (10 + 3 * BICTCP_HZ) / CUBE_RTT_SCALE));
/** CUBIC counts time in jiffies, and at the live kernel's CONFIG_HZ=250 a jiffy is 4 ms: the curve's
 * t, the one-minimum-RTT lead (usecs_to_jiffies rounds it up to whole jiffies), the once-per-jiffy
 * and HZ/32 update limits. At 1 ms jiffies the model grew cwnd measurably slower than the live
 * kernel in congestion avoidance at 1-10 ms RTTs (bulk probes, TSO sizes from the pacing rate). The
 * rest of the model keeps 1 ms timers. */
const CUBIC_HZ = LIVE_HZ;
function cubic_jiffies(h: Host): number {
  return Math.floor(h.nowNs / (1e9 / CUBIC_HZ));
}

const BETA_SCALE_FRIENDLY = Math.floor((8 * (BICTCP_BETA_SCALE + BETA)) / 3 / (BICTCP_BETA_SCALE - BETA));

/** struct tcp_congestion_ops: the hooks of a congestion control module that the model uses. */
export interface TcpCongestionOps {
  name: CongestionState['algo'];
  /** New slow-start threshold on a loss (mandatory). */
  ssthresh(sk: TcpSock): number;
  /** cwnd growth on an ACK outside a reduction (mandatory). */
  cong_avoid(h: Host, sk: TcpSock, acked: number): void;
  /** CA_EVENT_TX_START: data leaves with nothing in flight. */
  cwnd_event_tx_start?(h: Host, sk: TcpSock): void;
  /** An RTT sample from an ACK (µs). */
  pkts_acked?(h: Host, sk: TcpSock, rttUs: number): void;
  /** icsk_ca_state changes. */
  set_state?(h: Host, sk: TcpSock, state: TcpSock['caState']): void;
  /** Per-connection state set up (tcp_init_congestion_control). */
  init?(h: Host, sk: TcpSock): void;
}

/** icsk_ca_ops: the socket's congestion control module. */
export function icsk_ca_ops(sk: TcpSock): TcpCongestionOps {
  return CA_OPS[sk.congestion.algo];
}

/** Congestion control modules a kernel may have (built in or loadable) that the model does not
 * run: a script choosing one is unsupported, where any other name fails with ENOENT. */
const UNMODELLED_CA = new Set([
  'bbr',
  'bic',
  'cdg',
  'dctcp',
  'highspeed',
  'htcp',
  'hybla',
  'illinois',
  'lp',
  'nv',
  'scalable',
  'vegas',
  'veno',
  'westwood',
  'yeah',
]);

/** tcp_set_congestion_control (setsockopt TCP_CONGESTION): the module already in use is only marked
 * as chosen, its state kept (a cubic socket set to cubic again keeps its epoch and peak); another
 * module starts from zeroed private state (tcp_reinit_congestion_control), initialised at once
 * unless the socket is closed or listening (then when the connection is established). */
export function tcp_set_congestion_control(h: Host, sk: TcpSock, name: string): 'ok' | 'ENOENT' | 'unsupported' {
  const ca = tcp_ca_find(name);
  if (!ca) return UNMODELLED_CA.has(name) ? 'unsupported' : 'ENOENT';
  if (ca === icsk_ca_ops(sk)) return 'ok';
  sk.congestion = initCongestion(name);
  if (sk.state !== 'CLOSE' && sk.state !== 'LISTEN') tcp_init_congestion_control(h, sk);
  h.trace.step('tcp_set_congestion_control', sk.id, `congestion control switched to ${name}`);
  return 'ok';
}

/** tcp_init_congestion_control: the module's init hook (cubic: bictcp_reset, a new HyStart round
 * from snd_nxt); undo forgets the ssthresh it could have restored. */
export function tcp_init_congestion_control(h: Host, sk: TcpSock): void {
  sk.recovery.priorSsthresh = 0;
  icsk_ca_ops(sk).init?.(h, sk);
}

/** The modules a script may pick with TCP_CONGESTION or the sysctl. */
export function tcp_ca_find(name: string): TcpCongestionOps | undefined {
  return Object.values(CA_OPS).find((ops) => ops.name === name);
}

export function initCongestion(name: string): CongestionState {
  return {
    algo: tcp_ca_find(name)?.name ?? 'cubic',
    cnt: 0,
    lastMaxCwnd: 0,
    lastCwnd: 0,
    lastTime: 0,
    originPoint: 0,
    K: 0,
    delayMinUs: 0,
    epochStart: 0,
    ackCnt: 0,
    tcpCwnd: 0,
    found: false,
    roundStart: 0,
    endSeq: 0,
    lastAck: 0,
    currRtt: Infinity,
    sampleCnt: 0,
  };
}

export function tcp_in_slow_start(sk: TcpSock): boolean {
  return sk.cwnd < sk.ssthresh;
}

/** tcp_is_cwnd_limited: the window was fully used in the last round (is_cwnd_limited), or, in
 * slow start, cwnd is below twice the most packets recently out. */
export function tcp_is_cwnd_limited(sk: TcpSock): boolean {
  if (sk.isCwndLimited) return true;
  if (tcp_in_slow_start(sk)) return sk.cwnd < 2 * sk.maxPacketsOut;
  return false;
}

/** tcp_slow_start: cwnd += acked, capped at ssthresh; returns the acks left over for CA. */
export function tcp_slow_start(h: Host, sk: TcpSock, acked: number): number {
  const before = sk.cwnd;
  const cwnd = Math.min(sk.cwnd + acked, sk.ssthresh);
  const left = acked - (cwnd - sk.cwnd);
  sk.cwnd = Math.min(cwnd, sk.cwndClamp);
  h.trace.step('tcp_slow_start', sk.id, `slow start: cwnd ${before} → ${sk.cwnd} (${acked} segments acked)`, {
    before,
    after: sk.cwnd,
    acked,
  });
  return left;
}

/** tcp_cong_avoid_ai: cwnd += 1 per w segments acked. */
export function tcp_cong_avoid_ai(sk: TcpSock, w: number, acked: number): void {
  if (sk.cwndCnt >= w) {
    sk.cwndCnt = 0;
    sk.cwnd++;
  }
  sk.cwndCnt += acked;
  if (sk.cwndCnt >= w) {
    const delta = Math.floor(sk.cwndCnt / w);
    sk.cwndCnt -= delta * w;
    sk.cwnd += delta;
  }
  sk.cwnd = Math.min(sk.cwnd, sk.cwndClamp);
}

export function tcp_reno_cong_avoid(h: Host, sk: TcpSock, acked: number): void {
  if (!tcp_is_cwnd_limited(sk)) {
    h.trace.step('tcp_reno_cong_avoid', sk.id, `cwnd ${sk.cwnd} not grown: not cwnd-limited (max_packets_out ${sk.maxPacketsOut})`);
    return;
  }
  if (tcp_in_slow_start(sk)) {
    acked = tcp_slow_start(h, sk, acked);
    if (!acked) return;
  }
  const before = sk.cwnd;
  tcp_cong_avoid_ai(sk, sk.cwnd, acked);
  h.trace.step('tcp_reno_cong_avoid', sk.id, `congestion avoidance: cwnd ${before} → ${sk.cwnd}`);
}

/** cbrt(x) MSB values for x in [0..63]: v = cbrt(x << 18) - 1 (the kernel's table, Willy Tarreau). */
const CUBIC_ROOT_V = [
  0, 54, 54, 54, 118, 118, 118, 118, 123, 129, 134, 138, 143, 147, 151, 156, 157, 161, 164, 168, 170, 173, 176, 179, 181, 185, 187, 190,
  192, 194, 197, 199, 200, 202, 204, 206, 209, 211, 213, 215, 217, 219, 221, 222, 224, 225, 227, 229, 231, 232, 234, 236, 237, 239, 240,
  242, 244, 245, 246, 248, 250, 251, 252, 254,
];
/** cubic_root: the kernel's approximate cube root (table lookup and one Newton-Raphson step, ~0.2 %
 * off), which K uses; an exact cbrt can be one unit of 1/1024 s away from it. */
function cubic_root(a: bigint): number {
  const b = a.toString(2).length; // fls64
  if (a < 64n) return (CUBIC_ROOT_V[Number(a)] + 35) >> 6;
  const e = ((b * 84) >> 8) - 1;
  const shift = Number(a >> BigInt(e * 3));
  let x = ((((CUBIC_ROOT_V[shift] + 10) << e) >>> 0) >> 6) >>> 0;
  x = 2 * x + Number(a / (BigInt(x) * BigInt(x - 1)));
  x = Math.floor((x * 341) / 1024);
  return x;
}

/** bictcp_update: the cubic target window for "now" and the resulting ack count per increment. */
function bictcp_update(h: Host, ca: CongestionState, cwnd: number, acked: number): void {
  const now = cubic_jiffies(h);
  ca.ackCnt += acked;
  if (ca.lastCwnd === cwnd && now - ca.lastTime <= Math.floor(CUBIC_HZ / 32)) return;
  if (!(ca.epochStart && now === ca.lastTime)) {
    ca.lastCwnd = cwnd;
    ca.lastTime = now;
    if (ca.epochStart === 0) {
      ca.epochStart = now || 1;
      ca.ackCnt = acked;
      ca.tcpCwnd = cwnd;
      if (ca.lastMaxCwnd <= cwnd) {
        ca.K = 0;
        ca.originPoint = cwnd;
      } else {
        ca.K = cubic_root(CUBE_FACTOR * BigInt(ca.lastMaxCwnd - cwnd));
        ca.originPoint = ca.lastMaxCwnd;
      }
    }
    // t in 1/1024 s since the epoch began, plus one minimum RTT
    let t = now - ca.epochStart + usecs_to_jiffies(ca.delayMinUs);
    t = Math.floor((t * 2 ** BICTCP_HZ) / CUBIC_HZ);
    const offs = t < ca.K ? ca.K - t : t - ca.K;
    const delta = Math.floor((CUBE_RTT_SCALE * offs * offs * offs) / 2 ** (10 + 3 * BICTCP_HZ));
    const target = t < ca.K ? ca.originPoint - delta : ca.originPoint + delta;
    ca.cnt = target > cwnd ? Math.floor(cwnd / (target - cwnd)) : 100 * cwnd;
    if (ca.lastMaxCwnd === 0 && ca.cnt > 20) ca.cnt = 20;
  }
  // TCP friendliness: never grow slower than Reno would
  const d = Math.floor((cwnd * BETA_SCALE_FRIENDLY) >> 3);
  while (d > 0 && ca.ackCnt > d) {
    ca.ackCnt -= d;
    ca.tcpCwnd++;
  }
  if (ca.tcpCwnd > cwnd) {
    const maxCnt = Math.floor(cwnd / (ca.tcpCwnd - cwnd));
    if (ca.cnt > maxCnt) ca.cnt = maxCnt;
  }
  ca.cnt = Math.max(ca.cnt, 2);
}

export function cubictcp_cong_avoid(h: Host, sk: TcpSock, acked: number): void {
  const ca = sk.congestion;
  if (!tcp_is_cwnd_limited(sk)) {
    h.trace.step('cubictcp_cong_avoid', sk.id, `cwnd ${sk.cwnd} not grown: not cwnd-limited (max_packets_out ${sk.maxPacketsOut})`);
    return;
  }
  if (tcp_in_slow_start(sk)) {
    acked = tcp_slow_start(h, sk, acked);
    if (!acked) return;
  }
  const before = sk.cwnd;
  bictcp_update(h, ca, sk.cwnd, acked);
  tcp_cong_avoid_ai(sk, ca.cnt, acked);
  h.trace.step('cubictcp_cong_avoid', sk.id, `cubic: cwnd ${before} → ${sk.cwnd} (one more per ${ca.cnt} acked)`, {
    before,
    after: sk.cwnd,
    cnt: ca.cnt,
  });
}

const HYSTART_LOW_WINDOW = 16;
const HYSTART_ACK_DELTA_US = 2000;
const HYSTART_MIN_SAMPLES = 8;

/** cubictcp_acked: track the minimum delay, and look for the end of slow start (HyStart). */
function cubictcp_acked(h: Host, sk: TcpSock, rttUs: number): void {
  const ca = sk.congestion;
  if (rttUs < 0) return;
  // Discard delay samples right after a loss episode began a new epoch.
  if (ca.epochStart && cubic_jiffies(h) - ca.epochStart < CUBIC_HZ) return;
  const delay = rttUs || 1;
  if (ca.delayMinUs === 0 || ca.delayMinUs > delay) ca.delayMinUs = delay;
  if (!ca.found && tcp_in_slow_start(sk)) hystart_update(h, sk, delay);
}

function bictcp_hystart_reset(h: Host, sk: TcpSock): void {
  const ca = sk.congestion;
  ca.roundStart = ca.lastAck = h.nowUs();
  ca.endSeq = sk.sndNxt;
  ca.currRtt = Infinity;
  ca.sampleCnt = 0;
}

/** hystart_ack_delay: allowance for TSO/GRO batching, at most 1 ms. */
function hystart_ack_delay(sk: TcpSock): number {
  if (!sk.pacingRate) return 0;
  return Math.min(1000, Math.floor((GSO_MAX_SIZE * 4 * 1e6) / sk.pacingRate));
}

/** hystart_update: leave slow start (ssthresh = cwnd) when ACKs of a round arrive as a train
 * longer than half the minimum RTT, or when the round's RTT rises clearly above the minimum. */
function hystart_update(h: Host, sk: TcpSock, delay: number): void {
  const ca = sk.congestion;
  if (sk.sndUna > ca.endSeq) bictcp_hystart_reset(h, sk);
  if (sk.cwnd < HYSTART_LOW_WINDOW) return;
  const now = h.nowUs();
  if (now - ca.lastAck <= HYSTART_ACK_DELTA_US) {
    ca.lastAck = now;
    let threshold = ca.delayMinUs + hystart_ack_delay(sk);
    if (sk.pacingStatus === 'none') threshold >>= 1;
    if (now - ca.roundStart > threshold) {
      ca.found = true;
      sk.ssthresh = sk.cwnd;
      h.trace.step(
        'hystart_update',
        sk.id,
        `HyStart ACK train ${now - ca.roundStart} us > ${threshold} us: leave slow start at cwnd ${sk.cwnd}`,
      );
      return;
    }
  }
  if (ca.currRtt > delay) ca.currRtt = delay;
  if (ca.sampleCnt < HYSTART_MIN_SAMPLES) {
    ca.sampleCnt++;
  } else if (ca.currRtt > ca.delayMinUs + Math.min(Math.max(ca.delayMinUs >> 3, 4000), 16000)) {
    ca.found = true;
    sk.ssthresh = sk.cwnd;
    h.trace.step(
      'hystart_update',
      sk.id,
      `HyStart delay: round RTT ${ca.currRtt} us well above the minimum ${ca.delayMinUs} us: leave slow start at cwnd ${sk.cwnd}`,
    );
  }
}

/** tcp_cong_avoid: the congestion module's cong_avoid hook. */
export function tcp_cong_avoid(h: Host, sk: TcpSock, acked: number): void {
  icsk_ca_ops(sk).cong_avoid(h, sk, acked);
  sk.sndCwndStamp = h.jiffies();
}

/** cubictcp_cwnd_event(CA_EVENT_TX_START): after idle, shift the cubic epoch by the idle time so
 * the curve does not jump ahead. */
function cubictcp_cwnd_event_tx_start(h: Host, sk: TcpSock): void {
  const ca = sk.congestion;
  if (!ca.epochStart) return;
  const now = cubic_jiffies(h);
  const delta = now - msToLiveJiffies(sk.lsndtime);
  if (delta > 0) {
    ca.epochStart += delta;
    if (ca.epochStart > now) ca.epochStart = now;
  }
}

/** tcp_reno_ssthresh: half the window, at least 2. */
function tcp_reno_ssthresh(sk: TcpSock): number {
  return Math.max(sk.cwnd >> 1, 2);
}

/** cubictcp_recalc_ssthresh: beta (0.7) of cwnd; with fast convergence, remember a lower peak. */
function cubictcp_recalc_ssthresh(sk: TcpSock): number {
  const ca = sk.congestion;
  ca.epochStart = 0;
  if (sk.cwnd < ca.lastMaxCwnd) ca.lastMaxCwnd = Math.floor((sk.cwnd * (BICTCP_BETA_SCALE + BETA)) / (2 * BICTCP_BETA_SCALE));
  else ca.lastMaxCwnd = sk.cwnd;
  return Math.max(Math.floor((sk.cwnd * BETA) / BICTCP_BETA_SCALE), 2);
}

/** cubictcp_state: entering Loss (an RTO) starts CUBIC over (bictcp_reset, bictcp_hystart_reset). */
function cubictcp_state(h: Host, sk: TcpSock, state: TcpSock['caState']): void {
  if (state !== 'Loss') return;
  sk.congestion = initCongestion('cubic');
  bictcp_hystart_reset(h, sk);
}

const CA_OPS: Record<CongestionState['algo'], TcpCongestionOps> = {
  reno: { name: 'reno', ssthresh: tcp_reno_ssthresh, cong_avoid: tcp_reno_cong_avoid },
  cubic: {
    name: 'cubic',
    ssthresh: cubictcp_recalc_ssthresh,
    cong_avoid: cubictcp_cong_avoid,
    cwnd_event_tx_start: cubictcp_cwnd_event_tx_start,
    pkts_acked: cubictcp_acked,
    set_state: cubictcp_state,
    init: bictcp_hystart_reset,
  },
};

/** tcp_current_ssthresh: before shrinking cwnd, remember how far it got. */
export function tcp_current_ssthresh(sk: TcpSock): number {
  if (sk.caState === 'CWR' || sk.caState === 'Recovery') return sk.ssthresh;
  return Math.max(sk.ssthresh, (sk.cwnd >> 1) + (sk.cwnd >> 2));
}

/** tcp_cwnd_restart: RFC 2861, halve cwnd per RTO of idleness, down to the initial window. */
export function tcp_cwnd_restart(h: Host, sk: TcpSock, deltaMs: number): void {
  const restart = Math.min(h.initCwnd, sk.cwnd); // tcp_init_cwnd: the route's initcwnd or 10
  let cwnd = sk.cwnd;
  const before = cwnd;
  // CA_EVENT_CWND_RESTART: cubic (cubictcp_cwnd_event) acts only on CA_EVENT_TX_START, so its epoch
  // survives the restart and is shifted by the idle time when data leaves again.
  sk.ssthresh = tcp_current_ssthresh(sk);
  let d = deltaMs;
  while ((d -= sk.rtoMs) > 0 && cwnd > restart) cwnd >>= 1;
  sk.cwnd = Math.max(cwnd, restart);
  sk.sndCwndStamp = h.jiffies();
  sk.sndCwndUsed = 0;
  h.trace.step('tcp_cwnd_restart', sk.id, `idle ${deltaMs} ms > rto ${sk.rtoMs} ms: cwnd ${before} → ${sk.cwnd}`, {
    idleMs: deltaMs,
    before,
    after: sk.cwnd,
  });
}

/** tcp_slow_start_after_idle_check: restart cwnd when nothing is in flight and we idled > RTO. */
export function tcp_slow_start_after_idle_check(h: Host, sk: TcpSock, packetsOut: number): void {
  if (!h.sysctl.tcp_slow_start_after_idle || packetsOut) return;
  const delta = h.jiffies() - sk.lsndtime;
  if (delta > sk.rtoMs) tcp_cwnd_restart(h, sk, delta);
}
