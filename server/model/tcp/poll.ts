// tcp_poll (net/ipv4/tcp.c): the readiness mask poll() and epoll read from a TCP socket.

import type { Host } from './host';
import { sk_stream_is_writeable } from './sndbuf';
import { tcp_receive_window } from './rcvbuf';
import type { TcpSock } from './types';

/** include/uapi/asm-generic/poll.h (EPOLL* share the values). */
export const POLL_BITS: Readonly<Record<string, number>> = {
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  POLLRDNORM: 0x40,
  POLLRDBAND: 0x80,
  POLLWRNORM: 0x100,
  POLLWRBAND: 0x200,
  POLLMSG: 0x400,
  POLLRDHUP: 0x2000,
};
export const POLLIN = 0x1;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
const POLLRDNORM = 0x40;
const POLLWRNORM = 0x100;
const POLLRDHUP = 0x2000;

/** tcp_poll. Urgent data (POLLPRI) is not modelled. */
export function tcp_poll(h: Host, sk: TcpSock): number {
  // inet_csk_listen_poll: readable once a connection waits in the accept queue.
  if (sk.state === 'LISTEN') return sk.acceptQueue.length ? POLLIN | POLLRDNORM : 0;
  let mask = 0;
  // sk_shutdown: RCV_SHUTDOWN from the peer's FIN (tcp_fin) or our close/shutdown/tcp_done.
  const rcvShutdown = sk.rcvShutdown || sk.finReceived;
  if ((rcvShutdown && sk.sndShutdown) || (sk.state === 'CLOSE' && !sk.deferConnect)) mask |= POLLHUP;
  if (rcvShutdown) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  // Connected, or a passive Fast Open child that may already read and write.
  if (sk.deferConnect) {
    // A deferred Fast Open connect (SYN_SENT with DEFER_CONNECT, not yet sent): writeable, so the
    // application writes and the SYN leaves with data.
    mask |= POLLOUT | POLLWRNORM;
  } else if (sk.state !== 'SYN_SENT' && (sk.state !== 'SYN_RECV' || sk.fastopenChild)) {
    // tcp_stream_is_readable -> tcp_epollin_ready: SO_RCVLOWAT bytes, or a window down to rcv_mss.
    if (sk.readable > 0 && (sk.readable >= (sk.rcvlowat ?? 1) || tcp_receive_window(sk) <= sk.rcvMss)) mask |= POLLIN | POLLRDNORM;
    if (sk.sndShutdown) mask |= POLLOUT | POLLWRNORM;
    else if (sk_stream_is_writeable(h, sk, 1)) mask |= POLLOUT | POLLWRNORM;
    // Not writeable: SOCK_NOSPACE, so freed memory wakes the poller (tcp_check_space).
    else sk.noSpace = true;
  }
  // A pending error, or notifications on the error queue (MSG_ZEROCOPY completions).
  if (sk.err || sk.errQueue?.length) mask |= POLLERR;
  return mask;
}
