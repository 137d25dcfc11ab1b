// The panel's pure parts: which lane a function goes in, how a CallPath becomes boxes and edges,
// where a break is drawn, and what a switch at an indirect hop asks the server next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, laneOf } from '../../media/views/layers';
import { buildLegs, buildModel, edgeLabel, notIndexedReason } from '../../media/views/pathModel';
import { branchQuery, directionQuery, switchQuery, queryTitle } from '../../media/query';
import { isFromWebview, type PathQuery } from '../../media/messages';
import { byFolder, countsText, hasConfig, listed } from '../../media/views/built';
import { brokenPath, cloudSendPath, fn, recvPath, sendPath } from './webview-fixture';

test('functions of the 6.12 send path fall into the layer their file and name say', () => {
  const lane = (name: string, file: string) => classify({ name, file });
  assert.equal(lane('__sys_sendto', 'net/socket.c'), 'syscall');
  assert.equal(lane('sock_sendmsg_nosec', 'net/socket.c'), 'socket');
  assert.equal(lane('inet_sendmsg', 'net/ipv4/af_inet.c'), 'inet');
  assert.equal(lane('inet6_csk_xmit', 'net/ipv6/inet6_connection_sock.c'), 'inet');
  assert.equal(lane('tcp_write_xmit', 'net/ipv4/tcp_output.c'), 'tcp');
  // Each transport protocol has its own lane: a path switched to UDP is not drawn under TCP.
  assert.equal(lane('udp_sendmsg', 'net/ipv4/udp.c'), 'udp');
  assert.equal(lane('raw_sendmsg', 'net/ipv4/raw.c'), 'raw');
  assert.equal(lane('ip_queue_xmit', 'net/ipv4/ip_output.c'), 'ip');
  assert.equal(lane('dst_output', 'include/net/dst.h'), 'ip');
  assert.equal(lane('NF_HOOK_COND', 'include/linux/netfilter.h'), 'netfilter');
  assert.equal(lane('nf_hook_slow', 'net/netfilter/core.c'), 'netfilter');
  assert.equal(lane('neigh_hh_output', 'include/net/neighbour.h'), 'neighbour');
  assert.equal(lane('__qdisc_run', 'net/sched/sch_generic.c'), 'qdisc');
  assert.equal(lane('dev_queue_xmit', 'include/linux/netdevice.h'), 'device');
  assert.equal(lane('__dev_queue_xmit', 'net/core/dev.c'), 'device');
  assert.equal(lane('e1000_xmit_frame', 'drivers/net/ethernet/intel/e1000/e1000_main.c'), 'driver');
  // A driver outside drivers/ is a driver because the path says it is an ndo_start_xmit target.
  assert.equal(classify({ name: 'br_dev_xmit', file: 'net/bridge/br_device.c' }, new Set(['br_dev_xmit'])), 'driver');
  assert.equal(lane('security_socket_sendmsg', 'security/security.c'), undefined);
});

test('an unclassified helper stays in the lane of the function before it', () => {
  const lanes = laneOf([
    { name: '__sock_sendmsg', file: 'net/socket.c' },
    { name: 'security_socket_sendmsg', file: 'security/security.c' },
    { name: 'inet_sendmsg', file: 'net/ipv4/af_inet.c' },
  ]);
  assert.deepEqual(
    lanes.map((l) => [l.layer, l.inferred]),
    [
      ['socket', false],
      ['socket', true],
      ['inet', false],
    ],
  );
  assert.equal(
    laneOf([
      { name: 'x', file: 'lib/x.c' },
      { name: 'tcp_push', file: 'net/ipv4/tcp.c' },
    ])[0].layer,
    'tcp',
  );
});

test('the send path becomes one box per function, in order, with each hop on the box it reaches', () => {
  const path = sendPath();
  const m = buildModel(path);
  assert.equal(m.boxes.length, path.hops.length + 1);
  assert.equal(m.boxes[0].fn.name, '__sys_sendto');
  assert.equal(m.boxes[0].incoming, undefined);
  assert.equal(m.boxes.at(-1)!.fn.name, '__netdev_start_xmit');
  const tcp = m.boxes.find((b) => b.fn.name === 'tcp_sendmsg')!;
  assert.equal(tcp.incoming!.hop.kind, 'hint');
  assert.equal(tcp.incoming!.hop.from.name, 'inet_sendmsg');
  // Every layer from the syscall to the device is crossed; the driver lane holds the ndo_start_xmit targets.
  assert.deepEqual([...m.usedLanes].sort(), [
    'device',
    'driver',
    'inet',
    'ip',
    'neighbour',
    'netfilter',
    'qdisc',
    'socket',
    'syscall',
    'tcp',
  ]);
  assert.equal(m.drivers.length, 4);
  assert.equal(m.brokenAt, undefined);
});

