// poll() and epoll as packetdrill scripts write them (fs/select.c do_poll, fs/eventpoll.c): each
// watched socket's tcp_poll mask, filtered by the events asked for (POLLERR and POLLHUP always
// count). A call with a timeout blocks until a mask is non-empty or the timeout passes; it is
// looked at again after every timer (Host.waiters), so it returns at the moment of its event.
// EPOLLEXCLUSIVE only changes which of several exclusive waiters a wake-up reaches: one instance
// watching an fd so is modelled, several are reported unsupported.

import type { Expr } from './packetdrill/ast';
import type { CallResult } from './tcp/api';
import { EP_PRIVATE_BITS, EpollItem, Host } from './tcp/host';
import { POLL_BITS, POLLERR, POLLHUP, POLLNVAL, tcp_poll } from './tcp/poll';
import { findByFd } from './tcp/sock';

const EPOLL_FLAGS: Readonly<Record<string, number>> = {
  EPOLLEXCLUSIVE: 1 << 28,
  EPOLLWAKEUP: 1 << 29,
  EPOLLONESHOT: 1 << 30,
  EPOLLET: 2 ** 31,
};

/** An event mask expression (`POLLIN|POLLOUT`, `EPOLLIN`, a number) as bits, or the unknown name. */
function eventBits(e: Expr | undefined): number | { unknown: string } {
  if (!e) return 0;
  if (e.t === 'num') return e.v;
  if (e.t === 'or') {
    let bits = 0;
    for (const it of e.items) {
      const b = eventBits(it);
      if (typeof b !== 'number') return b;
      bits += b - (bits & b); // a bitwise OR that keeps bit 31 positive
    }
    return bits;
  }
  if (e.t === 'id') {
    const name = e.v.startsWith('EPOLL') ? `POLL${e.v.slice(5)}` : e.v;
    const b = POLL_BITS[name] ?? EPOLL_FLAGS[e.v];
    return b ?? { unknown: e.v };
  }
  return { unknown: e.t === 'raw' ? e.text : e.t };
}

function bitNames(bits: number, prefix: 'POLL' | 'EPOLL'): string {
  if (!bits) return '0';
  const names = Object.entries(POLL_BITS)
    .filter(([, b]) => bits & b)
    .map(([n]) => (prefix === 'EPOLL' ? `E${n}` : n));
  return names.join('|');
}

function field(e: Expr | undefined, name: string): Expr | undefined {
  return e?.t === 'struct' ? e.fields.find((f) => f.name === name)?.value : undefined;
}

function num(e: Expr | undefined): number {
  return e?.t === 'num' ? e.v : NaN;
}

/** The socket's mask for the events asked for; POLLNVAL for an fd that is not a socket. */
function pollOne(h: Host, fd: number, events: number): number {
  const sk = findByFd(h, fd);
  if (!sk) return POLLNVAL;
  return tcp_poll(h, sk) & (events | POLLERR | POLLHUP);
}

/** Waits for `ready` to give a result, up to `timeoutMs` (negative: forever), then `onTimeout`. */
function block(h: Host, timeoutMs: number, ready: () => CallResult | undefined, onTimeout: () => CallResult): CallResult {
  const now = ready();
  if (now || timeoutMs === 0) return now ?? onTimeout();
  let done: CallResult | undefined;
  const check = (): void => {
    if (done) return;
    done = ready();
    if (done) h.waiters.delete(check);
  };
  h.waiters.add(check);
  const deadlineNs = timeoutMs > 0 ? h.nowNs + timeoutMs * 1e6 : undefined;
  if (deadlineNs !== undefined)
    h.addTimer(deadlineNs, 'poll_schedule_timeout', () => {
      if (done) return;
      h.waiters.delete(check);
      const r = onTimeout();
      done = 'ret' in r ? { ...r, atNs: h.nowNs } : r;
    });
  const retry = (): CallResult => {
    check();
    return done ?? { pending: true, retry, deadlineNs };
  };
  return { pending: true, retry, deadlineNs };
}

