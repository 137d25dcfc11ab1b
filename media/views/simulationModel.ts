// What the panel plays when the person presses Run: the model's step trace with, for each packet
// on the wire, the step at which it appears, and each step tied to a box of the path. Pure (no DOM),
// so it is tested in Node; media/views/simulation.ts draws it.
import {
  DEFAULT_SCENARIO,
  flagLetters,
  packetToScript,
  parseScript,
  runScript,
  simulateScenario,
  type RunResult,
  type Scenario,
  type SeqMap,
  type Step,
  type WirePacket,
} from '../../server/model/index';

/** One row of the packet timeline, in the numbering a person reads (the script's, for a script). */
export interface TimelineRow {
  id: number;
  /** The timeline shows the row once the playback has reached this step (index into steps). */
  atStep: number;
  timeNs: number;
  direction: 'out' | 'in';
  flags: string;
  seq: number;
  end: number;
  len: number;
  /** Undefined when the packet carries no ACK flag. */
  ack?: number;
  win: number;
  /** Segments a TSO packet will be cut into by the device. */
  gsoSegs: number;
  /** For a script: how the packet compared with its `>` line. */
  check?: { line: number; ok: boolean; text: string };
}

export interface Playback {
  /** What was run, for the status line. */
  title: string;
  steps: Step[];
  rows: TimelineRow[];
  /** Features the model does not handle, with the script line when known. */
  unsupported: string[];
  /** For a script: `matched/outbound` of its `>` lines. */
  score?: { matched: number; outbound: number };
}

export type ScenarioForm = Scenario;
export { DEFAULT_SCENARIO };

/** A step that decides something the person asked about: held, deferred, limited, corked… on the
 * send side; on loss recovery, the SACK scoreboard, a state change, segments marked lost, a retransmission, a probe, an
 * RTO and its backoff, an undo, a cwnd reduction (PRR, CWR, an ECN echo); on the way in, a challenge ACK or a
 * segment dropped (PAWS, out of window, a closed window). */
export function isDecision(step: Step): boolean {
  return (
    /\b(held|defer\w*|cork\w*|limited|blocked|not grown|grow\w*|send \d+ bytes|split|probe|challenge|dropped)\b/i.test(step.note) ||
    /\b(SACK\w*|resend|retransmi\w*|lost|RTO|backoff|backed off|undo|spurious|PRR|CWR|ECE|PAWS|Recovery|Loss)\b/.test(step.note)
  );
}

/** The step at which each packet appears: an outbound packet when dev_hard_start_xmit hands it to
 * the device (the step names it), an inbound one at its tcp_v4_rcv; others at the last step of
 * their instant. */
function stepOfPackets(packets: readonly WirePacket[], steps: readonly Step[]): Map<number, number> {
  const at = new Map<number, number>();
  const used = new Set<number>();
  steps.forEach((s, i) => {
    if (s.fn === 'dev_hard_start_xmit' && typeof s.data?.packet === 'number') {
      at.set(s.data.packet, i);
      used.add(i);
    }
  });
  for (const p of packets) {
    if (at.has(p.id)) continue;
    let found = -1;
    if (p.direction === 'in') {
      found = steps.findIndex(
        (s, i) =>
          !used.has(i) &&
          s.fn === 'tcp_v4_rcv' &&
          s.timeNs === p.timeNs &&
          s.data?.seq === p.seq &&
          s.data?.ack === p.ack &&
          s.data?.len === p.len,
      );
    }
    if (found < 0) {
      // The last step at or before the packet's time (a reset sent without a socket, for one).
      found = 0;
      for (let i = 0; i < steps.length && steps[i].timeNs <= p.timeNs; i++) found = i;
    }
    used.add(found);
    at.set(p.id, found);
  }
  return at;
}

function rowsOf(packets: readonly WirePacket[], steps: readonly Step[], map?: SeqMap): TimelineRow[] {
  const at = stepOfPackets(packets, steps);
  return packets.map((p) => {
    const hasAck = (p.flags & 0x10) !== 0;
    // Into the script's numbering (runner.ts maps the other way when it injects and compares).
    const { seq, ack } = map ? packetToScript(map, p) : p;
    return {
      id: p.id,
      atStep: at.get(p.id) ?? 0,
      timeNs: p.timeNs,
      direction: p.direction,
      flags: flagLetters(p.flags),
      seq,
      end: seq + p.len,
      len: p.len,
      ack: hasAck ? ack : undefined,
      win: p.win,
      gsoSegs: p.gsoSegs,
    };
  });
}

