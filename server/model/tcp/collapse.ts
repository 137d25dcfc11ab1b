// Merging small skbs on retransmission (net.ipv4.tcp_retrans_collapse, on by default): when the
// skb being resent is shorter than the MSS and the window, tcp_retrans_try_collapse moves the
// following small skbs into it, so one segment carries them all.
//
// What stops the merge that a script can see: an skb SACKed, an skb or the head written with
// MSG_EOR, zerocopy data, the window's end, the MSS, and an skb still cloned. On packetdrill's tun
// the last packet the host sent is still cloned: packetdrill reads tun's queue one packet for each
// packet its sniffer saw, and the queue holds one more packet sent before the sniffer was opened
// (presumably the device's own IPv6 traffic at link up; not checked), so the newest transmission
// stays queued (measured, rc- fixtures: a retransmission merges up to, not including, the skb sent
// last, and merges it too once any other packet was sent after it).

import type { Host } from './host';
import { frame } from './trace';
import { tcpWndEnd } from './sock';
import { Skb, skbLen, TcpSock } from './types';

const TCPHDR_SYN = 0x02;
/** skb_shift's bound on page fragments (MAX_SKB_FRAGS). */
const MAX_SKB_FRAGS = 17;

/** skb_cloned: on tun, the skb whose copy is the newest packet the host sent (see above). */
function skb_cloned(h: Host, skb: Skb): boolean {
  for (let k = h.wire.length - 1; k >= 0; k--) {
    const p = h.wire[k];
    if (p.direction === 'out') return skb.sentOrder === p.id;
  }
  return false;
}

/** tcp_can_collapse: one segment, not cloned, not SACKed. The skb being resent is never cloned
 * here: __tcp_retransmit_skb uncloned it first (skb_unclone_keeptruesize). */
function tcp_can_collapse(h: Host, to: Skb, skb: Skb): boolean {
  if (skb.pcount > 1) return false;
  if (skb !== to && skb_cloned(h, skb)) return false;
  return !skb.sackedAcked;
}

/** tcp_skb_can_collapse: no data after an EOR mark, zerocopy only with zerocopy. */
function tcp_skb_can_collapse(to: Skb, from: Skb): boolean {
  return !to.eor && to.zerocopy === from.zerocopy;
}

/** tcp_collapse_retrans: move the next skb's bytes and flags into `skb` and free it (skb_shift
 * refuses zerocopy data and more page fragments than an skb holds). */
function tcp_collapse_retrans(sk: TcpSock, skb: Skb): boolean {
  const idx = sk.rtxQueue.indexOf(skb);
  const next = sk.rtxQueue[idx + 1];
  const len = skbLen(next);
  if (len && (skb.zerocopy || next.zerocopy || skb.frags + next.frags > MAX_SKB_FRAGS)) return false;
  skb.endSeq = next.endSeq;
  skb.flags |= next.flags;
  skb.everRetrans ||= next.everRetrans;
  skb.eor = next.eor;
  skb.frags += next.frags;
  skb.truesize += len;
  // Its LOST and SACKED_RETRANS marks go with it (tcp_adjust_pcount).
  sk.rtxQueue.splice(idx + 1, 1);
  return true;
}

/** tcp_retrans_try_collapse: merge the skbs after `to` into it while they fit in `space`. */
export function tcp_retrans_try_collapse(h: Host, sk: TcpSock, to: Skb, space: number): void {
  if (!h.sysctl.tcp_retrans_collapse) return;
  if (to.flags & TCPHDR_SYN) return;
  using _frame = frame(h, 'tcp_retrans_try_collapse');
  const idx = sk.rtxQueue.indexOf(to);
  let first = true;
  let merged = 0;
  for (let k = idx; k < sk.rtxQueue.length;) {
    const skb = sk.rtxQueue[k];
    if (!tcp_can_collapse(h, to, skb) || !tcp_skb_can_collapse(to, skb)) break;
    space -= skbLen(skb);
    if (first) {
      first = false;
      k++;
      continue;
    }
    if (space < 0) break;
    if (skb.endSeq - tcpWndEnd(sk) > 0) break;
    if (!tcp_collapse_retrans(sk, to)) break;
    merged++;
  }
  if (merged)
    h.trace.step('tcp_collapse_retrans', sk.id, `${merged} skbs merged into ${to.seq}:${to.endSeq}`, { seq: to.seq, len: skbLen(to) });
}
