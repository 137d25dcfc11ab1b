// Maps a script's system call onto the model's socket API (tcp/api.ts): picks the arguments
// the model understands out of packetdrill's expressions.

import { SO_EE_CODE_ZEROCOPY_COPIED, SO_EE_ORIGIN_ZEROCOPY, SockExtendedErr } from './tcp/zerocopy';
import type { Expr, SyscallEvent } from './packetdrill/ast';
import {
  CallResult,
  sys_accept,
  sys_close,
  sys_connect,
  sys_fcntl,
  sys_getsockopt,
  sys_ioctl,
  sys_listen,
  sys_bind,
  sys_recvmsg,
  sys_sendfile,
  sys_sendmsg,
  sys_splice_read,
  sys_splice_write,
  whenDone,
  sys_setsockopt,
  sys_shutdown,
  sys_socket,
} from './tcp/api';
import { MSG_FLAG_NAMES } from './tcp/constants';
import type { Host } from './tcp/host';
import { socketDomain } from './tcp/family';
import { sys_epoll_create, sys_epoll_ctl, sys_epoll_wait, sys_poll } from './pollCalls';
import { IP_PMTUDISC } from './tcp/pmtudisc';

export interface SyscallOutcome {
  result: CallResult;
  /** Parts of the call the model ignores (control messages). */
  notes: string[];
}