/** Run the form's scenario (a connection, N writes, a peer that ACKs one RTT later). */
export function playScenario(form: Partial<ScenarioForm>): Playback {
  const s = { ...DEFAULT_SCENARIO, ...form };
  const r = simulateScenario(s);
  const rows = rowsOf(r.packets, r.steps);
  const opts = [s.nagle ? 'Nagle on' : 'TCP_NODELAY', s.cork ? 'TCP_CORK' : '', s.tso ? 'TSO' : 'no TSO'].filter(Boolean).join(', ');
  return {
    title: `${s.writes} × ${s.bytesPerWrite} B, MSS ${s.mss}, initcwnd ${s.initCwnd}, ${opts}`,
    steps: r.steps,
    rows,
    unsupported: r.unsupported.map((u) => u.what),
  };
}

/** Parse and run a packetdrill script; `siblings` are the files next to it (defaults.sh). */
export function playScript(name: string, text: string, siblings: Record<string, string> = {}): Playback {
  const r: RunResult = runScript(parseScript(text), { readSibling: (n) => siblings[n] });
  const rows = rowsOf(r.packets, r.steps, r.seqMap);
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const c of r.outbound) {
    for (const id of c.packets) {
      const row = byId.get(id);
      if (row) row.check = { line: c.line, ok: c.ok, text: c.ok ? `matches line ${c.line}` : `line ${c.line}: ${c.diffs.join('; ')}` };
    }
  }
  for (const p of r.extra) {
    const row = byId.get(p.id);
    if (row && !row.check) row.check = { line: 0, ok: false, text: 'not in the script (extra packet)' };
  }
  return {
    title: name,
    steps: r.steps,
    rows,
    unsupported: r.unsupported.map((u) => (u.line ? `${u.what} at line ${u.line}` : u.what)),
    score: { matched: r.totals.matched, outbound: r.totals.outbound },
  };
}

export interface Place {
  /** The function on the path to highlight. */
  name: string;
  /** True when `name` is the step's own function, false when it is the path function it runs in. */
  exact: boolean;
}

/**
 * The path function a step is drawn at, given the names of the boxes (and driver chips) shown: its
 * own box, else the box of the innermost model function that was running when the model took the
 * step (the tracer's `within`: tcp_nagle_test's decision is taken inside tcp_write_xmit). A step
 * none of whose running functions is drawn lights nothing.
 */
export function placeOf(step: Pick<Step, 'fn' | 'within'>, onPath: ReadonlySet<string>): Place | undefined {
  if (onPath.has(step.fn)) return { name: step.fn, exact: true };
  const frames = step.within ?? [];
  for (let i = frames.length - 1; i >= 0; i--) if (onPath.has(frames[i])) return { name: frames[i], exact: false };
  return undefined;
}

/** A box of the receive path as drawn: its function, lane and leg (0: the packet in, 1: recvfrom()). */
export interface DrawnBox {
  name: string;
  lane: string;
  leg: number;
}

/**
 * Where each step lights on the receive path. A step whose function has a box lights it (tcp_v4_rcv,
 * tcp_recvmsg). While the model takes a packet in, from the step its inbound packet appears at, a
 * step without a box of its own (tcp_ack) lights the deepest box of its lane on the packet's leg
 * (tcp_rcv_established, which runs it; the leg's last box, the wakeup's caller, only when alone in
 * its lane). The packet only goes up: the first step that would light a box below the last one lit
 * (ip_queue_xmit, sending the next segment), or whose lane the leg does not cross (inet_csk_accept,
 * the application), ends that; steps of no known lane light nothing. Derived from the boxes drawn
 * and the lanes of names, not from a table of functions.
 */
export function receivePlaces(
  steps: readonly Step[],
  rows: readonly TimelineRow[],
  boxes: readonly DrawnBox[],
  laneOf: (name: string) => string | undefined,
): (Place | undefined)[] {
  const names = new Set(boxes.map((b) => b.name));
  const deliver = boxes.filter((b) => b.leg === 0);
  const deepest = new Map<string, number>();
  deliver.forEach((b, i) => {
    if (i < deliver.length - 1 || !deepest.has(b.lane)) deepest.set(b.lane, i);
  });
  const inbound = new Set(rows.filter((r) => r.direction === 'in').map((r) => r.atStep));
  /** Index in `deliver` of the box lit last while a packet is taken in; -1 outside. */
  let at = -1;
  return steps.map((step, i) => {
    const own = names.has(step.fn) ? deliver.findIndex((b) => b.name === step.fn) : -1;
    if (inbound.has(i)) at = Math.max(own, 0);
    if (names.has(step.fn)) {
      if (at >= 0 && own >= 0) at = Math.max(at, own);
      return { name: step.fn, exact: true };
    }
    if (at < 0) return undefined;
    const lane = laneOf(step.fn);
    if (lane === undefined) return undefined;
    const box = deepest.get(lane);
    if (box === undefined || box < at) {
      at = -1;
      return undefined;
    }
    at = box;
    return { name: deliver[box].name, exact: false };
  });
}

export function formatMs(ns: number): string {
  return (ns / 1e6).toFixed(3);
}

/** `P. 1:101(100)` as packetdrill writes a packet. */
export function seqText(r: TimelineRow): string {
  return `${r.seq}:${r.end}(${r.len})`;
}
