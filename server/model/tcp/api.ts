// The system calls a script makes, mapped onto the model: socket(), setsockopt(), connect(),
// accept(), write()/send*(), read()/recv*(), close(). Each returns what the kernel would return,
// or `unsupported` with the reason when the model has no rule for it.

import { ip_recv_error, msg_zerocopy_realloc, SockExtendedErr, tcp_sendmsg_zerocopy_done } from './zerocopy';
import { sk_forward_alloc } from './fastpath';
import { TCP_TIMEWAIT_LEN_MS, tcp_fin_time, tcp_time_wait, twsk } from './timewait';
import { inet_csk_reqsk_queue_drop, isRequest } from './handshake';
import {
  __tcp_select_window,
  rmemAlloc,
  sock_set_rcvbuf,
  tcp_set_window_clamp,
  tcp_connect_init_window,
  tcp_eat_recv_skb,
  copiedSeq,
  tcp_receive_window,
  tcp_space_from_win,
} from './rcvbuf';
import { tcp_rcv_space_adjust } from './rcvspace';
import {
  MSG_DONTWAIT,
  MSG_ERRQUEUE,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  MSG_FASTOPEN,
  MSG_ZEROCOPY,
  MAX_TCP_OPTION_SPACE,
  MSG_MORE,
  SOCK_MIN_SNDBUF,
  TCPHDR_ACK,
  TCPHDR_PSH,
  TCPHDR_SYN,
  WMEM_MAX,
  TCP_NAGLE_CORK,
  TCP_NAGLE_OFF,
  TCP_NAGLE_PUSH,
  TFO_CLIENT_ENABLE,
  TFO_CLIENT_NO_COOKIE,
  TFO_SERVER_ENABLE,
  TFO_SERVER_WO_SOCKOPT1,
  TCP_RTO_MAX_MS,
  TCP_DELACK_MAX_MS,
  TCP_TIMEOUT_INIT_MS,
  TCP_FIN_TIMEOUT_MAX_S,
  LIVE_JIFFY_MS,
  msToLiveJiffies,
} from './constants';
import { fastopen_queue_tune, reqsk_fastopen_remove, tcp_fastopen_no_cookie, tcp_fastopen_reset_cipher } from './fastopen';
import { ERRNO_NUMBER, sock_error, tcp_done, tcp_write_queue_purge } from './done';
import {
  inet_csk_reset_keepalive_timer,
  keepalive_intvl_when,
  keepalive_probes,
  keepalive_time_when,
  MAX_TCP_KEEPCNT,
  MAX_TCP_KEEPINTVL,
  tcp_set_keepalive,
  tcp_sock_set_keepidle_locked,
} from './keepalive';
import { inet_csk_clear_xmit_timer, tcp_rearm_rto } from './timers';
import { tcp_set_congestion_control } from './cong';
import type { Host } from './host';
import { defaultMssClamp, mtuToMss, wireIsIpv6 } from './family';
import { frame } from './trace';
import { tcp_push_pending_frames } from './output';
import { tcp_mtup_init } from './mtuprobe';
import { SendResult, tcp_push, tcp_send_fin, tcp_sendmsg_locked, tcp_xmit_size_goal } from './sendmsg';
import { sk_stream_memory_free, sk_stream_write_space } from './sndbuf';
import {
  createSock,
  findByFd,
  inet_csk_enter_pingpong_mode,
  inet_csk_in_pingpong_mode,
  scoreboard,
  tcp_current_mss,
  tcp_sync_mss,
} from './sock';
import { INET_ECN_MASK, TCP_ECN_OK, TCP_ECN_SEEN, tcp_ecn_send_syn } from './ecn';
import { tcp_send_ack, tcp_send_active_reset, tcp_transmit_skb } from './transmit';
import { sk_setsockopt_max_pacing_rate, so_max_pacing_rate_u32 } from './pacing';
import { Skb, TcpSock, TcpState, truesizeFor, UbufInfo } from './types';
import { IP_PMTUDISC } from './pmtudisc';

/** `pending`: the call blocks; `retry` is asked again after each later event. */
export type CallResult =
  | {
      ret: number;
      errno?: string;
      /** An output argument that differs from the script's (poll revents, epoll events). */
      outDiff?: string;
      /** getsockopt's value, for the caller to compare with the script's. */
      value?: number | string;
      /** When a blocked call returned, if before the runner looked again (a timeout). */
      atNs?: number;
      /** recvmsg with TCP_INQ on: the TCP_CM_INQ control message's value (tcp_inq_hint). */
      inq?: number;
      /** recvmsg(MSG_ERRQUEUE): the IP_RECVERR control message's sock_extended_err. */
      recverr?: SockExtendedErr;
    }
  | { unsupported: string }
  /** A blocked call; `deadlineNs`: when its timeout ends it at the latest (poll, epoll_wait). */
  | { pending: true; retry: () => CallResult; deadlineNs?: number };

const O_RDWR = 0x2;
const O_NONBLOCK = 0x800;
const CONNECT_PORT = 8080;

function err(errno: string): CallResult {
  return { ret: -1, errno };
}

/** `nonblock`: SOCK_NONBLOCK in the type (__sys_socket sets O_NONBLOCK on the file, as fcntl would). */
export function sys_socket(h: Host, fd: number, nonblock = false): CallResult {
  const sk = createSock(h, fd);
  if (nonblock) sk.nonblock = true;
  h.trace.step('inet_create', 0, `socket fd ${fd} (TCP, congestion control ${h.sysctl.tcp_congestion_control})`);
  return { ret: fd };
}

function sock(h: Host, fd: number): TcpSock | undefined {
  return findByFd(h, fd);
}

export type SockoptValue = number | string | Readonly<Record<string, number>>;