export function dispatchSyscall(h: Host, ev: SyscallEvent): SyscallOutcome {
  const notes: string[] = [];
  const a = ev.args;
  const fd = num(a[0]);
  let r: CallResult;
  const file = h.files.get(fd);
  if (file) return { result: fileCall(h, ev, fd, file), notes };
  const pipeEnd = h.pipes.get(fd);
  if (pipeEnd && ev.name !== 'splice') return { result: pipeCall(h, ev, fd, pipeEnd), notes };
  if (ev.name === 'close' && h.epolls.delete(fd)) return { result: { ret: 0 }, notes };
  switch (ev.name) {
    case 'socket': {
      // syscall_socket: `...` is packetdrill's socket_domain; a written domain is used as is, and
      // one that is not the --ip_version's cannot take packetdrill's bind/connect addresses.
      const written = a[0] && a[0].t !== 'ellipsis' ? ident(a[0]).replace(/^PF_/, 'AF_') : socketDomain(h);
      const domain = ({ '2': 'AF_INET', '10': 'AF_INET6' } as Record<string, string>)[written] ?? written;
      if (domain !== socketDomain(h))
        return {
          result: { unsupported: `socket(${domain}, ...) under --ip_version=${h.ipVersion} (its sockets are ${socketDomain(h)})` },
          notes,
        };
      const newFd = ev.result !== undefined && ev.result >= 0 ? ev.result : h.socks.length + 3;
      r = sys_socket(h, newFd, a[1] ? idents(a[1]).includes('SOCK_NONBLOCK') : false);
      break;
    }
    case 'setsockopt': {
      const v = a[3];
      const value =
        v?.t === 'struct'
          ? structValue(v.fields)
          : v?.t === 'array' && v.items[0]
            ? v.items[0].t === 'str'
              ? v.items[0].v
              : v.items[0].t === 'id' && v.items[0].v in IP_PMTUDISC
                ? IP_PMTUDISC[v.items[0].v]
                : num(v.items[0])
            : v?.t === 'str'
              ? v.v
              : num(v);
      r = sys_setsockopt(h, fd, ident(a[1]), sockoptName(ident(a[1]), ident(a[2])), value, a[4]?.t === 'num' ? a[4].v : undefined);
      break;
    }
    case 'getsockopt':
      r = getsockopt(h, fd, sockoptName(ident(a[1]), ident(a[2])), a[3]);
      break;
    case 'ioctl':
      r = withExpected(sys_ioctl(h, fd, ident(a[1])), ident(a[1]), a[2]);
      break;
    case 'poll':
      r = sys_poll(h, a);
      break;
    case 'epoll_create':
    case 'epoll_create1':
      r = sys_epoll_create(h, ev.result !== undefined && ev.result >= 0 ? ev.result : h.socks.length + h.files.size + h.epolls.size + 3);
      break;
    case 'epoll_ctl':
      r = sys_epoll_ctl(h, a, ident(a[1]));
      break;
    case 'epoll_wait':
      r = sys_epoll_wait(h, a);
      break;
    case 'bind':
      r = sys_bind(h, fd);
      break;
    case 'listen':
      r = sys_listen(h, fd, num(a[1]));
      break;
    case 'accept':
    case 'accept4':
      r = sys_accept(h, fd, ev.result !== undefined && ev.result >= 0 ? ev.result : h.socks.length + 3);
      break;
    case 'connect':
      r = sys_connect(h, fd);
      break;
    case 'write':
    case 'writev':
    case 'send':
    case 'sendto':
    case 'sendmsg': {
      const iov = byteCounts(ev.name, ev.name === 'sendmsg' ? iovExprs(a[1]) : ev.name === 'writev' ? iovLens(a[1]) : [a[2]]);
      const flags = ev.name === 'write' || ev.name === 'writev' ? 0 : msgFlags(ev.name === 'sendmsg' ? a[2] : a[3]);
      r = 'unsupported' in iov ? iov : sys_sendmsg(h, fd, iov, flags, nullBuffer(ev.name, a[1]));
      if (ev.name === 'sendmsg' && hasControl(a[1])) notes.push('sendmsg control messages');
      break;
    }
    case 'read':
    case 'readv':
    case 'recv':
    case 'recvfrom':
    case 'recvmsg': {
      const iov = byteCounts(ev.name, ev.name === 'recvmsg' ? iovExprs(a[1]) : ev.name === 'readv' ? iovLens(a[1]) : [a[2]]);
      const flags = ev.name === 'read' || ev.name === 'readv' ? 0 : msgFlags(ev.name === 'recvmsg' ? a[2] : a[3]);
      r =
        'unsupported' in iov
          ? iov
          : sys_recvmsg(
              h,
              fd,
              iov.reduce((x, y) => x + y, 0),
              flags,
              nullBuffer(ev.name, a[1]),
            );
      if (ev.name === 'recvmsg' && 'ret' in r && r.recverr) {
        const d = checkRecverrCmsg(a[1], r.recverr);
        if (d) r = { ...r, outDiff: d };
      } else if (ev.name === 'recvmsg' && !('unsupported' in r) && !('pending' in r) && hasControl(a[1])) {
        const inq = checkInqCmsg(a[1], r);
        if (inq === undefined) notes.push('recvmsg control messages (cmsg) other than TCP_CM_INQ are not checked');
        else if (inq) r = { ...r, outDiff: inq };
      }
      break;
    }
    case 'close':
      r = sys_close(h, fd);
      break;
    case 'shutdown':
      r = sys_shutdown(h, fd, ident(a[1]));
      break;
    case 'fcntl':
      r = sys_fcntl(h, fd, ident(a[1]), a[2] ? idents(a[2]) : []);
      break;
    case 'open': {
      // A regular file (packetdrill creates it for real); sendfile() reads from it.
      const newFd = ev.result !== undefined && ev.result >= 0 ? ev.result : h.socks.length + h.files.size + 3;
      h.files.set(newFd, { size: 0, pos: 0 });
      r = { ret: newFd };
      break;
    }
    case 'sendfile':
      r = sendfile(h, fd, a);
      break;
    case 'pipe': {
      // do_pipe2: two fds, the read end first; packetdrill's [r, w] names them.
      const fds = a[0]?.t === 'array' ? a[0].items.map(num) : [];
      if (fds.length !== 2 || !fds.every(Number.isSafeInteger)) {
        r = { unsupported: 'pipe() without its two fds' };
        break;
      }
      const pipe = { len: 0, writer: true };
      h.pipes.set(fds[0], { end: 'read', pipe });
      h.pipes.set(fds[1], { end: 'write', pipe });
      r = { ret: 0 };
      break;
    }
    case 'splice':
      r = splice(h, a);
      break;
    default:
      r = { unsupported: `system call ${ev.name}()` };
  }
  return { result: r, notes };
}

