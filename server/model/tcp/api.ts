// The system calls a script makes, mapped onto the model: socket(), setsockopt(), connect(),
// accept(), write()/send*(), read()/recv*(), close(). Each returns what the kernel would return,
// or `unsupported` with the reason when the model has no rule for it.

import { MSG_ERRQUEUE, MSG_FASTOPEN, TCPHDR_SYN, TCP_NAGLE_CORK, TCP_NAGLE_OFF, TCP_NAGLE_PUSH, TFO_CLIENT_ENABLE } from './constants';
import { initCongestion } from './cong';
import type { Host } from './host';
import { tcp_push_pending_frames } from './output';
import { tcp_send_fin, tcp_sendmsg_locked } from './sendmsg';
import { createSock, findByFd, tcp_sync_mss } from './sock';
import { rcvWscaleFor, tcp_transmit_skb } from './transmit';
import { Skb, TcpSock, truesizeFor } from './types';

/** `pending`: the call blocks; `retry` is asked again after each later event. */
export type CallResult = { ret: number; errno?: string } | { unsupported: string } | { pending: true; retry: () => CallResult };

const O_RDWR = 0x2;
const O_NONBLOCK = 0x800;
const CONNECT_PORT = 8080;

function err(errno: string): CallResult {
  return { ret: -1, errno };
}

export function sys_socket(h: Host, fd: number): CallResult {
  createSock(h, fd);
  h.trace.step('inet_create', 0, `socket fd ${fd} (TCP, congestion control ${h.sysctl.tcp_congestion_control})`);
  return { ret: fd };
}

function sock(h: Host, fd: number): TcpSock | undefined {
  return findByFd(h, fd);
}

export type SockoptValue = number | string;

export function sys_setsockopt(h: Host, fd: number, level: string, name: string, value: SockoptValue): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  const n = typeof value === 'number' ? value : NaN;
  switch (name) {
    case 'SO_REUSEADDR':
    case 'SO_MARK':
    case 'TCP_INQ':
    case 'SO_RCVBUF':
    case 'TCP_NOTSENT_LOWAT':
      return { ret: 0 };
    case 'SO_SNDBUF':
      sk.sndbuf = Math.max(2 * n, 4608);
      return { ret: 0 };
    case 'SO_ZEROCOPY':
      sk.zerocopyEnabled = n !== 0;
      return { ret: 0 };
    case 'TCP_NODELAY':
      if (n) {
        sk.nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
        h.trace.step('__tcp_sock_set_nodelay', sk.id, 'TCP_NODELAY on: Nagle off, push pending data');
        tcp_push_pending_frames(h, sk);
      } else sk.nonagle &= ~TCP_NAGLE_OFF;
      return { ret: 0 };
    case 'TCP_CORK':
      if (n) {
        sk.nonagle |= TCP_NAGLE_CORK;
        h.trace.step('__tcp_sock_set_cork', sk.id, 'TCP_CORK on: hold partial segments');
      } else {
        sk.nonagle &= ~TCP_NAGLE_CORK;
        if (sk.nonagle & TCP_NAGLE_OFF) sk.nonagle |= TCP_NAGLE_PUSH;
        h.trace.step('__tcp_sock_set_cork', sk.id, 'TCP_CORK off: push what is queued');
        tcp_push_pending_frames(h, sk);
      }
      return { ret: 0 };
    case 'TCP_MAXSEG':
      sk.userMss = n;
      return { ret: 0 };
    case 'TCP_FASTOPEN':
      sk.fastopenQlen = n;
      return { ret: 0 };
    case 'TCP_CONGESTION':
      if (value !== 'reno' && value !== 'cubic') return { unsupported: `congestion control '${String(value)}'` };
      sk.congestion = initCongestion(value);
      return { ret: 0 };
    default:
      return { unsupported: `setsockopt ${level} ${name}` };
  }
}

export function sys_listen(h: Host, fd: number, backlog: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  sk.state = 'LISTEN';
  sk.backlog = backlog;
  if (!sk.local.port) sk.local.port = CONNECT_PORT;
  h.trace.step('inet_csk_listen_start', sk.id, `listening, backlog ${backlog}`);
  return { ret: 0 };
}

export function sys_accept(h: Host, fd: number, newFd: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (sk.state !== 'LISTEN') return err('EINVAL');
  const child = sk.acceptQueue.shift();
  if (!child) {
    if (sk.nonblock) return err('EAGAIN');
    return { pending: true, retry: () => sys_accept(h, fd, newFd) };
  }
  child.fd = newFd;
  h.trace.step('inet_csk_accept', child.id, `accepted connection as fd ${newFd} (${child.state})`);
  return { ret: newFd };
}

export function sys_fcntl(h: Host, fd: number, cmd: string, flags: string[]): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (cmd === 'F_GETFL') return { ret: O_RDWR | (sk.nonblock ? O_NONBLOCK : 0) };
  if (cmd === 'F_SETFL') {
    sk.nonblock = flags.includes('O_NONBLOCK');
    return { ret: 0 };
  }
  return { unsupported: `fcntl ${cmd}` };
}

/** tcp_v4_connect + tcp_connect: pick a port, build and send the SYN (with Fast Open data when
 * a cookie is cached and `data` is given). */
