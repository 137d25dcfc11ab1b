// Matching predicted packets with `>` lines the way packetdrill does (run_packet.c, run.c): the
// aggregate of several packets has the last one's flags, its fragments may differ only in FIN,
// PSH and CWR, and the timing tolerance grows with the time since the previous event. Plus the
// one flags codec every view uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { siblingReader } from '../../server/model/conformance';
import { flagLetters, parseFlagLetters } from '../../server/model/flags';
import { comparePacket, describePredicted } from '../../server/model/match';
import { parseScript } from '../../server/model/packetdrill/parse';
import type { PacketEvent } from '../../server/model/packetdrill/ast';
import { runScript } from '../../server/model/runner';
import { TsValMap } from '../../server/model/seqMap';
import { TCPHDR_ACK, TCPHDR_FIN, TCPHDR_PSH } from '../../server/model/tcp/constants';
import type { WirePacket } from '../../server/model/tcp/types';

const LIVE = path.join(__dirname, '..', 'fixtures', 'pkt', 'live');

function run(name: string, edit: (s: string) => string = (s) => s) {
  return runScript(parseScript(edit(fs.readFileSync(path.join(LIVE, name), 'utf8'))), { readSibling: siblingReader(LIVE) });
}

/** The `>` line of a one-line script after a handshake-free preamble. */
function outLine(text: string): PacketEvent {
  const ev = parseScript(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n${text}`).events[1];
  assert.equal(ev.type, 'packet');
  return ev as PacketEvent;
}

function piece(seq: number, len: number, flags: number, ack = 1): WirePacket {
  return {
    id: seq,
    timeNs: 0,
    direction: 'out',
    sock: 1,
    src: { ip: 'a', port: 1 },
    dst: { ip: 'b', port: 2 },
    flags,
    seq,
    ack,
    win: 256,
    len,
    options: [],
    tos: 0,
    ipId: 0,
    ttl: 64,
    gsoSegs: 1,
  };
}

const MAP = { localIsn: 0, remoteOffset: 0 };

test('an aggregate has the flags of its last packet; only FIN, PSH and CWR may differ before it', () => {
  const ack = TCPHDR_ACK;
  const pieces = [piece(1, 1000, ack), piece(1001, 1000, ack), piece(2001, 1000, ack | TCPHDR_PSH)];
  assert.deepEqual(comparePacket(outLine('+0 > P. 1:3001(3000) ack 1'), pieces, MAP), []);
  assert.match(comparePacket(outLine('+0 > . 1:3001(3000) ack 1'), pieces, MAP).join(), /flags \. expected, model sends P\./);
  // A fragment with another ack number is not part of the same aggregate.
  const torn = [piece(1, 1000, ack), piece(1001, 1000, ack | TCPHDR_PSH, 7)];
  assert.match(comparePacket(outLine('+0 > P. 1:2001(2000) ack 7'), torn, MAP).join(), /differ in flags, ack or window/);
});

test('a line without an option list expects no options; only `<...>` skips the check (parser.y opt_tcp_options)', () => {
  const withTs = {
    ...piece(1, 1000, TCPHDR_ACK),
    options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'TS', val: 1, ecr: 2 }],
  } as WirePacket;
  assert.match(comparePacket(outLine('+0 > . 1:1001(1000) ack 1'), [withTs], MAP).join(), /options <> expected, model has <nop,nop,TS>/);
  assert.deepEqual(comparePacket(outLine('+0 > . 1:1001(1000) ack 1 <...>'), [withTs], MAP), []);
  assert.deepEqual(comparePacket(outLine('+0 > . 1:1001(1000) ack 1 <nop,nop,TS val 1 ecr 2>'), [withTs], MAP), []);
  assert.deepEqual(comparePacket(outLine('+0 > . 1:1001(1000) ack 1'), [piece(1, 1000, TCPHDR_ACK)], MAP), []);
});

test('the IP ECN field is checked only where the line gives a tos_spec, as verify_outbound_live_tos does', () => {
  const ect0 = { ...piece(1, 1000, TCPHDR_ACK), tos: 2 };
  assert.deepEqual(comparePacket(outLine('+0 > . 1:1001(1000) ack 1'), [ect0], MAP), []);
  assert.deepEqual(comparePacket(outLine('+0 > [ect0] . 1:1001(1000) ack 1'), [ect0], MAP), []);
  assert.deepEqual(comparePacket(outLine('+0 > [ect01] . 1:1001(1000) ack 1'), [ect0], MAP), []);
  assert.match(comparePacket(outLine('+0 > [noecn] . 1:1001(1000) ack 1'), [ect0], MAP).join(), /IP ECN noecn expected, model sends ect0/);
  assert.match(comparePacket(outLine('+0 > (tos 0x3) . 1:1001(1000) ack 1'), [ect0], MAP).join(), /IP tos 0x3 expected, model sends 0x2/);
  // A live script where a wrong codepoint on one line is the only difference: the ECT(0) the model
  // puts on the first new data after the handshake.
  const r = run('ecn-active.pkt', (s) => s.replace('> [ect0] P. 1:1001(1000) ack 1', '> [ce] P. 1:1001(1000) ack 1'));
  assert.deepEqual(
    r.outbound.filter((o) => !o.ok).map((o) => o.diffs.join()),
    ['IP ECN ce expected, model sends ect0'],
  );
});

test('one flags codec: FIN|PSH|ACK reads FP. in the step log, the packet list and the parser', () => {
  assert.equal(flagLetters(TCPHDR_FIN | TCPHDR_PSH | TCPHDR_ACK), 'FP.');
  assert.equal(flagLetters(0), '-');
  assert.deepEqual(parseFlagLetters('FP.'), { bits: TCPHDR_FIN | TCPHDR_PSH | TCPHDR_ACK, unknown: [] });
  assert.deepEqual(parseFlagLetters('SQ').unknown, ['Q']);
  const r = run('close-queued.pkt');
  const fin = r.packets.find((p) => p.direction === 'out' && p.flags & TCPHDR_FIN)!;
  assert.ok(fin, 'the model sends the FIN with the queued data');
  assert.match(describePredicted(fin, r.seqMap), /^FP\. /);
  const leaves = r.steps.find((s) => s.fn === 'dev_hard_start_xmit' && s.note.includes(`packet ${fin.id} `))!;
  assert.match(leaves.note, / FP\. /);
});

test('timing tolerance: 12.5 % of the time since the previous event, at least 4 ms', () => {
  // Relative times count from when the previous packet was seen (adjust_relative_event_times
  // anchors on now). The RTO comes 332 ms after the probe (a 304 ms RTO in 4 ms jiffies, which
  // the timer wheel runs up to 32 ms late past 63 jiffies): at +.31 it is 22 ms late, inside
  // 38.75 ms (12.5 %); at +.29, 42 ms late, outside 36.25 ms.
  const shift = (late: string) => (s: string) => s.replace('  +.3 > . 1:1001(1000) ack 1', `  +${late} > . 1:1001(1000) ack 1`);
  const ok = run('tlp-then-rto.pkt', shift('.31'));
  assert.equal(ok.totals.matched, ok.totals.outbound);
  const late = run('tlp-then-rto.pkt', shift('.29'));
  assert.equal(late.totals.matched, late.totals.outbound - 1);
  // Past the window the packet is not there yet when packetdrill would give up waiting.
  assert.deepEqual(late.outbound[late.outbound.length - 1].diffs, ['the model sends nothing here']);
});

test("an inbound TS ecr names the value the model sent for the script's TS val (run_packet.c's mapping)", () => {
  const ts = new TsValMap();
  assert.equal(ts.toModel(700), 700, 'nothing sent yet: taken as written');
  ts.record(100, 1);
  ts.record(300, 212);
  assert.equal(ts.toModel(300), 212, 'an exact outbound value');
  assert.equal(ts.toModel(100), 1);
  assert.equal(ts.toModel(250), 151, 'no exact value: the first pair offset');
});

test("a blocking call's return time is checked: its end is counted from the previous event, as adjust_relative_event_times does", () => {
  // close() with SO_LINGER 2 s returns when the FIN is acked, 0.1 s after the previous event.
  const close = (end: string) => (s: string) => s.replace('   +0...0.1 close(4) = 0', `   +0...${end} close(4) = 0`);
  const call = (r: ReturnType<typeof run>) => r.syscalls.find((c) => c.call === 'close')!;
  assert.ok(call(run('cl-linger-wait.pkt')).ok);
  const early = call(run('cl-linger-wait.pkt', close('0.05')));
  assert.equal(early.ok, false);
  assert.match(early.got, /returned at 0\.200000 s, script expects 0\.150000 s/);
  // A timeout ends it: close() with SO_LINGER 1 s and no ACK returns 1 s later, when the timer
  // fired, not when the runner next looked.
  const timeout = run('cl-linger-timeout.pkt', (s) => s.replace('+0...1 close', '+0...0.7 close'));
  assert.match(call(timeout).got, /returned at 1\.200000 s, script expects 0\.900000 s/);
});