/** How many epoll instances wait on `fd` exclusively (EPOLLEXCLUSIVE): a wake-up reaches only the
 * first of them that takes it (__wake_up_common's exclusive count), not modelled. */
function exclusiveWaiters(h: Host, fd: number): number {
  let n = 0;
  for (const ep of h.epolls.values()) if ((ep.get(fd)?.events ?? 0) & EPOLL_FLAGS.EPOLLEXCLUSIVE) n++;
  return n;
}

/** poll(fds, nfds, timeout): the number of fds with events; each revents is checked against the
 * script's. */
export function sys_poll(h: Host, a: Expr[]): CallResult {
  const items = a[0]?.t === 'array' ? a[0].items : [];
  const watched: Array<{ fd: number; events: number; expected?: number }> = [];
  for (const it of items) {
    const events = eventBits(field(it, 'events'));
    const rev = field(it, 'revents');
    const expected = rev ? eventBits(rev) : undefined;
    if (typeof events !== 'number') return { unsupported: `poll() event ${events.unknown}` };
    if (expected !== undefined && typeof expected !== 'number') return { unsupported: `poll() event ${expected.unknown}` };
    watched.push({ fd: num(field(it, 'fd')), events, expected });
  }
  const answer = (force: boolean): CallResult | undefined => {
    const revents = watched.map((w) => pollOne(h, w.fd, w.events));
    const n = revents.filter((r) => r).length;
    if (!n && !force) return undefined;
    const diffs: string[] = [];
    watched.forEach((w, k) => {
      if (w.expected !== undefined && w.expected !== revents[k])
        diffs.push(`fd ${w.fd} revents ${bitNames(revents[k], 'POLL')}, script ${bitNames(w.expected, 'POLL')}`);
    });
    return { ret: n, outDiff: diffs.join('; ') || undefined };
  };
  return block(
    h,
    num(a[2]),
    () => answer(false),
    () => answer(true)!,
  );
}

/** epoll_create / epoll_create1: a new instance at the fd the script expects. */
export function sys_epoll_create(h: Host, fd: number): CallResult {
  h.epolls.set(fd, new Map());
  return { ret: fd };
}

/** epoll_ctl(epfd, op, fd, {events=..., fd=...}): EPOLLERR and EPOLLHUP are always watched; an
 * item that is ready when added or modified goes on the ready list at once (ep_insert, ep_modify). */
export function sys_epoll_ctl(h: Host, a: Expr[], op: string): CallResult {
  const ep = h.epolls.get(num(a[0]));
  if (!ep) return { ret: -1, errno: 'EBADF' };
  const fd = num(a[2]);
  if (!findByFd(h, fd)) return { unsupported: `epoll_ctl() on fd ${fd}, which is not a socket` };
  const asked = eventBits(field(a[3], 'events'));
  if (typeof asked !== 'number') return { unsupported: `epoll event ${asked.unknown}` };
  const events = asked + (POLLERR | POLLHUP) - (asked & (POLLERR | POLLHUP));
  const dataExpr = field(a[3], 'fd') ?? field(a[3], 'u32') ?? field(a[3], 'u64') ?? field(a[3], 'ptr');
  const add = (): CallResult => {
    ep.set(fd, { events, data: num(dataExpr), ready: pollOne(h, fd, events) !== 0 });
    return { ret: 0 };
  };
  // do_epoll_ctl: EPOLLEXCLUSIVE only on EPOLL_CTL_ADD and with EPOLLEXCLUSIVE_OK_BITS (no
  // EPOLLONESHOT, no other events than in, out, err, hup), and an exclusive item cannot be modified.
  const exclusive = (events & EPOLL_FLAGS.EPOLLEXCLUSIVE) !== 0;
  const EXCLUSIVE_OK =
    POLL_BITS.POLLIN | POLL_BITS.POLLOUT | POLLERR | POLLHUP | EPOLL_FLAGS.EPOLLWAKEUP | EPOLL_FLAGS.EPOLLET | EPOLL_FLAGS.EPOLLEXCLUSIVE;
  if (exclusive && (op === 'EPOLL_CTL_MOD' || (events & ~EXCLUSIVE_OK) !== 0)) return { ret: -1, errno: 'EINVAL' };
  switch (op) {
    case 'EPOLL_CTL_ADD':
      return ep.has(fd) ? { ret: -1, errno: 'EEXIST' } : add();
    case 'EPOLL_CTL_MOD': {
      const it = ep.get(fd);
      if (!it) return { ret: -1, errno: 'ENOENT' };
      return it.events & EPOLL_FLAGS.EPOLLEXCLUSIVE ? { ret: -1, errno: 'EINVAL' } : add();
    }
    case 'EPOLL_CTL_DEL':
      return ep.delete(fd) ? { ret: 0 } : { ret: -1, errno: 'ENOENT' };
    default:
      return { unsupported: `epoll_ctl ${op}` };
  }
}

