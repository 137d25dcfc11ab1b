// The send-path code lens numbers the functions of the path from 1 and names the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lensTitle, steps } from '../../extension/features/sendPathSteps';
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
