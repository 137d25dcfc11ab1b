// What the panel's Run plays, without a browser: the timeline rows and the explained decisions of
// a Nagle scenario, the step each packet appears at, where off-path steps are drawn, and a script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDecision, placeOf, playScenario, playScript, receivePlaces, seqText } from '../../media/views/simulationModel';
import { classify } from '../../media/views/layers';
import { recvPath } from './webview-fixture';

const dataOut = (rows: ReturnType<typeof playScenario>['rows']) => rows.filter((r) => r.direction === 'out' && r.len > 0);

test('Nagle on: the second 100-byte write is held until the ACK of the first', () => {
  const pb = playScenario({ bytesPerWrite: 100, writes: 2, nagle: true, rttMs: 10 });
  const out = dataOut(pb.rows);
  assert.deepEqual(
    out.map((r) => [r.timeNs / 1e6, r.flags, seqText(r), r.ack]),
    [
      [10, 'P.', '1:101(100)', 1],
      [20, 'P.', '101:201(100)', 1],
    ],
  );
  const held = pb.steps.findIndex((s) => s.fn === 'tcp_nagle_test');
  assert.match(pb.steps[held].note, /held by Nagle/);
  // The held write's packet appears only after the ACK of 101 has come in.
  const ack = pb.rows.find((r) => r.direction === 'in' && r.ack === 101)!;
  assert.ok(out[0].atStep < held && held < ack.atStep && ack.atStep < out[1].atStep);
  assert.equal(pb.steps[out[1].atStep].fn, 'dev_hard_start_xmit');
  assert.match(pb.title, /2 × 100 B.*Nagle on/);
});

test('Nagle off (TCP_NODELAY): both writes leave at once and nothing is held', () => {
  const pb = playScenario({ bytesPerWrite: 100, writes: 2, nagle: false, rttMs: 10 });
  assert.deepEqual(
    dataOut(pb.rows).map((r) => [r.timeNs / 1e6, seqText(r)]),
    [
      [10, '1:101(100)'],
      [10, '101:201(100)'],
    ],
  );
  assert.equal(
    pb.steps.some((s) => /held by Nagle/.test(s.note)),
    false,
  );
  assert.ok(pb.steps.some((s) => s.fn === '__tcp_sock_set_nodelay'));
});

test('each packet appears at a step of its own instant, in the order of the wire', () => {
  const pb = playScenario({ bytesPerWrite: 3000, writes: 3, tso: false });
  for (const r of pb.rows) assert.equal(pb.steps[r.atStep].timeNs, r.timeNs, `packet ${r.id}`);
  const outs = pb.rows.filter((r) => r.direction === 'out');
  for (let i = 1; i < outs.length; i++) assert.ok(outs[i].atStep > outs[i - 1].atStep);
});

/** The send path's boxes as the panel draws them on the 6.12 tree (the functions the model traces among them). */
const sendBoxes = new Set([
  'tcp_sendmsg',
  'tcp_sendmsg_locked',
  'tcp_push',
  '__tcp_push_pending_frames',
  'tcp_write_xmit',
  '__tcp_transmit_skb',
  'ip_queue_xmit',
  'ip_finish_output2',
  '__dev_queue_xmit',
  'dev_hard_start_xmit',
  'tun_net_xmit',
]);

test('a step is drawn at its own box, or at the path function it runs in', () => {
  // fq paces: tcp_update_skb_after_send stamps each departure.
  const steps = [playScenario({ bytesPerWrite: 100, writes: 2 }), playScenario({ bytesPerWrite: 1000, writes: 30, qdisc: 'fq' })].flatMap(
    (pb) => pb.steps,
  );
  const first = (fn: string) => {
    const s = steps.find((x) => x.fn === fn);
    assert.ok(s, `a ${fn} step`);
    return placeOf(s, sendBoxes);
  };
  assert.deepEqual(first('tcp_push'), { name: 'tcp_push', exact: true });
  assert.deepEqual(first('tcp_nagle_test'), { name: 'tcp_write_xmit', exact: false });
  assert.deepEqual(first('pfifo_enqueue'), { name: '__dev_queue_xmit', exact: false });
  assert.deepEqual(first('tcp_xmit_size_goal'), { name: 'tcp_sendmsg_locked', exact: false });
  // The kernel's __tcp_transmit_skb calls it, and so does the model's (the hand table said tcp_write_xmit).
  assert.deepEqual(first('tcp_update_skb_after_send'), { name: '__tcp_transmit_skb', exact: false });
  // Taken while an ACK is processed: nothing of the send path runs it.
  assert.equal(first('tcp_rtt_estimator'), undefined);
  // With the ACK's own functions drawn, that is where it lights.
  assert.deepEqual(
    placeOf(
      steps.find((x) => x.fn === 'tcp_rtt_estimator')!,
      new Set([...sendBoxes, 'tcp_ack']),
    ),
    {
      name: 'tcp_ack',
      exact: false,
    },
  );
});

