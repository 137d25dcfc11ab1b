// The write side of the socket (net/ipv4/tcp.c): tcp_sendmsg_locked packs user data into skbs of
// size_goal, tcp_push decides whether to transmit now (PSH, MSG_MORE, autocorking), and
// tcp_send_fin queues the FIN on close/shutdown.

import {
  MAX_SKB_FRAGS,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_MORE,
  MSG_OOB,
  MSG_ZEROCOPY,
  PAGE_FRAG_SIZE,
  TCPHDR_ACK,
  TCPHDR_FIN,
  TCPHDR_PSH,
  TCP_NAGLE_CORK,
  TCP_NAGLE_OFF,
  TCP_NAGLE_PUSH,
  GSO_MAX_SEGS,
} from './constants';
import { tcp_slow_start_after_idle_check } from './cong';
import type { Host } from './host';
import { sock_error } from './done';
import { frame } from './trace';
import { __tcp_push_pending_frames, tcp_push_one } from './output';
import { GSO_MAX_SIZE, packetsOut, tcp_bound_to_half_wnd, tcp_current_mss } from './sock';
import { sk_stream_memory_free, sk_wmem_queued } from './sndbuf';
import { Skb, skbLen, TcpSock, truesizeFor, UbufInfo } from './types';
import { msg_zerocopy_realloc, tcp_sendmsg_zerocopy_done } from './zerocopy';

/** tcp_xmit_size_goal: how big an skb sendmsg builds — as many MSS as fit in half the peer's
 * largest window and the device's GSO size. */
export function tcp_xmit_size_goal(h: Host, sk: TcpSock, mss: number, largeAllowed: boolean): number {
  if (!largeAllowed) return mss;
  const newGoal = tcp_bound_to_half_wnd(sk, GSO_MAX_SIZE);
  let goal = sk.gsoSegs * mss;
  if (newGoal < goal || newGoal >= goal + mss) {
    sk.gsoSegs = Math.min(Math.floor(newGoal / mss), GSO_MAX_SEGS);
    goal = sk.gsoSegs * mss;
  }
  goal = Math.max(goal, mss);
  h.trace.step('tcp_xmit_size_goal', sk.id, `size_goal ${goal} bytes (${goal / mss} × mss ${mss}; half of max window ${sk.maxWindow})`, {
    sizeGoal: goal,
    mss,
  });
  return goal;
}

function forced_push(sk: TcpSock): boolean {
  return sk.writeSeq > sk.pushedSeq + (sk.maxWindow >> 1);
}

export function tcp_mark_push(sk: TcpSock, skb: Skb): void {
  skb.flags |= TCPHDR_PSH;
  sk.pushedSeq = sk.writeSeq;
}

/** tcp_skb_entail: a new empty skb at the tail of the write queue. */
function tcp_skb_entail(h: Host, sk: TcpSock, zerocopy: boolean): Skb {
  const skb: Skb = {
    id: h.id('skb'),
    seq: sk.writeSeq,
    endSeq: sk.writeSeq,
    flags: TCPHDR_ACK,
    eor: false,
    zerocopy,
    frags: 0,
    truesize: truesizeFor(0),
    pcount: 0,
  };
  sk.writeQueue.push(skb);
  if (sk.nonagle & TCP_NAGLE_PUSH) sk.nonagle &= ~TCP_NAGLE_PUSH;
  tcp_slow_start_after_idle_check(h, sk, packetsOut(sk));
  return skb;
}

/** tcp_skb_can_collapse_to: data may be appended unless the skb ended a MSG_EOR record. */
function canAppend(skb: Skb, zerocopy: boolean): boolean {
  return !skb.eor && skb.zerocopy === zerocopy && !(skb.flags & TCPHDR_FIN);
}

function tcp_should_autocork(h: Host, sk: TcpSock, skb: Skb, sizeGoal: number): boolean {
  return skbLen(skb) < sizeGoal && h.sysctl.tcp_autocorking !== 0 && sk.rtxQueue.length > 0 && sk.wmemAlloc > skb.truesize && !skb.eor;
}

