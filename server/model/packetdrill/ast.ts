// The parsed form of a packetdrill (.pkt) script. Plain data, so the webview can receive it as JSON.

import type { TcpOption } from '../tcp/types';

/** When an event happens. `relative` is seconds after the previous event, `absolute` seconds after
 * the script started, `any` is packetdrill's `*` (no timing check). */
export interface TimeSpec {
  kind: 'absolute' | 'relative' | 'any';
  seconds: number;
}

export interface EventTime {
  start: TimeSpec;
  /** `+.3~+.310`: the event may happen anywhere in [start, end]. */
  rangeEnd?: TimeSpec;
  /** `+0...0.1`: a blocking system call returns at this time (relative to its start). */
  blockingEnd?: TimeSpec;
}

/** One TCP option as written in a script, e.g. `mss 1000`, `TS val 100 ecr 0`, `sack 1:1001`: the
 * model's own option type. */
export type TcpOptionSpec = TcpOption;

export interface PacketEvent {
  type: 'packet';
  line: number;
  time: EventTime;
  direction: 'in' | 'out';
  /** Flag letters as written without the ack dot, e.g. `S`, `P`, `F`, `R`, `` (pure ACK). */
  flags: string;
  /** Whether the ACK flag (`.`) was written. */
  ackFlag: boolean;
  seq: { start: number; end: number; len: number };
  ack?: number;
  win?: number;
  /** `urg N`: the urgent pointer, which packetdrill always checks (0 when not written). */
  urg?: number;
  /** Undefined when the script gives no `<...>` list; `any` for a literal `<...>`. */
  options?: TcpOptionSpec[] | 'any';
  /** The IP TOS spec before the flags (`[ect0]`, `[ce]`, `(tos 0x2)`...): on an inbound packet
   * the TOS byte it carries, on an outbound one what packetdrill checks (nothing when absent). */
  tos?: TosSpec;
  /** Pieces of the line this parser recognised but the model cannot use (udp, icmp...). */
  unsupported: string[];
}

/** packetdrill's tos_spec (parser.y): an ECN codepoint (`noecn` 0, `ect1` 1, `ect0` 2, `ce` 3),
 * `ect01` (either ECT codepoint, outbound only) or a whole TOS byte. */
export type TosSpec = { check: 'ecn'; ecn: number } | { check: 'ect01' } | { check: 'tos'; tos: number } | { check: 'ttl'; ttl: number };

/** A system call argument or result expression, kept structural so the runner can read the parts it
 * understands (numbers, flag sets) and name the rest. */
export type Expr =
  | { t: 'ellipsis' }
  | { t: 'num'; v: number }
  | { t: 'id'; v: string }
  | { t: 'str'; v: string }
  | { t: 'or'; items: Expr[] }
  | { t: 'array'; items: Expr[] }
  | { t: 'struct'; fields: Array<{ name?: string; value: Expr }> }
  | { t: 'raw'; text: string };

export interface SyscallEvent {
  type: 'syscall';
  line: number;
  time: EventTime;
  name: string;
  args: Expr[];
  /** Expected return value; undefined for `= *`-style wildcards. */
  result?: number;
  errno?: string;
}

export interface CommandEvent {
  type: 'command';
  line: number;
  time: EventTime;
  /** The shell text between backticks. */
  text: string;
}

export interface PythonEvent {
  type: 'python';
  line: number;
  time: EventTime;
  code: string;
}

/** A packet line the parser understood only far enough to name it (ICMP, UDP...). */
export interface OtherPacketEvent {
  type: 'otherPacket';
  line: number;
  time: EventTime;
  direction: 'in' | 'out';
  /** What it is, e.g. `icmp unreachable`. */
  what: string;
  /** An inbound ICMPv4 error about one of our TCP segments, as far as the model reads it. */
  icmp?: IcmpSpec;
}

/** packetdrill's icmp_packet_spec: `icmp unreachable frag_needed mtu 1200 [1:1461(1460)]`. */
export interface IcmpSpec {
  /** ICMPv4 type and code numbers (icmp_packet.c's tables, or `code_N`; no code is 0); undefined
   * when the names are not ICMPv4 ones. */
  v4?: IcmpTypeCode;
  /** The same names read as ICMPv6 (icmpv6_types), as packetdrill does with --ip_version=ipv6;
   * undefined when they are not ICMPv6 ones (packetdrill rejects the line). */
  v6?: IcmpTypeCode;
  /** `mtu N` (the next-hop MTU of a frag_needed). */
  mtu?: number;
  /** The echoed TCP header's sequence number, numbered like our bytes (0 when not written). */
  echoedSeq: number;
}

export interface IcmpTypeCode {
  type: number;
  code: number;
}

export type ScriptEvent = PacketEvent | SyscallEvent | CommandEvent | PythonEvent | OtherPacketEvent;

export interface Script {
  /** Backtick commands before the first timed event (sysctls, ./defaults.sh, tc qdisc...). */
  preamble: CommandEvent[];
  events: ScriptEvent[];
  /** packetdrill command-line options written in the script (`--tolerance_usecs=20000`). */
  options: Record<string, string>;
  /** The line each of `options` was written on. */
  optionLines?: Record<string, number>;
}

export class PktSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = 'PktSyntaxError';
  }
}
