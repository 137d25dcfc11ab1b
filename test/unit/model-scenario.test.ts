// The panel's scenario form: one connection, writes, a peer that ACKs each packet after an RTT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateScenario } from '../../server/model/index';
import type { WirePacket } from '../../server/model/index';

function dataOut(ps: WirePacket[]): WirePacket[] {
  return ps.filter((p) => p.direction === 'out' && p.len > 0);
}

test('Nagle coalesces small writes behind an unacked one; TCP_NODELAY sends each', () => {
  const on = dataOut(simulateScenario({ bytesPerWrite: 100, writes: 10, writeIntervalMs: 1, rttMs: 10 }).packets);
  assert.deepEqual(
    on.map((p) => p.len),
    [100, 900],
  );
  assert.equal(on[1].timeNs - on[0].timeNs, 10e6, 'the rest leaves when the first is acked, one RTT later');
  const off = dataOut(simulateScenario({ bytesPerWrite: 100, writes: 10, writeIntervalMs: 1, rttMs: 10, nagle: false }).packets);
  assert.deepEqual(
    off.map((p) => p.len),
    Array(10).fill(100),
  );
});

test('cork sends full segments only until uncorked', () => {
  const r = simulateScenario({ bytesPerWrite: 300, writes: 5, cork: true });
  assert.deepEqual(
    dataOut(r.packets).map((p) => p.len),
    [1460, 40],
  );
});

test('without device TSO the wire carries MSS-sized packets, PSH on the last of each', () => {
  const r = simulateScenario({ bytesPerWrite: 10000, writes: 1, tso: false, mss: 1000 });
  const out = dataOut(r.packets);
  assert.ok(
    out.every((p) => p.len <= 1000),
    out.map((p) => p.len).join(),
  );
  assert.equal(
    out.reduce((a, p) => a + p.len, 0),
    10000,
  );
  assert.ok(r.steps.some((s) => s.fn === 'skb_gso_segment'));
  const withTso = dataOut(simulateScenario({ bytesPerWrite: 10000, writes: 1, mss: 1000 }).packets);
  assert.ok(withTso.length < out.length && withTso.some((p) => p.len > 1000));
});

test('initial cwnd bounds the first flight; slow start delivers everything', () => {
  const r = simulateScenario({ bytesPerWrite: 50000, writes: 1, initCwnd: 4, mss: 1000, rttMs: 20 });
  const out = dataOut(r.packets);
  const first = out.filter((p) => p.timeNs === out[0].timeNs).reduce((a, p) => a + p.len, 0);
  assert.equal(first, 4000);
  assert.equal(r.delivered, 50000);
  assert.ok(r.final.snd_cwnd > 4);
  assert.deepEqual(r.unsupported, []);
});
