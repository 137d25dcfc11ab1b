// Paths on a small tree written to mimic the kernel's receive and transmit (test/fixtures/pathkernel):
// an okfn follows what the caller on the path passed, also when a hook calls it through the state
// it was handed; branches steer a route through or around a folder, or hang side calls off it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildIndex } from '../../server/index/indexer';
import type { KernelIndex } from '../../server/index/kernelIndex';
import { callPath } from '../../server/graph/paths';
import { NETFILTER_BRANCH, routePath, type Route } from '../../server/graph/route';
import { QDISC_BRANCH } from '../../server/graph/sendPath';
import { classify } from '../../server/graph/lanes';
import type { CallPath } from '../../server/protocol';

const ROOT = path.join(__dirname, '..', 'fixtures', 'pathkernel');
let built: Promise<KernelIndex> | undefined;
const index = (): Promise<KernelIndex> => (built ??= buildIndex(ROOT, { noCache: true, threads: 1 }).then((r) => r.index));
const names = (p: CallPath): string[] => (p.hops.length ? [p.hops[0].from.name, ...p.hops.map((h) => h.to.name)] : []);

test('a packet reaches TCP through ip_rcv and both okfns, not through a hook that calls an unbound state->okfn', async () => {
  const ix = await index();
  const p = callPath(ix, 'netif_receive_skb', 'tcp_v4_rcv');
  assert.equal(p.broken, undefined, p.broken?.reason);
  assert.deepEqual(names(p), [
    'netif_receive_skb',
    '__netif_receive_skb_core',
    'ip_rcv',
    'NF_HOOK',
    'ip_rcv_finish',
    'dst_input',
    'ip_local_deliver',
    'NF_HOOK',
    'ip_local_deliver_finish',
    'tcp_v4_rcv',
  ]);
  assert.ok(!names(p).includes('br_nf_steal_in'), 'the ingress hook state carries no okfn');
  assert.equal(p.hops[3].via, 'NF_HOOK#4');
  // A switch offers what the path could take instead: any packet type, but only the okfn ip_rcv passed.
  assert.deepEqual(
    p.hops[1].alternatives.map((a) => a.name),
    ['arp_rcv'],
  );
  assert.deepEqual(p.hops[3].alternatives, []);
});

test('state->okfn in a hook is what the NF_HOOK caller on the path passed (nf_hook_state_init copies it)', async () => {
  const ix = await index();
  const through = callPath(ix, 'ip_rcv', 'ip_rcv_finish', ['br_nf_steal_in']);
  assert.equal(through.broken, undefined, through.broken?.reason);
  assert.deepEqual(names(through), ['ip_rcv', 'NF_HOOK', 'nf_hook', 'nf_hook_slow', 'br_nf_steal_in', 'ip_rcv_finish']);
  assert.equal(through.hops.at(-1)!.via, 'nf_hook_state.okfn');
  // ip_rcv passed ip_rcv_finish: arp's okfn is not reachable from it, by NF_HOOK nor by the hook.
  assert.ok(callPath(ix, 'ip_rcv', 'arp_process').broken);
  assert.equal(callPath(ix, 'arp_rcv', 'arp_process').broken, undefined);
  // The ingress state is initialised with NULL: its hooks' okfn calls reach nothing.
  assert.ok(callPath(ix, 'nf_hook_ingress', 'ip_local_deliver_finish').broken);
  // Where nothing on the path initialised the state (a queued packet), the field holds every okfn.
  assert.equal(callPath(ix, 'nf_hook_slow', 'arp_process').broken, undefined);
});

const transmit: Route = {
  start: ['dev_queue_xmit'],
  stops: [],
  end: { slot: 'net_device_ops.ndo_start_xmit' },
  otherFamily: 'net/ipv6/',
  branches: [QDISC_BRANCH],
};

test('the qdisc branch: a device with a queue goes through net/sched, one without straight to the driver', async () => {
  const ix = await index();
  const typical = routePath(ix, transmit);
  assert.equal(typical.broken, undefined, typical.broken?.reason);
  assert.deepEqual(names(typical), ['dev_queue_xmit', '__dev_xmit_skb', 'sch_direct_xmit', 'dev_hard_start_xmit']);
  assert.deepEqual(
    typical.branches!.map((b) => [b.id, b.chosen, b.default]),
    [['qdisc', 'queue', 'queue']],
  );
  assert.deepEqual(
    typical.branches![0].options.map((o) => o.id),
    ['queue', 'noqueue'],
  );
  assert.deepEqual(
    typical.endsAt!.targets.map((t) => [t.name, t.lane]),
    [['loopback_xmit', 'driver']],
  );
  const noqueue = routePath(ix, transmit, { branches: { qdisc: 'noqueue' } });
  assert.deepEqual(names(noqueue), ['dev_queue_xmit', 'dev_hard_start_xmit']);
  assert.equal(noqueue.branches![0].chosen, 'noqueue');
  assert.match(routePath(ix, transmit, { branches: { qdisc: 'fast' } }).broken!.reason, /no option fast/);
  assert.match(routePath(ix, transmit, { branches: { colour: 'red' } }).broken!.reason, /no branch colour/);
});

const receive: Route = { start: ['ip_rcv'], stops: [], end: { fn: 'tcp_v4_rcv' }, otherFamily: 'net/ipv6/', branches: [NETFILTER_BRANCH] };

test('the netfilter branch: with hooks, each NF_HOOK on the path gets the hooks it runs as side calls', async () => {
  const ix = await index();
  const none = routePath(ix, receive);
  assert.equal(none.broken, undefined, none.broken?.reason);
  assert.equal(none.sideCalls, undefined);
  const hooks = routePath(ix, receive, { branches: { netfilter: 'hooks' } });
  assert.deepEqual(names(hooks), names(none), 'the path itself is the same');
  const boxes = names(hooks);
  assert.deepEqual(
    hooks.sideCalls!.map((c) => boxes[c.at]),
    ['NF_HOOK', 'NF_HOOK'],
  );
  for (const c of hooks.sideCalls!) {
    assert.deepEqual(c.hops.map((h) => h.to.name).slice(0, 2), ['nf_hook', 'nf_hook_slow']);
    assert.equal(c.hops.at(-1)!.via, 'nf_hook_entry.hook');
    assert.equal(c.branch, 'netfilter');
  }
});

test('each function of a path carries its lane, from where it lives', async () => {
  const ix = await index();
  const p = callPath(ix, 'netif_receive_skb', 'tcp_v4_rcv');
  assert.deepEqual(p.hops.map((h) => [h.to.name, h.to.lane]).slice(0, 3), [
    ['__netif_receive_skb_core', 'device'],
    ['ip_rcv', 'ip'],
    ['NF_HOOK', 'netfilter'],
  ]);
  assert.equal(p.hops[0].from.lane, 'device');
  assert.equal(p.hops.at(-1)!.to.lane, 'tcp');
  assert.equal(classify({ name: 'udp_sendmsg', file: 'net/ipv4/udp.c' }), 'udp');
  assert.equal(classify({ name: 'udpv6_rcv', file: 'net/ipv6/udp.c' }), 'udp');
  assert.equal(classify({ name: 'skb_copy_datagram_iter', file: 'net/core/datagram.c' }), 'core');
  assert.equal(classify({ name: 'sock_def_readable', file: 'net/core/sock.c' }), 'socket');
});