export function sys_setsockopt(h: Host, fd: number, level: string, name: string, value: SockoptValue, optlen?: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  const n = typeof value === 'number' ? value : NaN;
  switch (name) {
    case 'SO_LINGER':
      // sk_setsockopt: struct linger; l_linger in seconds becomes sk_lingertime.
      if (typeof value !== 'object' || value.onoff === undefined || value.linger === undefined)
        return { unsupported: 'SO_LINGER without {onoff=, linger=}' };
      sk.linger = { on: value.onoff !== 0, ms: Math.max(0, value.linger) * 1000 };
      return { ret: 0 };
    case 'TCP_FASTOPEN_KEY': {
      if (typeof value !== 'string') return { unsupported: 'TCP_FASTOPEN_KEY not given as a string' };
      const bytes = cStringBytes(value);
      return tcp_fastopen_reset_cipher(sk, bytes, optlen ?? bytes.length) ? { ret: 0 } : err('EINVAL');
    }
    case 'SO_REUSEADDR':
      sk.reuse = n !== 0;
      return { ret: 0 };
    case 'SO_MARK':
      return { ret: 0 };
    case 'IP_MTU_DISCOVER': {
      // do_ip_setsockopt: IP_PMTUDISC_DONT..IP_PMTUDISC_OMIT, else EINVAL.
      const v = typeof value === 'string' ? IP_PMTUDISC[value] : n;
      if (v === undefined || !Number.isInteger(v)) return { unsupported: `IP_MTU_DISCOVER value ${String(value)}` };
      if (v < 0 || v > IP_PMTUDISC.IP_PMTUDISC_OMIT) return err('EINVAL');
      sk.pmtudisc = v;
      return { ret: 0 };
    }
    case 'IP_RECVERR':
      // do_ip_setsockopt: inet_assign_bit(RECVERR); turning it off purges the error queue.
      sk.recverr = n !== 0;
      if (!sk.recverr) sk.errQueue = [];
      return { ret: 0 };
    case 'IP_TOS':
      // do_ip_setsockopt: a stream socket keeps its own ECN bits (the model carries them apart,
      // ecn.ts), so only the DSCP part is taken; the next packets carry it.
      if (!Number.isInteger(n)) return { unsupported: 'IP_TOS not given as a number' };
      if (wireIsIpv6(h)) {
        // An AF_INET6 socket takes IP_TOS into inet->tos too, but ip6_xmit sends np->tclass.
        h.trace.step('do_ip_setsockopt', sk.id, `IP_TOS 0x${n.toString(16)} on an IPv6 socket: inet->tos, which IPv6 packets do not carry`);
        sk.ipTosUnsent = n & 0xff & ~INET_ECN_MASK;
        return { ret: 0 };
      }
      sk.inetTos = n & 0xff & ~INET_ECN_MASK;
      return { ret: 0 };
    case 'IPV6_TCLASS':
      // do_ipv6_setsockopt: -1 is the default 0; a stream socket keeps its ECN bits. On IPv6 the
      // model's inetTos is np->tclass, the byte ip6_xmit sends; a mapped socket sends IPv4's TOS.
      if (!wireIsIpv6(h)) return { unsupported: `IPV6_TCLASS under --ip_version=${h.ipVersion} (packets are IPv4)` };
      if (!Number.isInteger(n) || n < -1 || n > 0xff) return err('EINVAL');
      sk.inetTos = Math.max(n, 0) & ~INET_ECN_MASK;
      return { ret: 0 };
    case 'SO_MAX_PACING_RATE':
      if (!Number.isFinite(n) || n < 0) return { unsupported: 'SO_MAX_PACING_RATE not given as a number' };
      sk_setsockopt_max_pacing_rate(h, sk, n);
      return { ret: 0 };
    case 'TCP_INQ':
      // tp->recvmsg_inq: recvmsg reports the bytes left to read as a TCP_CM_INQ message.
      if (n !== 0 && n !== 1) return err('EINVAL');
      sk.recvmsgInq = n === 1;
      return { ret: 0 };
    case 'SO_RCVBUF':
      sock_set_rcvbuf(sk, n);
      return { ret: 0 };
    case 'TCP_NOTSENT_LOWAT':
      sk.notsentLowat = n;
      // do_tcp_setsockopt calls sk_write_space at once: a higher mark may wake a writer.
      sk_stream_write_space(h, sk);
      return { ret: 0 };
    case 'SO_SNDBUF':
      // sk_setsockopt: capped by net.core.wmem_max, doubled for overhead, and locked.
      sk.sndbuf = Math.max(2 * Math.min(n, WMEM_MAX), SOCK_MIN_SNDBUF);
      sk.sndbufLocked = true;
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
    case 'TCP_QUICKACK':
      __tcp_sock_set_quickack(h, sk, n);
      return { ret: 0 };
    case 'TCP_MAXSEG':
      sk.userMss = n;
      return { ret: 0 };
    case 'TCP_WINDOW_CLAMP':
      return tcp_set_window_clamp(h, sk, n) ? { ret: 0 } : err('EINVAL');
    case 'TCP_FASTOPEN_CONNECT':
      if (n !== 0 && n !== 1) return err('EINVAL');
      if (!(h.sysctl.tcp_fastopen & TFO_CLIENT_ENABLE)) return err('EOPNOTSUPP');
      if (sk.state !== 'CLOSE') return err('EINVAL');
      sk.fastopenConnect = n === 1;
      return { ret: 0 };
    case 'TCP_THIN_LINEAR_TIMEOUTS':
      if (n !== 0 && n !== 1) return err('EINVAL');
      sk.thinLto = n === 1;
      return { ret: 0 };
    case 'TCP_THIN_DUPACK':
      // Kept for the API only: 0 or 1, no effect (tcp_thin_dupack is gone).
      return n !== 0 && n !== 1 ? err('EINVAL') : { ret: 0 };
    case 'TCP_FASTOPEN_NO_COOKIE':
      // do_tcp_setsockopt: 0 or 1, and only before connect() or on a listener.
      if (n !== 0 && n !== 1) return err('EINVAL');
      if (sk.state !== 'CLOSE' && sk.state !== 'LISTEN') return err('EINVAL');
      sk.fastopenNoCookie = n === 1;
      return { ret: 0 };
    case 'TCP_SYNCNT':
      // tcp_sock_set_syncnt: 1..MAX_TCP_SYNCNT (127).
      if (n < 1 || n > 127) return err('EINVAL');
      sk.synRetries = n;
      return { ret: 0 };
    case 'TCP_FASTOPEN':
      fastopen_queue_tune(sk, n);
      return { ret: 0 };
    case 'SO_RCVLOWAT':
      tcp_set_rcvlowat(h, sk, n);
      return { ret: 0 };
    case 'SO_SNDLOWAT':
      // sk_setsockopt: Linux has no send low-water mark (TCP_NOTSENT_LOWAT is TCP's); setting it fails.
      return err('ENOPROTOOPT');
    case 'TCP_DEFER_ACCEPT':
      sk.deferAccept = secs_to_retrans(n, TCP_TIMEOUT_INIT_MS / 1000, TCP_RTO_MAX_MS / 1000);
      return { ret: 0 };
    case 'SO_KEEPALIVE':
      tcp_set_keepalive(h, sk, n !== 0);
      return { ret: 0 };
    case 'TCP_KEEPIDLE':
      return tcp_sock_set_keepidle_locked(h, sk, n) ? { ret: 0 } : err('EINVAL');
    case 'TCP_KEEPINTVL':
      // tcp_sock_set_keepintvl: stored for the next probe; the timer is not moved.
      if (!(n >= 1 && n <= MAX_TCP_KEEPINTVL)) return err('EINVAL');
      sk.keepaliveIntvlMs = n * 1000;
      return { ret: 0 };
    case 'TCP_KEEPCNT':
      if (!(n >= 1 && n <= MAX_TCP_KEEPCNT)) return err('EINVAL');
      sk.keepaliveProbes = n;
      return { ret: 0 };
    case 'TCP_LINGER2':
      // Seconds, at most TCP_FIN_TIMEOUT_MAX (120 s); negative: close an orphan in FIN_WAIT2 at once.
      sk.linger2Ms = n < 0 ? -1 : Math.min(n, TCP_FIN_TIMEOUT_MAX_S) * 1000;
      return { ret: 0 };
    case 'TCP_USER_TIMEOUT':
      // tcp_sock_set_user_timeout: ms; read by the next retransmission or keepalive timeout.
      if (!(n >= 0)) return err('EINVAL');
      sk.userTimeoutMs = n;
      return { ret: 0 };
    case 'TCP_CONGESTION': {
      if (typeof value !== 'string') return { unsupported: `congestion control '${String(value)}'` };
      // do_tcp_setsockopt copies at most optlen bytes of the name
      const caName = optlen !== undefined && optlen >= 0 ? value.slice(0, optlen) : value;
      if (!caName.length) return err('EINVAL');
      const r = tcp_set_congestion_control(h, sk, caName);
      if (r === 'unsupported') return { unsupported: `congestion control '${caName}'` };
      if (r === 'ENOENT') return err('ENOENT');
      h.caChosen = true;
      return { ret: 0 };
    }
    default:
      if (ipPortChoiceOption(level, name)) {
        // do_ip_setsockopt: IP_BIND_ADDRESS_NO_PORT (24) and IP_LOCAL_PORT_RANGE (51) only steer
        // which local port bind()/connect() pick, which packetdrill rewrites on the wire anyway.
        h.trace.step('do_ip_setsockopt', sk.id, `${name} stored: it only changes the choice of local port`);
        return { ret: 0 };
      }
      return { unsupported: `setsockopt ${level} ${name}` };
  }
}

/** The SOL_IP options about the local port (by name, or by number as scripts must spell them for
 * a packetdrill that lacks the symbols). */
function ipPortChoiceOption(level: string, name: string): boolean {
  if (level !== 'SOL_IP' && level !== 'IPPROTO_IP' && level !== '0') return false;
  return ['IP_BIND_ADDRESS_NO_PORT', '24', 'IP_LOCAL_PORT_RANGE', '51'].includes(name);
}

/** tcp_set_rcvlowat: at most half of sk_rcvbuf (locked) or of tcp_rmem[2]; 0 means 1. Unless
 * SO_RCVBUF locked it, sk_rcvbuf grows to hold that many bytes of payload (tcp_space_from_win),
 * and window_clamp with it. */
function tcp_set_rcvlowat(h: Host, sk: TcpSock, val: number): void {
  const cap = (sk.rcvbufLocked ? sk.rcvbuf : h.sysctl.tcp_rmem[2]) >> 1;
  val = Math.min(val, cap);
  sk.rcvlowat = val || 1;
  h.trace.step('tcp_set_rcvlowat', sk.id, `SO_RCVLOWAT ${sk.rcvlowat}: reads wait for that many bytes`);
  if (sk.rcvbufLocked) return;
  const space = tcp_space_from_win(sk, val);
  if (space > sk.rcvbuf) {
    sk.rcvbuf = space;
    if (sk.windowClamp && sk.windowClamp < val) sk.windowClamp = val;
  }
}

/** secs_to_retrans: TCP_DEFER_ACCEPT's seconds as the SYN-ACK retransmissions whose backed-off
 * timeouts (from `timeout`, at most `rtoMax`) first cover them. */
function secs_to_retrans(seconds: number, timeout: number, rtoMax: number): number {
  if (!(seconds > 0)) return 0;
  let res = 1;
  let period = timeout;
  while (seconds > period && res < 255) {
    res++;
    timeout = Math.min(timeout * 2, rtoMax);
    period += timeout;
  }
  return res;
}

/** retrans_to_secs: getsockopt(TCP_DEFER_ACCEPT) gives the retransmissions back as seconds. */
function retrans_to_secs(retrans: number, timeout: number, rtoMax: number): number {
  let period = 0;
  if (retrans > 0) {
    period = timeout;
    while (--retrans) {
      timeout = Math.min(timeout * 2, rtoMax);
      period += timeout;
    }
  }
  return period;
}

