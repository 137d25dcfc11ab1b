// The real bundled server (dist/server.js) over stdio, spoken to with a real JSON-RPC client, on the
// miniature tree in test/fixtures/lsp. Positions come from `//  ^ name` markers in the fixtures.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  CallHierarchyIncomingCall,
  CallHierarchyItem,
  CallHierarchyOutgoingCall,
  CodeLens,
  DocumentSymbol,
  Hover,
  Location,
  SymbolInformation,
} from 'vscode-languageserver-protocol';
import { Methods, type CallPath, type FileAnnotations, type IndexStatus, type IndirectTargets, type RecvPath } from '../../server/protocol';
import { ensureBuilt, fixtureTree, markers, startServer, type Marker, type Server } from './lspClient';

const root = fixtureTree;
let cacheDir: string;
let s: Server;

const mark = (rel: string, name: string): Marker => {
  const m = markers(root, rel).get(name);
  if (!m) throw new Error(`no marker ${name} in ${rel}`);
  return m;
};
const at = (rel: string, name: string) => ({ textDocument: { uri: s.uri(rel) }, position: mark(rel, name) });
/** `file:line` of a location, and of a marker, to compare them. */
const where = (l: Location): string => `${path.relative(root, new URL(l.uri).pathname)}:${l.range.start.line}:${l.range.start.character}`;
const markWhere = (rel: string, name: string): string => {
  const m = mark(rel, name);
  return `${rel}:${m.line}:${m.character}`;
};

before(async () => {
  ensureBuilt();
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kpath-lsp-fixture-'));
  s = await startServer({ root, settings: { include: [], exclude: [], cacheDir } });
  await s.ready(60_000);
});

after(async () => {
  await s?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('definition', () => {
  it('on an indirect callee: every target, INDIRECT_CALL hints first', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/socket.c', 'nosec-sendmsg'));
    const got = locs.map(where);
    assert.deepEqual(
      new Set(got),
      new Set([markWhere('net/ipv4/af_inet.c', 'def-inet_sendmsg'), markWhere('net/ipv6/af_inet6.c', 'def-inet6_sendmsg')]),
    );
  });

  it("through sk->sk_prot (a field reached by an alias macro): the proto tables' functions", async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/ipv6/af_inet6.c', 'prot6-sendmsg'));
    const names = locs.map(where);
    assert.ok(names.includes(markWhere('net/ipv4/tcp.c', 'def-tcp_sendmsg')), names.join(' '));
    assert.equal(locs.length, 2, 'tcp_sendmsg and udp_sendmsg');
  });

  it("on an indirect callee with nothing stored into its field: the field's declaration", async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/socket.c', 'recvmsg-site'));
    assert.deepEqual(locs.map(where), [markWhere('include/linux/net.h', 'field-recvmsg')]);
    const h = await s.conn.sendRequest<Hover>('textDocument/hover', at('net/socket.c', 'recvmsg-site'));
    assert.match((h.contents as { value: string }).value, /no target: nothing is stored into proto_ops\.recvmsg/);
  });

  it('on a function name in an initializer: that function', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/ipv4/af_inet.c', 'init-inet_sendmsg'));
    assert.deepEqual(locs.map(where), [markWhere('net/ipv4/af_inet.c', 'def-inet_sendmsg')]);
  });

  it('on a direct call of a static inline helper in a header', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/ipv4/af_inet.c', 'call-sk_has_room'));
    assert.deepEqual(locs.map(where), [markWhere('include/net/sock.h', 'def-sk_has_room')]);
  });

  it('on a call of sys_sendto: the SYSCALL_DEFINE4(sendto, …) body', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/compat.c', 'call-sys_sendto'));
    assert.deepEqual(locs.map(where), [markWhere('net/socket.c', 'def-sys_sendto')]);
  });
});

describe('implementation', () => {
  it('on a function-pointer field declaration: every function stored into it', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/implementation', at('include/linux/net.h', 'field-sendmsg'));
    assert.deepEqual(
      new Set(locs.map(where)),
      new Set([markWhere('net/ipv4/af_inet.c', 'def-inet_sendmsg'), markWhere('net/ipv6/af_inet6.c', 'def-inet6_sendmsg')]),
    );
  });

  it("on an initializer designator: the same field's functions", async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/implementation', at('net/ipv4/af_inet.c', 'designator-sendmsg'));
    assert.equal(locs.length, 2);
  });

  it('on a field stored by assignment (sk->sk_data_ready = …)', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/implementation', at('net/ipv4/udp.c', 'assign-data_ready'));
    assert.equal(locs.length, 1);
    assert.match(locs[0].uri, /udp\.c$/);
  });
});

