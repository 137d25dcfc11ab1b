// Send-buffer memory (include/net/sock.h, net/core/stream.c, net/ipv4/tcp_input.c): how much the
// queues hold, when a writer must sleep in sk_stream_wait_memory, and when an ACK or a
// transmission wakes it (tcp_check_space → sk_stream_write_space), growing sk_sndbuf on the way
// unless SO_SNDBUF locked it.

import { tcp_init_rcvbuf_space } from './rcvbuf';
import { MAX_TCP_HEADER, SKB_DATA_ALIGNED_SHINFO, SKB_DATA_ALIGNED_SK_BUFF, TCP_INIT_CWND, WAKE_OUT } from './constants';
import type { Host } from './host';
import { tcp_packets_in_flight } from './sock';
import { queuedTruesize, type TcpSock } from './types';

/** sk_wmem_queued: the truesize of every skb not yet acknowledged, sent or not. */
export function sk_wmem_queued(sk: TcpSock): number {
  return queuedTruesize(sk.writeQueue, sk.rtxQueue);
}

/** tcp_notsent_lowat: TCP_NOTSENT_LOWAT, or the sysctl when the socket did not set it. */
export function tcp_notsent_lowat(h: Host, sk: TcpSock): number {
  return sk.notsentLowat || h.sysctl.tcp_notsent_lowat;
}

/** __sk_stream_memory_free + tcp_stream_memory_free: room below sk_sndbuf, and fewer unsent
 * bytes than the low-water mark (doubled when deciding a wake-up: `wake`). */
export function sk_stream_memory_free(h: Host, sk: TcpSock, wake: 0 | 1 = 0): boolean {
  if (sk_wmem_queued(sk) >= sk.sndbuf) return false;
  const notsent = sk.writeSeq - sk.sndNxt;
  return notsent * 2 ** wake < tcp_notsent_lowat(h, sk);
}

/** __sk_stream_is_writeable: a third of the buffer free (wspace >= queued / 2) and memory free. */
export function sk_stream_is_writeable(h: Host, sk: TcpSock, wake: 0 | 1): boolean {
  const queued = sk_wmem_queued(sk);
  return sk.sndbuf - queued >= queued >> 1 && sk_stream_memory_free(h, sk, wake);
}

/** tcp_sndbuf_expand: room for twice the larger of the initial and current cwnd of worst-case
 * (non-GSO) skbs, up to tcp_wmem[2]. CUBIC and Reno have no sndbuf_expand op: factor 2. */
export function tcp_sndbuf_expand(h: Host, sk: TcpSock): void {
  const perMss = roundupPowOfTwo(Math.max(sk.mssClamp, sk.mssCache) + MAX_TCP_HEADER + SKB_DATA_ALIGNED_SHINFO) + SKB_DATA_ALIGNED_SK_BUFF;
  const segs = Math.max(TCP_INIT_CWND, sk.cwnd, sk.recovery.reordering + 1);
  const sndmem = 2 * segs * perMss;
  if (sk.sndbuf >= sndmem) return;
  const before = sk.sndbuf;
  sk.sndbuf = Math.min(sndmem, h.sysctl.tcp_wmem[2]);
  h.trace.step('tcp_sndbuf_expand', sk.id, `sk_sndbuf ${before} → ${sk.sndbuf} (2 × ${segs} segments × ${perMss} bytes)`, {
    before,
    after: sk.sndbuf,
  });
}

/** tcp_init_buffer_space (from tcp_init_transfer, once the connection is set up): the send
 * buffer starts large enough for the initial window unless SO_SNDBUF fixed it; the receive
 * side's window_clamp and rcv_ssthresh are set from the receive buffer (rcvbuf.ts). */
export function tcp_init_buffer_space(h: Host, sk: TcpSock): void {
  if (!sk.sndbufLocked) tcp_sndbuf_expand(h, sk);
  tcp_init_rcvbuf_space(h, sk);
}

function roundupPowOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** tcp_check_space: after an ACK freed memory or data left, a writer that found no space
 * (SOCK_NOSPACE) may grow the buffer (tcp_new_space) and be woken (sk_stream_write_space). */
export function tcp_check_space(h: Host, sk: TcpSock): void {
  if (!sk.noSpace) return;
  // tcp_should_expand_sndbuf: not locked by SO_SNDBUF, and cwnd not filled.
  if (!sk.sndbufLocked && tcp_packets_in_flight(sk) < sk.cwnd) tcp_sndbuf_expand(h, sk);
  sk_stream_write_space(h, sk);
}

/** sk_stream_write_space: wake a sleeping writer once the socket is writeable again. */
export function sk_stream_write_space(h: Host, sk: TcpSock): void {
  if (!sk_stream_is_writeable(h, sk, 1)) return;
  h.wake(sk.fd, WAKE_OUT);
  const waiting = sk.noSpace;
  sk.noSpace = false;
  if (!waiting) return;
  sk.writeSpaceWoken = true;
  h.trace.step(
    'sk_stream_write_space',
    sk.id,
    `send buffer writeable again (${sk_wmem_queued(sk)} of ${sk.sndbuf} bytes queued): wake the writer`,
  );
}
