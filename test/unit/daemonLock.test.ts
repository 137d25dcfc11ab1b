// The daemon's lock and place (server/daemon/): a lock held by a live daemon is not taken, one left by
// a dead process (or by a pid now another program's) is, one just created and still empty is left
// to its writer; a socket path too long for the kernel goes to the temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { takeLock } from '../../server/daemon/server';
import { daemonPlace } from '../../server/daemon/place';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kpath-lock-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a lock is taken once; a live daemon keeps it; a dead one loses it', async () => {
  const lock = path.join(dir, 'a.lock');
  assert.deepEqual(takeLock(lock), { ok: true });
  assert.equal(readFileSync(lock, 'utf8'), String(process.pid));
  // This process is no daemon (its command line has no `daemon`): its lock is taken as left behind.
  assert.deepEqual(takeLock(lock), { ok: true });

  const daemon = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', 'daemon']);
  await new Promise((r) => daemon.once('spawn', r));
  writeFileSync(lock, String(daemon.pid));
  assert.deepEqual(takeLock(lock), { ok: false, holder: `pid ${daemon.pid}` });
  daemon.kill('SIGKILL');
  await new Promise((r) => daemon.once('exit', r));
  assert.deepEqual(takeLock(lock), { ok: true });
  assert.equal(readFileSync(lock, 'utf8'), String(process.pid));
});

test('an empty lock is its writer’s for a moment, then stale', () => {
  const lock = path.join(dir, 'b.lock');
  writeFileSync(lock, '');
  assert.equal(takeLock(lock).ok, false);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  assert.deepEqual(takeLock(lock), { ok: true });
});

test('a socket path the kernel would refuse goes to the temporary folder; the lock and log stay in the cache folder', () => {
  const deep = path.join(dir, 'x'.repeat(120));
  const p = daemonPlace(dir, ['net'], undefined, deep);
  assert.equal(path.dirname(p.socket), os.tmpdir());
  assert.ok(p.socket.length < 100);
  assert.equal(path.dirname(p.lock), deep);
  const near = daemonPlace(dir, ['net'], undefined, path.join(dir, 'c'));
  assert.equal(near.socket, path.join(dir, 'c', `${path.basename(near.index).replace(/^index-(\w+)\.jsonl$/, 'daemon-$1')}.sock`));
  assert.deepEqual(near.args, [path.resolve(dir), '--cache', path.join(dir, 'c'), '--scope', 'net']);
});
