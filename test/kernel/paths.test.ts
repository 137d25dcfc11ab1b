// Paths as packets take them, on the real tree: the receive path's two legs (both families), the
// send path through the qdisc of a typical device, and okfn followed to what the caller passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelIndex, SKIP } from './kernelTree';
import { sendPath } from '../../server/graph/sendPath';
import { recvPath } from '../../server/graph/recvPath';
import { callPath } from '../../server/graph/paths';
import type { CallPath } from '../../server/protocol';

const names = (p: CallPath): string[] => (p.hops.length ? [p.hops[0].from.name, ...p.hops.map((h) => h.to.name)] : []);

/** Every name of `want` on the path, each after the one before. */
function inOrder(p: CallPath, want: string[]): void {
  assert.equal(p.broken, undefined, p.broken?.reason);
  const got = names(p);
  let last = -1;
  for (const n of want) {
    const at = got.indexOf(n, last + 1);
    assert.ok(at > last, `${n} after ${want[want.indexOf(n) - 1] ?? 'the start'} in ${got.join(' → ')}`);
    last = at;
  }
}

test('receive path, IPv4: the device up to sk_data_ready, and recvfrom() down to the copy', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = recvPath(ix);
  console.log(`deliver: ${names(p.deliver).join(' → ')}\nread: ${names(p.read).join(' → ')}`);
  inOrder(p.deliver, [
    '__netif_receive_skb_core',
    'ip_rcv',
    'ip_rcv_finish',
    'ip_local_deliver',
    'ip_local_deliver_finish',
    'tcp_v4_rcv',
    'tcp_v4_do_rcv',
    'tcp_rcv_established',
  ]);
  assert.equal(p.deliver.endsAt?.slot, 'sock.sk_data_ready');
  assert.ok(
    p.deliver.endsAt!.targets.some((t) => t.name === 'sock_def_readable'),
    'the default wakeup is a target',
  );
  assert.ok(!names(p.deliver).some((n) => n.startsWith('ip6') || n === 'ipv6_rcv' || n === 'ip_sabotage_in'), names(p.deliver).join(' → '));
  inOrder(p.read, ['__sys_recvfrom', 'sock_recvmsg', 'inet_recvmsg', 'tcp_recvmsg', 'tcp_recvmsg_locked', 'skb_copy_datagram_iter']);
  // The lanes say where each function lives.
  const lane = (leg: CallPath, n: string): string | undefined => leg.hops.find((h) => h.to.name === n)?.to.lane;
  assert.deepEqual(
    ['ip_rcv', 'tcp_v4_rcv', 'NF_HOOK'].map((n) => lane(p.deliver, n)),
    ['ip', 'tcp', 'netfilter'],
  );
  assert.deepEqual(
    ['inet_recvmsg', 'tcp_recvmsg', 'skb_copy_datagram_iter'].map((n) => lane(p.read, n)),
    ['inet', 'tcp', 'core'],
  );
});

test('receive path, IPv6: ipv6_rcv, ip6_input, tcp_v6_rcv, inet6_recvmsg', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = recvPath(ix, { family: 'ipv6' });
  console.log(`deliver: ${names(p.deliver).join(' → ')}\nread: ${names(p.read).join(' → ')}`);
  inOrder(p.deliver, [
    '__netif_receive_skb_core',
    'ipv6_rcv',
    'ip6_rcv_finish',
    'ip6_input',
    'ip6_input_finish',
    'tcp_v6_rcv',
    'tcp_v6_do_rcv',
    'tcp_rcv_established',
  ]);
  assert.ok(!names(p.deliver).includes('ip_rcv') && !names(p.deliver).includes('ip_local_deliver'), names(p.deliver).join(' → '));
  inOrder(p.read, ['__sys_recvfrom', 'sock_recvmsg', 'inet6_recvmsg', 'tcp_recvmsg', 'tcp_recvmsg_locked', 'skb_copy_datagram_iter']);
});

test(
  'send path: a typical device queues the packet: __dev_xmit_skb and sch_direct_xmit; noqueue goes straight',
  { skip: SKIP },
  async () => {
    const ix = (await kernelIndex()).index;
    const p = sendPath(ix);
    inOrder(p, [
      'tcp_write_xmit',
      'ip_output',
      '__dev_queue_xmit',
      '__dev_xmit_skb',
      'sch_direct_xmit',
      'dev_hard_start_xmit',
      '__netdev_start_xmit',
    ]);
    assert.equal(p.hops.find((h) => h.to.name === 'sch_direct_xmit')?.to.lane, 'qdisc');
    assert.deepEqual(
      p.branches?.map((b) => [b.id, b.chosen]),
      [
        ['qdisc', 'queue'],
        ['netfilter', 'none'],
      ],
    );
    const noqueue = sendPath(ix, { branches: { qdisc: 'noqueue' } });
    inOrder(noqueue, ['__dev_queue_xmit', 'dev_hard_start_xmit', '__netdev_start_xmit']);
    assert.ok(!noqueue.hops.some((h) => h.to.file.startsWith('net/sched/')), names(noqueue).join(' → '));
    // With hooks, the path is the same and the hooks hang off the NF_HOOKs that run them.
    const hooks = sendPath(ix, { branches: { netfilter: 'hooks' } });
    assert.deepEqual(names(hooks), names(p));
    const at = new Set(hooks.sideCalls!.map((c) => names(hooks)[c.at]));
    assert.ok(at.has('NF_HOOK_COND'), [...at].join(', '));
    assert.ok(hooks.sideCalls!.every((c) => c.hops.at(-1)!.via === 'nf_hook_entry.hook'));
    // Each family's hooks: the first example at each NF_HOOK is never the other family's own hook.
    const last = (q: typeof hooks): string[] => q.sideCalls!.map((c) => c.hops.at(-1)!.to.name);
    assert.ok(!last(hooks).some((n) => /ipv6|ip6/.test(n)), last(hooks).join(', '));
    const v6 = sendPath(ix, { family: 'ipv6', branches: { netfilter: 'hooks' } });
    assert.ok(v6.sideCalls!.length > 0);
    assert.ok(!last(v6).some((n) => /ipv4|ip4/.test(n)), last(v6).join(', '));
  },
);

test('a send path switched to udp_sendmsg puts UDP in its own lane', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = sendPath(ix, { through: ['udp_sendmsg'] });
  inOrder(p, ['udp_sendmsg', 'ip_output', '__dev_xmit_skb', 'sch_direct_xmit']);
  assert.equal(p.hops.find((h) => h.to.name === 'udp_sendmsg')?.to.lane, 'udp');
});

test('netif_receive_skb → tcp_v4_rcv follows the okfn ip_rcv passes, not bridge netfilter', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = callPath(ix, 'netif_receive_skb', 'tcp_v4_rcv');
  inOrder(p, ['netif_receive_skb', 'ip_rcv', 'ip_rcv_finish', 'ip_local_deliver', 'ip_local_deliver_finish', 'tcp_v4_rcv']);
  assert.ok(!names(p).includes('ip_sabotage_in'), names(p).join(' → '));
  // `path` keeps its waypoints.
  const via = callPath(ix, 'netif_receive_skb', 'tcp_v4_rcv', ['ip_rcv_finish']);
  inOrder(via, ['ip_rcv', 'ip_rcv_finish', 'tcp_v4_rcv']);
});