export function sys_connect(h: Host, fd: number, fastopenData?: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (sk.state !== 'CLOSE') return err('EISCONN');
  sk.local = { ip: h.localIp, port: h.ephemeralPort() };
  sk.remote = { ip: h.remoteIp, port: CONNECT_PORT };
  sk.tstampOk = h.sysctl.tcp_timestamps !== 0;
  sk.sackOk = h.sysctl.tcp_sack !== 0;
  sk.wscaleOk = h.sysctl.tcp_window_scaling !== 0;
  sk.rcvWscale = sk.wscaleOk ? rcvWscaleFor(h) : 0;
  sk.rcvWnd = 65535;
  sk.iss = 0;
  sk.cwnd = h.initCwnd;
  sk.state = 'SYN_SENT';
  let dataLen = 0;
  if (fastopenData !== undefined) {
    const cookie = h.tfoCookies.get(sk.remote.ip);
    sk.fastopenRequest = { cookie, dataLen: 0 };
    if (cookie) {
      // tcp_send_syn_data: as much data as fits one segment rides in the SYN
      dataLen = Math.min(fastopenData, h.mtu - 40 - 40);
      sk.fastopenRequest.dataLen = dataLen;
    }
  }
  const syn: Skb = {
    id: h.id('skb'),
    seq: sk.iss,
    endSeq: sk.iss + 1 + dataLen,
    flags: TCPHDR_SYN,
    eor: false,
    zerocopy: false,
    frags: dataLen ? 1 : 0,
    truesize: truesizeFor(dataLen),
    pcount: 1,
  };
  sk.writeSeq = syn.endSeq;
  sk.sndUna = sk.iss;
  sk.sndNxt = syn.endSeq;
  sk.pushedSeq = sk.writeSeq;
  tcp_sync_mss(h, sk);
  h.trace.step(
    'tcp_connect',
    sk.id,
    `SYN to ${sk.remote.ip}:${sk.remote.port}${sk.fastopenRequest ? (dataLen ? ` with ${dataLen} bytes of Fast Open data` : ' requesting a Fast Open cookie') : ''}`,
  );
  tcp_transmit_skb(h, sk, syn);
  sk.rtxQueue.push(syn);
  if (fastopenData !== undefined && dataLen) return { ret: dataLen };
  if (sk.nonblock) return err('EINPROGRESS');
  const wait = (): CallResult => {
    if (sk.state === 'ESTABLISHED') return { ret: fastopenData !== undefined ? dataLen : 0 };
    if (sk.state === 'CLOSE') return err('ECONNREFUSED');
    return { pending: true, retry: wait };
  };
  return wait();
}

export function sys_sendmsg(h: Host, fd: number, iov: number[], flags: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (flags & MSG_FASTOPEN) {
    if (!(h.sysctl.tcp_fastopen & TFO_CLIENT_ENABLE)) return err('EOPNOTSUPP');
    if (sk.state !== 'CLOSE') return { unsupported: 'MSG_FASTOPEN on a connected socket' };
    const total = iov.reduce((a, b) => a + b, 0);
    const r = sys_connect(h, fd, total);
    if ('pending' in r) return { unsupported: 'blocking sendto(MSG_FASTOPEN) without a cookie' };
    return r;
  }
  if (sk.state === 'LISTEN') return err('ENOTCONN');
  const r = tcp_sendmsg_locked(h, sk, iov, flags);
  if (r.errno) return err(r.errno);
  return { ret: r.copied };
}

export function sys_recvmsg(h: Host, fd: number, len: number, flags: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (flags & MSG_ERRQUEUE) return { unsupported: 'recvmsg(MSG_ERRQUEUE) (zerocopy completion notifications)' };
  if (sk.state === 'LISTEN' || sk.state === 'CLOSE') return err('ENOTCONN');
  const n = Math.min(len, sk.readable);
  if (n === 0) {
    if (sk.finReceived) return { ret: 0 };
    if (sk.nonblock || flags & 0x40) return err('EAGAIN');
    return { pending: true, retry: () => sys_recvmsg(h, fd, len, flags) };
  }
  sk.readable -= n;
  h.trace.step('tcp_recvmsg', sk.id, `read ${n} bytes (${sk.readable} left); receive-window updates after reads are not modelled`);
  return { ret: n };
}

/** tcp_close: FIN after queued data (FIN_WAIT1 / LAST_ACK); a listener just goes away. */
export function sys_close(h: Host, fd: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  sk.fd = -1;
  switch (sk.state) {
    case 'LISTEN':
    case 'SYN_SENT':
    case 'CLOSE':
      sk.state = 'CLOSE';
      return { ret: 0 };
    case 'ESTABLISHED':
    case 'SYN_RECV':
      if (sk.readable > 0) return { unsupported: 'close() with unread data (the kernel sends a RST)' };
      sk.state = 'FIN_WAIT1';
      tcp_send_fin(h, sk);
      return { ret: 0 };
    case 'CLOSE_WAIT':
      if (sk.readable > 0) return { unsupported: 'close() with unread data (the kernel sends a RST)' };
      sk.state = 'LAST_ACK';
      tcp_send_fin(h, sk);
      return { ret: 0 };
    default:
      return { ret: 0 };
  }
}

export function sys_shutdown(h: Host, fd: number, how: string): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (how !== 'SHUT_WR' && how !== 'SHUT_RDWR') return { ret: 0 };
  if (sk.state === 'ESTABLISHED') sk.state = 'FIN_WAIT1';
  else if (sk.state === 'CLOSE_WAIT') sk.state = 'LAST_ACK';
  else return err('ENOTCONN');
  tcp_send_fin(h, sk);
  return { ret: 0 };
}

/** Values of `struct tcp_info` the python asserts of the selftests read. */
export function tcpInfo(sk: TcpSock): Record<string, number> {
  let unacked = 0;
  for (const s of sk.rtxQueue) unacked += s.pcount;
  return {
    snd_cwnd: sk.cwnd,
    snd_ssthresh: sk.ssthresh,
    snd_mss: sk.mssCache,
    rcv_mss: sk.rcvMss,
    unacked,
    rto: sk.rtoMs * 1000,
    rtt: sk.srttUs >> 3,
    snd_wnd: sk.sndWnd,
    backoff: sk.backoff,
  };
}