/** The bytes of a packetdrill string argument, C escapes (\\xHH, octal, \\n...) decoded. */
function cStringBytes(text: string): number[] {
  const out: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, '"': 34, "'": 39 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\' || i + 1 >= text.length) {
      out.push(text.charCodeAt(i) & 0xff);
      continue;
    }
    const hex = /^x([0-9a-fA-F]{1,2})/.exec(text.slice(i + 1));
    const oct = /^([0-7]{1,3})/.exec(text.slice(i + 1));
    if (hex) {
      out.push(parseInt(hex[1], 16));
      i += hex[0].length;
    } else if (oct) {
      out.push(parseInt(oct[1], 8) & 0xff);
      i += oct[0].length;
    } else {
      out.push(simple[text[i + 1]] ?? text.charCodeAt(i + 1) & 0xff);
      i++;
    }
  }
  return out;
}

/** do_tcp_getsockopt / sk_getsockopt for the options a script reads back; the rest (TCP_INFO as
 * a struct, SO_RCVBUF after autotuning...) is named unsupported. */
export function sys_getsockopt(h: Host, fd: number, name: string): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  const value = getsockoptValue(h, sk, name);
  return value === undefined ? { unsupported: `getsockopt ${name}` } : { ret: 0, value };
}

/** include/linux/net.h: the only socket type the model has. */
const SOCK_STREAM = 1;

/** tcp_ioctl's byte counts, by packetdrill's names or by number: SIOCINQ / FIONREAD (tcp_inq:
 * unread bytes, a received FIN not counted), SIOCOUTQ / TIOCOUTQ (write_seq - snd_una) and
 * SIOCOUTQNSD (write_seq - snd_nxt); a listener answers EINVAL, a handshake in progress 0. */
export function sys_ioctl(h: Host, fd: number, request: string): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  const kind = IOCTL_REQUEST[request];
  if (!kind) return { unsupported: `ioctl ${request}` };
  if (sk.state === 'LISTEN') return err('EINVAL');
  const handshaking = sk.state === 'SYN_SENT' || sk.state === 'SYN_RECV';
  const value = handshaking ? 0 : kind === 'inq' ? sk.readable : kind === 'outq' ? sk.writeSeq - sk.sndUna : sk.writeSeq - sk.sndNxt;
  h.trace.step('tcp_ioctl', sk.id, `${request}: ${value} bytes`);
  return { ret: 0, value };
}

/** The requests tcp_ioctl answers, by name and by number (include/uapi/asm-generic/ioctls.h,
 * linux/sockios.h). */
const IOCTL_REQUEST: Readonly<Record<string, 'inq' | 'outq' | 'outqnsd'>> = {
  SIOCINQ: 'inq',
  FIONREAD: 'inq',
  [String(0x541b)]: 'inq',
  SIOCOUTQ: 'outq',
  TIOCOUTQ: 'outq',
  [String(0x5411)]: 'outq',
  SIOCOUTQNSD: 'outqnsd',
  [String(0x894b)]: 'outqnsd',
};

function getsockoptValue(h: Host, sk: TcpSock, name: string): number | string | undefined {
  switch (name) {
    case 'SO_ERROR': {
      // sk_getsockopt: the pending error (sock_error), cleared as it is read; without one, the
      // soft error (an ICMP error not made hard by IP_RECVERR), also cleared: xchg(&sk_err_soft, 0).
      const e = sock_error(sk);
      if (e) return ERRNO_NUMBER[e];
      const soft = sk.errSoft;
      sk.errSoft = undefined;
      return soft ? (ERRNO_NUMBER[soft] ?? 0) : 0;
    }
    case 'SO_KEEPALIVE':
      return sk.keepOpen ? 1 : 0;
    case 'SO_REUSEADDR':
      return sk.reuse ? 1 : 0;
    case 'IP_TOS':
      // inet->tos; on an ECN connection INET_ECN_xmit keeps ECT(0) in it, which the model does
      // not follow. An IPv6 socket's inet->tos is only what IP_TOS set (inherited or reflected
      // ones go to np->tclass), which the model keeps for the socket that set it.
      if (wireIsIpv6(h)) return sk.ipTosUnsent;
      return sk.ecnFlags & TCP_ECN_OK ? undefined : sk.inetTos;
    case 'IP_MTU_DISCOVER':
      return sk.pmtudisc;
    case 'IP_RECVERR':
      return sk.recverr ? 1 : 0;
    case 'IPV6_TCLASS':
      // np->tclass (the model's inetTos on IPv6), with the same ECN caveat as IP_TOS.
      return wireIsIpv6(h) && !(sk.ecnFlags & TCP_ECN_OK) ? sk.inetTos : undefined;
    case 'SO_TYPE':
      return SOCK_STREAM;
    case 'SO_SNDLOWAT':
      // sk_getsockopt: always 1, since it cannot be set.
      return 1;
    case 'SO_RCVLOWAT':
      return sk.rcvlowat ?? 1;
    case 'SO_MAX_PACING_RATE':
      return so_max_pacing_rate_u32(sk);
    case 'SO_SNDBUF':
      return sk.sndbuf;
    case 'SO_RCVBUF':
      // sk_rcvbuf (rcvbuf.ts), grown by autotuning unless SO_RCVBUF locked it (rcvspace.ts).
      return sk.rcvbuf;
    case 'TCP_NODELAY':
      return sk.nonagle & TCP_NAGLE_OFF ? 1 : 0;
    case 'TCP_CORK':
      return sk.nonagle & TCP_NAGLE_CORK ? 1 : 0;
    case 'TCP_MAXSEG':
      // mss_cache; before the connection, what TCP_MAXSEG asked for.
      return sk.userMss && (sk.state === 'CLOSE' || sk.state === 'LISTEN') ? sk.userMss : sk.mssCache;
    case 'TCP_WINDOW_CLAMP':
      return sk.windowClamp;
    case 'TCP_KEEPIDLE':
      return keepalive_time_when(h, sk) / 1000;
    case 'TCP_KEEPINTVL':
      return keepalive_intvl_when(h, sk) / 1000;
    case 'TCP_KEEPCNT':
      return keepalive_probes(h, sk);
    case 'TCP_LINGER2': {
      const l = sk.linger2Ms ?? 0;
      return l < 0 ? -1 : Math.floor((l || h.sysctl.tcp_fin_timeout * 1000) / 1000);
    }
    case 'TCP_USER_TIMEOUT':
      return sk.userTimeoutMs ?? 0;
    case 'TCP_NOTSENT_LOWAT':
      return sk.notsentLowat;
    case 'TCP_SYNCNT':
      return sk.synRetries || h.sysctl.tcp_syn_retries;
    case 'TCP_DEFER_ACCEPT':
      return retrans_to_secs(sk.deferAccept ?? 0, TCP_TIMEOUT_INIT_MS / 1000, TCP_RTO_MAX_MS / 1000);
    case 'TCP_CONGESTION':
      return sk.congestion.algo;
    case 'TCP_QUICKACK':
      // Not the option as set: whether ACKs are sent at once (not in pingpong mode).
      return inet_csk_in_pingpong_mode(h, sk) ? 0 : 1;
    case 'TCP_FASTOPEN':
      return sk.fastopenQlen;
    case 'TCP_FASTOPEN_CONNECT':
      return sk.fastopenConnect ? 1 : 0;
    case 'TCP_FASTOPEN_NO_COOKIE':
      return sk.fastopenNoCookie ? 1 : 0;
    case 'TCP_THIN_LINEAR_TIMEOUTS':
      return sk.thinLto ? 1 : 0;
    case 'TCP_THIN_DUPACK':
      return 0;
    case 'TCP_INQ':
      return sk.recvmsgInq ? 1 : 0;
    case 'SO_ACCEPTCONN':
      return sk.state === 'LISTEN' ? 1 : 0;
    default:
      return undefined;
  }
}

/** inet_bind → inet_csk_get_port for the script's one local port: a socket already bound is
 * EINVAL; another socket holding the port (a listener, a child, an orphan, a timewait socket) is
 * a conflict (inet_csk_bind_conflict) unless both set SO_REUSEADDR and that one is not listening. */
export function sys_bind(h: Host, fd: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (sk.bound || sk.state !== 'CLOSE') return err('EINVAL');
  const holder = h.socks.find(
    (o) => o !== sk && o.bound && !isRequest(o) && (o.state !== 'CLOSE' || twsk(h, o)) && !(sk.reuse && o.reuse && o.state !== 'LISTEN'),
  );
  if (holder) {
    h.trace.step('inet_csk_get_port', sk.id, `port held by socket ${holder.id} (${holder.tw ? 'TIME_WAIT' : holder.state}): EADDRINUSE`);
    return err('EADDRINUSE');
  }
  sk.bound = true;
  return { ret: 0 };
}