/** epoll_wait(epfd, {events=..., fd=...}, maxevents, timeout) → ep_send_events: an edge-triggered
 * item is reported only if a wake-up put it on the ready list since it was last reported, and
 * leaves the list; a one-shot item is disabled once reported; a level-triggered item is looked at
 * every time (the kernel puts it back on the list after reporting it, and a socket wakes its
 * waiters on every change that makes it ready). The first event's events and data are checked
 * against the script's. */
export function sys_epoll_wait(h: Host, a: Expr[]): CallResult {
  const ep = h.epolls.get(num(a[0]));
  if (!ep) return { ret: -1, errno: 'EBADF' };
  const want = eventBits(field(a[1], 'events'));
  if (typeof want !== 'number') return { unsupported: `epoll event ${want.unknown}` };
  const wantData = field(a[1], 'fd') ?? field(a[1], 'u32') ?? field(a[1], 'u64') ?? field(a[1], 'ptr');
  const max = num(a[2]);
  for (const fd of ep.keys())
    if (exclusiveWaiters(h, fd) > 1)
      return { unsupported: 'epoll_wait() on an fd several epoll instances watch with EPOLLEXCLUSIVE (wake-one)' };
  const answer = (force: boolean): CallResult | undefined => {
    const ready: Array<{ fd: number; item: EpollItem; events: number }> = [];
    for (const [fd, item] of ep) {
      if (!(item.events & ~EP_PRIVATE_BITS)) continue; // a one-shot item that fired
      const edge = (item.events & EPOLL_FLAGS.EPOLLET) !== 0;
      if (edge && !item.ready) continue;
      const m = pollOne(h, fd, item.events);
      if (m) ready.push({ fd, item, events: m });
      // Scanned with nothing to report, an item leaves the ready list.
      else item.ready = false;
    }
    if (!ready.length && !force) return undefined;
    // The ready list's order (wake-up order, level-triggered items requeued at its tail) is not
    // modelled beyond one ready item.
    if (ready.length > 1) return { unsupported: 'epoll_wait() with several ready items (ready-list order)' };
    const n = Math.min(ready.length, max);
    if (!n) return { ret: 0 };
    const got = ready[0];
    if (got.item.events & EPOLL_FLAGS.EPOLLONESHOT) got.item.events &= EP_PRIVATE_BITS;
    if (got.item.events & EPOLL_FLAGS.EPOLLET) got.item.ready = false;
    const diffs: string[] = [];
    if (got.events !== want) diffs.push(`events ${bitNames(got.events, 'EPOLL')}, script ${bitNames(want, 'EPOLL')}`);
    if (wantData && !Number.isNaN(num(wantData)) && num(wantData) !== got.item.data)
      diffs.push(`data ${got.item.data}, script ${num(wantData)}`);
    return { ret: n, outDiff: diffs.join('; ') || undefined };
  };
  return block(
    h,
    num(a[3]),
    () => answer(false),
    () => answer(true)!,
  );
}
