// Delivery rate sampling (tcp_rate.c), the one part the model needs: rs->prior_delivered, which
// RACK's reordering window adaptation reads (tcp_rack_update_reo_wnd).
import { Skb } from './types';

/** tcp_rate_skb_delivered: rs->prior_delivered is tp->delivered when the most recently sent of the
 * skbs an ACK delivers was sent (tx.delivered, set by tcp_rate_skb_sent; it only grows with send
 * order, so it is the largest). An skb counts once: once SACKed it is marked delivered
 * (delivered_mstamp = 0), and its later cumulative ACK adds nothing. Returns the new
 * prior_delivered. */
export function tcp_rate_skb_delivered(skb: Skb, priorDelivered: number): number {
  const sentDelivered = skb.txDelivered;
  if (sentDelivered === undefined) return priorDelivered;
  if (skb.sackedAcked) skb.txDelivered = undefined;
  return Math.max(priorDelivered, sentDelivered);
}
