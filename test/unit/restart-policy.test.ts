// The client's answer to a server that stopped (extension/restartPolicy.ts): restart and tell the
// person the first time, restart quietly after, give up after five stops in three minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from '../../extension/restartPolicy';

test('a stopped server is restarted, the person told once; five stops in three minutes and it stays down', () => {
  const p = new RestartPolicy();
  const min = 60_000;
  assert.equal(p.stopped(0), 'restart and tell');
  assert.equal(p.stopped(1 * min), 'restart');
  assert.equal(p.stopped(2 * min), 'restart');
  // The first has left the window: three in it, restarted.
  assert.equal(p.stopped(3.5 * min), 'restart');
  assert.equal(p.recent, 3);
  assert.equal(p.stopped(3.6 * min), 'restart');
  assert.equal(p.stopped(3.7 * min), 'give up');
  assert.equal(p.recent, 5);
});
