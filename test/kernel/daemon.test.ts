// The query daemon on the real kernel tree (KPATH_KERNEL, the net scope): the bundled `kpath`
// answers the targets of `READ_ONCE(sock->ops)->sendmsg` and the callers of tcp_sendmsg through the
// tree's daemon (KPATH_DEBUG names it), exactly as `--no-daemon` answers them in its own process.
// Positions are found by text, so another kernel version works.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDir } from '../../server/index/cache';
import { daemonPlace } from '../../server/daemon/place';
import { cliJs, ensureCli } from '../helpers/cli';

const tree = process.env.KPATH_KERNEL;
const skip = !tree
  ? 'KPATH_KERNEL is not set (scripts/fetch-kernel.sh prints it): skipping the daemon test on the real tree'
  : !existsSync(path.join(tree, 'net', 'socket.c'))
    ? `KPATH_KERNEL=${tree} has no net/socket.c: skipping the daemon test`
    : false;
// The CLI's default cache for this tree, as the other kernel tests use it.
const cache = process.env.KPATH_TEST_CACHE ?? (tree ? defaultCacheDir(tree) : '');

function kpath(args: string[]): { code: number | null; out: string; err: string; daemon?: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, KPATH_DEBUG: '1' };
  delete env.KPATH_NO_DAEMON;
  const r = spawnSync(process.execPath, [cliJs, ...args, '--cache', cache], {
    env,
    encoding: 'utf8',
    timeout: 20 * 60_000,
    maxBuffer: 1 << 26,
  });
  const lines = r.stderr.split('\n');
  const m = lines.map((l) => /^kpath: answered by daemon (\d+)/.exec(l)).find(Boolean);
  const debug = /^kpath: (answered by daemon|starting a daemon|the daemon did not answer)/;
  return { code: r.status, out: r.stdout, err: lines.filter((l) => !debug.test(l)).join('\n'), daemon: m ? Number(m[1]) : undefined };
}

describe('query daemon on the real kernel tree (net scope)', { skip }, () => {
  after(() => {
    if (tree) spawnSync(process.execPath, [cliJs, 'daemon', 'stop', tree, '--cache', cache]);
  });

  test('targets and callers through the daemon equal the answers of the command in its own process', () => {
    ensureCli();
    // The daemon serves a tree indexed before: index it first if no test has yet.
    if (!existsSync(daemonPlace(tree!, undefined, undefined, cache).index)) assert.equal(kpath(['index', tree!, '--quiet']).code, 0);
    const line =
      readFileSync(path.join(tree!, 'net/socket.c'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('READ_ONCE(sock->ops)->sendmsg')) + 1;
    assert.ok(line > 0, 'net/socket.c calls READ_ONCE(sock->ops)->sendmsg');
    let daemon: number | undefined;
    for (const q of [
      ['targets', tree!, `net/socket.c:${line}`, '--json'],
      ['callers', tree!, 'tcp_sendmsg'],
    ]) {
      const via = kpath(q);
      assert.ok(via.daemon, `${q.join(' ')}: answered by a daemon (${via.err})`);
      daemon ??= via.daemon;
      assert.equal(via.daemon, daemon, 'one daemon answers both');
      const own = kpath([...q, '--no-daemon']);
      assert.equal(own.daemon, undefined);
      assert.deepEqual([via.code, via.out, via.err], [own.code, own.out, own.err], q.join(' '));
    }
    const rows = JSON.parse(kpath(['targets', tree!, `net/socket.c:${line}`, '--json']).out) as { targets: { name: string }[] }[];
    assert.ok(rows.some((r) => r.targets.some((t) => t.name === 'inet_sendmsg')));
  });
});