/** tcp_push: PSH on the tail unless MSG_MORE, maybe autocork, then push pending frames. */
export function tcp_push(h: Host, sk: TcpSock, flags: number, mss: number, nonagle: number, sizeGoal: number): void {
  using _frame = frame(h, 'tcp_push');
  const skb = sk.writeQueue[sk.writeQueue.length - 1];
  if (!skb) return;
  if (!(flags & MSG_MORE) || forced_push(sk)) tcp_mark_push(sk, skb);
  // tcp_mark_urg: send(MSG_OOB) makes everything written so far urgent (snd_up = write_seq).
  if (flags & MSG_OOB) {
    sk.urgUp = sk.writeSeq;
    h.trace.step('tcp_mark_urg', sk.id, `MSG_OOB: urgent data up to ${sk.writeSeq} (snd_up)`);
  }
  if (tcp_should_autocork(h, sk, skb, sizeGoal)) {
    sk.tsqThrottled = true;
    if (sk.wmemAlloc > skb.truesize) {
      h.trace.step(
        'tcp_should_autocork',
        sk.id,
        `autocork: ${skbLen(skb)} bytes < size_goal and earlier packets are still in the qdisc/device; wait for their TX completion`,
        {
          bytes: skbLen(skb),
        },
      );
      return;
    }
  }
  if (flags & MSG_MORE) nonagle = TCP_NAGLE_CORK;
  h.trace.step('tcp_push', sk.id, `push: nonagle=${nagleStr(nonagle)}${flags & MSG_MORE ? ' (MSG_MORE)' : ''}`, { nonagle });
  __tcp_push_pending_frames(h, sk, mss, nonagle);
}

export function nagleStr(n: number): string {
  const parts: string[] = [];
  if (n & TCP_NAGLE_OFF) parts.push('NODELAY');
  if (n & TCP_NAGLE_CORK) parts.push('CORK');
  if (n & TCP_NAGLE_PUSH) parts.push('PUSH');
  return parts.join('|') || 'nagle';
}

export interface SendResult {
  /** Bytes copied by this call so far (including those before a sleep). */
  copied: number;
  /** Set when the call fails instead: the errno name. */
  errno?: string;
  /** The iovec lengths still to copy when the writer sleeps in sk_stream_wait_memory. */
  rest?: number[];
  /** The MSG_ZEROCOPY ubuf a sleeping writer keeps for the rest of its data. */
  uarg?: UbufInfo;
}

/** tcp_sendmsg_locked: copy (or pin, with MSG_ZEROCOPY) user data into skbs of size_goal. `iov`
 * lists the lengths of the iovec elements; `copiedBefore` is what the call copied before it slept
 * for memory (the loop resumes after sk_stream_wait_memory, with the ubuf it had: `uargBefore`). */
export function tcp_sendmsg_locked(
  h: Host,
  sk: TcpSock,
  iov: number[],
  flags: number,
  copiedBefore: number,
  uargBefore?: UbufInfo,
): SendResult {
  using _frame = frame(h, 'tcp_sendmsg_locked');
  const canSend = sk.state === 'ESTABLISHED' || sk.state === 'CLOSE_WAIT' || (sk.state === 'SYN_RECV' && sk.fastopenChild);
  if (!canSend) {
    if (sk.state === 'SYN_SENT' && sk.nonblock) return { copied: 0, errno: 'EAGAIN' };
    if (sk.state === 'SYN_SENT') {
      h.flagUnsupported('send() blocking until the connection is established');
      return { copied: 0, errno: 'EAGAIN' };
    }
    // sk_stream_wait_connect: a pending error first (handed out once), else EPIPE.
    const e = sock_error(sk) ?? 'EPIPE';
    h.trace.step('tcp_sendmsg_locked', sk.id, `state ${sk.state}: sk_stream_wait_connect fails with ${e}`);
    return { copied: 0, errno: e };
  }
  // restart: a pending sk_err (an ICMP error under IP_RECVERR) ends the call before any copy:
  // do_error returns what an earlier pass copied, else sk_stream_error's sock_error (handed out once).
  if (sk.err) {
    if (copiedBefore) return { copied: copiedBefore };
    const e = sock_error(sk) ?? 'EPIPE';
    h.trace.step('tcp_sendmsg_locked', sk.id, `sk_err ${e} pending: the call fails with it (sk_stream_error)`);
    return { copied: 0, errno: e };
  }
  const zc = (flags & MSG_ZEROCOPY) !== 0 && sk.zerocopyEnabled;
  const mss = tcp_current_mss(h, sk);
  const sizeGoal = tcp_xmit_size_goal(h, sk, mss, !(flags & MSG_OOB));
  const total = iov.reduce((a, b) => a + b, 0);
  // MSG_ZEROCOPY with SO_ZEROCOPY: a notification id for this call, on the write queue tail's ubuf
  // when it can take one more. (The kernel takes it before the state check and gives it back on
  // failure, msg_zerocopy_put_abort: the same.)
  const uarg = zc && total ? (uargBefore ?? msg_zerocopy_realloc(h, sk, total, sk.writeQueue[sk.writeQueue.length - 1]?.uarg)) : undefined;
  const r = tcp_sendmsg_loop(h, sk, iov, flags, copiedBefore, uarg, mss, sizeGoal);
  if (!uarg || r.rest) return uarg ? { ...r, uarg } : r;
  tcp_sendmsg_zerocopy_done(h, sk, uarg, r.copied);
  return r;
}