describe('references', () => {
  it('of a function: the store into proto.sendmsg and the indirect sites that reach it', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/references', {
      ...at('net/ipv4/tcp.c', 'def-tcp_sendmsg'),
      context: { includeDeclaration: false },
    });
    const got = new Set(locs.map(where));
    assert.ok(got.has(markWhere('net/ipv4/tcp.c', 'store-tcp_sendmsg')), [...got].join(' '));
    assert.ok(got.has(markWhere('net/ipv4/af_inet.c', 'prot-sendmsg')), [...got].join(' '));
    assert.ok(got.has(markWhere('net/ipv6/af_inet6.c', 'prot6-sendmsg')), [...got].join(' '));
    assert.ok(!got.has(markWhere('net/ipv4/tcp.c', 'def-tcp_sendmsg')), 'no declaration unless asked');
  });

  it('of a direct callee: its call sites, and the declaration when asked', async () => {
    const locs = await s.conn.sendRequest<Location[]>('textDocument/references', {
      ...at('net/socket.c', 'def-__sys_sendto'),
      context: { includeDeclaration: true },
    });
    assert.equal(locs.length, 3, locs.map(where).join(' ')); // the definition and the two syscalls
  });
});

describe('call hierarchy', () => {
  const prepare = async (rel: string, name: string): Promise<CallHierarchyItem> => {
    const items = await s.conn.sendRequest<CallHierarchyItem[]>('textDocument/prepareCallHierarchy', at(rel, name));
    assert.equal(items.length, 1);
    return items[0];
  };

  it('incoming calls of tcp_sendmsg: inet_sendmsg via proto.sendmsg', async () => {
    const item = await prepare('net/ipv4/tcp.c', 'def-tcp_sendmsg');
    const calls = await s.conn.sendRequest<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item });
    const inet = calls.find((c) => c.from.name === 'inet_sendmsg');
    assert.ok(inet, calls.map((c) => c.from.name).join(' '));
    assert.match(inet.from.detail ?? '', /via proto\.sendmsg/);
    assert.deepEqual(inet.fromRanges[0].start, mark('net/ipv4/af_inet.c', 'prot-sendmsg'));
    assert.ok(calls.some((c) => c.from.name === 'inet6_sendmsg'));
  });

  it('outgoing calls of inet_sendmsg: the direct helper and the indirect targets, marked', async () => {
    const item = await prepare('net/ipv4/af_inet.c', 'def-inet_sendmsg');
    const calls = await s.conn.sendRequest<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item });
    const byName = new Map(calls.map((c) => [c.to.name, c]));
    assert.doesNotMatch(byName.get('sk_has_room')?.to.detail ?? 'missing', /via/);
    assert.match(byName.get('tcp_sendmsg')?.to.detail ?? '', /via proto\.sendmsg/);
    assert.match(byName.get('udp_sendmsg')?.to.detail ?? '', /via proto\.sendmsg/);
  });

  it('an item the server never made gets an empty answer', async () => {
    const item = await prepare('net/ipv4/tcp.c', 'def-tcp_sendmsg');
    const calls = await s.conn.sendRequest<unknown[]>('callHierarchy/incomingCalls', {
      item: { ...item, data: { id: 'no_such_function' } },
    });
    assert.deepEqual(calls, []);
    const calls2 = await s.conn.sendRequest<unknown[]>('callHierarchy/outgoingCalls', { item: { ...item, data: 42 } });
    assert.deepEqual(calls2, []);
  });
});

