// The SCIP export of the real tree's net scope (KPATH_KERNEL), through the CLI, read back with
// the tests' own decoder: "Find implementations" on proto_ops.sendmsg must list inet_sendmsg
// with the initializer that stores it, and the call in sock_sendmsg_nosec must be a reference to
// that field. Positions are found by text, so the test survives another kernel version.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KERNEL, SKIP, TEST_CACHE } from './kernelTree';
import { readIndex, type Document } from '../helpers/scip';
import { cliJs, ensureCli } from '../helpers/cli';

const sym = (descriptors: string): string => `kpath . . . ${descriptors}`;
const lines = (rel: string): string[] => readFileSync(path.join(KERNEL!, rel), 'utf8').split('\n');

describe('SCIP export of the net scope of the real tree', { skip: SKIP }, () => {
  let dir: string;
  let scip: ReturnType<typeof readIndex>;
  const doc = (rel: string): Document => {
    const d = scip.document(rel);
    assert.ok(d, `no document for ${rel}`);
    return d;
  };

  before(() => {
    ensureCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kpath-scip-'));
    const out = path.join(dir, 'index.scip');
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cliJs, 'scip', KERNEL!, '--out', out, '--cache', TEST_CACHE, '--quiet'], {
      encoding: 'utf8',
      timeout: 30 * 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    console.log(`# ${r.stdout.trim()} (${((performance.now() - t0) / 1000).toFixed(1)} s with the index load)`);
    scip = readIndex(readFileSync(out));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('inet_sendmsg implements proto_ops.sendmsg, stored by the initializer of inet_stream_ops', () => {
    const inet = doc('net/ipv4/af_inet.c').symbols.find((s) => s.symbol === sym('inet_sendmsg().'));
    assert.ok(inet, 'inet_sendmsg has no SymbolInformation in net/ipv4/af_inet.c');
    assert.ok(
      inet.relationships.some((r) => r.symbol === sym('proto_ops#sendmsg.') && r.isImplementation),
      JSON.stringify(inet.relationships),
    );
    const store = lines('net/ipv4/af_inet.c').findIndex((l) => /\.sendmsg\s*=\s*inet_sendmsg\b/.test(l));
    assert.ok(inet.documentation.join('\n').includes(`init at net/ipv4/af_inet.c:${store + 1}:`), inet.documentation.join('\n'));
  });

  test('the call in sock_sendmsg_nosec is a reference to proto_ops.sendmsg, its hover naming inet_sendmsg', () => {
    const anchor = 'READ_ONCE(sock->ops)->sendmsg';
    const text = lines('net/socket.c');
    const line = text.findIndex((l) => l.includes(anchor));
    const col = text[line].indexOf(anchor) + anchor.length - 'sendmsg'.length;
    const call = doc('net/socket.c').occurrences.find((o) => o.range[0] === line && o.range[1] === col);
    assert.ok(call, `no occurrence at net/socket.c:${line + 1}:${col + 1}`);
    assert.equal(call.symbol, sym('proto_ops#sendmsg.'));
    assert.match(call.overrideDocumentation[0] ?? '', /`inet_sendmsg` \(net\/ipv4\/af_inet\.c:\d+\)/);
    const field = doc('include/linux/net.h').occurrences.find((o) => o.symbol === sym('proto_ops#sendmsg.') && o.symbolRoles === 1);
    assert.ok(field, 'proto_ops.sendmsg is not defined in include/linux/net.h');
  });

  test('the protocol and driver tables too: tcp_sendmsg implements proto.sendmsg, loopback_xmit ndo_start_xmit', () => {
    const tcp = doc('net/ipv4/tcp.c').symbols.find((s) => s.symbol === sym('tcp_sendmsg().'));
    assert.ok(tcp?.relationships.some((r) => r.symbol === sym('proto#sendmsg.') && r.isImplementation));
    const lo = doc('drivers/net/loopback.c').symbols.find((s) => s.displayName === 'loopback_xmit');
    assert.ok(
      lo?.relationships.some((r) => r.symbol === sym('net_device_ops#ndo_start_xmit.') && r.isImplementation),
      JSON.stringify(lo),
    );
  });
});
