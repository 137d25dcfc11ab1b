// Parser for the packetdrill language: statements (see statements.ts) become typed events.
// Syntax errors throw PktSyntaxError carrying the script line; constructs the model cannot use are
// parsed and kept (e.g. PacketEvent.unsupported) so the runner can name them.

import {
  OtherPacketEvent,
  CommandEvent,
  EventTime,
  Expr,
  PacketEvent,
  PktSyntaxError,
  Script,
  ScriptEvent,
  SyscallEvent,
  TcpOptionSpec,
  IcmpSpec,
  IcmpTypeCode,
  TimeSpec,
  TosSpec,
} from './ast';
import { scanTopLevel, stringEnd } from './lexer';
import { splitStatements } from './statements';

// A number that does not swallow the first dot of `...` (as in `+0...0.1`).
const NUM = String.raw`(?:\d+(?:\.(?!\.)\d*)?|\.\d+)`;
// packetdrill's lexer makes `+` a token of its own (parser.y: event_time is '+' time), so a
// relative time may have blanks after its plus: `+ 0 write(...)`.
const REL = String.raw`(?:\+\s*|-)?${NUM}`;
const TIME_RE = new RegExp(String.raw`^(\*|${REL})(?:~(${REL}))?(?:\s*\.\.\.\s*(${REL}))?(?=\s|$)`);

/** `defines`: packetdrill's `-D SYMBOL=value` (`--define`), e.g. `TFO_COOKIE`; a script's own
 * `--define=SYMBOL=value` header lines add to them. */
export function parseScript(src: string, defines: Record<string, string> = {}): Script {
  const preamble: CommandEvent[] = [];
  const events: ScriptEvent[] = [];
  const options: Record<string, string> = {};
  const optionLines: Record<string, number> = {};
  const symbols = new Map(Object.entries(defines));
  for (const st of splitStatements(src)) {
    // Header options: packetdrill takes any number of them, on one line or several.
    if (/^(?:--[\w-]+(?:=\S*)?(?:\s+|$))+$/.test(st.text)) {
      for (const opt of st.text.matchAll(/--([\w-]+)(?:=(\S*))?/g)) {
        const def = opt[1] === 'define' ? /^([A-Za-z_]\w*)=(.*)$/.exec(opt[2] ?? '') : null;
        if (def) symbols.set(def[1], def[2]);
        else {
          // packetdrill's lexer takes a "quoted" value without its quotes.
          options[opt[1]] = (opt[2] ?? '').replace(/^"(.*)"$/, '$1');
          optionLines[opt[1]] = st.line;
        }
      }
      continue;
    }
    const { time, rest: raw } = parseTime(st.text, st.line);
    const rest = substituteDefines(raw, symbols);
    if (!time) {
      if (!rest.startsWith('`')) throw new PktSyntaxError(st.line, `expected a time before '${head(rest)}'`);
      const cmd: CommandEvent = { type: 'command', line: st.line, time: zeroTime(), text: rest.slice(1, -1) };
      if (events.length === 0) preamble.push(cmd);
      else events.push(cmd);
      continue;
    }
    const ev = parseEvent(rest, time, st.line);
    checkTimeOrder(events[events.length - 1], ev);
    events.push(ev);
  }
  return { preamble, events, options, optionLines };
}

/** packetdrill's lexer (word() in lexer.l) replaces every word that names a define by its value;
 * a backtick command and a %{ }% block are single tokens, so nothing inside them changes, nor
 * inside a quoted string. */
function substituteDefines(text: string, symbols: Map<string, string>): string {
  if (symbols.size === 0 || text.startsWith('`') || text.startsWith('%{')) return text;
  let out = '';
  let from = 0;
  for (let k = 0; k < text.length; k++) {
    if (text[k] === '"') {
      const end = stringEnd(text, k);
      k = end < 0 ? text.length : end;
      continue;
    }
    if (!/[A-Za-z_]/.test(text[k]) || /\w/.test(text[k - 1] ?? '')) continue;
    let e = k;
    while (e < text.length && /\w/.test(text[e])) e++;
    const value = symbols.get(text.slice(k, e));
    if (value !== undefined) {
      out += text.slice(from, k) + value;
      from = e;
    }
    k = e - 1;
  }
  return out + text.slice(from);
}

/** packetdrill's run.c refuses an absolute time earlier than the absolute time before it ("time goes
 * backward in script"); a relative or `*` time is never backwards. */