export function sys_listen(h: Host, fd: number, backlog: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  sk.state = 'LISTEN';
  sk.backlog = backlog;
  // inet_listen: with TFO_SERVER_WO_SOCKOPT1 Fast Open needs no TCP_FASTOPEN; the backlog is the limit.
  const tfo = h.sysctl.tcp_fastopen;
  if (tfo & TFO_SERVER_WO_SOCKOPT1 && tfo & TFO_SERVER_ENABLE && !sk.fastopenQlen) fastopen_queue_tune(sk, backlog);
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
/** connect(), or tcp_sendmsg_fastopen's connect with `fastopenData` bytes to send: `faultData`
 * when their buffer cannot be read (tcp_send_syn_data's copy faults), and their MSG_ZEROCOPY
 * ubuf, which the SYN's data skb holds (tcp_send_syn_data's skb_zcopy_set). */
export function sys_connect(h: Host, fd: number, fastopenData?: number, faultData = false, uarg?: UbufInfo): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  // __inet_stream_connect: SS_CONNECTING is EALREADY, but with DEFER_CONNECT (a deferred Fast
  // Open connect) EISCONN; connected is EISCONN.
  if (sk.deferConnect && fastopenData === undefined) return err('EISCONN');
  if (sk.sockConnecting && fastopenData === undefined) {
    // After a non-blocking connect, SS_CONNECTING: EALREADY while the handshake runs; once it is
    // over the call reports its outcome, 0 (SS_CONNECTED) or the error (sock_error, else
    // ECONNABORTED), and the socket is no longer connecting.
    if (sk.state === 'SYN_SENT' || sk.state === 'SYN_RECV') return err('EALREADY');
    sk.sockConnecting = false;
    if (sk.state === 'CLOSE') return err(sock_error(sk) ?? 'ECONNABORTED');
    return { ret: 0 };
  }
  if (sk.state === 'SYN_SENT') return err('EALREADY');
  if (sk.state !== 'CLOSE') return err('EISCONN');
  sk.deferConnect = false;
  if (fastopenData === undefined && sk.fastopenConnect) {
    // tcp_fastopen_defer_connect: with a cookie (or in cookie-less mode) the SYN waits for the
    // first write, which sends it with data; otherwise the SYN asks for a cookie.
    if (h.tfoCookies.get(h.remoteIp)?.cookie || tcp_fastopen_no_cookie(h, sk, TFO_CLIENT_NO_COOKIE)) {
      sk.deferConnect = true;
      h.trace.step('tcp_fastopen_defer_connect', sk.id, 'TCP_FASTOPEN_CONNECT: SYN deferred to the first write');
      return { ret: 0 };
    }
    fastopenData = 0;
  }
  sk.local = { ip: h.localIp, port: h.ephemeralPort() };
  sk.remote = { ip: h.remoteIp, port: CONNECT_PORT };
  sk.tstampOk = h.sysctl.tcp_timestamps !== 0;
  sk.sackOk = h.sysctl.tcp_sack !== 0;
  sk.wscaleOk = h.sysctl.tcp_window_scaling !== 0;
  tcp_connect_init_window(h, sk);
  sk.iss = 0;
  sk.cwnd = h.initCwnd;
  sk.state = 'SYN_SENT';
  let dataLen = 0;
  if (fastopenData !== undefined) {
    const cached = h.tfoCookies.get(sk.remote.ip);
    // tcp_fastopen_cookie_check: cookie-less mode sends data with no FO option at all.
    const noCookie = tcp_fastopen_no_cookie(h, sk, TFO_CLIENT_NO_COOKIE);
    const cookie = noCookie ? undefined : cached?.cookie;
    sk.fastopenRequest = { cookie, dataLen: 0, noCookie };
    // tcp_fastopen_cache_get: the cookie's own format, or a request in the experimental option
    // after a plain request got no cookie (try_exp 1); this becomes tp->syn_fastopen_exp.
    if (!noCookie && (cookie ? cached?.exp : cached?.tryExp === 1)) sk.fastopenRequest.exp = true;
    if ((cookie || noCookie) && faultData && fastopenData > 0) {
      // tcp_send_syn_data's copy_page_from_iter faults: fallback, a regular SYN asking for a
      // cookie (fo->cookie.len 0; none in cookie-less mode), no data.
      sk.fastopenRequest.cookie = undefined;
      h.trace.step('tcp_send_syn_data', sk.id, 'copying the SYN data from the user buffer faults: fallback to a plain SYN');
    } else if (cookie || noCookie) {
      // tcp_send_syn_data: the MSS is the cached one (else advmss), bounded by TCP_MAXSEG and the
      // path MTU, and MAX_TCP_OPTION_SPACE is left free for options middleboxes may add.
      const clamp = Math.min(cached?.mss || mtuToMss(h, h.pathMtu), sk.userMss || 65535);
      dataLen = Math.max(0, Math.min(fastopenData, Math.min(mtuToMss(h, h.pathMtu), clamp) - MAX_TCP_OPTION_SPACE));
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
    ...(dataLen && uarg ? { uarg } : {}),
  };
  tcp_ecn_send_syn(h, sk, syn);
  sk.writeSeq = syn.endSeq;
  sk.sndUna = sk.iss;
  sk.sndNxt = syn.endSeq;
  sk.pushedSeq = sk.writeSeq;
  // tcp_connect_init: until the SYN-ACK brings the peer's MSS, mss_clamp is TCP_MAXSEG or
  // tcp_v4_connect's TCP_MSS_DEFAULT (tcp_v6_connect's 1220), so mss_cache (TCP_MAXSEG,
  // tcpi_snd_mss) reads that less the timestamp option in SYN_SENT.
  sk.mssClamp = sk.userMss || defaultMssClamp(h);
  tcp_mtup_init(h, sk);
  tcp_sync_mss(h, sk);
  // tcp_send_syn_data keeps the data as its own skb after the bare SYN on the retransmit queue:
  // a SYN retransmission carries no data, and data the SYN-ACK does not cover is resent.
  const queued: Skb[] = dataLen
    ? [
        { ...syn, endSeq: sk.iss + 1, frags: 0, truesize: truesizeFor(0), uarg: undefined },
        { ...syn, id: h.id('skb'), seq: sk.iss + 1, flags: TCPHDR_ACK | TCPHDR_PSH },
      ]
    : [syn];
  h.trace.step(
    'tcp_connect',
    sk.id,
    `SYN to ${sk.remote.ip}:${sk.remote.port}${sk.fastopenRequest ? (dataLen ? ` with ${dataLen} bytes of Fast Open data` : ' requesting a Fast Open cookie') : ''}`,
  );
  tcp_transmit_skb(h, sk, syn);
  if (sk.fastopenRequest) sk.fastopenRequest.optionSent = true;
  for (const q of queued) {
    q.sentNs = syn.sentNs;
    q.firstTxNs = syn.firstTxNs;
  }
  sk.rtxQueue.push(...queued);
  // tcp_connect: the SYN's retransmission timer, TCP_TIMEOUT_INIT.
  tcp_rearm_rto(h, sk, sk.rtoMs);
  if (fastopenData !== undefined && dataLen) return { ret: dataLen };
  if (sk.nonblock) {
    sk.sockConnecting = true;
    return err('EINPROGRESS');
  }
  const wait = (): CallResult => {
    if (sk.state === 'ESTABLISHED') return { ret: fastopenData !== undefined ? dataLen : 0 };
    if (sk.state === 'CLOSE') return err(sock_error(sk) ?? 'ECONNABORTED');
    return { pending: true, retry: wait };
  };
  return wait();
}

/** `badBuffer`: the user buffer cannot be read (NULL): the first copy faults. */
export function sys_sendmsg(h: Host, fd: number, iov: number[], flags: number, badBuffer = false): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  // tcp_sendmsg_fastopen on MSG_FASTOPEN or a deferred connect; once connected, __inet_stream_connect
  // says EALREADY while the handshake runs and the flag is ignored after it.
  if (flags & MSG_FASTOPEN && sk.state === 'SYN_SENT') return err('EALREADY');
  if (flags & MSG_FASTOPEN && sk.state !== 'CLOSE') flags &= ~MSG_FASTOPEN;
  if (flags & MSG_FASTOPEN || sk.deferConnect) {
    if (!(h.sysctl.tcp_fastopen & TFO_CLIENT_ENABLE)) return err('EOPNOTSUPP');
    if (sk.state !== 'CLOSE') return { unsupported: 'MSG_FASTOPEN on a connected socket' };
    const total = iov.reduce((a, b) => a + b, 0);
    // tcp_sendmsg_locked takes the MSG_ZEROCOPY id before tcp_sendmsg_fastopen.
    const uarg = flags & MSG_ZEROCOPY && sk.zerocopyEnabled && total ? msg_zerocopy_realloc(h, sk, total, undefined) : undefined;
    const r = sys_connect(h, fd, total, badBuffer, uarg);
    // tcp_sendmsg_fastopen, blocking: the SYN took fo->copied bytes (none without a cookie);
    // tcp_sendmsg_locked then waits for the handshake (sk_stream_wait_connect) and queues the rest.
    const inSyn = sk.fastopenRequest?.dataLen ?? 0;
    // The call ends: out if the SYN took data, else out_err.
    const zcDone = (res: CallResult): CallResult => {
      tcp_sendmsg_zerocopy_done(h, sk, uarg, inSyn);
      return res;
    };
    if (sk.nonblock || flags & MSG_DONTWAIT || !('pending' in r || ('ret' in r && r.ret >= 0))) return zcDone(r);
    const wait = (): CallResult => {
      // tcp_send_syn_data clears fo->data once the SYN took all of it: nothing left to write.
      sk.writePending = sk.state === 'SYN_SENT' && total > inSyn;
      if (sk.state === 'CLOSE') return zcDone(err(sock_error(sk) ?? 'ECONNABORTED'));
      if (sk.state === 'SYN_SENT') return { pending: true, retry: wait };
      if (total === inSyn) return zcDone({ ret: total });
      if (badBuffer) return zcDone(tcp_sendmsg_fault(h, sk, [total], flags));
      return plus(inSyn, sendResult(h, sk, tcp_sendmsg_locked(h, sk, [total - inSyn], flags & ~MSG_FASTOPEN, 0, uarg), flags));
    };
    return wait();
  }
  if (sk.state === 'LISTEN') return err('ENOTCONN');
  if (badBuffer && iov.some((n) => n > 0)) return tcp_sendmsg_fault(h, sk, iov, flags);
  return sendResult(h, sk, tcp_sendmsg_locked(h, sk, iov, flags, 0), flags);
}

