// Comparing predicted packets with a script's `>` line the way packetdrill does: consecutive
// packets are aggregated until they carry the expected payload (packetdrill's TSO/GSO
// aggregation, run_packet.c), then flags, sequence range, ack, window, options and time are
// checked.

import type { PacketEvent, TcpOptionSpec } from './packetdrill/ast';
import type { WirePacket } from './tcp/types';

/** Maps model sequence numbers into the script's numbering (packetdrill's ISN rewriting). */
export interface SeqMap {
  /** Script value of our ISN (from the first `> S` / `> S.` line). */
  localIsn: number;
  /** Added to inbound script seqs after an active open's SYN-ACK (whose seq is the peer's ISN). */
  remoteOffset: number;
}

export function flagLetters(flags: number): string {
  let s = '';
  if (flags & 0x02) s += 'S';
  if (flags & 0x08) s += 'P';
  if (flags & 0x01) s += 'F';
  if (flags & 0x04) s += 'R';
  if (flags & 0x20) s += 'U';
  if (flags & 0x40) s += 'E';
  if (flags & 0x80) s += 'W';
  if (flags & 0x10) s += '.';
  return s;
}

function sortFlags(s: string): string {
  return [...s].sort().join('');
}

export function describeExpected(e: PacketEvent): string {
  const parts = [`${e.flags}${e.ackFlag ? '.' : ''} ${e.seq.start}:${e.seq.end}(${e.seq.len})`];
  if (e.ack !== undefined) parts.push(`ack ${e.ack}`);
  if (e.win !== undefined) parts.push(`win ${e.win}`);
  return parts.join(' ');
}

export function describePredicted(p: WirePacket, map: SeqMap): string {
  const seq = p.seq + map.localIsn;
  const parts = [`${flagLetters(p.flags)} ${seq}:${seq + p.len}(${p.len})`];
  if (p.flags & 0x10) parts.push(`ack ${p.ack - map.remoteOffset}`);
  parts.push(`win ${p.win}`);
  if (p.options.length) parts.push(`<${p.options.map(optionText).join(',')}>`);
  return parts.join(' ');
}

export function optionText(o: TcpOptionSpec): string {
  switch (o.kind) {
    case 'mss':
    case 'wscale':
      return `${o.kind} ${o.value}`;
    case 'TS':
      return `TS val ${o.val} ecr ${o.ecr}`;
    case 'sack':
      return `sack ${o.blocks.map(([l, r]) => `${l}:${r}`).join(' ')}`;
    case 'FO':
      return o.cookie ? `FO ${o.cookie}` : 'FO';
    case 'md5':
      return `md5 ${o.hex}`;
    case 'unknown':
      return o.text;
    default:
      return o.kind;
  }
}

function compareOptions(exp: TcpOptionSpec[], got: TcpOptionSpec[]): string | undefined {
  const e = exp.map(optionKey).join(',');
  const g = got.map(optionKey).join(',');
  return e === g ? undefined : `options <${e}> expected, model has <${g}>`;
}

/** What packetdrill compares for each option: kinds and values, except timestamps (mapped). */
function optionKey(o: TcpOptionSpec): string {
  switch (o.kind) {
    case 'TS':
      return 'TS';
    default:
      return optionText(o);
  }
}

export interface TimeWindow {
  startNs: number;
  endNs: number;
  toleranceNs: number;
}

/** Differences between an expected outbound line and the packets aggregated for it. */
export function comparePacket(e: PacketEvent, pieces: WirePacket[], map: SeqMap, time?: TimeWindow): string[] {
  const diffs: string[] = [];
  if (pieces.length === 0) return ['the model sends nothing here'];
  const first = pieces[0];
  const expFlags = sortFlags(e.flags + (e.ackFlag ? '.' : ''));
  for (const p of pieces) {
    const got = sortFlags(flagLetters(p.flags));
    if (got !== expFlags) {
      diffs.push(`flags ${e.flags}${e.ackFlag ? '.' : ''} expected, model sends ${flagLetters(p.flags)}`);
      break;
    }
  }
  const seq = first.seq + map.localIsn;
  if (seq !== e.seq.start) diffs.push(`seq ${e.seq.start} expected, model sends ${seq}`);
  const len = pieces.reduce((a, p) => a + p.len, 0);
  if (len !== e.seq.len) diffs.push(`length ${e.seq.len} expected, model sends ${len}`);
  for (let k = 1; k < pieces.length; k++) {
    if (pieces[k].seq !== pieces[k - 1].seq + pieces[k - 1].len) diffs.push('aggregated packets are not contiguous');
    if (k < pieces.length - 1 && pieces[k].len !== pieces[k - 1].len)
      diffs.push('aggregated packets differ in size before the last one (packetdrill would reject them)');
  }
  if (e.ack !== undefined && first.flags & 0x10) {
    const ack = first.ack - map.remoteOffset;
    if (ack !== e.ack) diffs.push(`ack ${e.ack} expected, model sends ${ack}`);
  }
  if (e.win !== undefined && first.win !== e.win) diffs.push(`win ${e.win} expected, model sends ${first.win}`);
  if (Array.isArray(e.options)) {
    const d = compareOptions(e.options, first.options);
    if (d) diffs.push(d);
  }
  if (time) {
    for (const p of pieces) {
      if (p.timeNs < time.startNs - time.toleranceNs || p.timeNs > time.endNs + time.toleranceNs) {
        diffs.push(`sent at ${(p.timeNs / 1e9).toFixed(6)} s, script expects ${(time.startNs / 1e9).toFixed(6)} s`);
        break;
      }
    }
  }
  return diffs;
}
