// Plays a parsed packetdrill script through the model: system calls and inbound packets drive
// it, and every `>` line is compared with what the model put on the wire. Anything the model has
// no rule for is reported as `unsupported: <what> at line N`; nothing is skipped silently.

import { runShell, CommandContext, setDeviceMtu } from './commands';
import { comparePacket, describeExpected } from './match';
import { SeqMap, toModel, TsValMap } from './seqMap';
import type { EventTime, OtherPacketEvent, PacketEvent, Script, SyscallEvent, TimeSpec } from './packetdrill/ast';
import { runPython } from './python';
import { CallResult, tcpInfo } from './tcp/api';
import { dispatchSyscall } from './syscalls';
import { parseFlagLetters } from './flags';
import { TCPHDR_ACK, TCPHDR_SYN, TCPHDR_URG } from './tcp/constants';
import { Host } from './tcp/host';
import { Segment, tcp_v4_rcv } from './tcp/input';
import { optTs } from './tcp/segment';
import { optionBytes } from './tcp/transmit';
import { icmp_rcv } from './tcp/icmp';
import { icmpv6_rcv } from './tcp/icmpv6';
import { DEFAULT_V6_LOCAL_IP, DEFAULT_V6_REMOTE_IP, IP_VERSIONS, IpVersion, ipv4Bytes, ipv6Bytes, wireIsIpv6 } from './tcp/family';
import type { Step } from './tcp/trace';
import type { TcpSock, WirePacket } from './tcp/types';

export interface RunOptions {
  /** Reads a file next to the script (defaults.sh); omit in the webview. */
  readSibling?: (name: string) => string | undefined;
  /** packetdrill's --tolerance_usecs (default 4000). */
  toleranceUs?: number;
  /** packetdrill's --tolerance_percent (default 12.5): the tolerance grows to this share of the time
   * since the previous event, which absorbs the kernel's timer-wheel slack on long timers. */
  tolerancePercent?: number;
  /** packetdrill's --ip_version given on its command line; it overrides a script's header line
   * (parse_and_finalize_config: command-line options overwrite the script's). */
  ipVersion?: IpVersion;
}

/** How far the model runs its timers for a `*` line's packet; packetdrill waits forever, and
 * the model's timers (RTO backoff, keepalive, probes) all give up well within this. */
const ANY_TIME_WAIT_NS = 3600e9;

export interface Issue {
  what: string;
  line?: number;
}

export interface OutboundCheck {
  line: number;
  expected: string;
  /** Ids of the predicted packets aggregated for this line. */
  packets: number[];
  ok: boolean;
  diffs: string[];
}

export interface SyscallCheck {
  line: number;
  call: string;
  expected: string;
  got: string;
  ok: boolean;
}

export interface AssertCheck {
  line: number;
  text: string;
  ok: boolean;
  got: number;
}

export interface RunResult {
  outbound: OutboundCheck[];
  syscalls: SyscallCheck[];
  asserts: AssertCheck[];
  unsupported: Issue[];
  notes: Issue[];
  /** Predicted outbound packets skipped over to match a later `>` line: the model sent
   * something the script does not expect. */
  extra: WirePacket[];
  /** Predicted outbound packets after the script's last line (packetdrill does not check them). */
  unchecked: WirePacket[];
  packets: WirePacket[];
  steps: Step[];
  totals: { outbound: number; matched: number };
  /** Maps model sequence numbers to the script's, for displaying packets. */
  seqMap: SeqMap;
}

