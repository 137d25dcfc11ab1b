// Resolution on the real Linux 6.12 tree: the canonical sendmsg site, the labelled set
// (recall and must-not targets), and the send() path down to the drivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KERNEL, SKIP, kernelIndex, sitesByAnchor } from './kernelTree';
import { LABELLED_FILE, describeScore, loadLabelled, scoreLabelled } from './labelled';
import { sendPath } from '../../server/graph/sendPath';

test('sock_sendmsg_nosec calls every proto_ops.sendmsg and no proto.sendmsg', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const [site] = sitesByAnchor(ix, 'net/socket.c', 'sock_sendmsg_nosec', 'READ_ONCE(sock->ops)->sendmsg');
  assert.ok(site, 'the site is found by its text');
  assert.equal(site.slot, 'proto_ops.sendmsg');
  const names = ix.targetsOf(site).map((t) => t.fn.name);
  // INDIRECT_CALL_INET(f, inet6_sendmsg, inet_sendmsg, …) tests inet6_sendmsg first (without a config: both).
  assert.deepEqual(
    names.slice(0, 2),
    ['inet6_sendmsg', 'inet_sendmsg'],
    'INDIRECT_CALL_INET hints first, in the order the macro tests them',
  );
  for (const n of ['unix_stream_sendmsg', 'unix_dgram_sendmsg', 'netlink_sendmsg', 'packet_sendmsg'])
    assert.ok(names.includes(n), `${n} is a target`);
  for (const n of ['tcp_sendmsg', 'udp_sendmsg', 'inet_recvmsg']) assert.ok(!names.includes(n), `${n} is not a target`);
  const unix = ix.targetsOf(site).find((t) => t.fn.name === 'unix_stream_sendmsg')!;
  assert.equal(unix.evidence[0].file, 'net/unix/af_unix.c');
  assert.match(
    readFileSync(path.join(KERNEL!, unix.evidence[0].file), 'utf8').split('\n')[unix.evidence[0].line],
    /\.sendmsg\s*=\s*unix_stream_sendmsg/,
  );
});

test(
  'labelled set: at least 150 sites, recall ≥ 95 % and no must-not target',
  { skip: SKIP || (!existsSync(LABELLED_FILE) && 'no labelled set') },
  async () => {
    const ix = (await kernelIndex()).index;
    const set = loadLabelled();
    const score = scoreLabelled(ix, set);
    console.log(score.rows.join('\n'));
    console.log(`labelled set: ${describeScore(score)}`);
    assert.ok(set.length >= 150, `at least 150 labelled sites, have ${set.length}`);
    assert.ok(score.found / score.must >= 0.95, describeScore(score));
    assert.deepEqual(score.failures, []);
  },
);

test('send-path: from sendto through TCP and IPv4 to loopback_xmit and 100+ drivers', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = sendPath(ix);
  assert.equal(p.broken, undefined, p.broken?.reason);
  const names = [p.hops[0].from.name, ...p.hops.map((h) => h.to.name)];
  console.log(names.join(' → '));
  let last = -1;
  for (const n of [
    'sys_sendto',
    '__sys_sendto',
    'inet_sendmsg',
    'tcp_sendmsg',
    'tcp_write_xmit',
    'ip_queue_xmit',
    'ip_output',
    'dev_queue_xmit',
    '__netdev_start_xmit',
  ]) {
    const at = names.indexOf(n);
    assert.ok(at > last, `${n} on the path after the previous stop (${names.join(' → ')})`);
    last = at;
  }
  assert.ok(
    names.some((n) => n.startsWith('neigh_')),
    'a neighbour hop',
  );
  assert.ok(
    names.some((n) => /NF_HOOK|nf_hook/.test(n)),
    'a netfilter hop',
  );
  const hinted = p.hops.find((h) => h.to.name === 'inet_sendmsg')!;
  assert.equal(hinted.via, 'proto_ops.sendmsg');
  assert.ok(hinted.alternatives.some((a) => a.name === 'inet6_sendmsg'));
  const drivers = (p.drivers ?? []).filter((d) => d.file.startsWith('drivers/'));
  assert.ok(
    p.drivers!.some((d) => d.name === 'loopback_xmit'),
    'loopback_xmit',
  );
  assert.ok(drivers.length >= 100, `${drivers.length} driver ndo_start_xmit functions`);
  console.log(`send path: ${p.hops.length} hops, ${p.drivers!.length} ndo_start_xmit targets (${drivers.length} in drivers/)`);
});

test('IPv6 send path goes through inet6_sendmsg and ip6 output', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = sendPath(ix, { family: 'ipv6' });
  assert.equal(p.broken, undefined, p.broken?.reason);
  const names = p.hops.map((h) => h.to.name);
  for (const n of ['inet6_sendmsg', 'tcp_sendmsg', 'inet6_csk_xmit', 'ip6_xmit'])
    assert.ok(names.includes(n), `${n} in ${names.join(' → ')}`);
});

test('switching the proto.sendmsg hop to udp_sendmsg re-routes the rest through UDP and IPv4 output', { skip: SKIP }, async () => {
  const ix = (await kernelIndex()).index;
  const p = sendPath(ix, { through: ['udp_sendmsg'] });
  assert.equal(p.broken, undefined, p.broken?.reason);
  const names = p.hops.map((h) => h.to.name);
  for (const n of ['inet_sendmsg', 'udp_sendmsg', 'ip_local_out', 'ip_output', 'dev_queue_xmit', '__netdev_start_xmit'])
    assert.ok(names.includes(n), `${n} in ${names.join(' → ')}`);
  for (const n of ['tcp_sendmsg', 'tcp_write_xmit']) assert.ok(!names.includes(n), `${n} is not on the UDP path`);
  assert.ok(p.drivers!.length >= 100);
  const bad = sendPath(ix, { through: ['no_such_function_xyz'] });
  assert.match(bad.broken?.reason ?? '', /not a target of any indirect hop/);
});