/** A struct argument (`{onoff=1, linger=0}` for SO_LINGER) as its named numbers. */
function structValue(fields: Array<{ name?: string; value: Expr }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) if (f.name) out[f.name] = num(f.value);
  return out;
}

/** getsockopt(fd, level, name, [value], [len]): the value read is compared with the script's
 * (`[N]` or a string; `...` takes anything). */
function getsockopt(h: Host, fd: number, name: string, want: Expr | undefined): CallResult {
  return withExpected(sys_getsockopt(h, fd, name), name, want);
}

/** A value the call writes back (getsockopt's optval, ioctl's argument) against the script's. */
function withExpected(r: CallResult, name: string, want: Expr | undefined): CallResult {
  if (!('ret' in r) || r.value === undefined) return r;
  const expected = want?.t === 'str' ? want.v : want?.t === 'array' || want?.t === 'num' ? num(want) : undefined;
  if (expected === undefined || (typeof expected === 'number' && Number.isNaN(expected))) return r;
  return expected === r.value ? r : { ...r, outDiff: `${name} ${JSON.stringify(r.value)}, script ${JSON.stringify(expected)}` };
}

function num(e: Expr | undefined): number {
  if (!e) return NaN;
  if (e.t === 'num') return e.v;
  if (e.t === 'array' && e.items[0]) return num(e.items[0]);
  return NaN;
}

/** write/send/sendto/read/recv/recvfrom given NULL as the buffer: the copy to or from user
 * memory faults (copy_from_iter / skb_copy_datagram_msg), which the calls report as EFAULT. */
function nullBuffer(call: string, buf: Expr | undefined): boolean {
  return ['write', 'send', 'sendto', 'read', 'recv', 'recvfrom'].includes(call) && ident(buf) === 'NULL';
}

function ident(e: Expr | undefined): string {
  if (!e) return '';
  if (e.t === 'id') return e.v;
  if (e.t === 'num') return String(e.v);
  return e.t === 'raw' ? e.text : '';
}

/** include/uapi/linux/tcp.h's SOL_TCP option numbers, for a script that writes the number where
 * packetdrill has no symbol (TCP_WINDOW_CLAMP is one: packetdrill rejects the name). */
const TCP_SOCKOPT_NUMBER: Readonly<Record<string, string>> = {
  '1': 'TCP_NODELAY',
  '2': 'TCP_MAXSEG',
  '3': 'TCP_CORK',
  '4': 'TCP_KEEPIDLE',
  '5': 'TCP_KEEPINTVL',
  '6': 'TCP_KEEPCNT',
  '7': 'TCP_SYNCNT',
  '9': 'TCP_DEFER_ACCEPT',
  '10': 'TCP_WINDOW_CLAMP',
  '12': 'TCP_QUICKACK',
  '13': 'TCP_CONGESTION',
  '16': 'TCP_THIN_LINEAR_TIMEOUTS',
  '17': 'TCP_THIN_DUPACK',
  '18': 'TCP_USER_TIMEOUT',
  '23': 'TCP_FASTOPEN',
  '25': 'TCP_NOTSENT_LOWAT',
  '30': 'TCP_FASTOPEN_CONNECT',
  '34': 'TCP_FASTOPEN_NO_COOKIE',
  '36': 'TCP_INQ',
};

/** The SOL_IP options the model knows, by number (include/uapi/linux/in.h), as scripts spell them
 * for a packetdrill that lacks the symbol. */
const IP_SOCKOPT_NUMBER: Readonly<Record<string, string>> = { '1': 'IP_TOS', '10': 'IP_MTU_DISCOVER', '11': 'IP_RECVERR' };

/** A socket option's name; a number at the TCP or IP level read through TCP_SOCKOPT_NUMBER or
 * IP_SOCKOPT_NUMBER. */