describe('hover, code lens, symbols', () => {
  it('hover on an indirect callee: receiver type, slot, targets', async () => {
    const h = await s.conn.sendRequest<Hover>('textDocument/hover', at('net/socket.c', 'nosec-sendmsg'));
    const text = (h.contents as { value: string }).value;
    assert.match(text, /proto_ops\.sendmsg/);
    assert.match(text, /struct proto_ops/);
    assert.match(text, /2 targets: .*inet_sendmsg/);
  });

  it('hover on a call through a local of a static function: the local and its function, not the raw key', async () => {
    const h = await s.conn.sendRequest<Hover>('textDocument/hover', at('net/core/handler.c', 'local-fn-call'));
    const text = (h.contents as { value: string }).value;
    assert.match(text, /^\*\*indirect call\*\* through local `fn` of `run_handler`$/m);
    assert.match(text, /1 target: `drop_skb`/);
  });

  it('hover on a function: signature and how often it is called or stored', async () => {
    const h = await s.conn.sendRequest<Hover>('textDocument/hover', at('net/ipv4/tcp.c', 'def-tcp_sendmsg'));
    const text = (h.contents as { value: string }).value;
    assert.match(text, /int tcp_sendmsg\(struct sock \*sk/);
    assert.match(text, /called from 2 places \(0 direct, 2 indirect\)/);
    assert.match(text, /stored 1 time into `proto\.sendmsg`/);
  });

  it('hover on a function-pointer field: what is stored there, with evidence', async () => {
    const h = await s.conn.sendRequest<Hover>('textDocument/hover', at('include/linux/net.h', 'field-sendmsg'));
    const text = (h.contents as { value: string }).value;
    assert.match(text, /`proto_ops\.sendmsg`/);
    assert.match(text, /2 functions stored · called indirectly at 1 site/);
    assert.match(text, /`inet_sendmsg`: init `proto_ops\.sendmsg` at net\/ipv4\/af_inet\.c:\d+/);
  });

  it('code lens above each indirect call with targets', async () => {
    const lenses = await s.conn.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: s.uri('net/socket.c') } });
    const lens = lenses.find((l) => l.range.start.line === mark('net/socket.c', 'nosec-sendmsg').line);
    assert.ok(lens?.command, JSON.stringify(lenses));
    assert.match(lens.command.title, /^2 targets: inet_sendmsg, inet6_sendmsg$|^2 targets: inet6_sendmsg, inet_sendmsg$/);
    assert.equal(lens.command.command, 'kpath.showTargets');
    assert.deepEqual(lens.command.arguments?.[0], {
      file: 'net/socket.c',
      ...{ line: lens.range.start.line, col: lens.range.start.character },
      uri: s.uri('net/socket.c'),
    });
  });

  it('workspace symbols, fuzzy', async () => {
    const syms = await s.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'tcpsndmsg' });
    assert.equal(syms[0]?.name, 'tcp_sendmsg');
    const structs = await s.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'proto_ops' });
    assert.equal(structs[0]?.name, 'proto_ops');
    const fields = await s.conn.sendRequest<SymbolInformation[]>('workspace/symbol', { query: 'sk_data_ready' });
    assert.equal(fields[0]?.containerName, 'sock');
  });

  it('document symbols: functions, structs with fields, globals', async () => {
    const syms = await s.conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri: s.uri('net/ipv4/af_inet.c') },
    });
    assert.deepEqual(
      syms.map((x) => x.name),
      ['inet_release', 'inet_sendmsg', 'inet_stream_ops', 'inet_dgram_ops'],
    );
    const h = await s.conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', {
      textDocument: { uri: s.uri('include/linux/net.h') },
    });
    assert.deepEqual(
      h.find((x) => x.name === 'struct proto_ops')?.children?.map((c) => c.name),
      ['family', 'release', 'sendmsg', 'recvmsg'],
    );
  });
});