/** tcp_sendmsg_locked from a buffer it cannot read: the state checks (sk_stream_wait_connect)
 * come first; then the first copy into an skb faults, the empty skb is dropped
 * (tcp_remove_empty_skb) and, nothing copied, sk_stream_error returns EFAULT: nothing is queued or
 * sent. */
function tcp_sendmsg_fault(h: Host, sk: TcpSock, iov: number[], flags: number): CallResult {
  const connected = sk.state === 'ESTABLISHED' || sk.state === 'CLOSE_WAIT' || (sk.state === 'SYN_RECV' && sk.fastopenChild);
  if (!connected) return sendResult(h, sk, tcp_sendmsg_locked(h, sk, iov, flags, 0), flags);
  if (!sk_stream_memory_free(h, sk)) return { unsupported: 'a send from a bad buffer with the send buffer full' };
  h.trace.step('tcp_sendmsg_locked', sk.id, 'copying from the user buffer faults with nothing copied: EFAULT');
  return err('EFAULT');
}

/** One tcp_sendmsg_locked call of a sendfile(): a pipe-full of page-cache pages. */
export interface SplicePiece {
  len: number;
  /** MSG_MORE: splice_direct_to_actor has more to read (SPLICE_F_MORE). */
  more: boolean;
}

/** sendfile() → do_splice_direct: each pipe-full (at most 16 pages) is one tcp_sendmsg_locked
 * call with MSG_SPLICE_PAGES, MSG_MORE while more is to come; the pages become skb fragments, sized
 * by size_goal like copied data. A read that hits the end of the file first ends with
 * tcp_splice_eof, which pushes what MSG_MORE held back. */
export function sys_sendfile(h: Host, fd: number, pieces: SplicePiece[], eof: boolean): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (sk.state === 'LISTEN') return err('ENOTCONN');
  let sent = 0;
  for (let k = 0; k < pieces.length; k++) {
    const r = tcp_sendmsg_locked(h, sk, [pieces[k].len], pieces[k].more ? MSG_MORE : 0, 0);
    if (r.errno) return sent ? { ret: sent } : err(r.errno);
    if (r.rest) {
      if (k < pieces.length - 1) return { unsupported: 'sendfile() sleeping for send-buffer memory before its last pipe-full' };
      return plus(sent, sendResult(h, sk, r, 0));
    }
    sent += r.copied;
  }
  if (eof && sent) {
    h.trace.step('tcp_splice_eof', sk.id, 'end of file before the count: push what MSG_MORE held');
    tcp_push(h, sk, 0, tcp_current_mss(h, sk), sk.nonagle, tcp_xmit_size_goal(h, sk, tcp_current_mss(h, sk), true));
  }
  return { ret: sent };
}

/** splice() from a socket into a pipe with `room` bytes free: tcp_splice_read, which moves what
 * the receive queue holds (tcp_read_sock, then tcp_rcv_space_adjust and tcp_cleanup_rbuf as a
 * read does) up to `len`, sleeping (sk_wait_data) only while nothing came; O_NONBLOCK is the
 * socket's own (SPLICE_F_NONBLOCK is about the pipe). tcp_recvmsg's loop gives the same bytes and
 * window, except that SO_RCVLOWAT is not a splice's target. */
export function sys_splice_read(h: Host, fd: number, len: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if ((sk.rcvlowat ?? 1) > 1) return { unsupported: 'splice() from a socket with SO_RCVLOWAT set' };
  if (sk.state === 'LISTEN') return err('ENOTCONN');
  return tcp_recvmsg_locked(h, sk, len, 0, 0);
}

/** splice() from a pipe into a socket: splice_to_socket's one tcp_sendmsg_locked of the pipe's
 * buffers (MSG_SPLICE_PAGES; MSG_MORE with SPLICE_F_MORE, MSG_DONTWAIT on an O_NONBLOCK socket). */
export function sys_splice_write(h: Host, fd: number, len: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (sk.state === 'LISTEN') return err('ENOTCONN');
  return sendResult(h, sk, tcp_sendmsg_locked(h, sk, [len], 0, 0), 0);
}

/** `r` as `done` changes its final result: at once, or once a sleeping call completes. */
export function whenDone(r: CallResult, done: (r: CallResult) => CallResult): CallResult {
  if ('pending' in r) return { ...r, retry: () => whenDone(r.retry(), done) };
  return done(r);
}

/** `r` with `n` more bytes to its return value, also once a sleeping call completes. */
function plus(n: number, r: CallResult): CallResult {
  return whenDone(r, (d) => ('ret' in d && d.ret >= 0 ? { ret: d.ret + n } : d));
}

/** A write that found the send buffer full sleeps in sk_stream_wait_memory until
 * sk_stream_write_space wakes it with memory free, then copies the rest; a reset or shutdown
 * meanwhile ends it with what was copied, or EPIPE. */
function sendResult(h: Host, sk: TcpSock, r: SendResult, flags: number): CallResult {
  if (r.errno) return err(r.errno);
  const rest = r.rest;
  if (!rest) return { ret: r.copied };
  const wait = (): CallResult => {
    if (sk.state !== 'ESTABLISHED' && sk.state !== 'CLOSE_WAIT') {
      tcp_sendmsg_zerocopy_done(h, sk, r.uarg, r.copied);
      return r.copied ? { ret: r.copied } : err(sock_error(sk) ?? 'EPIPE');
    }
    if (!sk.writeSpaceWoken || !sk_stream_memory_free(h, sk)) return { pending: true, retry: wait };
    sk.writeSpaceWoken = false;
    h.trace.step('sk_stream_wait_memory', sk.id, `writer woken: ${r.copied} bytes copied so far, ${rest.reduce((a, b) => a + b, 0)} to go`);
    return sendResult(h, sk, tcp_sendmsg_locked(h, sk, rest, flags, r.copied, r.uarg), flags);
  };
  return { pending: true, retry: wait };
}

/** `badBuffer`: the user buffer cannot be written (NULL): the first copy faults. */
export function sys_recvmsg(h: Host, fd: number, len: number, flags: number, badBuffer = false): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  if (flags & MSG_ERRQUEUE) {
    // tcp_recvmsg → inet_recv_error → ip_recv_error: no data, one IP_RECVERR control message.
    const e = ip_recv_error(h, sk);
    return e ? { ret: 0, recverr: e } : err('EAGAIN');
  }
  if (flags & MSG_OOB) return { unsupported: 'recv(MSG_OOB) (urgent data)' };
  // A deferred Fast Open connect is SYN_SENT to tcp_recvmsg: nothing to read yet.
  if (sk.deferConnect)
    return sk.nonblock || flags & MSG_DONTWAIT ? err('EAGAIN') : { pending: true, retry: () => sys_recvmsg(h, fd, len, flags, badBuffer) };
  if (sk.state === 'LISTEN') return err('ENOTCONN');
  return tcp_recvmsg_locked(h, sk, len, flags, 0, badBuffer);
}