test('no step lights a box it does not run inside, over every fixture script and scenario', () => {
  const dir = join(__dirname, '..', 'fixtures', 'pkt', 'live');
  const siblings = { 'defaults.sh': readFileSync(join(dir, 'defaults.sh'), 'utf8') };
  const runs = [
    ...readdirSync(dir)
      .filter((n) => n.endsWith('.pkt'))
      .map((n) => playScript(n, readFileSync(join(dir, n), 'utf8'), siblings)),
    playScenario({ writes: 4, bytesPerWrite: 3000, tso: false, qdisc: 'fq' }),
    playScenario({ writes: 2, bytesPerWrite: 100, cork: true }),
  ];
  let off = 0;
  for (const pb of runs) {
    // Close, shutdown, timers: what runs outside a system call's send path starts with nothing running.
    for (const s of pb.steps.filter((x) => /^(tcp_send_fin|tcp_retransmit_timer|tcp_delack_timer|tcp_write_wakeup)$/.test(x.fn))) {
      assert.ok(!s.within?.includes('tcp_sendmsg_locked'), `${pb.title}: ${s.fn} at ${s.timeNs} runs inside tcp_sendmsg_locked`);
    }
    for (const s of pb.steps) {
      const p = placeOf(s, sendBoxes);
      if (!p) continue;
      if (p.exact) assert.equal(p.name, s.fn);
      else {
        off++;
        assert.ok(s.within?.includes(p.name), `${pb.title}: ${s.fn} lit ${p.name}, which was not running (${s.within?.join(' > ')})`);
        // The innermost drawn one: nothing drawn runs between it and the step.
        const within = s.within ?? [];
        const below = within.slice(within.lastIndexOf(p.name) + 1);
        assert.ok(!below.some((f) => sendBoxes.has(f)), `${s.fn}: ${below.join(' > ')} is drawn and nearer`);
      }
    }
  }
  assert.ok(off > 100, `${off} steps drawn at a function they run in`);
});

test('a script is played in its own numbering, each packet checked against its > line', () => {
  const script = [
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>',
    '+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>', // the live kernel's default tcp_rmem[2] (32 MB)
    '+.1 < . 1:1(0) ack 1 win 257',
    '+0 accept(3, ..., ...) = 4',
    '+0 write(4, ..., 100) = 100',
    '+0 > P. 1:101(100) ack 1',
    '+0 write(4, ..., 100) = 100',
    '+.1 < . 1:1(0) ack 101 win 257',
    '+0 > P. 101:201(100) ack 1',
  ].join('\n');
  const pb = playScript('nagle.pkt', script);
  assert.deepEqual(pb.score, { matched: 3, outbound: 3 });
  const out = pb.rows.filter((r) => r.direction === 'out');
  assert.deepEqual(
    out.map((r) => [r.flags, seqText(r), r.check?.ok, r.check?.line]),
    [
      ['S.', '0:0(0)', true, 5],
      ['P.', '1:101(100)', true, 9],
      ['P.', '101:201(100)', true, 12],
    ],
  );
  assert.ok(pb.steps.some((s) => s.fn === 'tcp_nagle_test' && /held by Nagle/.test(s.note)));
});

