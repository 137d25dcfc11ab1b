// tcp_check_req (tcp_minisocks.c) for a listener's request in SYN_RECV: what a segment other than
// the retransmitted SYN (handshake.ts's tcp_check_req_syn) does before the handshake's ACK creates
// the child: a wrong ACK goes on to the listener, a segment outside the window gets an ACK, a RST
// not at rcv_nxt a challenge ACK (RFC 5961 3.2), and an in-window RST or SYN kills the request.
import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_RST, TCPHDR_SYN } from './constants';
import { inet_csk_reqsk_queue_drop, reqsk_timeout } from './handshake';
import type { Host } from './host';
import { optTs, type Segment } from './segment';
import { frame } from './trace';
import { tcp_send_ack } from './transmit';
import type { TcpSock } from './types';
import { __tcp_oow_rate_limited, tcp_oow_rate_limited } from './validate';

/** What tcp_v4_rcv does with the segment after tcp_check_req: 'listener' (tcp_check_req returned the
 * listener: its tcp_rcv_state_process answers an ACK with a RST), 'child' (a valid ACK: the
 * request becomes the child socket), or 'done' (consumed or dropped). */
export type CheckReqVerdict = 'listener' | 'child' | 'done';

/** tcp_in_window: the segment overlaps [s_win, e_win), or is empty at one of its edges. */
function tcp_in_window(seq: number, endSeq: number, sWin: number, eWin: number): boolean {
  if (seq === sWin) return true;
  if (endSeq > sWin && seq < eWin) return true;
  return seq === eWin && seq === endSeq;
}

/** tcp_check_req for a request (not a Fast Open child); sendReset is req->rsk_ops->send_reset
 * (tcp_v4_send_reset against the segment). */
export function tcp_check_req(h: Host, req: TcpSock, seg: Segment, sendReset: () => void): CheckReqVerdict {
  using _frame = frame(h, 'tcp_check_req');
  let flg = seg.flags & (TCPHDR_RST | TCPHDR_SYN | TCPHDR_ACK);
  // RFC 793 p. 36: an unacceptable ACK in a non-synchronized state gets a reset, which the
  // listener's tcp_rcv_state_process sends (the request stays).
  if (flg & TCPHDR_ACK && !(flg & TCPHDR_RST) && seg.ack !== req.iss + 1) {
    h.trace.step('tcp_check_req', req.id, `ACK ${seg.ack} is not our SYN-ACK's (${req.iss + 1}): to the listener, which resets it`);
    return 'listener';
  }
  const endSeq = seg.seq + seg.len + (seg.flags & TCPHDR_SYN ? 1 : 0) + (seg.flags & TCPHDR_FIN ? 1 : 0);
  const pawsReject = tcp_paws_reject(req, seg);
  if (pawsReject || !tcp_in_window(seg.seq, endSeq, req.rcvNxt, req.rcvNxt + req.rcvWnd)) {
    // Out of window or an old TSval: an ACK (req->rsk_ops->send_ack, echoing the SYN's TSval;
    // rate-limited like any out-of-window answer), and the segment is dropped.
    const why = pawsReject ? `TSval older than the SYN's ${req.tsRecent} (PAWS)` : `segment ${seg.seq} outside the request's window`;
    if (!(flg & TCPHDR_RST) && !tcp_oow_rate_limited(h, seg, req)) {
      h.trace.step('tcp_check_req', req.id, `${why}: ACK`);
      tcp_send_ack(h, req);
    } else h.trace.step('tcp_check_req', req.id, `${why}: dropped`);
    return 'done';
  }
  // The SYN at rcv_isn is old: truncate it (the segment is then a bare ACK or data).
  if (seg.seq === req.irs) flg &= ~TCPHDR_SYN;
  if (flg & TCPHDR_RST && seg.seq !== req.rcvNxt) {
    // tcp_reqsk_send_challenge_ack: the request's own rate limit, then the netns quota.
    if (!__tcp_oow_rate_limited(h, req)) {
      h.trace.step('tcp_check_req', req.id, `RST at ${seg.seq}, not at rcv_nxt ${req.rcvNxt}: challenge ACK`);
      tcp_send_ack(h, req);
    } else h.trace.step('tcp_check_req', req.id, `RST not at rcv_nxt: challenge ACK rate-limited`);
    return 'done';
  }
  if (flg & (TCPHDR_RST | TCPHDR_SYN)) {
    // embryonic_reset: a SYN gets a RST (a RST none); the request is dropped (EmbryonicRsts).
    if (!(flg & TCPHDR_RST)) sendReset();
    inet_csk_reqsk_queue_drop(
      h,
      req,
      flg & TCPHDR_RST ? 'RST in SYN_RECV (embryonic reset)' : 'SYN in the window of a request (embryonic reset)',
    );
    return 'done';
  }
  if (!(flg & TCPHDR_ACK)) {
    h.trace.step('tcp_check_req', req.id, 'segment without ACK in SYN_RECV: dropped');
    return 'done';
  }
  return 'child';
}

/** tcp_paws_reject against the request's ts_recent (the SYN's TSval), as tcp_check_req runs it:
 * a TSval older than ts_recent is rejected. tcp_check_req dates ts_recent reqsk_timeout seconds
 * back, so a RST passes only once that reaches TCP_PAWS_MSL (60 s): never within the default
 * SYN-ACK retries. Exported for input.ts: a retransmitted SYN that fails PAWS is not resent a
 * SYN-ACK but treated as out of window. */
export function tcp_paws_reject(req: TcpSock, seg: Segment): boolean {
  const ts = optTs(seg.options);
  if (!ts || !req.tstampOk) return false;
  if (((req.tsRecent - ts.val) | 0) <= 0) return false; // tcp_paws_check(rx_opt, 0)
  const ageS = req.request ? Math.floor(reqsk_timeout(req.request) / 1000) : 1;
  return !(seg.flags & TCPHDR_RST && ageS >= TCP_PAWS_MSL_S);
}

/** TCP_PAWS_MSL: seconds after which a RST's old timestamp no longer matters. */
const TCP_PAWS_MSL_S = 60;