/** tcp_recvmsg's TCP_CM_INQ (TCP_INQ on, the read did not fail): tcp_inq_hint, rcv_nxt -
 * copied_seq, which counts a received FIN's sequence number, so 1 is left after the last byte
 * before a FIN (and at least 1 once SOCK_DONE, telling the reader to read on to the end). */
function withInq(sk: TcpSock, r: { ret: number }): CallResult {
  if (!sk.recvmsgInq) return r;
  const inq = sk.readable + (sk.finReceived ? 1 : 0);
  return { ...r, inq };
}

/** tcp_recvmsg_locked: copy until `target` bytes (sock_rcvlowat: len with MSG_WAITALL, else
 * SO_RCVLOWAT, at most len), sleeping (sk_wait_data) in between after tcp_cleanup_rbuf; a
 * partial read returns at a FIN, an error, a close or without a timeout. MSG_PEEK copies without
 * consuming; MSG_TRUNC consumes without copying (the count is the same). */
function tcp_recvmsg_locked(h: Host, sk: TcpSock, len: number, flags: number, copiedBefore: number, badBuffer = false): CallResult {
  const peek = (flags & MSG_PEEK) !== 0;
  const target = Math.max(1, flags & MSG_WAITALL ? len : Math.min(sk.rcvlowat ?? 1, len));
  const nonblock = sk.nonblock || (flags & MSG_DONTWAIT) !== 0;
  const n = Math.min(len - copiedBefore, sk.readable - (peek ? copiedBefore : 0));
  if (badBuffer && n > 0 && !(flags & MSG_TRUNC)) {
    // skb_copy_datagram_msg faults: nothing copied, so -EFAULT; the data stays queued.
    h.trace.step('tcp_recvmsg', sk.id, `copying to the user buffer faults with nothing copied: EFAULT (${sk.readable} bytes stay queued)`);
    tcp_cleanup_rbuf(h, sk, 0);
    return err('EFAULT');
  }
  const copied = copiedBefore + n;
  if (n > 0 && !peek) {
    tcp_eat_recv_skb(sk, n, () => tcp_rcv_space_adjust(h, sk, copiedSeq(sk)));
    sk_forward_alloc(sk); // sock_rfree's sk_mem_uncharge and reclaim
  } else if (n > 0) tcp_rcv_space_adjust(h, sk, copiedSeq(sk));
  if (n > 0)
    h.trace.step(
      'tcp_recvmsg',
      sk.id,
      `${peek ? 'peeked at' : flags & MSG_TRUNC ? 'discarded (MSG_TRUNC)' : 'read'} ${n} bytes (${sk.readable} left, ${rmemAlloc(sk)} bytes of receive memory)`,
    );
  const done = (): CallResult => {
    tcp_cleanup_rbuf(h, sk, copied);
    return withInq(sk, { ret: copied });
  };
  if (copied >= target) return done();
  if (copied) {
    if (nonblock || sk.err || sk.state === 'CLOSE' || sk.rcvShutdown || sk.finReceived) return done();
  } else {
    // Nothing queued: the peer's FIN (SOCK_DONE), then a pending error (handed out once), then
    // a shut-down or closed socket.
    if (sk.finReceived) return withInq(sk, { ret: 0 });
    const e = sock_error(sk);
    if (e) return err(e);
    if (sk.rcvShutdown) return withInq(sk, { ret: 0 });
    if (sk.state === 'CLOSE') return err('ENOTCONN');
    if (nonblock) return err('EAGAIN');
    return { pending: true, retry: () => tcp_recvmsg_locked(h, sk, len, flags, 0, badBuffer) };
  }
  // Short of the target: what was read may owe an ACK or a window update before sleeping.
  tcp_cleanup_rbuf(h, sk, copied);
  h.trace.step('tcp_recvmsg', sk.id, `${copied} of ${target} bytes wanted: wait for more (sk_wait_data)`);
  return { pending: true, retry: () => tcp_recvmsg_locked(h, sk, len, flags, copied) };
}

/** tcp_cleanup_rbuf: an ACK still owed goes out when the application reads if more than one
 * rcv_mss of data is unacknowledged, or if the read emptied the receive memory and small pushed
 * segments are waiting for it (ICSK_ACK_PUSHED2, or ICSK_ACK_PUSHED outside interactive mode).
 * Otherwise a read that lets the window at least double (from no more than half window_clamp)
 * sends a window update. */
function tcp_cleanup_rbuf(h: Host, sk: TcpSock, copied: number): void {
  if (sk.ackPending) {
    if (sk.rcvNxt - sk.rcvWup > sk.rcvMss) {
      h.trace.step('tcp_cleanup_rbuf', sk.id, `read with ${sk.rcvNxt - sk.rcvWup} bytes unacknowledged (> rcv_mss ${sk.rcvMss}): ACK now`);
      tcp_send_ack(h, sk);
      return;
    }
    if (copied > 0 && (sk.ackPushed & 2 || (sk.ackPushed & 1 && !inet_csk_in_pingpong_mode(h, sk))) && rmemAlloc(sk) === 0) {
      h.trace.step('tcp_cleanup_rbuf', sk.id, 'receive queue drained with small pushed segments unacknowledged: ACK now');
      tcp_send_ack(h, sk);
      return;
    }
  }
  if (copied <= 0 || sk.rcvShutdown || sk.finReceived) return;
  const now = tcp_receive_window(sk);
  if (2 * now > sk.windowClamp) return;
  const win = __tcp_select_window(h, sk);
  if (win && win >= 2 * now) {
    h.trace.step('tcp_cleanup_rbuf', sk.id, `read freed space: window ${now} → ${win}, window update`);
    tcp_send_ack(h, sk);
  }
}

/** __tcp_sock_set_quickack (TCP_QUICKACK): 0 enters interactive (pingpong) mode; non-zero leaves
 * it and, with an ACK scheduled, marks it pushed and lets tcp_cleanup_rbuf send it (an even value
 * re-enters pingpong mode afterwards). */
function __tcp_sock_set_quickack(h: Host, sk: TcpSock, val: number): void {
  using _frame = frame(h, '__tcp_sock_set_quickack');
  if (!val) {
    inet_csk_enter_pingpong_mode(h, sk);
    return;
  }
  sk.pingpong = 0;
  if ((sk.state === 'ESTABLISHED' || sk.state === 'CLOSE_WAIT') && sk.ackPending) {
    sk.ackPushed |= 1;
    tcp_cleanup_rbuf(h, sk, 1);
    if (!(val & 1)) inet_csk_enter_pingpong_mode(h, sk);
  }
}

/** tcp_close / __tcp_close: a listener stops (inet_csk_listen_stop) and resets the children
 * nobody accepted; data left unread aborts with a RST; SO_LINGER with a zero time aborts through
 * tcp_disconnect; otherwise tcp_close_state and a FIN after queued data (FIN_WAIT1 / LAST_ACK),
 * then, with a linger time, close() sleeps until the FIN is acked or the time is up
 * (sk_stream_wait_close) before the socket is orphaned. */
export function sys_close(h: Host, fd: number): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  sk.fd = -1;
  sk.rcvShutdown = true; // __tcp_close: sk->sk_shutdown = SHUTDOWN_MASK
  sk.sndShutdown = true;
  if (sk.state === 'LISTEN') {
    sk.orphan = true;
    sk.state = 'CLOSE';
    inet_csk_listen_stop(h, sk);
    return { ret: 0 };
  }
  if (sk.state === 'CLOSE') {
    sk.orphan = true;
    return { ret: 0 };
  }
  if (sk.readable > 0) {
    sk.orphan = true;
    tcp_done_child(h, sk);
    return abortOnClose(h, sk);
  }
  if (sk.linger?.on && !sk.linger.ms) {
    sk.orphan = true;
    tcp_disconnect(h, sk);
    return { ret: 0 };
  }
  tcp_done_child(h, sk);
  if (tcp_close_state(sk)) tcp_send_fin(h, sk);
  if (sk.linger?.on && sk_stream_closing(sk)) return sk_stream_wait_close(h, sk, sk.linger.ms);
  adjudgeToDeath(h, sk);
  return { ret: 0 };
}

/** tcp_close_state: the state close() moves to, and whether a FIN goes out (new_state's
 * TCP_ACTION_FIN). */
function tcp_close_state(sk: TcpSock): boolean {
  switch (sk.state) {
    case 'ESTABLISHED':
    case 'SYN_RECV':
      sk.state = 'FIN_WAIT1';
      return true;
    case 'CLOSE_WAIT':
      sk.state = 'LAST_ACK';
      return true;
    case 'SYN_SENT':
      sk.state = 'CLOSE';
      return false;
    default:
      return false;
  }
}

/** sk_stream_closing: our FIN is not acked yet. */
function sk_stream_closing(sk: TcpSock): boolean {
  return sk.state === 'FIN_WAIT1' || sk.state === 'CLOSING' || sk.state === 'LAST_ACK';
}

