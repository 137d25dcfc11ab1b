// MSG_ZEROCOPY completions (net/core/skbuff.c msg_zerocopy_*, net/core/skbuff.c
// sock_dequeue_err_skb, net/ipv4/ip_sockglue.c ip_recv_error). Each zerocopy send takes a
// notification id (sk_zckey); a send whose data joins the unsent tail skb's ubuf_info extends that
// ubuf's id range instead of taking a new one. The ubuf lives while the sending call or any skb
// (split pieces share it) holds it; when the last one lets go, __msg_zerocopy_callback queues one
// sock_extended_err [ee_info, ee_data] on sk_error_queue, merged into the queue's tail when the
// ranges are consecutive, and wakes the socket with EPOLLERR. recvmsg(MSG_ERRQUEUE) dequeues one.

import { WAKE_ERR } from './constants';
import type { Host } from './host';
import type { TcpSock, UbufInfo } from './types';

/** include/uapi/linux/errqueue.h */
export const SO_EE_ORIGIN_ZEROCOPY = 5;
export const SO_EE_CODE_ZEROCOPY_COPIED = 1;

/** struct sock_extended_err, as IP_RECVERR hands it out. */
export interface SockExtendedErr {
  errno: number;
  origin: number;
  type: number;
  code: number;
  info: number;
  data: number;
}

/** msg_zerocopy_realloc's byte_limit: a ubuf covers at most a few TSO packets. */
const ZC_BYTE_LIMIT = 1 << 19;
const USHRT_MAX = 0xffff;

/** msg_zerocopy_alloc: a new ubuf with the next notification id. */
function msg_zerocopy_alloc(sk: TcpSock, size: number): UbufInfo {
  const uarg: UbufInfo = { id: sk.zckey ?? 0, len: 1, bytelen: size, zerocopy: true, callerRef: true };
  sk.zckey = ((sk.zckey ?? 0) + 1) >>> 0;
  (sk.zcUbufs ??= []).push(uarg);
  return uarg;
}

/** msg_zerocopy_realloc: the ubuf of the write queue's tail skb is extended by one id when it
 * took the last id and stays under the byte limit; otherwise a new ubuf. */
export function msg_zerocopy_realloc(h: Host, sk: TcpSock, size: number, tail: UbufInfo | undefined): UbufInfo {
  if (tail && tail.len < USHRT_MAX - 1 && tail.bytelen + size <= ZC_BYTE_LIMIT && (tail.id + tail.len) >>> 0 === (sk.zckey ?? 0)) {
    tail.len++;
    tail.bytelen += size;
    tail.callerRef = true;
    sk.zckey = ((sk.zckey ?? 0) + 1) >>> 0;
    h.trace.step('msg_zerocopy_realloc', sk.id, `zerocopy ids ${tail.id}..${tail.id + tail.len - 1} share the tail skb's notification`);
    return tail;
  }
  const uarg = msg_zerocopy_alloc(sk, size);
  h.trace.step('msg_zerocopy_realloc', sk.id, `zerocopy id ${uarg.id}`);
  return uarg;
}

/** net_zcopy_put: the sending call lets go of its reference. */
export function net_zcopy_put(h: Host, sk: TcpSock, uarg: UbufInfo): void {
  uarg.callerRef = false;
  skb_zcopy_release(h, sk);
}

/** msg_zerocopy_put_abort: a send that queued nothing gives its id back (sk_zckey--, len--), so a
 * ubuf left with no id queues no notification. */
export function msg_zerocopy_put_abort(h: Host, sk: TcpSock, uarg: UbufInfo): void {
  sk.zckey = ((sk.zckey ?? 0) - 1) >>> 0;
  uarg.len--;
  net_zcopy_put(h, sk, uarg);
}

/** How a sending call that took a ubuf ends (tcp_sendmsg_locked's out and out_err labels): with
 * bytes queued it lets go of its reference (net_zcopy_put); with none the id goes back too
 * (msg_zerocopy_put_abort). */