function checkTimeOrder(prev: ScriptEvent | undefined, ev: ScriptEvent): void {
  if (prev?.time.start.kind !== 'absolute' || ev.time.start.kind !== 'absolute') return;
  if (ev.time.start.seconds < prev.time.start.seconds)
    throw new PktSyntaxError(
      ev.line,
      `time goes backward in script from ${prev.time.start.seconds} s (line ${prev.line}) to ${ev.time.start.seconds} s`,
    );
}

function zeroTime(): EventTime {
  return { start: { kind: 'relative', seconds: 0 } };
}

function head(s: string): string {
  return s.length > 30 ? `${s.slice(0, 30)}…` : s;
}

function toTimeSpec(tok: string): TimeSpec {
  if (tok === '*') return { kind: 'any', seconds: 0 };
  const rel = tok.startsWith('+');
  return { kind: rel ? 'relative' : 'absolute', seconds: Number(rel ? tok.slice(1) : tok) };
}

function parseTime(text: string, line: number): { time?: EventTime; rest: string } {
  const m = TIME_RE.exec(text);
  if (!m) return { rest: text };
  const time: EventTime = { start: toTimeSpec(m[1]) };
  if (m[2]) time.rangeEnd = toTimeSpec(m[2]);
  if (m[3]) time.blockingEnd = toTimeSpec(m[3]);
  if (Number.isNaN(time.start.seconds)) throw new PktSyntaxError(line, `bad time '${m[1]}'`);
  return { time, rest: text.slice(m[0].length).trim() };
}

function parseEvent(rest: string, time: EventTime, line: number): ScriptEvent {
  if (rest.startsWith('<') || rest.startsWith('>')) return parsePacket(rest, time, line);
  if (rest.startsWith('`')) {
    if (!rest.endsWith('`')) throw new PktSyntaxError(line, 'text after backtick command');
    return { type: 'command', line, time, text: rest.slice(1, -1) };
  }
  if (rest.startsWith('%{')) return { type: 'python', line, time, code: rest.slice(2, -2).trim() };
  if (/^[A-Za-z_]\w*\s*\(/.test(rest)) return parseSyscall(rest, time, line);
  throw new PktSyntaxError(line, `cannot parse event '${head(rest)}'`);
}

// ---------------------------------------------------------------- packets

const SEQ_RE = /^(\d+):(\d+)\((\d+)\)$/;

function parsePacket(text: string, time: EventTime, line: number): PacketEvent | OtherPacketEvent {
  const direction = text[0] === '<' ? 'in' : 'out';
  let body = text.slice(1).trim();
  const unsupported: string[] = [];
  const proto = /^(udp|icmp|icmpv6|gre|mpls|ip|ipv4|ipv6)\b/i.exec(body);
  if (proto) {
    const ev: OtherPacketEvent = { type: 'otherPacket', line, time, direction, what: body.split(/\s+/).slice(0, 2).join(' ') };
    const icmp = proto[1].toLowerCase() === 'icmp' && direction === 'in' ? parseIcmp(body, line) : undefined;
    if (icmp) ev.icmp = icmp;
    return ev;
  }
  // An IP header spec before the flags: `[ect0]`, `[noecn]`, `(tos 0x2)`, `[flowlabel 0x1]`.
  let tos: TosSpec | undefined;
  const ip = /^(?:\[([^\]]*)\]|\(([^)]*)\))\s*/.exec(body);
  if (ip) {
    const spec = (ip[1] ?? ip[2]).trim();
    tos = parseTosSpec(spec);
    if (!tos) unsupported.push(`IP header spec '${spec}'`);
    if (tos?.check === 'ect01' && direction === 'in') throw new PktSyntaxError(line, 'ect01 names no one codepoint to send');
    body = body.slice(ip[0].length);
  }
  // `8080>4000`: the ports of one of several connections; the model plays one.
  const ports = /^(\d+)>(\d+)\s+/.exec(body);
  if (ports) {
    unsupported.push(`ports ${ports[1]}>${ports[2]}`);
    body = body.slice(ports[0].length);
  }
  let options: PacketEvent['options'];
  const optStart = body.indexOf('<');
  if (optStart >= 0) {
    const optEnd = body.lastIndexOf('>');
    if (optEnd < optStart) throw new PktSyntaxError(line, 'unterminated TCP option list');
    options = parseOptions(body.slice(optStart + 1, optEnd), line);
    const after = body.slice(optEnd + 1).trim();
    if (after) unsupported.push(`text after options '${after}'`);
    body = body.slice(0, optStart).trim();
  }
  const toks = body.split(/\s+/).filter(Boolean);
  if (toks.length === 0) throw new PktSyntaxError(line, 'empty packet line');
  const flagTok = toks[0];
  // `-`: a segment with no flags at all (packetdrill's parser.y).
  if (!/^(?:[SPFRUEWA.]+[0-7]?|-)$/.test(flagTok)) throw new PktSyntaxError(line, `bad TCP flags '${flagTok}'`);
  const ackFlag = flagTok.includes('.');
  if (/[A0-7]/.test(flagTok)) unsupported.push(`AccECN flags '${flagTok}'`);
  const flags = flagTok.replace(/[-.A0-7]/g, '');
  const sm = SEQ_RE.exec(toks[1] ?? '');
  if (!sm) throw new PktSyntaxError(line, `expected start:end(len) after flags, got '${toks[1] ?? ''}'`);
  const seq = { start: Number(sm[1]), end: Number(sm[2]), len: Number(sm[3]) };
  if (seq.end - seq.start !== seq.len) throw new PktSyntaxError(line, `sequence range ${toks[1]} does not agree with its length`);
  const pkt: PacketEvent = { type: 'packet', line, time, direction, flags, ackFlag, seq, options, unsupported };
  if (tos) pkt.tos = tos;
  for (let k = 2; k < toks.length; k++) {
    const kw = toks[k];
    const val = toks[k + 1];
    if (kw === 'ack' || kw === 'win' || kw === 'urg') {
      if (val === undefined) throw new PktSyntaxError(line, `'${kw}' needs a value`);
      k++;
      if (val === '*') continue; // wildcard: not checked
      const n = Number(val);
      if (!Number.isInteger(n)) throw new PktSyntaxError(line, `bad ${kw} value '${val}'`);
      if (kw === 'ack') pkt.ack = n;
      else if (kw === 'win') pkt.win = n;
      else pkt.urg = n;
    } else {
      unsupported.push(`packet attribute '${kw}'`);
    }
  }
  return pkt;
}