function sockoptName(level: string, name: string): string {
  const tcpLevel = level === 'SOL_TCP' || level === 'IPPROTO_TCP' || level === '6';
  const ipLevel = level === 'SOL_IP' || level === 'IPPROTO_IP' || level === '0';
  return (tcpLevel && TCP_SOCKOPT_NUMBER[name]) || (ipLevel && IP_SOCKOPT_NUMBER[name]) || name;
}

function idents(e: Expr): string[] {
  if (e.t === 'or') return e.items.map(ident);
  return [ident(e)];
}

function msgFlags(e: Expr | undefined): number {
  if (!e) return 0;
  if (e.t === 'num') return e.v;
  let f = 0;
  for (const name of idents(e)) f |= MSG_FLAG_NAMES[name] ?? 0;
  return f;
}

/** The length expressions of the `msg_iov(n)=[{..., len}, ...]` elements of a struct msghdr. */
function iovExprs(e: Expr | undefined): (Expr | undefined)[] {
  if (!e || e.t !== 'struct') return [];
  const f = e.fields.find((x) => x.name?.startsWith('msg_iov'));
  return f ? iovLens(f.value) : [];
}

/** The length expressions of an iovec array `[{..., len}, ...]` (writev, readv, msg_iov). */
function iovLens(e: Expr | undefined): (Expr | undefined)[] {
  if (!e || e.t !== 'array') return [];
  return e.items.map((it) => (it.t === 'struct' ? it.fields[1]?.value : undefined));
}

/** Calls on a regular file: write() grows it at the file position, close() forgets it. */
function fileCall(h: Host, ev: SyscallEvent, fd: number, file: { size: number; pos: number }): CallResult {
  if (ev.name === 'close') {
    h.files.delete(fd);
    return { ret: 0 };
  }
  if (ev.name !== 'write') return { unsupported: `${ev.name}() on a regular file` };
  const n = byteCounts(ev.name, [ev.args[2]]);
  if ('unsupported' in n) return n;
  file.pos += n[0];
  file.size = Math.max(file.size, file.pos);
  return { ret: n[0] };
}

/** A pipe holds PIPE_DEF_BUFFERS (16) pages. */
const PIPE_BYTES = 16 * 4096;
const SPLICE_F_NONBLOCK = 2;
const SPLICE_F_MORE = 4;

/** read(), write() and close() on a pipe end: only what a splice() script needs (no sleeping). */
function pipeCall(h: Host, ev: SyscallEvent, fd: number, p: { end: 'read' | 'write'; pipe: { len: number; writer: boolean } }): CallResult {
  if (ev.name === 'close') {
    h.pipes.delete(fd);
    if (p.end === 'write') p.pipe.writer = false;
    return { ret: 0 };
  }
  const want = ev.name === (p.end === 'read' ? 'read' : 'write');
  if (!want) return { unsupported: `${ev.name}() on a pipe's ${p.end} end` };
  const n = byteCounts(ev.name, [ev.args[2]]);
  if ('unsupported' in n) return n;
  if (p.end === 'write') {
    // pipe_write: a write that does not fit sleeps for a reader (not modelled).
    if (p.pipe.len + n[0] > PIPE_BYTES) return { unsupported: 'write() to a pipe beyond its 16 pages' };
    p.pipe.len += n[0];
    return { ret: n[0] };
  }
  // pipe_read: what is there; an empty pipe is EOF once the writer closed, else it sleeps.
  if (!p.pipe.len && p.pipe.writer) return { unsupported: 'read() from an empty pipe' };
  const got = Math.min(n[0], p.pipe.len);
  p.pipe.len -= got;
  return { ret: got };
}