export function tcp_sendmsg_zerocopy_done(h: Host, sk: TcpSock, uarg: UbufInfo | undefined, copied: number): void {
  if (!uarg) return;
  if (copied) net_zcopy_put(h, sk, uarg);
  else msg_zerocopy_put_abort(h, sk, uarg);
}

/** skb_copy_ubufs, as tun_net_xmit's skb_orphan_frags_rx runs it: the device copies the pinned
 * pages before queueing the packet, so the completion says SO_EE_CODE_ZEROCOPY_COPIED. */
export function skb_orphan_frags_rx(uarg: UbufInfo | undefined): void {
  if (uarg) uarg.zerocopy = false;
}

/** The ubufs no skb and no sending call holds any more complete (skb_release_data →
 * skb_zcopy_clear → msg_zerocopy_complete), oldest first. Called after skbs leave the queues. */
export function skb_zcopy_release(h: Host, sk: TcpSock): void {
  if (!sk.zcUbufs?.length) return;
  const held = new Set<UbufInfo>();
  for (const q of [sk.writeQueue, sk.rtxQueue]) for (const skb of q) if (skb.uarg) held.add(skb.uarg);
  const done = sk.zcUbufs.filter((u) => !u.callerRef && !held.has(u));
  if (!done.length) return;
  sk.zcUbufs = sk.zcUbufs.filter((u) => !done.includes(u));
  for (const u of done) __msg_zerocopy_callback(h, sk, u);
}

/** __msg_zerocopy_callback: one notification for the ubuf's id range, merged into the error
 * queue's tail when that is a zerocopy range ending just before (skb_zerocopy_notify_extend);
 * nothing for a ubuf whose only send was aborted, or once close() orphaned the socket. */
function __msg_zerocopy_callback(h: Host, sk: TcpSock, u: UbufInfo): void {
  if (!u.len || sk.orphan) return;
  const lo = u.id;
  const hi = (u.id + u.len - 1) >>> 0;
  const q = (sk.errQueue ??= []);
  const tail = q[q.length - 1];
  if (tail && tail.origin === SO_EE_ORIGIN_ZEROCOPY && skb_zerocopy_notify_extend(tail, lo, u.len)) {
    h.trace.step('__msg_zerocopy_callback', sk.id, `zerocopy ids ${lo}..${hi} done: the queued notification now ends at ${tail.data}`);
  } else {
    q.push({ errno: 0, origin: SO_EE_ORIGIN_ZEROCOPY, type: 0, code: u.zerocopy ? 0 : SO_EE_CODE_ZEROCOPY_COPIED, info: lo, data: hi });
    h.trace.step(
      '__msg_zerocopy_callback',
      sk.id,
      `zerocopy ids ${lo}..${hi} done${u.zerocopy ? '' : ' (copied)'}: notification queued on the error queue`,
    );
  }
  sk_error_report(h, sk);
}

/** skb_zerocopy_notify_extend: consecutive ranges merge while the total fits in 32 bits. */
function skb_zerocopy_notify_extend(tail: SockExtendedErr, lo: number, len: number): boolean {
  if (tail.data - tail.info + 1 + len >= 2 ** 32) return false;
  if (lo !== (tail.data + 1) >>> 0) return false;
  tail.data = (tail.data + len) >>> 0;
  return true;
}

/** sk_error_report → sock_def_error_report: wakes the socket's waiters with EPOLLERR. */
export function sk_error_report(h: Host, sk: TcpSock): void {
  h.wake(sk.fd, WAKE_ERR);
}

/** ip_recv_error (recvmsg with MSG_ERRQUEUE, in any state and never blocking): one queued error
 * (sock_dequeue_err_skb, which wakes the socket again if more wait), or EAGAIN. */
export function ip_recv_error(h: Host, sk: TcpSock): SockExtendedErr | undefined {
  const e = sk.errQueue?.shift();
  if (!e) return undefined;
  h.trace.step('ip_recv_error', sk.id, `IP_RECVERR: origin ${e.origin} code ${e.code} info ${e.info} data ${e.data}`);
  if (sk.errQueue?.length) sk_error_report(h, sk);
  return e;
}