describe('kpath/* requests', () => {
  it('kpath/targets: targets with evidence', async () => {
    const m = mark('net/socket.c', 'nosec-sendmsg');
    const r = await s.conn.sendRequest<IndirectTargets | null>(Methods.targets, { file: 'net/socket.c', line: m.line, col: m.character });
    assert.equal(r?.slot, 'proto_ops.sendmsg');
    assert.equal(r?.receiverType, 'struct proto_ops');
    assert.deepEqual(
      r?.targets.map((t) => t.hint),
      [true, true],
    );
    const inet = r?.targets.find((t) => t.fn.name === 'inet_sendmsg');
    assert.ok(
      inet?.evidence.some((e) => e.how === 'init' && e.file === 'net/ipv4/af_inet.c'),
      JSON.stringify(inet?.evidence),
    );
    assert.equal(await s.conn.sendRequest(Methods.targets, { file: 'net/socket.c', line: 0, col: 0 }), null);
  });

  it('kpath/targets on an initializer designator: every function stored into that field', async () => {
    const m = mark('net/ipv4/af_inet.c', 'designator-sendmsg');
    const r = await s.conn.sendRequest<IndirectTargets | null>(Methods.targets, {
      file: 'net/ipv4/af_inet.c',
      line: m.line,
      col: m.character,
      uri: s.uri('net/ipv4/af_inet.c'),
    });
    assert.equal(r?.slot, 'proto_ops.sendmsg');
    assert.deepEqual(
      r?.targets.map((t) => t.fn.name),
      ['inet6_sendmsg', 'inet_sendmsg'],
    );
  });

  it('kpath/callPath: syscall to tcp_sendmsg through two function pointers', async () => {
    const p = await s.conn.sendRequest<CallPath>(Methods.callPath, { from: 'sendto', to: 'tcp_sendmsg' });
    assert.equal(p.broken, undefined);
    assert.deepEqual(
      p.hops.map((h) => h.to.name),
      ['__sys_sendto', 'sock_sendmsg_nosec', 'inet_sendmsg', 'tcp_sendmsg'],
    );
    assert.equal(p.hops[2].via, 'proto_ops.sendmsg');
  });

  it('kpath/sendPath answers (broken here: the fixture has no IP layer)', async () => {
    const p = await s.conn.sendRequest<CallPath>(Methods.sendPath, { family: 'ipv4' });
    assert.ok(p.broken, JSON.stringify(p));
  });

  it('kpath/recvPath answers with two legs shaped like the send path (broken here: no receive code)', async () => {
    const p = await s.conn.sendRequest<RecvPath>(Methods.recvPath, { family: 'ipv4' });
    assert.ok(Array.isArray(p.deliver.hops) && Array.isArray(p.read.hops), JSON.stringify(p));
    assert.ok(p.deliver.broken, JSON.stringify(p.deliver));
    assert.deepEqual(
      p.deliver.branches?.map((b) => [b.id, b.chosen]),
      [['netfilter', 'none']],
    );
  });

  it('kpath/fileAnnotations: the indirect call sites of a file and its functions reached only through a pointer', async () => {
    const a = await s.conn.sendRequest<FileAnnotations>(Methods.fileAnnotations, { uri: s.uri('net/ipv4/af_inet.c') });
    const site = mark('net/ipv4/af_inet.c', 'prot-sendmsg');
    assert.deepEqual(
      a.sites.map((x) => [x.line, x.col, x.endCol - x.col, x.slot, x.targets, x.notBuilt]),
      [[site.line, site.character, 'sendmsg'.length, 'proto.sendmsg', 2, 0]],
    );
    assert.match(a.sites[0].title, /^2 targets: (tcp_sendmsg, udp_sendmsg|udp_sendmsg, tcp_sendmsg)$/);
    // inet_release is called only at sock->ops->release, inet_sendmsg only through the INDIRECT_CALL at sock->ops->sendmsg.
    assert.deepEqual(
      a.indirectOnly.map((f) => [f.name, f.slots, f.callers]),
      [
        ['inet_release', ['proto_ops.release'], 1],
        ['inet_sendmsg', ['proto_ops.sendmsg'], 1],
      ],
    );
    assert.equal(a.indirectOnly[1].line, mark('net/ipv4/af_inet.c', 'def-inet_sendmsg').line);
    // net/socket.c: __sys_sendto and sock_sendmsg_nosec are called directly; the syscalls by nothing.
    const sock = await s.conn.sendRequest<FileAnnotations>(Methods.fileAnnotations, { uri: s.uri('net/socket.c') });
    assert.deepEqual(sock.indirectOnly, []);
    // recvmsg has no target: no lens, no underline.
    assert.deepEqual(
      sock.sites.map((x) => [x.line, x.slot]),
      [
        [mark('net/socket.c', 'nosec-sendmsg').line, 'proto_ops.sendmsg'],
        [mark('net/socket.c', 'release-site').line, 'proto_ops.release'],
      ],
    );
  });

  it('kpath/status reports the index', async () => {
    const st = await s.conn.sendRequest<IndexStatus>(Methods.status);
    assert.equal(st.state, 'ready');
    assert.ok(st.functions >= 15, String(st.functions));
    assert.equal(st.filesTotal, 12);
    assert.ok(st.resolvedSites >= 4, JSON.stringify(st));
  });

  it('reported progress while indexing: workDoneProgress begin … end and statusChanged', () => {
    assert.equal(s.progress[0]?.kind, 'begin');
    assert.equal(s.progress.at(-1)?.kind, 'end');
    assert.ok(s.statuses.some((x) => x.state === 'indexing'));
    assert.equal(s.statuses.at(-1)?.state, 'ready');
  });
});