const kernel = process.env.KPATH_KERNEL;
const selftests = kernel && join(kernel, 'tools/testing/selftests/net/packetdrill');
test(
  'every packetdrill selftest of the tree plays: each packet at a step of its own instant, each > line marked',
  { skip: !(selftests && existsSync(selftests)) && 'KPATH_KERNEL with tools/testing/selftests/net/packetdrill not set' },
  () => {
    const siblings = { 'defaults.sh': readFileSync(join(selftests!, 'defaults.sh'), 'utf8') };
    const names = readdirSync(selftests!).filter((n) => n.endsWith('.pkt'));
    assert.ok(names.length > 10);
    for (const name of names) {
      const pb = playScript(name, readFileSync(join(selftests!, name), 'utf8'), siblings);
      for (const r of pb.rows) assert.equal(pb.steps[r.atStep].timeNs, r.timeNs, `${name}: packet ${r.id} shows at a step of its time`);
      const checked = pb.rows.filter((r) => r.check?.ok).length;
      assert.ok(checked >= pb.score!.matched, `${name}: ${checked} rows marked for ${pb.score!.matched} matched lines`);
    }
  },
);

test('on the receive path, the model taking an ACK in lights the receive boxes, by name and lane', () => {
  const { deliver, read } = recvPath();
  const boxes = [deliver, read].flatMap((p, leg) =>
    [p.hops[0].from, ...p.hops.map((h) => h.to)].map((f) => ({ name: f.name, lane: f.lane ?? '', leg })),
  );
  const pb = playScenario({ bytesPerWrite: 100, writes: 2, nagle: true, rttMs: 10 });
  const places = receivePlaces(pb.steps, pb.rows, boxes, (name) => classify({ name, file: '' }));
  assert.equal(places.length, pb.steps.length);
  // Each inbound packet lights tcp_v4_rcv, its own box.
  const inbound = pb.rows.filter((r) => r.direction === 'in');
  assert.ok(inbound.length >= 2);
  for (const r of inbound) assert.deepEqual(places[r.atStep], { name: 'tcp_v4_rcv', exact: true }, `packet ${r.id}`);
  // tcp_ack, run while the ACK of 101 is taken in, lights the TCP receive it runs in (the box before the wakeup call).
  const ack = inbound.find((r) => r.ack === 101)!;
  const tcpAck = pb.steps.findIndex((s, i) => i > ack.atStep && s.fn === 'tcp_ack');
  assert.ok(tcpAck > 0);
  assert.deepEqual(places[tcpAck], { name: 'tcp_rcv_established', exact: false });
  // The application's write after the handshake (accept, then send, at the same instant) lights nothing.
  const write = pb.steps.findIndex((s) => s.fn === 'tcp_sendmsg_locked');
  assert.ok(pb.steps.slice(0, write).some((s) => s.fn === 'inet_csk_accept'));
  assert.equal(places[write], undefined);
  // The ACK sends the held segment from inside the TCP receive; its way down through IP is not drawn up here.
  const down = pb.steps.findIndex((s, i) => i > tcpAck && s.fn === 'ip_queue_xmit');
  assert.deepEqual(places[pb.steps.findIndex((s, i) => i > tcpAck && s.fn === 'tcp_write_xmit')], {
    name: 'tcp_rcv_established',
    exact: false,
  });
  assert.equal(places[down], undefined);
  assert.equal(places[pb.steps.findIndex((s, i) => i > tcpAck && s.fn === 'dev_hard_start_xmit')], undefined);
  // Without a TCP box on the packet leg, an off-path TCP step lights nothing.
  const noTcp = receivePlaces(
    pb.steps,
    pb.rows,
    boxes.filter((b) => b.lane !== 'tcp'),
    (name) => classify({ name, file: '' }),
  );
  assert.equal(noTcp[tcpAck], undefined);
});

test('Run counts the incoming checks as decisions: a challenge ACK, a segment PAWS drops', () => {
  const dir = join(__dirname, '..', 'fixtures', 'pkt', 'live');
  const siblings = { 'defaults.sh': readFileSync(join(dir, 'defaults.sh'), 'utf8') };
  const decided = (name: string): string[] =>
    playScript(name, readFileSync(join(dir, name), 'utf8'), siblings)
      .steps.filter(isDecision)
      .map((s) => s.fn);
  assert.ok(decided('cl-ack-too-old.pkt').includes('tcp_send_challenge_ack'), decided('cl-ack-too-old.pkt').join(', '));
  assert.ok(decided('cl-paws-data.pkt').includes('tcp_paws_discard'), decided('cl-paws-data.pkt').join(', '));
});
