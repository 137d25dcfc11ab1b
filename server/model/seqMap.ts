// One mapping between the model's sequence numbers and a script's. The model numbers our bytes
// from ISN 0 and the peer's from its real ISN; packetdrill numbers ours from whatever the first
// `> S` line says and the peer's from its ISN: the seq of the SYN-ACK after an active open, of the
// SYN that made the passive child after a passive open (remote_isn); a SYN's own numbers (an
// inbound SYN's seq, our SYN-ACK's ack) stay absolute. The runner maps inbound packets into the
// model and outbound ones back for comparing; the text descriptions and the panel's timeline map
// the model's packets into the script's numbering.

/** Maps model sequence numbers into the script's numbering (packetdrill's ISN rewriting). */
export interface SeqMap {
  /** Script value of our ISN (from the first `> S` / `> S.` line). */
  localIsn: number;
  /** The peer's ISN as packetdrill's remote_isn: added to inbound script seqs but a SYN's. */
  remoteOffset: number;
}

/** Whose sequence space a number is in: ours (our seq; the peer's ack and SACK blocks) or the
 * peer's (its seq; our ack). */
export type SeqSpace = 'local' | 'remote';

export function toScript(map: SeqMap, space: SeqSpace, n: number): number {
  return space === 'local' ? n + map.localIsn : n - map.remoteOffset;
}

export function toModel(map: SeqMap, space: SeqSpace, n: number): number {
  return space === 'local' ? n - map.localIsn : n + map.remoteOffset;
}

/** Our ack in the script's numbering: packetdrill counts it from the peer's ISN, except on a
 * SYN (a SYN-ACK), whose ack it leaves absolute (remote_seq_live_to_script_offset is 0). */
export function outboundAckToScript(map: SeqMap, p: { flags: number; ack: number }): number {
  return p.flags & 0x02 ? p.ack : toScript(map, 'remote', p.ack);
}

/** A wire packet's seq and ack in the script's numbering. An inbound SYN carries the peer's ISN
 * as the script wrote it (the offset starts after it). */
export function packetToScript(
  map: SeqMap,
  p: { direction: 'in' | 'out'; flags: number; seq: number; ack: number },
): { seq: number; ack: number } {
  if (p.direction === 'out') return { seq: toScript(map, 'local', p.seq), ack: outboundAckToScript(map, p) };
  const syn = (p.flags & 0x02) !== 0;
  return { seq: syn ? p.seq : toScript(map, 'remote', p.seq), ack: toScript(map, 'local', p.ack) };
}

/**
 * packetdrill's TS option mapping (run_packet.c): the script's outbound `TS val` numbers stand
 * for whatever clock the sender runs, so each one compared is remembered with the value actually
 * sent, and an inbound `ecr` names one of them. An ecr that names none is taken at the first
 * pair's offset (packetdrill's --tcp_ts_ecr_scaled). Undo compares the echoed value with its own
 * send times, so the model must see its own clock there.
 */
export class TsValMap {
  private readonly exact = new Map<number, number>();
  private first?: { script: number; model: number };

  record(script: number, model: number): void {
    this.exact.set(script, model);
    this.first ??= { script, model };
  }

  toModel(ecr: number): number {
    const v = this.exact.get(ecr);
    if (v !== undefined) return v;
    return this.first ? ecr - this.first.script + this.first.model : ecr;
  }
}
