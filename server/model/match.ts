// Comparing predicted packets with a script's `>` line the way packetdrill does: consecutive
// packets are aggregated until they carry the expected payload (packetdrill's TSO/GSO
// aggregation, run_packet.c), then flags, sequence range, ack, window, options and time are
// checked.

import type { PacketEvent, TcpOptionSpec } from './packetdrill/ast';
import { flagLetters } from './flags';
import { outboundAckToScript, packetToScript, SeqMap, toScript } from './seqMap';
import type { WirePacket } from './tcp/types';

export { flagLetters };
export type { SeqMap };

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
  const { seq, ack } = packetToScript(map, p);
  const parts = [`${flagLetters(p.flags)} ${seq}:${seq + p.len}(${p.len})`];
  if (p.flags & 0x10) parts.push(`ack ${ack}`);
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
      return `${o.exp ? 'FOEXP' : 'FO'}${o.cookie ? ` ${o.cookie}` : ''}`;
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

const ECN_NAMES = ['noecn', 'ect1', 'ect0', 'ce'];

/** verify_outbound_live_tos and _ttl_or_hl: the ECN field, either ECT codepoint (`ect01`), the
 * whole TOS byte or the TTL, as the line asks; nothing when it gives no ip_info. */
function compareTos(e: PacketEvent, tos: number, ttl: number): string | undefined {
  const ecn = tos & 3;
  if (!e.tos) return undefined;
  if (e.tos.check === 'ttl' && ttl !== e.tos.ttl) return `IP ttl ${e.tos.ttl} expected, model sends ${ttl}`;
  if (e.tos.check === 'ecn' && ecn !== e.tos.ecn) return `IP ECN ${ECN_NAMES[e.tos.ecn]} expected, model sends ${ECN_NAMES[ecn]}`;
  if (e.tos.check === 'ect01' && ecn !== 1 && ecn !== 2) return `IP ECN ect0 or ect1 expected, model sends ${ECN_NAMES[ecn]}`;
  if (e.tos.check === 'tos' && tos !== e.tos.tos) return `IP tos 0x${e.tos.tos.toString(16)} expected, model sends 0x${tos.toString(16)}`;
  return undefined;
}

export interface TimeWindow {
  startNs: number;
  endNs: number;
  toleranceNs: number;
}

/** Flags that may differ between the fragments of one aggregate: packetdrill compares fragments
 * with `strict` off, which skips FIN, PSH and CWR (verify_tcp in run_packet.c). */
const FRAGMENT_FREE_FLAGS = 0x01 | 0x08 | 0x80;

/** Differences between an expected outbound line and the packets aggregated for it. Like
 * packetdrill's aggregate_packets: the aggregate has the headers (flags, ack, window, options)
 * of the last fragment and the sequence number of the first; earlier fragments only have to
 * agree with their predecessor on everything but FIN, PSH and CWR. */
export function comparePacket(e: PacketEvent, pieces: WirePacket[], map: SeqMap, time?: TimeWindow): string[] {
  const diffs: string[] = [];
  if (pieces.length === 0) return ['the model sends nothing here'];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const expFlags = sortFlags(e.flags + (e.ackFlag ? '.' : ''));
  const got = sortFlags(flagLetters(last.flags));
  if (got !== expFlags) diffs.push(`flags ${e.flags}${e.ackFlag ? '.' : ''} expected, model sends ${flagLetters(last.flags)}`);
  const seq = toScript(map, 'local', first.seq);
  if (seq !== e.seq.start) diffs.push(`seq ${e.seq.start} expected, model sends ${seq}`);
  const len = pieces.reduce((a, p) => a + p.len, 0);
  if (len !== e.seq.len) diffs.push(`length ${e.seq.len} expected, model sends ${len}`);
  for (let k = 1; k < pieces.length; k++) {
    const [prev, cur] = [pieces[k - 1], pieces[k]];
    if (cur.seq !== prev.seq + prev.len) diffs.push('aggregated packets are not contiguous');
    if (k < pieces.length - 1 && cur.len !== prev.len)
      diffs.push('aggregated packets differ in size before the last one (packetdrill would reject them)');
    if ((cur.flags | FRAGMENT_FREE_FLAGS) !== (prev.flags | FRAGMENT_FREE_FLAGS) || cur.ack !== prev.ack || cur.win !== prev.win)
      diffs.push(`aggregated packets differ in flags, ack or window (${flagLetters(prev.flags)} then ${flagLetters(cur.flags)})`);
  }
  if (e.ack !== undefined && last.flags & 0x10) {
    const ack = outboundAckToScript(map, last);
    if (ack !== e.ack) diffs.push(`ack ${e.ack} expected, model sends ${ack}`);
  }
  if (e.win !== undefined && last.win !== e.win) diffs.push(`win ${e.win} expected, model sends ${last.win}`);
  // check_field("tcp_urg_ptr"): always compared, 0 unless the line says `urg N`.
  if ((last.urgPtr ?? 0) !== (e.urg ?? 0)) diffs.push(`urg ${e.urg ?? 0} expected, model sends ${last.urgPtr ?? 0}`);
  const tos = compareTos(e, last.tos, last.ttl);
  if (tos) diffs.push(tos);
  // No `<...>` list is an empty one (parser.y's opt_tcp_options: tcp_options_new()), so the
  // packet must carry no options; only a literal `<...>` skips the check (FLAG_OPTIONS_NOCHECK).
  const expOptions = e.options ?? [];
  if (expOptions !== 'any') {
    // Our SACK blocks number the peer's bytes, like our ack field.
    const got = last.options.map((o) =>
      o.kind === 'sack'
        ? { ...o, blocks: o.blocks.map(([l, r]): [number, number] => [toScript(map, 'remote', l), toScript(map, 'remote', r)]) }
        : o,
    );
    const d = compareOptions(expOptions, got);
    if (d) diffs.push(d);
  }
  // verify_time checks the aggregate, and aggregate_packets gives it the last fragment's time
  // (packet_duplicate_info from the last sniffed packet): earlier fragments may leave before.
  if (time && (last.timeNs < time.startNs - time.toleranceNs || last.timeNs > time.endNs + time.toleranceNs))
    diffs.push(`sent at ${(last.timeNs / 1e9).toFixed(6)} s, script expects ${(time.startNs / 1e9).toFixed(6)} s`);
  return [...new Set(diffs)];
}