test('a broken path is drawn up to the break, marked, and continued after it', () => {
  const m = buildModel(brokenPath());
  const names = m.boxes.map((b) => b.fn.name);
  const at = m.brokenAt!;
  assert.ok(at, 'a break is placed');
  assert.equal(names[at.afterBox], '__tcp_transmit_skb');
  assert.equal(names[at.afterBox + 1], 'dev_queue_xmit');
  assert.equal(m.boxes[at.afterBox + 1].incoming, undefined, 'no edge is drawn across the break');
  assert.ok(!names.includes('ip_queue_xmit'));
  // A break whose ends are not in the path at all goes at the end, after what was found.
  const lone = buildModel({ hops: sendPath().hops.slice(0, 3), broken: { after: 'x', before: 'y', reason: 'r' } });
  assert.equal(lone.brokenAt!.afterBox, 3);
  // Nothing found at all: the break still shows.
  assert.equal(buildModel({ hops: [], broken: { after: 'a', before: 'b', reason: 'r' } }).brokenAt!.afterBox, -1);
});

test('edges say how the call was found', () => {
  assert.equal(edgeLabel({ kind: 'direct', via: '' }), 'direct');
  assert.equal(edgeLabel({ kind: 'field', via: 'proto_ops.sendmsg' }), 'through proto_ops.sendmsg');
  assert.equal(edgeLabel({ kind: 'hint', via: 'proto.sendmsg' }), 'INDIRECT_CALL hint (proto.sendmsg)');
  assert.equal(edgeLabel({ kind: 'param', via: 'NF_HOOK_COND#6' }), 'passed as argument (NF_HOOK_COND#6)');
});

test('switching a hop keeps the earlier choices, drops the later ones and adds the new target', () => {
  const path = sendPath();
  const hopOf = (name: string) => path.hops.findIndex((h) => h.to.name === name);
  const q0: PathQuery = { kind: 'send', params: { family: 'ipv4', through: ['inet_sendmsg', 'ip_queue_xmit'] } };
  // Switch at the proto.sendmsg hop (inet_sendmsg → tcp_sendmsg) to udp_sendmsg: inet_sendmsg came
  // before it and stays; ip_queue_xmit came after it and goes.
  const q1 = switchQuery(q0, path, hopOf('tcp_sendmsg'), 'udp_sendmsg');
  assert.deepEqual(q1, { kind: 'send', params: { family: 'ipv4', through: ['inet_sendmsg', 'udp_sendmsg'] } });
  const c = switchQuery(
    { kind: 'call', params: { from: '__sys_sendto', to: 'dev_queue_xmit' } },
    path,
    hopOf('inet_sendmsg'),
    'inet6_sendmsg',
  );
  assert.deepEqual(c, { kind: 'call', params: { from: '__sys_sendto', to: 'dev_queue_xmit', via: ['inet6_sendmsg'] } });
  assert.equal(queryTitle(q1), 'send() path (IPv4) via inet_sendmsg, udp_sendmsg');
  assert.equal(queryTitle(c), '__sys_sendto → dev_queue_xmit via inet6_sendmsg');
});

test('messages from the webview are recognised by their type only when well formed', () => {
  assert.ok(isFromWebview({ type: 'ready' }));
  assert.ok(isFromWebview({ type: 'open', location: fn('a', 'b.c', 1) }));
  assert.ok(!isFromWebview({ type: 'exec' }));
  assert.ok(!isFromWebview(null));
  assert.ok(!isFromWebview('ready'));
});