/** ICMPv4 types and the unreachable codes by packetdrill's names (icmp_packet.c). */
const ICMP_TYPES: Record<string, number> = {
  echo_reply: 0,
  unreachable: 3,
  source_quench: 4,
  redirect: 5,
  echo_request: 8,
  time_exceeded: 11,
  parameter_problem: 12,
  timestamp_request: 13,
  timestamp_reply: 14,
  information_request: 15,
  information_reply: 16,
  address_mask_request: 17,
  address_mask_reply: 18,
};

/** An ICMP type by packetdrill's name or as `type_N` (icmp_packet.c); undefined if neither. */
function icmpType(name: string, line: number): number | undefined {
  if (name in ICMP_TYPES) return ICMP_TYPES[name];
  const n = /^type_(\d+)$/.exec(name);
  if (!n) return undefined;
  if (Number(n[1]) > 255) throw new PktSyntaxError(line, `bad ICMP type ${name}`);
  return Number(n[1]);
}
const ICMP_UNREACH_CODES = [
  'net_unreachable',
  'host_unreachable',
  'protocol_unreachable',
  'port_unreachable',
  'frag_needed',
  'source_route_failed',
  'net_unknown',
  'host_unknown',
  'source_host_isolated',
  'net_prohibited',
  'host_prohibited',
  'net_unreachable_for_tos',
  'host_unreachable_for_tos',
  'packet_filtered',
  'precedence_violation',
  'precedence_cutoff',
];

/** icmpv6_types and their code tables (icmp_packet.c), for --ip_version=ipv6. */
const ICMPV6_TYPES: Record<string, { type: number; codes?: readonly string[] }> = {
  unreachable: { type: 1, codes: ['no_route', 'admin_prohibited', 'not_neighbour', 'address_unreachable', 'port_unreachable'] },
  packet_too_big: { type: 2 },
  time_exceeded: { type: 3, codes: ['exceeded_hop_limit', 'exceeded_frag_time'] },
  parameter_problem: { type: 4, codes: ['header_field', 'unknown_next_header', 'unknown_option'] },
  echo_request: { type: 128 },
  echo_reply: { type: 129 },
};

/** parse_icmp_type_and_code with icmpv6_types: an unknown type, or a code name not in the type's
 * table, is an error (undefined). */