/** sk_stream_wait_close: close() with SO_LINGER sleeps until the FIN is acked or the linger time
 * ends; then the rest of __tcp_close runs. */
function sk_stream_wait_close(h: Host, sk: TcpSock, ms: number): CallResult {
  using _frame = frame(h, 'tcp_close');
  h.trace.step('sk_stream_wait_close', sk.id, `SO_LINGER: close() waits up to ${ms} ms for the FIN to be acked`);
  let done: CallResult | undefined;
  const finish = (why: string): void => {
    h.waiters.delete(check);
    h.trace.step('sk_stream_wait_close', sk.id, why);
    adjudgeToDeath(h, sk);
    done = { ret: 0, atNs: h.nowNs };
  };
  const check = (): void => {
    if (!done && !sk_stream_closing(sk)) finish(`close() returns: ${sk.state}`);
  };
  h.waiters.add(check);
  const deadlineNs = h.nowNs + ms * 1e6;
  h.addTimer(deadlineNs, 'sk_stream_wait_close', () => {
    if (!done) finish('linger time over: close() returns');
  });
  const retry = (): CallResult => {
    check();
    return done ?? { pending: true, retry, deadlineNs };
  };
  return { pending: true, retry, deadlineNs };
}

/** __tcp_close's adjudge_to_death: the socket is orphaned; in FIN_WAIT2 it waits for the peer's
 * FIN as a timewait socket for tcp_fin_time (above 60 s, first on the keepalive timer). */
function adjudgeToDeath(h: Host, sk: TcpSock): void {
  sk.orphan = true;
  if (sk.state !== 'FIN_WAIT2') return;
  // A negative TCP_LINGER2: no FIN_WAIT2 wait, the connection is reset (TCPAbortOnLinger).
  if ((sk.linger2Ms ?? 0) < 0) {
    sk.state = 'CLOSE';
    tcp_send_active_reset(h, sk, 'close() in FIN_WAIT2 with a negative TCP_LINGER2');
    tcp_done(h, sk);
    return;
  }
  const tmo = tcp_fin_time(h, sk);
  // Above TIME_WAIT's 60 s the full socket waits on the keepalive timer for the difference first.
  if (tmo > TCP_TIMEWAIT_LEN_MS) inet_csk_reset_keepalive_timer(h, sk, tmo - TCP_TIMEWAIT_LEN_MS);
  else tcp_time_wait(h, sk, 'FIN_WAIT2', tmo);
}

/** tcp_disconnect (close() with SO_LINGER and a zero time): the connection is aborted with a RST
 * when tcp_need_reset holds for its state, or in CLOSING / LAST_ACK with data never sent; the
 * queues are purged and the socket closed (TCPAbortOnData). */
function tcp_disconnect(h: Host, sk: TcpSock): void {
  using _frame = frame(h, 'tcp_disconnect');
  const old = sk.state;
  const needReset = ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV'].includes(old);
  tcp_done_child(h, sk);
  sk.state = 'CLOSE';
  if (needReset || (sk.sndNxt !== sk.writeSeq && (old === 'CLOSING' || old === 'LAST_ACK'))) {
    tcp_send_active_reset(h, sk, `close() with SO_LINGER 0 in ${old}`);
    sk.err = 'ECONNRESET';
  } else h.trace.step('tcp_disconnect', sk.id, `close() with SO_LINGER 0 in ${old}: no RST`);
  tcp_write_queue_purge(h, sk);
  inet_csk_clear_xmit_timer(sk, 'retrans');
  inet_csk_clear_xmit_timer(sk, 'probe0');
  inet_csk_clear_xmit_timer(sk, 'dack');
}

/** tcp_close of a Fast Open child still in SYN_RECV gives its listener's slot back. */
function tcp_done_child(h: Host, sk: TcpSock): void {
  if (sk.state === 'SYN_RECV') reqsk_fastopen_remove(h, sk, false);
}

/** inet_csk_listen_stop: each child in the accept queue is disconnected (inet_child_forget →
 * tcp_disconnect), which resets it when tcp_need_reset holds for its state. */
function inet_csk_listen_stop(h: Host, lsk: TcpSock): void {
  using _frame = frame(h, 'inet_csk_listen_stop');
  // The requests in SYN_RECV go with the listener, without a packet.
  for (const req of h.socks) if (req.parent === lsk && isRequest(req)) inet_csk_reqsk_queue_drop(h, req, 'listener closed');
  for (const child of lsk.acceptQueue.splice(0)) {
    const needReset = ['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2', 'SYN_RECV'].includes(child.state);
    tcp_done_child(h, child);
    child.state = 'CLOSE';
    if (needReset) tcp_send_active_reset(h, child, 'listener closed before accept() took this connection');
  }
}

/** __tcp_close with data the application never read: it is tossed and the connection zapped
 * (LINUX_MIB_TCPABORTONCLOSE): tcp_set_state(TCP_CLOSE), tcp_send_active_reset, and
 * inet_csk_destroy_sock purges the write queue and stops the timers. RFC 2525 2.17. */
function abortOnClose(h: Host, sk: TcpSock): CallResult {
  using _frame = frame(h, 'tcp_close');
  const unread = sk.readable;
  h.trace.step('tcp_close', sk.id, `${unread} unread bytes tossed: abort with a RST`);
  // The receive queue is freed first, so the RST's window counts its memory as free.
  sk.readable = 0;
  sk.rcvQueue = [];
  sk.state = 'CLOSE';
  tcp_send_active_reset(h, sk, `close() with ${unread} bytes unread (TCPAbortOnClose)`);
  tcp_write_queue_purge(h, sk);
  inet_csk_clear_xmit_timer(sk, 'retrans');
  inet_csk_clear_xmit_timer(sk, 'probe0');
  inet_csk_clear_xmit_timer(sk, 'dack');
  return { ret: 0 };
}

export function sys_shutdown(h: Host, fd: number, how: string): CallResult {
  const sk = sock(h, fd);
  if (!sk) return err('EBADF');
  const rd = how === 'SHUT_RD' || how === 'SHUT_RDWR';
  const wr = how === 'SHUT_WR' || how === 'SHUT_RDWR';
  if (!rd && !wr) return err('EINVAL');
  // inet_shutdown: a listener stops only for SHUT_RD, and it and a connecting socket are
  // disconnected (tcp_disconnect: the listener's queue is reset, a SYN_SENT socket just closes).
  if (sk.state === 'LISTEN' && !rd) return { ret: 0 };
  if (sk.state === 'LISTEN' || sk.state === 'SYN_SENT') {
    h.trace.step('inet_shutdown', sk.id, `shutdown(${how}) in ${sk.state}: tcp_disconnect`);
    const listening = sk.state === 'LISTEN';
    sk.state = 'CLOSE';
    if (listening) inet_csk_listen_stop(h, sk);
    else {
      tcp_write_queue_purge(h, sk);
      inet_csk_clear_xmit_timer(sk, 'retrans');
    }
    return { ret: 0 };
  }
  // Any other state takes the flags; a closed socket says ENOTCONN all the same.
  if (rd) sk.rcvShutdown = true;
  if (wr) sk.sndShutdown = true;
  const ret: CallResult = sk.state === 'CLOSE' ? err('ENOTCONN') : { ret: 0 };
  // tcp_shutdown: SEND_SHUTDOWN sends the FIN from ESTABLISHED and CLOSE_WAIT (tcp_close_state).
  if (!wr) return ret;
  if (sk.state === 'ESTABLISHED') sk.state = 'FIN_WAIT1';
  else if (sk.state === 'CLOSE_WAIT') sk.state = 'LAST_ACK';
  else {
    if (sk.state === 'SYN_RECV') return { unsupported: 'shutdown(SHUT_WR) in SYN_RECV (tcp_shutdown)' };
    return ret;
  }
  tcp_send_fin(h, sk);
  return ret;
}

const CA_STATE_NUMBER: Record<TcpSock['caState'], number> = { Open: 0, Disorder: 1, CWR: 2, Recovery: 3, Loss: 4 };

/** include/net/tcp_states.h: tcpi_state's numbers. */
export const TCP_STATE_NUMBER: Readonly<Record<TcpState, number>> = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
};

/** Values of `struct tcp_info` the python asserts of the selftests read. */
/** include/uapi/linux/tcp.h's TCPI_OPT_* bits, as packetdrill's python prelude names them. */
export const TCPI_OPT: Record<string, number> = {
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
  TCPI_OPT_ECN_SEEN: 16,
  TCPI_OPT_SYN_DATA: 32,
  TCPI_OPT_USEC_TS: 64,
  TCPI_OPT_TFO_CHILD: 128,
};

/** Whether tstampOk/sackOk/wscaleOk are the peer's answer: in SYN_SENT they hold what the SYN
 * offers, while the kernel's rx_opt stays clear until the SYN-ACK. */