/** tcp_sendmsg_locked's copy loop (new_segment / wait_for_space). */
function tcp_sendmsg_loop(
  h: Host,
  sk: TcpSock,
  iov: number[],
  flags: number,
  copiedBefore: number,
  uarg: UbufInfo | undefined,
  mss: number,
  sizeGoal: number,
): SendResult {
  const zc = uarg !== undefined;
  const total = iov.reduce((a, b) => a + b, 0);
  h.trace.step(
    'tcp_sendmsg_locked',
    sk.id,
    `${total} bytes in ${iov.length} iovec(s)${zc ? ', zerocopy' : ''}; mss ${mss}, size_goal ${sizeGoal}`,
    {
      bytes: total,
      mss,
      sizeGoal,
      zerocopy: zc,
    },
  );
  // Zerocopy pins each iovec element as its own page fragment; copied data is packed into pages.
  const pieces = [...iov];
  let piece = 0;
  let copied = copiedBefore;
  while (piece < pieces.length) {
    if (pieces[piece] === 0) {
      piece++;
      continue;
    }
    let skb: Skb | undefined = sk.writeQueue[sk.writeQueue.length - 1];
    let copy = skb ? sizeGoal - skbLen(skb) : 0;
    const fragRoom = (s: Skb): boolean => (zc ? s.frags < MAX_SKB_FRAGS : true);
    // skb_zerocopy_iter_stream: an skb points to one ubuf (-EEXIST otherwise).
    const ubufRoom = (s: Skb): boolean => !zc || !s.uarg || s.uarg === uarg;
    if (!skb || copy <= 0 || !canAppend(skb, zc) || !fragRoom(skb) || !ubufRoom(skb)) {
      if (skb && canAppend(skb, zc) && copy > 0 && (!fragRoom(skb) || !ubufRoom(skb))) {
        // out of page fragments (-EMSGSIZE) or another ubuf's skb (-EEXIST): tcp_mark_push and
        // start a new skb
        tcp_mark_push(sk, skb);
        h.trace.step(
          'tcp_sendmsg_locked',
          sk.id,
          fragRoom(skb)
            ? 'skb belongs to another zerocopy notification: PSH and new skb'
            : `skb has ${MAX_SKB_FRAGS} fragments (MAX_SKB_FRAGS): PSH and new skb`,
        );
      }
      // new_segment: a new skb only while the queues hold less than sk_sndbuf (and, with
      // TCP_NOTSENT_LOWAT, fewer unsent bytes than the mark); else wait_for_space.
      if (!sk_stream_memory_free(h, sk)) return wait_for_space(h, sk, flags, mss, sizeGoal, copied, pieces.slice(piece));
      skb = tcp_skb_entail(h, sk, zc);
      copy = sizeGoal;
    }
    copy = Math.min(copy, pieces[piece]);
    if (zc) {
      skb.frags += 1;
      skb.uarg ??= uarg; // skb_zcopy_set
    } else {
      // Copy mode appends to the socket's page fragment; a new fragment when a page fills.
      const before = sk.pageFragUsed;
      sk.pageFragUsed = (sk.pageFragUsed + copy) % PAGE_FRAG_SIZE;
      if (skbLen(skb) === 0 || sk.pageFragUsed < before) skb.frags += 1;
    }
    if (!copied) skb.flags &= ~TCPHDR_PSH;
    sk.writeSeq += copy;
    skb.endSeq += copy;
    skb.truesize = truesizeFor(skbLen(skb));
    skb.pcount = 0;
    copied += copy;
    pieces[piece] -= copy;
    if (pieces[piece] === 0) piece++;
    if (piece >= pieces.length) {
      if (flags & MSG_EOR) skb.eor = true;
      break;
    }
    if (skbLen(skb) < sizeGoal || flags & MSG_OOB) continue;
    if (forced_push(sk)) {
      tcp_mark_push(sk, skb);
      h.trace.step('tcp_sendmsg_locked', sk.id, 'forced push: more than half a window written since the last PSH');
      __tcp_push_pending_frames(h, sk, mss, TCP_NAGLE_PUSH);
    } else if (skb === sk.writeQueue[0]) {
      h.trace.step('tcp_sendmsg_locked', sk.id, 'skb reached size_goal at the head of the queue: tcp_push_one');
      tcp_push_one(h, sk, mss);
    }
  }
  if (copied) tcp_push(h, sk, flags, mss, sk.nonagle, sizeGoal);
  return { copied };
}