/** splice(fd_in, off_in, fd_out, off_out, len, flags) between a socket and a pipe. */
function splice(h: Host, a: Expr[]): CallResult {
  const inFd = num(a[0]);
  const outFd = num(a[2]);
  const len = byteCounts('splice', [a[4]]);
  if ('unsupported' in len) return len;
  const flags = a[5] ? num(a[5]) : 0;
  const pin = h.pipes.get(inFd);
  const pout = h.pipes.get(outFd);
  if (pout?.end === 'write' && !pin && !h.files.has(inFd)) {
    // Socket → pipe (tcp_splice_read), at most the room left in the pipe.
    const room = PIPE_BYTES - pout.pipe.len;
    if (!room) return flags & SPLICE_F_NONBLOCK ? { ret: -1, errno: 'EAGAIN' } : { unsupported: 'splice() into a full pipe' };
    return whenDone(sys_splice_read(h, inFd, Math.min(len[0], room)), (r) => {
      if ('ret' in r && r.ret > 0) pout.pipe.len += r.ret;
      return r;
    });
  }
  if (pin?.end === 'read' && !pout && !h.files.has(outFd)) {
    // Pipe → socket (splice_to_socket): what the pipe holds, up to len.
    if (flags & SPLICE_F_MORE) return { unsupported: 'splice(SPLICE_F_MORE) into a socket' };
    const n = Math.min(len[0], pin.pipe.len);
    if (!n) return pin.pipe.writer ? { unsupported: 'splice() from an empty pipe' } : { ret: 0 };
    return whenDone(sys_splice_write(h, outFd, n), (r) => {
      if ('ret' in r && r.ret > 0) pin.pipe.len -= r.ret;
      return r;
    });
  }
  return { unsupported: 'splice() other than between a socket and a pipe' };
}

/** Bytes one do_splice_read moves into the internal pipe: its 16 page buffers, from the file
 * position's page offset on. */
const PIPE_PAGES = 16;
const PAGE_SIZE = 4096;

/** sendfile(out_fd, in_fd, offset, count): the file's bytes from `offset` (or its position) up
 * to `count`, in pipe-fulls (splice_direct_to_actor). */
function sendfile(h: Host, outFd: number, a: Expr[]): CallResult {
  const file = h.files.get(num(a[1]));
  if (!file) return { unsupported: 'sendfile() from something other than a file the script opened' };
  const off = a[2]?.t === 'array' ? num(a[2]) : file.pos;
  const count = byteCounts('sendfile', [a[3]]);
  if ('unsupported' in count || !Number.isSafeInteger(off)) return 'unsupported' in count ? count : { unsupported: 'sendfile() offset' };
  const avail = Math.max(0, file.size - off);
  let len = Math.min(count[0], avail);
  const pieces: Array<{ len: number; more: boolean }> = [];
  let pos = off;
  while (len > 0) {
    const n = Math.min(len, PIPE_PAGES * PAGE_SIZE - (pos % PAGE_SIZE));
    len -= n;
    pos += n;
    // SPLICE_F_MORE stays set while the request is not met by what has been read.
    pieces.push({ len: n, more: len > 0 || count[0] > avail });
  }
  if (!pieces.length) return { ret: 0 };
  const r = sys_sendfile(h, outFd, pieces, count[0] > avail);
  if ('ret' in r && r.ret > 0 && a[2]?.t !== 'array') file.pos += r.ret;
  return r;
}

/** MAX_RW_COUNT (INT_MAX & PAGE_MASK): the most one read or write moves in Linux. */
const MAX_RW_COUNT = 0x7ffff000;

/**
 * A call's buffer lengths as the kernel takes them: __import_iovec (and import_ubuf) cut the total
 * to MAX_RW_COUNT, which also bounds the model's work. A length that is not a whole number of
 * bytes (a typo, `1e309`) is named as unsupported rather than run.
 */
function byteCounts(call: string, exprs: (Expr | undefined)[]): number[] | { unsupported: string } {
  const out: number[] = [];
  let total = 0;
  for (const e of exprs) {
    const n = e === undefined ? 0 : num(e);
    if (!Number.isSafeInteger(n) || n < 0)
      return { unsupported: `${call}() length ${e?.t === 'raw' ? JSON.stringify(e.text) : String(n)}: not a byte count` };
    const len = Math.min(n, MAX_RW_COUNT - total);
    out.push(len);
    total += len;
  }
  return out;
}

/** A recvmsg's expected control messages when they are all TCP_CM_INQ: '' when the model's
 * (tcp_inq_hint with TCP_INQ on) matches, else the difference; undefined for any other kind. */