describe('edits: the buffer wins until it is closed', () => {
  const rel = 'net/ipv4/udp.c';
  const extra =
    '\nint udp_fast_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)\n{\n    return 0;\n}\n\nconst struct proto_ops udp_fast_ops = {\n    .sendmsg = udp_fast_sendmsg,\n};\n';

  it("didChange adds a target; didClose restores the disk's version", async () => {
    const targets = async (): Promise<string[]> =>
      (await s.conn.sendRequest<Location[]>('textDocument/definition', at('net/socket.c', 'nosec-sendmsg'))).map((l) => where(l));
    const before = await targets();
    const uri = await s.open(rel);
    const disk = readFileSync(path.join(root, rel), 'utf8');
    await s.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        {
          range: { start: { line: disk.split('\n').length - 1, character: 0 }, end: { line: disk.split('\n').length - 1, character: 0 } },
          text: extra,
        },
      ],
    });
    const during = await targets();
    assert.equal(during.length, before.length + 1, during.join(' '));
    assert.ok(during.some((w) => w.startsWith(`${rel}:`)));
    const hover = await s.conn.sendRequest<Hover>('textDocument/hover', {
      textDocument: { uri },
      position: { line: disk.split('\n').length, character: 6 },
    });
    assert.match((hover.contents as { value: string }).value, /udp_fast_sendmsg/);
    await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await s.conn.sendRequest(Methods.status); // the close is handled before the next request
    assert.deepEqual(await targets(), before);
  });
});

describe('bad input never crashes the server', () => {
  it('unknown files, positions past the end, odd parameters: empty answers', async () => {
    const unknown = { textDocument: { uri: 'file:///nowhere/x.c' }, position: { line: 1, character: 1 } };
    assert.deepEqual(await s.conn.sendRequest('textDocument/definition', unknown), []);
    assert.equal(await s.conn.sendRequest('textDocument/hover', unknown), null);
    const past = { textDocument: { uri: s.uri('net/socket.c') }, position: { line: 99_999, character: 5 } };
    assert.deepEqual(await s.conn.sendRequest('textDocument/definition', past), []);
    assert.deepEqual(await s.conn.sendRequest('textDocument/references', { ...past, context: { includeDeclaration: true } }), []);
    assert.deepEqual(await s.conn.sendRequest('textDocument/prepareCallHierarchy', past), []);
    const farRight = { textDocument: { uri: s.uri('net/socket.c') }, position: { line: 3, character: 10_000 } };
    assert.deepEqual(await s.conn.sendRequest('textDocument/definition', farRight), []);
    assert.deepEqual(await s.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: 'untitled:Untitled-1' } }), []);
    assert.deepEqual(await s.conn.sendRequest('workspace/symbol', { query: '' }), []);
  });

  it('invalid parameters of a custom request: an LSP error, and the server goes on', async () => {
    await assert.rejects(s.conn.sendRequest(Methods.callPath, { from: 3 }), /callPath needs/);
    await assert.rejects(s.conn.sendRequest(Methods.sendPath, { family: 'ipx' }), /family/);
    await assert.rejects(s.conn.sendRequest(Methods.fileAnnotations, { file: 'net/socket.c' }), /fileAnnotations needs \{ uri: string \}/);
    assert.deepEqual(await s.conn.sendRequest(Methods.fileAnnotations, { uri: 'untitled:Untitled-1' }), { sites: [], indirectOnly: [] });
    await assert.rejects(s.conn.sendRequest(Methods.recvPath, { branches: ['qdisc'] }), /branches must map/);
    await assert.rejects(s.conn.sendRequest(Methods.sendPath, { branches: { qdisc: 'fast' } }), /branch qdisc has no option fast/);
    await assert.rejects(s.conn.sendRequest('kpath/noSuchRequest', {}), /Unhandled method|not found/i);
    assert.equal(await s.conn.sendRequest(Methods.targets, null), null);
    assert.equal((await s.conn.sendRequest<IndexStatus>(Methods.status)).state, 'ready');
  });

  it('a malformed message: the server stays alive and answers the next request', async () => {
    const body = '{"jsonrpc":"2.0","id":9999,"method":';
    s.proc.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const st = await s.conn.sendRequest<IndexStatus>(Methods.status);
    assert.equal(st.state, 'ready');
    assert.ok(s.alive());
  });
});

