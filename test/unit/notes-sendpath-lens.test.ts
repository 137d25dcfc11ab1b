// The send- and receive-path code lenses number the functions of the path from 1 and name the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lensTitle, recvSteps, steps } from '../../extension/features/sendPathSteps';
import type { CallPath, FunctionRef, PathHop } from '../../server/protocol';

const fn = (name: string, line: number): FunctionRef => ({ id: name, name, file: 'net/ipv4/tcp.c', line, col: 0 });
const hop = (from: FunctionRef, to: FunctionRef): PathHop => ({
  from,
  to,
  kind: 'direct',
  via: '',
  site: { file: from.file, line: from.line + 1, col: 1 },
  evidence: [],
  alternatives: [],
});

test('steps: every function once, in order, with the next one', () => {
  const [a, b, c] = [fn('__sys_sendto', 1), fn('tcp_sendmsg', 20), fn('tcp_write_xmit', 40)];
  const path: CallPath = { hops: [hop(a, b), hop(b, c)] };
  const s = steps(path);
  assert.deepEqual(
    s.map((x) => [x.fn.name, x.step, x.of, x.next]),
    [
      ['__sys_sendto', 1, 3, 'tcp_sendmsg'],
      ['tcp_sendmsg', 2, 3, 'tcp_write_xmit'],
      ['tcp_write_xmit', 3, 3, undefined],
    ],
  );
  assert.equal(lensTitle(s[1]), 'send path · step 2 of 3 · next: tcp_write_xmit');
  assert.equal(lensTitle(s[2]), 'send path · step 3 of 3 · end of the path');
  const withDrivers = steps({ ...path, drivers: [fn('loopback_xmit', 5), fn('e1000_xmit_frame', 9)] });
  assert.equal(lensTitle(withDrivers[2]), 'send path · step 3 of 3 · then 2 drivers');
  const broken = steps({ ...path, broken: { after: 'tcp_write_xmit', before: 'ip_queue_xmit', reason: 'no function' } });
  assert.equal(lensTitle(broken[2]), 'send path · step 3 of 3 · the path breaks here');
  assert.deepEqual(steps({ hops: [] }), []);
});

test('recvSteps: the two receive legs numbered on, each leg ending with what follows it', () => {
  const [a, b, c] = [fn('ip_rcv', 1), fn('tcp_v4_rcv', 20), fn('tcp_data_ready', 40)];
  const [d, e] = [fn('__sys_recvfrom', 60), fn('tcp_recvmsg', 80)];
  const s = recvSteps({
    deliver: { hops: [hop(a, b), hop(b, c)], endsAt: { slot: 'sock.sk_data_ready', targets: [fn('sock_def_readable', 9)] } },
    read: { hops: [hop(d, e)] },
  });
  assert.deepEqual(
    s.map((x) => [x.fn.name, x.step, x.of, x.direction]),
    [
      ['ip_rcv', 1, 5, 'recv'],
      ['tcp_v4_rcv', 2, 5, 'recv'],
      ['tcp_data_ready', 3, 5, 'recv'],
      ['__sys_recvfrom', 4, 5, 'recv'],
      ['tcp_recvmsg', 5, 5, 'recv'],
    ],
  );
  assert.equal(lensTitle(s[0]), 'receive path · step 1 of 5 · next: tcp_v4_rcv');
  // The packet leg ends at the wakeup, not at the first function of the read leg.
  assert.equal(lensTitle(s[2]), 'receive path · step 3 of 5 · then sock.sk_data_ready (1 target)');
  assert.equal(lensTitle(s[4]), 'receive path · step 5 of 5 · end of the path');
  // A leg the index has no hops for is left out, the other keeps its numbers.
  assert.deepEqual(
    recvSteps({ deliver: { hops: [] }, read: { hops: [hop(d, e)] } }).map((x) => [x.step, x.of]),
    [
      [1, 2],
      [2, 2],
    ],
  );
});