function checkInqCmsg(e: Expr | undefined, r: CallResult): string | undefined {
  if (!e || e.t !== 'struct') return undefined;
  const f = e.fields.find((x) => x.name === 'msg_control');
  if (!f || f.value.t !== 'array') return undefined;
  const want: number[] = [];
  for (const item of f.value.items) {
    if (item.t !== 'struct') return undefined;
    const type = item.fields.find((x) => x.name === 'cmsg_type')?.value;
    const data = item.fields.find((x) => x.name === 'cmsg_data')?.value;
    if (!type || type.t !== 'id' || type.v !== 'TCP_CM_INQ' || !data || data.t !== 'num') return undefined;
    want.push(data.v);
  }
  const got = 'ret' in r ? r.inq : undefined;
  if (want.length === 1 && got === want[0]) return '';
  return `TCP_CM_INQ ${got === undefined ? 'none (TCP_INQ off)' : got}, script ${want.join(', ')}`;
}

/** The sock_extended_err fields a script names (include/uapi/linux/errqueue.h). */
const ERRQUEUE_SYMBOLS: Readonly<Record<string, number>> = {
  SO_EE_ORIGIN_NONE: 0,
  SO_EE_ORIGIN_LOCAL: 1,
  SO_EE_ORIGIN_ICMP: 2,
  SO_EE_ORIGIN_ICMP6: 3,
  SO_EE_ORIGIN_TXSTATUS: 4,
  SO_EE_ORIGIN_ZEROCOPY: SO_EE_ORIGIN_ZEROCOPY,
  SO_EE_ORIGIN_TIMESTAMPING: 4,
  SO_EE_CODE_ZEROCOPY_COPIED: SO_EE_CODE_ZEROCOPY_COPIED,
};

/** recvmsg(MSG_ERRQUEUE)'s control messages against the model's one IP_RECVERR (ip_recv_error:
 * level SOL_IP, type IP_RECVERR, the sock_extended_err): '' when every field the script gives
 * matches, else the differences. */
function checkRecverrCmsg(e: Expr | undefined, got: SockExtendedErr): string {
  const f = e?.t === 'struct' ? e.fields.find((x) => x.name === 'msg_control') : undefined;
  if (!f || f.value.t !== 'array') return '';
  if (f.value.items.length !== 1) return `1 control message (IP_RECVERR), script ${f.value.items.length}`;
  const item = f.value.items[0];
  if (item.t !== 'struct') return '';
  const diffs: string[] = [];
  const want = (x: Expr | undefined, names: Readonly<Record<string, number>>): number | undefined =>
    x?.t === 'num' ? x.v : x?.t === 'id' ? names[x.v] : undefined;
  const cmsg: Record<string, number> = { cmsg_level: 0, cmsg_type: 11 };
  const cmsgNames = { SOL_IP: 0, CMSG_LEVEL_IP: 0, IP_RECVERR: 11, CMSG_TYPE_RECVERR: 11 };
  for (const x of item.fields) {
    if (x.name && x.name in cmsg) {
      const w = want(x.value, cmsgNames);
      if (w !== undefined && w !== cmsg[x.name]) diffs.push(`${x.name} ${cmsg[x.name]}, script ${w}`);
    }
  }
  const data = item.fields.find((x) => x.name === 'cmsg_data')?.value;
  const ee: Record<string, number> = {
    ee_errno: got.errno,
    ee_origin: got.origin,
    ee_type: got.type,
    ee_code: got.code,
    ee_info: got.info,
    ee_data: got.data,
  };
  if (data?.t === 'struct')
    for (const x of data.fields) {
      if (!x.name || !(x.name in ee)) continue;
      const w = want(x.value, ERRQUEUE_SYMBOLS);
      if (w !== undefined && w !== ee[x.name]) diffs.push(`${x.name} ${ee[x.name]}, script ${w}`);
    }
  return diffs.join('; ');
}

function hasControl(e: Expr | undefined): boolean {
  if (!e || e.t !== 'struct') return false;
  const f = e.fields.find((x) => x.name === 'msg_control');
  return !!f && f.value.t === 'array' && f.value.items.length > 0;
}