test("with a config: which functions are listed, their folders in the server's order, and the counts", () => {
  const drivers = cloudSendPath().drivers!;
  assert.equal(hasConfig(cloudSendPath()), true);
  assert.equal(hasConfig(sendPath()), false);
  assert.deepEqual(
    drivers.filter((d) => listed(d, false)).map((d) => d.name),
    ['loopback_xmit', 'ifb_xmit', 'veth_xmit', 'start_xmit', 'ena_start_xmit'],
  );
  assert.equal(drivers.filter((d) => listed(d, true)).length, drivers.length);
  assert.deepEqual(
    byFolder(drivers).map((g) => [g.folder, g.fns.length]),
    [
      ['drivers/net/', 4],
      ['drivers/net/ethernet/amazon/ena/', 1],
      ['drivers/net/ethernet/intel/e1000/', 1],
      ['drivers/net/ethernet/intel/igb/', 1],
      ['drivers/net/ethernet/realtek/', 1],
    ],
  );
  assert.equal(countsText(drivers, true), '5 compiled · 3 more not in this config');
  assert.equal(countsText(sendPath().drivers!, false), '4');
});

test("the receive path is two legs in the server's lanes, box indices running on from one leg to the next", () => {
  const { deliver, read } = recvPath();
  const d = buildLegs([
    { title: 'in', path: deliver },
    { title: 'read', path: read },
  ]);
  assert.deepEqual(
    d.legs.map((l) => [l.title, l.first, l.boxes.length]),
    [
      ['in', 0, deliver.hops.length + 1],
      ['read', deliver.hops.length + 1, read.hops.length + 1],
    ],
  );
  assert.deepEqual(
    d.boxes.map((b) => b.leg),
    [...Array(deliver.hops.length + 1).fill(0), ...Array(read.hops.length + 1).fill(1)],
  );
  const laneOfBox = (name: string) => d.boxes.find((b) => b.fn.name === name)?.layer;
  assert.deepEqual(
    ['__netif_receive_skb_core', 'ip_rcv', 'NF_HOOK', 'tcp_v4_rcv', 'sock_recvmsg', 'inet_recvmsg', 'skb_copy_datagram_iter'].map(
      laneOfBox,
    ),
    ['device', 'ip', 'netfilter', 'tcp', 'socket', 'inet', 'core'],
  );
  // The lane comes from the server, not from a derivation here: a function it puts elsewhere goes there.
  const moved = { ...deliver, hops: deliver.hops.map((h, i) => (i === 0 ? { ...h, from: { ...h.from, lane: 'driver' as const } } : h)) };
  assert.equal(buildModel(moved).boxes[0].layer, 'driver');
  // The packet leg ends at the wakeup: sk_data_ready's targets, in their lane; no drivers.
  const end = d.legs[0].end!;
  assert.deepEqual(
    [end.slot, end.lane, end.drivers, end.fns.map((f) => f.name)],
    ['sock.sk_data_ready', 'socket', false, ['sock_def_readable']],
  );
  assert.equal(d.legs[1].end, undefined);
  for (const lane of ['device', 'ip', 'netfilter', 'tcp', 'socket', 'syscall', 'inet', 'core'] as const)
    assert.ok(d.usedLanes.has(lane), lane);
  assert.ok(!d.usedLanes.has('driver') && !d.usedLanes.has('qdisc'));
});