/** asm-generic/errno.h's aliases (and glibc's ENOTSUP): one number under two names. */
const ERRNO_ALIASES: Readonly<Record<string, string>> = { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' };

function errnoName(e: string | undefined): string | undefined {
  return e && (ERRNO_ALIASES[e] ?? e);
}

const DEFAULT_TOLERANCE_US = 4000;
const DEFAULT_TOLERANCE_PERCENT = 12.5;
/** Script header options the model honours; any other is noted as not modelled. */
const MODELLED_OPTIONS = new Set(['tolerance_usecs', 'tolerance_percent', 'local_ip', 'remote_ip', 'ip_version', 'strict_segments']);

export function runScript(script: Script, opts: RunOptions = {}): RunResult {
  return new Runner(script, opts).run();
}

class Runner {
  private readonly h = new Host();

  /** packetdrill's --ip_version (the caller's command line, else the script's header line), then the script's
   * `--local_ip=` / `--remote_ip=` header lines over the version's default addresses
   * (finalize_config after parse_script_options, before the script starts). */
  private applyAddressOptions(): void {
    const line = (k: string): number => this.script.optionLines?.[k] ?? 1;
    const version = this.ipVersion ?? this.script.options.ip_version ?? 'ipv4';
    if (!IP_VERSIONS.includes(version as IpVersion))
      this.unsupported(`--ip_version=${version} (packetdrill knows ipv4, ipv6, ipv4-mapped-ipv6)`, line('ip_version'));
    else this.h.ipVersion = version as IpVersion;
    const v6 = wireIsIpv6(this.h);
    if (v6) {
      this.h.remoteIp = DEFAULT_V6_REMOTE_IP;
      this.h.localIp = DEFAULT_V6_LOCAL_IP;
      this.h.localIpRandom = true;
    }
    for (const [k, field] of [
      ['local_ip', 'localIp'],
      ['remote_ip', 'remoteIp'],
    ] as const) {
      const v = this.script.options[k];
      if (v === undefined) continue;
      if (v6 ? ipv6Bytes(v) : ipv4Bytes(v)) {
        this.h[field] = v;
        if (k === 'local_ip') this.h.localIpRandom = false;
      } else this.unsupported(`--${k}=${v} (an IPv${v6 ? 6 : 4} address, as --ip_version=${this.h.ipVersion} wants)`, line(k));
    }
  }
  private readonly ipVersion: IpVersion | undefined;
  private readonly tolNs: number;
  private readonly tolPercent: number;
  /** --strict_segments: each `>` line is one live packet (run_packet.c sniffs no more than one to
   * make up the line's payload), not the run of packets whose payloads add up to it. */
  private readonly strictSegments: boolean;
  private readonly res: RunResult;
  private readonly ctx: CommandContext;
  private map: SeqMap = { localIsn: 0, remoteOffset: 0 };
  private readonly tsVals = new TsValMap();
  private baseNs = 0;
  /** Blocking calls still waiting (connect, read, accept): retried after every event. */
  private pending: Array<{
    ev: SyscallEvent;
    retry: () => CallResult;
    deadlineNs?: number;
    returnBy: { wantNs?: number; prevNs: number; startNs: number };
  }> = [];
  private pyVars = new Map<string, number>();
  /** Whether packetdrill's socket under test is none yet or listening, so that an inbound SYN
   * creates a passive child with the SYN's seq as the peer's ISN. */
  private sutListening = true;
  /** packetdrill's --mss: the gso_size it gives inbound TCP packets (0: none). */
  private inboundGsoSize = 0;
  /** packetdrill times the event after an outbound line from when the packet was actually seen
   * (adjust_relative_event_times anchors only inbound-after-inbound to script time): a timer that
   * fired late within tolerance moves the rest of the script with it. */
  private actualNs: number | undefined;

  constructor(
    private readonly script: Script,
    opts: RunOptions,
  ) {
    this.ipVersion = opts.ipVersion;
    this.strictSegments = 'strict_segments' in script.options;
    const scriptTol = Number(script.options.tolerance_usecs);
    this.tolNs = (opts.toleranceUs ?? (Number.isFinite(scriptTol) && scriptTol > 0 ? scriptTol : DEFAULT_TOLERANCE_US)) * 1000;
    const scriptPct = Number(script.options.tolerance_percent);
    this.tolPercent =
      opts.tolerancePercent ?? (Number.isFinite(scriptPct) && scriptPct >= 0 && scriptPct <= 100 ? scriptPct : DEFAULT_TOLERANCE_PERCENT);
    this.res = {
      outbound: [],
      syscalls: [],
      asserts: [],
      unsupported: [],
      notes: [],
      extra: [],
      unchecked: [],
      packets: this.h.wire,
      steps: this.h.trace.steps,
      totals: { outbound: 0, matched: 0 },
      seqMap: this.map,
    };
    this.ctx = {
      host: this.h,
      readSibling: opts.readSibling,
      restore: [],
      note: (what) => this.res.notes.push({ what, line: this.h.line || undefined }),
      unsupported: (what, offset) => this.unsupported(what, this.h.line + offset),
    };
  }

  run(): RunResult {
    this.applyAddressOptions();
    for (const [k, v] of Object.entries(this.script.options)) {
      // packetdrill's --mtu: the tun device's MTU, set when the device is made (netdev.c).
      if (k === 'mtu' && Number.isInteger(Number(v)) && Number(v) >= 68) {
        setDeviceMtu(this.h, Number(v));
        continue;
      }
      // packetdrill's --mss: the GSO size of inbound TCP packets (see inbound()).
      if (k === 'mss' && Number.isInteger(Number(v)) && Number(v) > 0) {
        this.inboundGsoSize = Number(v);
        continue;
      }
      if (MODELLED_OPTIONS.has(k)) continue;
      const what = `packetdrill option --${k}${v ? `=${v}` : ''}`;
      if (optionChangesPackets(k, v)) this.unsupported(what, this.script.optionLines?.[k] ?? 1);
      else this.res.notes.push({ what: `${what} not modelled` });
    }
    for (const cmd of this.script.preamble) {
      this.h.line = cmd.line;
      runShell(this.ctx, cmd.text);
    }
    for (const ev of this.script.events) {
      this.h.line = ev.line;
      const t = this.timeNs(ev.time.start);
      try {
        if (ev.type === 'packet' && ev.direction === 'out') {
          this.expectOutbound(ev, t);
        } else {
          this.h.advanceTo(t);
          if (ev.type === 'packet') this.inbound(ev);
          else if (ev.type === 'syscall') this.syscall(ev);
          else if (ev.type === 'command') runShell(this.ctx, ev.text);
          else if (ev.type === 'python') this.python(ev.line, ev.code);
          else this.otherPacket(ev);
        }
      } catch (e) {
        // A bug in the model must not take the caller down: report it and stop, since the
        // model's state is no longer trustworthy.
        this.unsupported(`model error (${e instanceof Error ? e.message : String(e)}); the rest of the script was not run`, ev.line);
        break;
      }
      this.baseNs = this.actualNs ?? t;
      this.actualNs = undefined;
      this.retryPending();
    }
    // packetdrill waits for a blocking call still running at the end; one with a timeout (poll,
    // epoll_wait) ends by then at the latest, and one the script says returns at a time is judged
    // by then plus the tolerance (a timer the wheel runs late may end it within that).
    const deadline = Math.max(...this.pending.map((p) => p.deadlineNs ?? this.latestReturnNs(p.returnBy)));
    if (Number.isFinite(deadline)) {
      this.h.advanceTo(deadline);
      this.retryPending();
    }
    for (const p of this.pending) this.unsupported(`${p.ev.name}() still blocked at the end of the script`, p.ev.line);
    // The kernel's built-in default is cubic, which the model runs; a host may default to another
    // (the live 6.18 machine here: bbr, which the model does not have).
    if (!this.h.caChosen && this.h.socks.length)
      this.res.notes.push({
        what: 'no congestion control chosen: the model runs cubic, the kernel default; a host that defaults to bbr paces and grows cwnd differently',
      });
    this.res.unchecked.push(...this.h.outQueue.splice(0));
    for (const u of this.h.unsupported) this.res.unsupported.push(u);
    // Issues from the model and from the runner, in script order.
    this.res.unsupported.sort((x, y) => (x.line ?? Infinity) - (y.line ?? Infinity));
    this.res.totals.outbound = this.res.outbound.length;
    this.res.totals.matched = this.res.outbound.filter((o) => o.ok).length;
    this.res.seqMap = this.map;
    return this.res;
  }

  private timeNs(ts: TimeSpec): number {
    if (ts.kind === 'any') return Math.max(this.h.nowNs, this.baseNs);
    const ns = Math.round(ts.seconds * 1e9);
    return ts.kind === 'relative' ? this.baseNs + ns : ns;
  }

  private unsupported(what: string, line: number): void {
    this.res.unsupported.push({ what, line });
  }

  // ---------------------------------------------------------------- outbound

  private expectOutbound(ev: PacketEvent, startNs: number): void {
    for (const u of ev.unsupported) this.unsupported(`${u} on an outbound packet`, ev.line);
    const endNs = this.rangeEnd(ev.time, startNs);
    // verify_time (run.c): the tolerance is the larger of --tolerance_usecs and
    // --tolerance_percent of the time since the previous event.
    const tolNs = Math.max(this.tolNs, (this.tolPercent / 100) * (startNs - this.baseNs));
    // No wait for the line's time: packetdrill sniffs from the previous event on
    // (sniff_outbound_live_packet), so a packet a timer sends before the line's start time is
    // seen when it leaves, and the next event counts from then (adjust_relative_event_times).
    // A `*` line waits for its packet however long it takes (run_packet.c: TIMEOUT_NONE), and
    // its time is not checked.
    const anyTime = ev.time.start.kind === 'any';
    // A SYN line gives our ISN: the model numbers a fresh connection from 0. A SYN-ACK after
    // TIME_WAIT keeps the old numbering, as packetdrill does: its ISN follows from the old
    // connection's (tcp_tw_isn), and the script must say which.
    const priorIsn = this.map.localIsn;
    if (ev.flags.includes('S')) this.map.localIsn = ev.seq.start;
    const pieces = this.collect(ev, anyTime ? startNs + ANY_TIME_WAIT_NS : endNs + tolNs);
    if (pieces.some((p) => p.flags & TCPHDR_SYN && p.seq !== 0)) this.map.localIsn = priorIsn;
    const diffs = comparePacket(ev, pieces, this.map, anyTime ? undefined : { startNs, endNs, toleranceNs: tolNs });
    for (const p of pieces) p.line = ev.line;
    const scriptTs = Array.isArray(ev.options) ? ev.options.find((o) => o.kind === 'TS') : undefined;
    const sentTs = pieces.length ? optTs(pieces[pieces.length - 1].options) : undefined;
    if (scriptTs?.kind === 'TS' && sentTs) this.tsVals.record(scriptTs.val, sentTs.val);
    if (pieces.length) this.actualNs = pieces[pieces.length - 1].timeNs;
    this.res.outbound.push({
      line: ev.line,
      expected: describeExpected(ev),
      packets: pieces.map((p) => p.id),
      ok: diffs.length === 0,
      diffs,
    });
  }

  private rangeEnd(time: EventTime, startNs: number): number {
    if (!time.rangeEnd) return startNs;
    if (time.rangeEnd.kind === 'relative') return this.baseNs + Math.round(time.rangeEnd.seconds * 1e9);
    return Math.round(time.rangeEnd.seconds * 1e9);
  }

  /** Takes predicted packets for one `>` line, letting timers run until the deadline if needed. */
  private collect(ev: PacketEvent, deadlineNs: number): WirePacket[] {
    const q = this.h.outQueue;
    const have = (): number => {
      if (this.strictSegments) return Math.min(1, q.length);
      let n = 0;
      for (let k = 0; k < q.length; k++) {
        n += q[k].len;
        if (n >= ev.seq.len) return k + 1;
      }
      return 0;
    };
    for (;;) {
      this.dropOtherSockets();
      if (q.length && have()) break;
      const next = this.h.nextTimerNs();
      if (next === undefined || next > deadlineNs) break;
      this.h.advanceTo(next);
    }
    // Resynchronise past packets the script does not expect: if a later packet starts at the
    // expected sequence with the expected flags, the earlier ones are extras.
    const want = toModel(this.map, 'local', ev.seq.start);
    if (q.length && q[0].seq !== want) {
      const k = q.findIndex((p) => p.seq === want && ((p.flags & TCPHDR_SYN) !== 0) === ev.flags.includes('S'));
      if (k > 0) this.res.extra.push(...q.splice(0, k));
    }
    const n = ev.seq.len === 0 || this.strictSegments ? Math.min(1, q.length) : have() || q.length;
    return q.splice(0, n);
  }

  /** packetdrill sniffs only the socket under test's packets (find_socket_for_live_packet): a
   * packet of an earlier connection, such as the ACK of a FIN that came after the script moved on,
   * is freed unseen. The socket under test is the newest one (socket(), or the child of a SYN); one
   * not yet connected keeps every packet, as a SYN of its own is what the script waits for. */
  private dropOtherSockets(): void {
    const sut = this.h.socks[this.h.socks.length - 1];
    if (!sut?.remote.port || !sut.local.port) return;
    const q = this.h.outQueue;
    for (let k = q.length - 1; k >= 0; k--) {
      const p = q[k];
      if (p.src.port !== sut.local.port || p.dst.port !== sut.remote.port) this.res.unchecked.push(...q.splice(k, 1));
    }
  }

  // ---------------------------------------------------------------- inbound

  private inbound(ev: PacketEvent): void {
    for (const u of ev.unsupported) this.unsupported(u, ev.line);
    const parsed = parseFlagLetters(ev.flags);
    const flags = parsed.bits | (ev.ackFlag ? TCPHDR_ACK : 0);
    for (const c of parsed.unknown) this.unsupported(`inbound flag '${c}'`, ev.line);
    const syn = (flags & TCPHDR_SYN) !== 0;
    // A SYN that makes packetdrill's passive child sets the peer's ISN (remote_isn) that later
    // inbound seqs and our acks count from; other bare SYNs keep the old numbering (0 unless a
    // retransmitted SYN repeats the child's ISN).
    if (syn && !(flags & TCPHDR_ACK)) {
      if (this.sutListening) this.map.remoteOffset = ev.seq.start;
      else if (ev.seq.start !== this.map.remoteOffset) this.map.remoteOffset = 0;
      this.sutListening = false;
    }
    const seg: Segment = {
      flags,
      seq: syn ? ev.seq.start : toModel(this.map, 'remote', ev.seq.start),
      ack: ev.ack !== undefined ? toModel(this.map, 'local', ev.ack) : 0,
      win: ev.win ?? 0,
      len: ev.seq.len,
      // packetdrill sends TOS 0 (Not-ECT) unless the line gives a tos_spec.
      tos: ev.tos?.check === 'tos' ? ev.tos.tos : ev.tos?.check === 'ecn' ? ev.tos.ecn : 0,
      // SACK blocks number our bytes like the ack field does; an echoed timestamp names one we sent.
      options: (Array.isArray(ev.options) ? ev.options : []).map((o) =>
        o.kind === 'sack'
          ? { ...o, blocks: o.blocks.map(([l, r]): [number, number] => [toModel(this.map, 'local', l), toModel(this.map, 'local', r)]) }
          : o.kind === 'TS' && o.ecr && flags & TCPHDR_ACK
            ? { ...o, ecr: this.tsVals.toModel(o.ecr) }
            : o,
      ),
    };
    // packetdrill's --mss: linux_tun_write puts gso_type TCPV4/6 and gso_size = mss in the
    // virtio_net_hdr of each inbound TCP packet; virtio_net_hdr_to_skb sets the skb's gso_size
    // (at least TCP_MIN_GSO_SIZE) only when what follows the 20-byte TCP header is larger.
    if (this.inboundGsoSize) {
      const gsoSize = Math.max(this.inboundGsoSize, TCP_MIN_GSO_SIZE);
      if (optionBytes(seg.options) + seg.len > gsoSize) seg.gsoSize = gsoSize;
    }
    if (ev.win === undefined) this.unsupported('inbound packet without a window', ev.line);
    if (ev.options === 'any') this.unsupported('inbound options <...>', ev.line);
    // tcp_urg / tcp_check_urg (the urgent byte taken out of the stream, SIGURG, MSG_OOB reads).
    if (flags & TCPHDR_URG || ev.urg) this.unsupported('inbound urgent data (URG, urg)', ev.line);
    for (const o of seg.options) if (o.kind === 'unknown') this.unsupported(`inbound TCP option '${o.text}'`, ev.line);
    tcp_v4_rcv(this.h, seg, ev.line);
    // After an active open's SYN-ACK, packetdrill numbers the peer's bytes from its ISN.
    if (syn && flags & TCPHDR_ACK) this.map.remoteOffset = ev.seq.start;
  }

  // ---------------------------------------------------------------- system calls

  private syscall(ev: SyscallEvent): void {
    // packetdrill's socket under test: listen() makes it a listener that the next SYN turns into
    // a passive child (handle_listen_for_script_packet); socket() makes a new, unlistening one.
    if (ev.name === 'listen') this.sutListening = true;
    else if (ev.name === 'socket') this.sutListening = false;
    const { result: r, notes } = dispatchSyscall(this.h, ev);
    for (const n of notes) this.unsupported(n, ev.line);
    if ('unsupported' in r) {
      this.unsupported(r.unsupported, ev.line);
      return;
    }
    const returnBy = { wantNs: this.blockingEndNs(ev), prevNs: this.baseNs, startNs: this.h.nowNs };
    if ('pending' in r) {
      this.pending.push({ ev, retry: r.retry, deadlineNs: r.deadlineNs, returnBy });
      return;
    }
    this.recordCall(ev, r.ret, r.errno, r.outDiff ?? this.returnTime(returnBy.wantNs, returnBy.prevNs, this.h.nowNs));
  }

  /** When a blocking call (`+.1...0.2`) must return: packetdrill's adjust_relative_event_times adds
   * the previous event's time to the end of a relative one, as to its start; an absolute one is
   * absolute. Undefined when the script gives no end. */
  private blockingEndNs(ev: SyscallEvent): number | undefined {
    const end = ev.time.blockingEnd;
    if (!end || end.kind === 'any' || ev.time.start.kind === 'any') return undefined;
    return (ev.time.start.kind === 'relative' ? this.baseNs : 0) + Math.round(end.seconds * 1e9);
  }

  /** verify_time's tolerance for a blocking call's return: the larger of --tolerance_usecs and
   * --tolerance_percent of the time since the previous event. */
  private returnToleranceNs(wantNs: number, prevNs: number): number {
    return Math.max(this.tolNs, (this.tolPercent / 100) * (wantNs - prevNs));
  }

  /** The latest a blocking call may return and still pass: its end (`...`) or, without one, its
   * start, plus the tolerance. */
  private latestReturnNs(r: { wantNs?: number; prevNs: number; startNs: number }): number {
    const want = r.wantNs ?? r.startNs;
    return want + this.returnToleranceNs(want, r.prevNs);
  }

  /** run_system_call.c's check of a blocking call's return time, with verify_time's tolerance
   * (the percentage of the time since the previous event); undefined when in time. */
  private returnTime(wantNs: number | undefined, prevNs: number, atNs: number): string | undefined {
    if (wantNs === undefined) return undefined;
    if (Math.abs(atNs - wantNs) <= this.returnToleranceNs(wantNs, prevNs)) return undefined;
    return `returned at ${(atNs / 1e9).toFixed(6)} s, script expects ${(wantNs / 1e9).toFixed(6)} s`;
  }

  /** `< icmp ...` goes to icmp_rcv (its errors about a TCP segment to tcp_v4_err); UDP...: parsed, not
   * modelled. An expected outbound one counts as an outbound packet the model does not produce. */
  private otherPacket(ev: OtherPacketEvent): void {
    if (ev.icmp) {
      // The quoted header is the socket under test's (packetdrill fills in its ports), its
      // sequence number numbered like our bytes (map_inbound_icmp_tcp_packet).
      const sut = this.h.socks[this.h.socks.length - 1];
      const { mtu, echoedSeq } = ev.icmp;
      // packetdrill builds the line for the wire's IP version (new_icmp_packet with
      // config->wire_protocol): with IPv6 the names are ICMPv6 ones, which icmpv6_rcv takes.
      const v6 = wireIsIpv6(this.h);
      const tc = v6 ? ev.icmp.v6 : ev.icmp.v4;
      if (!tc) {
        this.unsupported(`${ev.what}: not an ICMPv${v6 ? 6 : 4} type and code packetdrill knows (it rejects the line)`, ev.line);
        return;
      }
      const e = { ...tc, mtu: mtu ?? 0, seq: toModel(this.map, 'local', echoedSeq) };
      if (v6) icmpv6_rcv(this.h, sut, e);
      else icmp_rcv(this.h, sut, e);
      return;
    }
    this.unsupported(`${ev.direction === 'in' ? 'inbound' : 'outbound'} ${ev.what} packet`, ev.line);
    if (ev.direction === 'out') {
      this.res.outbound.push({ line: ev.line, expected: ev.what, packets: [], ok: false, diffs: [`${ev.what} packets are not modelled`] });
    }
  }

  /** `outDiff`: an output argument (poll revents, a getsockopt value) that differs. packetdrill
   * compares errno numbers, so a name and its alias (EWOULDBLOCK for EAGAIN) are the same. */
  private recordCall(ev: SyscallEvent, ret: number, errno?: string, outDiff?: string): void {
    const expected = ev.result === undefined ? '*' : `${ev.result}${ev.errno ? ` ${ev.errno}` : ''}`;
    const got = `${ret}${errno ? ` ${errno}` : ''}${outDiff ? ` (${outDiff})` : ''}`;
    const ok = !outDiff && (ev.result === undefined || (ev.result === ret && (!ev.errno || errnoName(ev.errno) === errnoName(errno))));
    this.res.syscalls.push({ line: ev.line, call: ev.name, expected, got, ok });
  }

  private retryPending(): void {
    this.pending = this.pending.filter((p) => {
      const { ev, retry, returnBy } = p;
      const r = retry();
      // A call that made progress (a partial read) goes on from where it is.
      if ('pending' in r) {
        p.retry = r.retry;
        return true;
      }
      if ('unsupported' in r) this.unsupported(r.unsupported, ev.line);
      else this.recordCall(ev, r.ret, r.errno, r.outDiff ?? this.returnTime(returnBy.wantNs, returnBy.prevNs, r.atNs ?? this.h.nowNs));
      return false;
    });
  }

  // ---------------------------------------------------------------- %{ python }%

  private python(line: number, code: string): void {
    const sk = this.socketUnderTest();
    const r = runPython(code, this.pyVars, sk ? tcpInfo(this.h, sk) : undefined);
    for (const c of r.checks) this.res.asserts.push({ line, text: c.text, ok: c.ok, got: c.got });
    for (const u of r.unsupported) this.unsupported(u, line);
  }

  /** packetdrill's socket_under_test: the newest socket (socket(), or the child of a SYN), also
   * once a RST has closed it (its fd still answers TCP_INFO); a listener only while it is all
   * there is. */
  private socketUnderTest(): TcpSock | undefined {
    for (let k = this.h.socks.length - 1; k >= 0; k--) {
      const sk = this.h.socks[k];
      if (sk.state !== 'LISTEN') return sk;
    }
    return this.h.socks[this.h.socks.length - 1];
  }
}

/** Header options that change what the kernel sends or how packetdrill judges it (IPv6 headers,
 * another MTU, errors that do not stop the script); the rest (gateway and netmask, ports,
 * verbosity) leave the packets as the model plays them. The ones the model honours
 * (MODELLED_OPTIONS) never get here. */
function optionChangesPackets(name: string, value: string): boolean {
  if (name === 'mtu') return value !== '1500';
  return !HARMLESS_OPTIONS.has(name);
}

/** TCP_MIN_GSO_SIZE: TCP_MIN_SND_MSS (48) less MAX_TCP_OPTION_SPACE (40); virtio_net_hdr_to_skb
 * raises a smaller gso_size to it. */
const TCP_MIN_GSO_SIZE = 8;

const HARMLESS_OPTIONS = new Set([
  'gateway_ip',
  'netmask_ip',
  'bind_port',
  'connect_port',
  'verbose',
  'debug',
  'dry_run',
  'tun_dev',
  'persistent_tun_dev',
  'init_scripts',
  'tcp_ts_tick_usecs',
  'tcp_ts_ecr_scaled',
]);
