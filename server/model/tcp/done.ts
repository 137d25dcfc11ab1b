// The end of a connection on an error (net/ipv4/tcp.c tcp_done, tcp_input.c tcp_done_with_error,
// tcp_timer.c tcp_write_err) and the one-time hand-out of the error (sock_error): a timed-out or
// reset socket reports its error to exactly one system call, later calls see a closed socket.

import { WAKE_ALL } from './constants';
import type { Host } from './host';
import { inet_csk_clear_xmit_timer } from './timers';
import { inet_csk_delete_keepalive_timer } from './keepalive';
import type { TcpSock } from './types';
import { skb_zcopy_release } from './zerocopy';

/** The errno numbers getsockopt(SO_ERROR) hands out (asm-generic/errno.h). */
export const ERRNO_NUMBER: Readonly<Record<string, number>> = {
  EACCES: 13,
  EPIPE: 32,
  ENONET: 64,
  EPROTO: 71,
  EMSGSIZE: 90,
  ENOPROTOOPT: 92,
  EOPNOTSUPP: 95,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
};

/** sock_error: the pending sk_err, cleared as it is read (xchg). */
export function sock_error(sk: TcpSock): string | undefined {
  const e = sk.err;
  sk.err = undefined;
  return e;
}

/** tcp_done: TCP_CLOSE, the transmit timers stopped, both directions shut down. */
export function tcp_done(h: Host, sk: TcpSock): void {
  sk.state = 'CLOSE';
  inet_csk_clear_xmit_timer(sk, 'retrans');
  inet_csk_clear_xmit_timer(sk, 'probe0');
  inet_csk_clear_xmit_timer(sk, 'dack');
  inet_csk_delete_keepalive_timer(sk);
  sk.rcvShutdown = true;
  sk.sndShutdown = true;
  h.wake(sk.fd, WAKE_ALL); // sk_state_change, and sk_error_report after tcp_done_with_error
  h.trace.step('tcp_done', sk.id, `connection closed${sk.err ? ` with error ${sk.err}` : ''}`);
}

/** tcp_done_with_error: sk_err is set before the queues go, so a sleeping caller wakes to it. */
export function tcp_done_with_error(h: Host, sk: TcpSock, err: string): void {
  sk.err = err;
  tcp_write_queue_purge(h, sk);
  tcp_done(h, sk);
}

/** tcp_write_queue_purge: both queues freed; their MSG_ZEROCOPY ubufs complete (unless close()
 * orphaned the socket). */
export function tcp_write_queue_purge(h: Host, sk: TcpSock): void {
  sk.writeQueue.length = 0;
  sk.rtxQueue.length = 0;
  skb_zcopy_release(h, sk);
}

/** tcp_write_err: a retransmission or keepalive timeout ends the connection with ETIMEDOUT
 * (sk_err_soft, from ICMP, is not modelled). No packet is sent here; the keepalive timer sends
 * its RST before calling it. */
export function tcp_write_err(h: Host, sk: TcpSock): void {
  // A soft error an ICMP left (sk_err_soft, icmp.ts) is what the caller hears instead.
  const err = sk.errSoft ?? 'ETIMEDOUT';
  h.trace.step('tcp_write_err', sk.id, `timed out: the next system call fails with ${err}`);
  tcp_done_with_error(h, sk, err);
}