test('side calls hang off the box that makes them, with the other targets of their last call', () => {
  const path = sendPath();
  const at = path.hops.findIndex((h) => h.to.name === 'NF_HOOK_COND') + 1;
  const nfHook = fn('nf_hook', 'include/linux/netfilter.h', 223, true);
  const slow = fn('nf_hook_slow', 'net/netfilter/core.c', 616);
  const hookfn = fn('nf_hook_entry_hookfn', 'include/linux/netfilter.h', 152, true);
  const nat = fn('nf_nat_ipv4_out', 'net/netfilter/nf_nat_proto.c', 808, true);
  const conntrack = fn('ipv4_conntrack_local', 'net/netfilter/nf_conntrack_proto.c', 230, true);
  const side = {
    at,
    branch: 'netfilter',
    hops: [
      {
        from: path.hops[at - 1].to,
        to: nfHook,
        kind: 'direct' as const,
        via: '',
        site: { file: 'x', line: 1, col: 0 },
        evidence: [],
        alternatives: [],
      },
      { from: nfHook, to: slow, kind: 'direct' as const, via: '', site: { file: 'x', line: 1, col: 0 }, evidence: [], alternatives: [] },
      { from: slow, to: hookfn, kind: 'direct' as const, via: '', site: { file: 'x', line: 1, col: 0 }, evidence: [], alternatives: [] },
      {
        from: hookfn,
        to: nat,
        kind: 'field' as const,
        via: 'nf_hook_entry.hook',
        site: { file: 'x', line: 1, col: 0 },
        evidence: [],
        alternatives: [conntrack],
      },
    ],
  };
  const m = buildModel({ ...path, sideCalls: [side, { ...side, at: 10_000 }] });
  // The call at a place not on the path is dropped; the other follows NF_HOOK_COND's box.
  assert.equal(m.sideCalls.length, 1);
  const sc = m.sideCalls[0];
  assert.equal(m.boxes[sc.afterBox].fn.name, 'NF_HOOK_COND');
  assert.deepEqual(
    sc.fns.map((f) => f.name),
    ['nf_hook', 'nf_hook_slow', 'nf_hook_entry_hookfn', 'nf_nat_ipv4_out'],
  );
  assert.deepEqual([sc.via, sc.more.map((f) => f.name)], ['nf_hook_entry.hook', ['ipv4_conntrack_local']]);
  // Side calls are not boxes: the path is the same with or without them.
  assert.deepEqual(
    m.boxes.map((b) => b.fn.name),
    buildModel(path).boxes.map((b) => b.fn.name),
  );
  // At 0 the calls are the first box's.
  assert.equal(buildModel({ ...path, sideCalls: [{ ...side, at: 0 }] }).sideCalls[0].afterBox, 0);
});

test('a switch on one receive leg keeps the switches made on the other; branches and direction are new queries', () => {
  const { deliver, read } = recvPath();
  const q0: PathQuery = { kind: 'recv', params: { family: 'ipv4', through: ['udp_rcv'] } };
  // udp_rcv is a switch on the packet leg: switching proto.recvmsg on the read leg keeps it.
  const hop = read.hops.findIndex((h) => h.to.name === 'tcp_recvmsg');
  const q1 = switchQuery(q0, read, hop, 'udp_recvmsg');
  assert.deepEqual(q1, { kind: 'recv', params: { family: 'ipv4', through: ['udp_rcv', 'udp_recvmsg'] } });
  // A switch on the packet leg earlier than udp_rcv drops it (it came after); the read leg's stays.
  const q2 = switchQuery(
    q1,
    deliver,
    deliver.hops.findIndex((h) => h.to.name === 'ip_rcv'),
    'mrp_rcv',
  );
  assert.deepEqual(q2, { kind: 'recv', params: { family: 'ipv4', through: ['udp_recvmsg', 'mrp_rcv'] } });
  assert.equal(queryTitle(q2), 'receive path (IPv4) via udp_recvmsg, mrp_rcv');

  const b = branchQuery({ kind: 'send', params: { family: 'ipv6', through: ['udp_sendmsg'] } }, 'qdisc', 'noqueue');
  assert.deepEqual(b, { kind: 'send', params: { family: 'ipv6', through: ['udp_sendmsg'], branches: { qdisc: 'noqueue' } } });
  assert.deepEqual(branchQuery(b, 'netfilter', 'hooks').params, {
    family: 'ipv6',
    through: ['udp_sendmsg'],
    branches: { qdisc: 'noqueue', netfilter: 'hooks' },
  });
  assert.ok(isFromWebview({ type: 'query', query: branchQuery(b, 'netfilter', 'hooks') }));
  // The other direction keeps the family only: the send side's switches mean nothing on the receive side.
  assert.deepEqual(directionQuery(b, 'recv'), { kind: 'recv', params: { family: 'ipv6' } });
  assert.deepEqual(directionQuery({ kind: 'recv', params: {} }, 'send'), { kind: 'send', params: {} });
});

test("the server's answer before its index is ready is told apart from a broken path", () => {
  assert.equal(
    notIndexedReason({ hops: [], broken: { after: '', before: '', reason: 'the index is still being built' } }),
    'the index is still being built',
  );
  assert.equal(notIndexedReason({ hops: [], broken: { after: '', before: '', reason: '' } }), 'no index yet');
  // A real break, even one with no hops found, is a path to draw.
  assert.equal(notIndexedReason(brokenPath()), undefined);
  assert.equal(notIndexedReason({ hops: [], broken: { after: 'a', before: 'b', reason: 'no function named a' } }), undefined);
  assert.equal(notIndexedReason(sendPath()), undefined);
});
