// The real bundled server on the real kernel tree (KPATH_KERNEL, the net scope), over stdio.
// Positions are found by text (`READ_ONCE(sock->ops)->sendmsg`), so the test survives another
// kernel version. The index cache lives in a fixed folder under the temp dir: the first run builds
// it (minutes), later runs load it (seconds). Latencies are printed as test diagnostics.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDir } from '../../server/index/cache';
import type { CallHierarchyIncomingCall, CallHierarchyItem, Hover, Location } from 'vscode-languageserver-protocol';
import { Methods, type IndexStatus } from '../../server/protocol';
import { positionOf, serverJs, startServer, type Marker, type Server } from './lspClient';

const tree = process.env.KPATH_KERNEL;
const skip = !tree
  ? 'KPATH_KERNEL is not set (scripts/fetch-kernel.sh prints it): skipping the real-tree LSP tests'
  : !existsSync(path.join(tree, 'net', 'socket.c'))
    ? `KPATH_KERNEL=${tree} has no net/socket.c: skipping the real-tree LSP tests`
    : !existsSync(serverJs)
      ? 'dist/server.js is not built (node esbuild.mjs): skipping'
      : false;
// The CLI's default cache for this tree: .ci/run warms it once with `kpath index` for every test.
export const kernelCacheDir = process.env.KPATH_TEST_CACHE ?? (tree ? defaultCacheDir(tree) : '');

let s: Server;
const timings = new Map<string, number[]>();

async function timed<T>(label: string, p: Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await p;
  const list = timings.get(label) ?? [];
  list.push(performance.now() - t0);
  timings.set(label, list);
  return r;
}

const text = (rel: string): string => readFileSync(path.join(tree!, rel), 'utf8');
/** The identifier a location points at, read from the file. */
const nameAt = (l: Location): string => {
  const line = readFileSync(new URL(l.uri), 'utf8').split('\n')[l.range.start.line] ?? '';
  return /^\w+/.exec(line.slice(l.range.start.character))?.[0] ?? '';
};
const doc = (rel: string, pos: Marker) => ({ textDocument: { uri: s.uri(rel) }, position: pos });

describe('language server on the real kernel tree (net scope)', { skip }, () => {
  before(async () => {
    const t0 = performance.now();
    s = await startServer({ root: tree!, settings: { include: ['net'], cacheDir: kernelCacheDir } });
    const st = await s.ready(20 * 60_000);
    console.log(
      `# index ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${st.filesTotal} files, ${st.functions} functions, ${st.resolvedSites}/${st.indirectSites} indirect calls resolved`,
    );
    for (const l of s.logs.filter((x) => /^indexed /.test(x))) console.log(`# ${l}`);
  });

  after(async () => {
    for (const [label, ms] of timings) console.log(`# ${label}: ${ms.map((x) => x.toFixed(0)).join(', ')} ms`);
    await s?.stop();
  });

  it('definition of sendmsg in sock_sendmsg_nosec: inet_sendmsg and inet6_sendmsg among the targets', async () => {
    const anchor = 'READ_ONCE(sock->ops)->sendmsg';
    const pos = positionOf(text('net/socket.c'), anchor, anchor.length - 'sendmsg'.length);
    const locs = await timed('definition (indirect)', s.conn.sendRequest<Location[]>('textDocument/definition', doc('net/socket.c', pos)));
    const names = locs.map(nameAt);
    assert.ok(names.includes('inet_sendmsg'), names.join(' '));
    assert.ok(names.includes('inet6_sendmsg'), names.join(' '));
    // INDIRECT_CALL_INET names both as hints: they come first.
    assert.deepEqual(new Set(names.slice(0, 2)), new Set(['inet_sendmsg', 'inet6_sendmsg']));
    const again = await timed('definition (indirect)', s.conn.sendRequest<Location[]>('textDocument/definition', doc('net/socket.c', pos)));
    assert.equal(again.length, locs.length);
  });

  it('incoming calls of tcp_sendmsg include inet_sendmsg via proto.sendmsg', async () => {
    const anchor = 'int tcp_sendmsg(struct sock *sk';
    const pos = positionOf(text('net/ipv4/tcp.c'), anchor, 'int '.length);
    const items = await timed(
      'prepareCallHierarchy',
      s.conn.sendRequest<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', doc('net/ipv4/tcp.c', pos)),
    );
    assert.equal(items[0]?.name, 'tcp_sendmsg');
    const calls = await timed(
      'incomingCalls',
      s.conn.sendRequest<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item: items[0] }),
    );
    const inet = calls.filter((c) => c.from.name === 'inet_sendmsg');
    assert.ok(
      inet.some((c) => /via proto\.sendmsg/.test(c.from.detail ?? '')),
      calls.map((c) => `${c.from.name} ${c.from.detail}`).join('\n'),
    );
  });

  it('hover and references answer on the real tree', async () => {
    const anchor = 'READ_ONCE(sock->ops)->sendmsg';
    const pos = positionOf(text('net/socket.c'), anchor, anchor.length - 'sendmsg'.length);
    const h = await timed('hover (indirect)', s.conn.sendRequest<Hover>('textDocument/hover', doc('net/socket.c', pos)));
    assert.match((h.contents as { value: string }).value, /proto_ops\.sendmsg/);
    const defPos = positionOf(text('net/ipv4/af_inet.c'), 'int inet_sendmsg(struct socket *sock', 'int '.length);
    const refs = await timed(
      'references',
      s.conn.sendRequest<Location[]>('textDocument/references', {
        ...doc('net/ipv4/af_inet.c', defPos),
        context: { includeDeclaration: false },
      }),
    );
    assert.ok(
      refs.some((l) => l.uri.endsWith('net/ipv4/af_inet.c')),
      'stored into inet_stream_ops in af_inet.c',
    );
    assert.ok(
      refs.some((l) => l.uri.endsWith('net/socket.c')),
      'reached from the indirect sites in socket.c',
    );
  });

  it('bad input: unknown file, position past the end, malformed message; the server stays alive', async () => {
    assert.deepEqual(
      await s.conn.sendRequest('textDocument/definition', {
        textDocument: { uri: s.uri('net/no_such_file.c') },
        position: { line: 3, character: 3 },
      }),
      [],
    );
    assert.deepEqual(await s.conn.sendRequest('textDocument/definition', doc('net/socket.c', { line: 1_000_000, character: 0 })), []);
    assert.equal(await s.conn.sendRequest('textDocument/hover', doc('net/socket.c', { line: 5, character: 100_000 })), null);
    const body = '{"jsonrpc":"2.0","id":"broken","method":"textDocument/definition","params":{';
    s.proc.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const st = await s.conn.sendRequest<IndexStatus>(Methods.status);
    assert.equal(st.state, 'ready');
    assert.ok(s.alive());
  });
});