function icmpv6TypeCode(typeName: string, codeName: string | undefined): IcmpTypeCode | undefined {
  const numeric = /^type_(\d+)$/.exec(typeName);
  const info = ICMPV6_TYPES[typeName];
  const type = numeric ? Number(numeric[1]) : info?.type;
  if (type === undefined || type > 255) return undefined;
  if (!codeName) return { type, code: 0 };
  const n = /^code_(\d+)$/.exec(codeName);
  const code = n ? Number(n[1]) : (info?.codes?.indexOf(codeName) ?? -1);
  return code >= 0 && code <= 255 ? { type, code } : undefined;
}

/** `icmp <type> [code] [mtu N] [id N] [[seq]]` about a TCP segment, read as ICMPv4 and as ICMPv6
 * (which one packetdrill sends depends on --ip_version); undefined for what the model does not
 * read (types of neither, echoed UDP or raw data). */
function parseIcmp(body: string, line: number): IcmpSpec | undefined {
  const m = /^icmp\s+(\w+)(?:\s+(?!mtu\b|id\b)(\w+))?(?:\s+mtu\s+(\d+))?(?:\s+id\s+\d+)?\s*(?:\[(.*)\])?\s*$/i.exec(body);
  if (!m) return undefined;
  const v6 = icmpv6TypeCode(m[1], m[2]);
  const type = icmpType(m[1], line);
  let v4: IcmpTypeCode | undefined;
  if (type !== undefined) {
    let code = 0;
    if (m[2]) {
      const n = /^code_(\d+)$/.exec(m[2]);
      // packetdrill leaves an unknown code name at 0.
      code = n ? Number(n[1]) : type === 3 ? Math.max(0, ICMP_UNREACH_CODES.indexOf(m[2])) : 0;
      if (code > 255) throw new PktSyntaxError(line, `bad ICMP code ${m[2]}`);
    }
    v4 = { type, code };
  }
  if (!v4 && !v6) return undefined;
  let echoedSeq = 0;
  if (m[4] !== undefined) {
    const sm = SEQ_RE.exec(m[4].trim());
    if (!sm) return undefined;
    echoedSeq = Number(sm[1]);
  }
  const spec: IcmpSpec = { echoedSeq };
  if (v4) spec.v4 = v4;
  if (v6) spec.v6 = v6;
  if (m[3]) spec.mtu = Number(m[3]);
  return spec;
}

const ECN_CODEPOINTS: Record<string, number> = { noecn: 0, ect1: 1, ect0: 2, ce: 3 };

/** packetdrill's ip_info: a tos_spec or a TTL; undefined for what the model does not read (flow labels). */
function parseTosSpec(spec: string): TosSpec | undefined {
  if (spec in ECN_CODEPOINTS) return { check: 'ecn', ecn: ECN_CODEPOINTS[spec] };
  if (spec === 'ect01') return { check: 'ect01' };
  const m = /^tos\s+(0x[0-9a-f]+)$/i.exec(spec);
  if (m && Number(m[1]) <= 0xff) return { check: 'tos', tos: Number(m[1]) };
  // `ttl N`: an outbound packet's TTL is checked (verify_outbound_live_ttl_or_hl); an inbound
  // one's is sent and changes nothing for TCP.
  const ttl = /^ttl\s+(\d+)$/.exec(spec);
  if (ttl && Number(ttl[1]) <= 0xff) return { check: 'ttl', ttl: Number(ttl[1]) };
  return undefined;
}

function parseOptions(text: string, line: number): TcpOptionSpec[] | 'any' {
  if (text.trim() === '...') return 'any';
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((o) => parseOption(o, line));
}

function parseOption(o: string, line: number): TcpOptionSpec {
  const parts = o.split(/\s+/);
  const num = (s: string | undefined, what: string): number => {
    const n = Number(s);
    if (s === undefined || !Number.isFinite(n)) throw new PktSyntaxError(line, `bad ${what} in option '${o}'`);
    return n;
  };
  switch (parts[0]) {
    case 'mss':
      return { kind: 'mss', value: num(parts[1], 'mss') };
    case 'wscale':
      return { kind: 'wscale', value: num(parts[1], 'wscale') };
    case 'sackOK':
      return { kind: 'sackOK' };
    case 'nop':
      return { kind: 'nop' };
    case 'eol':
      return { kind: 'eol' };
    case 'TS':
      if (parts[1] !== 'val' || parts[3] !== 'ecr') throw new PktSyntaxError(line, `expected 'TS val N ecr N', got '${o}'`);
      return { kind: 'TS', val: num(parts[2], 'TS val'), ecr: num(parts[4], 'TS ecr') };
    case 'sack':
      return {
        kind: 'sack',
        blocks: parts.slice(1).map((b) => {
          const [l, r] = b.split(':');
          return [num(l, 'sack block'), num(r, 'sack block')] as [number, number];
        }),
      };
    case 'FO':
      return parts[1] ? { kind: 'FO', cookie: parts[1] } : { kind: 'FO' };
    case 'FOEXP': // the experimental option (kind 254, magic 0xF989) Fast Open used before RFC 7413
      return parts[1] ? { kind: 'FO', cookie: parts[1], exp: true } : { kind: 'FO', exp: true };
    case 'md5':
      return { kind: 'md5', hex: parts[1] ?? '' };
    default:
      return { kind: 'unknown', text: o };
  }
}