describe('a tree that changes under the server', () => {
  it("files deleted and created on disk: the watcher's notifications update the targets", async () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'kpath-lsp-tree-'));
    cpSync(root, copy, { recursive: true });
    const w = await startServer({ root: copy, settings: { include: [], exclude: [], cacheDir: path.join(copy, '.cache') }, watch: true });
    try {
      await w.ready(60_000);
      assert.ok(w.registered.includes('workspace/didChangeWatchedFiles'), w.registered.join(' '));
      const def = async (): Promise<string[]> =>
        (
          await w.conn.sendRequest<Location[]>('textDocument/definition', {
            textDocument: { uri: w.uri('net/socket.c') },
            position: mark('net/socket.c', 'nosec-sendmsg'),
          })
        ).map((l) => path.relative(copy, new URL(l.uri).pathname));
      assert.equal((await def()).length, 2);

      rmSync(path.join(copy, 'net/ipv6/af_inet6.c'));
      // Before the watcher says so, a request on the vanished file is simply empty.
      assert.deepEqual(
        await w.conn.sendRequest('textDocument/definition', {
          textDocument: { uri: w.uri('net/ipv6/af_inet6.c') },
          position: { line: 4, character: 6 },
        }),
        [],
      );
      writeFileSync(
        path.join(copy, 'net/ipv4/raw.c'),
        '#include <linux/net.h>\n\nint raw_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)\n{\n    return 0;\n}\n\nconst struct proto_ops inet_raw_ops = {\n    .sendmsg = raw_sendmsg,\n};\n',
      );
      await w.conn.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [
          { uri: w.uri('net/ipv6/af_inet6.c'), type: 3 },
          { uri: w.uri('net/ipv4/raw.c'), type: 1 },
        ],
      });
      const after = await def();
      assert.ok(after.includes('net/ipv4/raw.c'), after.join(' '));
      assert.ok(!after.some((f) => f.includes('ipv6')), after.join(' '));
      assert.ok(w.alive());
    } finally {
      await w.stop();
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('requests while the index is built, and over IPC', () => {
  it('a fresh server answers during indexing and reaches ready over --node-ipc', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kpath-lsp-ipc-'));
    const ipc = await startServer({ root, settings: { include: [], exclude: [], cacheDir: dir }, transport: 'ipc', progress: false });
    try {
      const early = await ipc.conn.sendRequest<Location[]>('textDocument/definition', {
        textDocument: { uri: ipc.uri('net/socket.c') },
        position: mark('net/socket.c', 'nosec-sendmsg'),
      });
      assert.ok(Array.isArray(early));
      await ipc.ready(60_000);
      const locs = await ipc.conn.sendRequest<Location[]>('textDocument/definition', {
        textDocument: { uri: ipc.uri('net/socket.c') },
        position: mark('net/socket.c', 'nosec-sendmsg'),
      });
      assert.equal(locs.length, 2);
      // A reindex while warm: back to ready, from the cache.
      await ipc.conn.sendRequest(Methods.reindex);
      await new Promise((r) => setTimeout(r, 50));
      await ipc.ready(60_000);
      assert.ok(
        ipc.logs.some((l) => /from cache/.test(l)),
        ipc.logs.join('\n'),
      );
    } finally {
      await ipc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a tree root that does not exist: error status, and requests still answered', async () => {
    const gone = await startServer({ root: path.join(os.tmpdir(), 'kpath-no-such-tree'), settings: { include: [], exclude: [] } });
    try {
      await assert.rejects(gone.ready(10_000), /not a folder/);
      assert.deepEqual(
        await gone.conn.sendRequest('textDocument/definition', {
          textDocument: { uri: gone.uri('x.c') },
          position: { line: 0, character: 0 },
        }),
        [],
      );
      const p = await gone.conn.sendRequest<CallPath>(Methods.callPath, { from: 'a', to: 'b' });
      assert.ok(p.broken);
    } finally {
      await gone.stop();
    }
  });
});