function negotiated(sk: TcpSock): boolean {
  return sk.state !== 'SYN_SENT';
}

/** tcp_get_info's tcpi_options (TCPI_OPT_USEC_TS never: the model's timestamps are in ms;
 * TCPI_OPT_TFO_CHILD, new after 6.12, is not set). */
function tcpi_options(sk: TcpSock): number {
  let o = 0;
  if (negotiated(sk)) {
    if (sk.tstampOk) o |= TCPI_OPT.TCPI_OPT_TIMESTAMPS;
    if (sk.sackOk) o |= TCPI_OPT.TCPI_OPT_SACK;
    if (sk.wscaleOk) o |= TCPI_OPT.TCPI_OPT_WSCALE;
  }
  if (sk.ecnFlags & TCP_ECN_OK) o |= TCPI_OPT.TCPI_OPT_ECN;
  if (sk.ecnFlags & TCP_ECN_SEEN) o |= TCPI_OPT.TCPI_OPT_ECN_SEEN;
  if (sk.synDataAcked) o |= TCPI_OPT.TCPI_OPT_SYN_DATA;
  return o;
}

/** tcp_get_info on a listener: only the pacing rates, reordering and cwnd, with tcpi_unacked
 * the children ready for accept() and tcpi_sacked the backlog (sk_max_ack_backlog). */
function tcpInfoListener(sk: TcpSock): Record<string, number> {
  const info: Record<string, number> = {};
  for (const f of ZEROED_FIELDS) info[f] = 0;
  return {
    ...info,
    state: TCP_STATE_NUMBER.LISTEN,
    pacing_rate: sk.pacingRate === Infinity ? 2 ** 64 - 1 : sk.pacingRate,
    max_pacing_rate: sk.maxPacingRate === Infinity ? 2 ** 64 - 1 : sk.maxPacingRate,
    reordering: sk.recovery.reordering,
    snd_cwnd: sk.cwnd,
    unacked: sk.acceptQueue.length,
    // sk_max_ack_backlog: listen()'s backlog, at most net.core.somaxconn (4096 by default).
    sacked: Math.min(sk.backlog, 4096),
  };
}

/** The fields a listener's tcp_info leaves at 0 (memset). */
const ZEROED_FIELDS = (
  'ca_state retransmits probes backoff options snd_wscale rcv_wscale rto ato snd_mss rcv_mss lost ' +
  'retrans fackets last_data_sent last_ack_sent last_data_recv last_ack_recv pmtu rcv_ssthresh rtt ' +
  'rttvar snd_ssthresh advmss rcv_rtt rcv_space total_retrans bytes_acked bytes_received notsent_bytes ' +
  'segs_out segs_in data_segs_in data_segs_out min_rtt delivered bytes_sent bytes_retrans dsack_dups ' +
  'reord_seen rcv_ooopack snd_wnd rcv_wnd total_rto total_rto_recoveries busy_time delivery_rate ' +
  'delivery_rate_app_limited total_rto_time rehash delivered_ce rwnd_limited sndbuf_limited'
).split(' ');

/** tcp_get_info's time-derived and rarely-moving fields: the idle times (jiffies_to_msecs of
 * the jiffies since lsndtime, icsk_ack.lrcvtime and rcv_tstamp: the model keeps those stamps in
 * ms and counts the live kernel's 4 ms jiffies between them, on the script clock's tick grid as
 * the timers do), the event counters, and the fields that stay 0 until something the model does
 * not follow happens (left out then, so they read as unsupported). */
function tcpInfoExtra(h: Host, sk: TcpSock): Record<string, number> {
  const now = h.jiffies();
  const idleMs = (sinceMs: number): number => (msToLiveJiffies(now) - msToLiveJiffies(sinceMs)) * LIVE_JIFFY_MS;
  const r = sk.recovery;
  const info: Record<string, number> = {
    last_data_sent: idleMs(sk.lsndtime),
    last_data_recv: idleMs(sk.lrcvtime),
    last_ack_recv: idleMs(sk.rcvTstamp ?? 0),
    // Never set by tcp_get_info since 4.15 (last_ack_sent) and the FACK removal (fackets).
    last_ack_sent: 0,
    fackets: 0,
    dsack_dups: r.dsackDups,
    reord_seen: r.reordSeen,
    rcv_ooopack: sk.rcvOoopack,
    total_rto: r.totalRto,
    total_rto_recoveries: r.totalRtoRecoveries,
    // plb_rehash (PLB, off by default) + timeout_rehash.
    rehash: r.timeoutRehash,
  };
  // rcvq_space.space and the receive RTT estimate (rcvspace.ts: tcp_rcv_space_adjust,
  // tcp_rcv_rtt_measure*), kept ×8: tcp_get_info reports rtt_us >> 3.
  info.rcv_space = sk.rcvSpace;
  info.rcv_rtt = sk.rcvSpaceEst.rttUs >> 3;
  if (!r.totalRto) info.total_rto_time = 0;
  return info;
}

export function tcpInfo(h: Host, sk: TcpSock): Record<string, number> {
  if (sk.state === 'LISTEN') return tcpInfoListener(sk);
  let unacked = 0;
  for (const s of sk.rtxQueue) unacked += s.pcount;
  const board = scoreboard(sk);
  return {
    // tcp_get_info: icsk_ca_state (TCP_CA_Open 0 .. TCP_CA_Loss 4), the scoreboard's counts
    // (sacked_out, lost_out, retrans_out), icsk_retransmits and total_retrans.
    ca_state: CA_STATE_NUMBER[sk.caState],
    sacked: board.sacked,
    lost: board.lost,
    retrans: board.retrans,
    retransmits: sk.recovery.retransmits,
    total_retrans: sk.recovery.totalRetrans,
    snd_cwnd: sk.cwnd,
    snd_ssthresh: sk.ssthresh,
    snd_mss: sk.mssCache,
    rcv_mss: sk.rcvMss,
    // The receive window: its slow-start bound, the window last offered, and the delayed-ACK
    // timeout (icsk_ack.ato, at most TCP_DELACK_MAX; 0 until the first data sets it).
    rcv_ssthresh: sk.rcvSsthresh,
    rcv_wnd: sk.rcvWnd,
    ato: Math.min(sk.ato, TCP_DELACK_MAX_MS) * 1000,
    unacked,
    rto: sk.rtoMs * 1000,
    rtt: sk.srttUs >> 3,
    // tcp_get_info: the mean deviation (mdev_us is kept four times over) and the windowed min RTT
    rttvar: sk.mdevUs >> 2,
    min_rtt: sk.minRttUs === Infinity ? 0xffffffff : sk.minRttUs,
    snd_wnd: sk.sndWnd,
    backoff: sk.backoff,
    // tp->reordering: SACKed segments above a hole that make it a loss, raised by reordering seen.
    reordering: sk.recovery.reordering,
    state: TCP_STATE_NUMBER[sk.state],
    // icsk_probes_out: unanswered keepalive (or zero-window) probes.
    probes: sk.probesOut ?? 0,
    options: tcpi_options(sk),
    // tcp_get_info's byte and segment counters: bytes_acked and bytes_received count sequence
    // space past the SYN (a received FIN counts, tcp_rcv_nxt_update), notsent_bytes is
    // write_seq - snd_nxt.
    // The active side's tcp_ack of the SYN-ACK counts the SYN (tcp_snd_una_update); a child's
    // handshake ACK is taken before the child exists.
    bytes_acked: Math.max(0, sk.sndUna - sk.iss - (sk.parent ? 1 : 0)),
    bytes_received: sk.state === 'SYN_SENT' ? 0 : Math.max(0, sk.rcvNxt - sk.irs - 1),
    bytes_sent: sk.bytesSent,
    bytes_retrans: sk.bytesRetrans,
    notsent_bytes: Math.max(0, sk.writeSeq - sk.sndNxt),
    data_segs_out: sk.dataSegsOut,
    segs_out: sk.segsOut,
    segs_in: sk.segsIn,
    data_segs_in: sk.dataSegsIn,
    delivered: sk.delivered,
    advmss: sk.advmss,
    pmtu: sk.pmtuCookie,
    snd_wscale: sk.wscaleOk && negotiated(sk) ? sk.sndWscale : 0,
    // sk_pacing_rate and sk_max_pacing_rate, ~0UL as ~0ULL (2 ** 64 - 1: a double, equal to how
    // the script's literal reads)
    pacing_rate: sk.pacingRate === Infinity ? 2 ** 64 - 1 : sk.pacingRate,
    max_pacing_rate: sk.maxPacingRate === Infinity ? 2 ** 64 - 1 : sk.maxPacingRate,
    rcv_wscale: sk.wscaleOk && negotiated(sk) ? sk.rcvWscale : 0,
    ...tcpInfoExtra(h, sk),
  };
}