// ---------------------------------------------------------------- system calls

/** Deeper than any system call argument (a `struct msghdr` with an iovec array is 4). */
const MAX_NESTING = 64;

function parseSyscall(text: string, time: EventTime, line: number): SyscallEvent {
  const open = text.indexOf('(');
  const name = text.slice(0, open).trim();
  const close = matchBracket(text, open);
  if (close < 0) throw new PktSyntaxError(line, `unbalanced parentheses in ${name}()`);
  // parseExpr recurses once per bracket: a bound keeps a hostile script from overflowing the stack.
  let deepest = 0; // brackets inside the argument list (the scan starts at its own parenthesis)
  scanTopLevel(text, open, (_k, _c, depth) => ((deepest = Math.max(deepest, depth - 1)), false));
  if (deepest > MAX_NESTING) throw new PktSyntaxError(line, `brackets nested ${deepest} deep in ${name}(), more than ${MAX_NESTING}`);
  const args = splitTopLevel(text.slice(open + 1, close)).map((a) => parseExpr(a));
  const tail = text.slice(close + 1).trim();
  const m = /^=\s*(-?(?:0x[0-9a-fA-F]+|\d+)|\*)\s*([A-Z][A-Z0-9_]*)?\s*(\(.*\))?$/.exec(tail);
  if (!m) throw new PktSyntaxError(line, `expected '= result' after ${name}(), got '${head(tail)}'`);
  const ev: SyscallEvent = { type: 'syscall', line, time, name, args };
  if (m[1] !== '*') ev.result = Number(m[1]);
  if (m[2]) ev.errno = m[2];
  return ev;
}

/** The bracket closing the one that opens at `open`. */
function matchBracket(s: string, open: number): number {
  return scanTopLevel(s, open, (_k, c, depth) => depth === 0 && (c === ')' || c === ']' || c === '}'));
}

/** Splits on commas that are not inside brackets or strings. */
export function splitTopLevel(s: string): string[] {
  const cuts: number[] = [];
  scanTopLevel(s, 0, (k, c, depth) => {
    if (c === ',' && depth === 0) cuts.push(k);
    return false;
  });
  const out: string[] = [];
  let from = 0;
  for (const k of [...cuts, s.length]) {
    const part = s.slice(from, k).trim();
    if (part || k < s.length) out.push(part);
    from = k + 1;
  }
  return out;
}

export function parseExpr(raw: string): Expr {
  const s = raw.trim();
  if (s === '...') return { t: 'ellipsis' };
  if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(s)) return { t: 'num', v: Number(s) };
  if (/^"(.*)"$/.test(s)) return { t: 'str', v: s.slice(1, -1) };
  if (s.startsWith('[') && s.endsWith(']')) return { t: 'array', items: splitTopLevel(s.slice(1, -1)).map(parseExpr) };
  if (s.startsWith('{') && s.endsWith('}')) {
    return {
      t: 'struct',
      fields: splitTopLevel(s.slice(1, -1)).map((f) => {
        const eq = topLevelEquals(f);
        return eq < 0 ? { value: parseExpr(f) } : { name: f.slice(0, eq).trim(), value: parseExpr(f.slice(eq + 1)) };
      }),
    };
  }
  if (/^[A-Za-z_]\w*(\s*\|\s*[A-Za-z_]\w*)+$/.test(s))
    return { t: 'or', items: s.split('|').map((p) => ({ t: 'id', v: p.trim() }) as Expr) };
  if (/^[A-Za-z_]\w*$/.test(s)) return { t: 'id', v: s };
  return { t: 'raw', text: s };
}

/** The `=` of a struct field (`name=value`), outside brackets and strings. */
function topLevelEquals(s: string): number {
  return scanTopLevel(s, 0, (_k, c, depth) => c === '=' && depth === 0);
}