/** wait_for_space: mark SOCK_NOSPACE, push what was copied (PSH, Nagle off for it), then either
 * return (non-blocking: the bytes so far, or EAGAIN) or sleep in sk_stream_wait_memory. */
function wait_for_space(h: Host, sk: TcpSock, flags: number, mss: number, sizeGoal: number, copied: number, rest: number[]): SendResult {
  sk.noSpace = true;
  h.trace.step(
    'sk_stream_wait_memory',
    sk.id,
    `send buffer full (${sk_wmem_queued(sk)} of ${sk.sndbuf} bytes queued, ${sk.writeSeq - sk.sndNxt} unsent): ${
      sk.nonblock || flags & MSG_DONTWAIT ? 'non-blocking, return' : 'sleep until ACKs free memory'
    }`,
    { queued: sk_wmem_queued(sk), sndbuf: sk.sndbuf },
  );
  if (copied) tcp_push(h, sk, flags & ~MSG_MORE, mss, TCP_NAGLE_PUSH, sizeGoal);
  if (sk.nonblock || flags & MSG_DONTWAIT) {
    // do_error → out: the bytes copied so far, pushed once more with the caller's flags.
    if (!copied) return { copied: 0, errno: 'EAGAIN' };
    tcp_push(h, sk, flags, mss, sk.nonagle, sizeGoal);
    return { copied };
  }
  return { copied, rest };
}

/** tcp_send_fin: put FIN on the last unsent skb, or queue a FIN-only skb, and push it. */
export function tcp_send_fin(h: Host, sk: TcpSock): void {
  const tail = sk.writeQueue[sk.writeQueue.length - 1];
  if (tail) {
    tail.flags |= TCPHDR_FIN;
    tail.endSeq += 1;
  } else {
    sk.writeQueue.push({
      id: h.id('skb'),
      seq: sk.writeSeq,
      endSeq: sk.writeSeq + 1,
      flags: TCPHDR_ACK | TCPHDR_FIN,
      eor: false,
      zerocopy: false,
      frags: 0,
      truesize: truesizeFor(0),
      pcount: 1,
    });
  }
  sk.writeSeq += 1;
  h.trace.step('tcp_send_fin', sk.id, tail ? 'FIN added to the last queued skb' : 'FIN queued in its own skb');
  __tcp_push_pending_frames(h, sk, tcp_current_mss(h, sk), TCP_NAGLE_OFF);
}
