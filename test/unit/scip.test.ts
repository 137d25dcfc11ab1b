// The SCIP export on the fixture trees, read back with a decoder written from scip.proto apart from
// the writer (test/helpers/scip.ts): metadata, a document per file, definitions at the names
// the fixture's markers point at, direct and indirect calls as references, and each function
// stored into a field an implementation of that field, with where it was stored.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIndex } from '../../server/index/indexer';
import type { KernelIndex } from '../../server/index/kernelIndex';
import { exportScip, type ScipReport } from '../../server/scip/export';
import { ProtoWriter } from '../../server/scip/proto';
import { firstField, readIndex, type Document, type Occurrence } from '../helpers/scip';
import { markers } from '../server/lspClient';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const LSP = path.join(FIXTURES, 'lsp');
const MINI = path.join(FIXTURES, 'minikernel');

const DEFINITION = 1;
const sym = (descriptors: string): string => `kpath . . . ${descriptors}`;

interface Exported {
  ix: KernelIndex;
  report: ScipReport;
  buf: Buffer;
  scip: ReturnType<typeof readIndex>;
}

async function exported(root: string): Promise<Exported> {
  const ix = (await buildIndex(root, { include: [], noCache: true, threads: 1 })).index;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpath-scip-'));
  try {
    const out = path.join(dir, 'index.scip');
    const report = exportScip(ix, out, ['scip', root]);
    const buf = readFileSync(out);
    return { ix, report, buf, scip: readIndex(buf) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The occurrences of a document that start at a marker. */
function at(doc: Document, m: { line: number; character: number }): Occurrence[] {
  return doc.occurrences.filter((o) => o.range[0] === m.line && o.range[1] === m.character);
}

test('the writer encodes as the protobuf wire format says', () => {
  const w = new ProtoWriter();
  w.message(2, (m) => {
    m.packed(1, [1, 2, 300]);
    m.string(2, 'a');
    m.uint(3, 1);
    m.uint(4, 0);
    m.bool(5, false);
    m.string(6, '');
  });
  // field 2 length-delimited (0x12), 11 bytes: packed field 1 (0x0a, 4 bytes: 1, 2, 300 = ac 02), field 2 'a', field 3 varint 1.
  assert.deepEqual([...w.bytes()], [0x12, 11, 0x0a, 4, 1, 2, 0xac, 0x02, 0x12, 1, 0x61, 0x18, 1]);
  w.reset();
  // A body longer than 127 bytes takes a two-byte length, put in front after the body is written.
  w.message(1, (m) => m.string(1, 'x'.repeat(200)));
  assert.deepEqual([...w.bytes().subarray(0, 6)], [0x0a, 0xcb, 0x01, 0x0a, 0xc8, 0x01]);
  assert.equal(w.bytes().length, 206);
});

describe('SCIP export of the fixture tree', () => {
  let e: Exported;
  before(async () => {
    e = await exported(LSP);
  });
  const doc = (rel: string): Document => {
    const d = e.scip.document(rel);
    assert.ok(d, `no document for ${rel}`);
    return d;
  };

  test('the metadata comes first: tool, project root as a file URI, UTF-8', () => {
    assert.equal(firstField(e.buf), 1);
    assert.equal(e.scip.metadata.tool.name, 'kpath');
    assert.match(e.scip.metadata.tool.version, /^\d+\.\d+\.\d+/);
    assert.equal(e.scip.metadata.projectRoot, pathToFileURL(LSP).href);
    assert.equal(e.scip.metadata.textDocumentEncoding, 1);
  });

  test('one document per indexed file, in C, with UTF-16 columns', () => {
    assert.deepEqual(e.scip.paths, [...e.ix.files.keys()].sort());
    assert.equal(e.report.documents, e.ix.files.size);
    for (const d of e.scip.documents()) {
      assert.equal(d.language, 'c');
      assert.equal(d.positionEncoding, 2);
    }
  });

  test('functions, structs and fields are defined at their names', () => {
    const af = doc('net/ipv4/af_inet.c');
    const def = at(af, markers(LSP, 'net/ipv4/af_inet.c').get('def-inet_sendmsg')!);
    assert.deepEqual(
      def.map((o) => [o.symbol, o.symbolRoles]),
      [[sym('inet_sendmsg().'), DEFINITION]],
    );
    assert.equal(def[0].range[2], def[0].range[1] + 'inet_sendmsg'.length);
    assert.ok(def[0].enclosingRange.length >= 3 && def[0].enclosingRange[0] <= def[0].range[0], 'the definition encloses the body');
    const info = af.symbols.find((s) => s.symbol === sym('inet_sendmsg().'))!;
    assert.equal(info.kind, 17);
    assert.equal(info.signature?.text, 'int inet_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)');

    const net = doc('include/linux/net.h');
    const field = at(net, markers(LSP, 'include/linux/net.h').get('field-sendmsg')!);
    assert.deepEqual(
      field.map((o) => [o.symbol, o.symbolRoles]),
      [[sym('proto_ops#sendmsg.'), DEFINITION]],
    );
    assert.equal(net.symbols.find((s) => s.symbol === sym('proto_ops#sendmsg.'))?.kind, 15);
    const struct = net.occurrences.find((o) => o.symbol === sym('proto_ops#'))!;
    const text = readFileSync(path.join(LSP, 'include/linux/net.h'), 'utf8').split('\n')[struct.range[0]];
    assert.equal(text.slice(struct.range[1], struct.range[2]), 'proto_ops');
    assert.equal(struct.symbolRoles, DEFINITION);
    assert.equal(net.symbols.find((s) => s.symbol === sym('proto_ops#'))?.kind, 49);
  });

  test('a direct call is a reference; a static function is named by its file', () => {
    const sock = doc('net/socket.c');
    const nosec = sym('net/`socket.c`/sock_sendmsg_nosec().');
    assert.deepEqual(
      at(sock, markers(LSP, 'net/socket.c').get('call-nosec')!).map((o) => [o.symbol, o.symbolRoles]),
      [[nosec, 0]],
    );
    assert.ok(sock.occurrences.some((o) => o.symbol === nosec && o.symbolRoles === DEFINITION));
    const af = doc('net/ipv4/af_inet.c');
    // A header's static inline function too: each includer has its own copy of the one in that header.
    assert.deepEqual(
      at(af, markers(LSP, 'net/ipv4/af_inet.c').get('call-sk_has_room')!).map((o) => o.symbol),
      [sym('include/net/`sock.h`/sk_has_room().')],
    );
  });

  test('an indirect call is a reference to the field, its hover naming the targets', () => {
    const sock = doc('net/socket.c');
    const [call] = at(sock, markers(LSP, 'net/socket.c').get('nosec-sendmsg')!);
    assert.equal(call.symbol, sym('proto_ops#sendmsg.'));
    assert.equal(call.symbolRoles, 0);
    assert.match(
      call.overrideDocumentation[0],
      /`proto_ops\.sendmsg`: 2 targets .*`inet6_sendmsg` \(net\/ipv6\/af_inet6\.c:\d+\), `inet_sendmsg` \(net\/ipv4\/af_inet\.c:\d+\)/,
    );
    const [prot] = at(doc('net/ipv4/af_inet.c'), markers(LSP, 'net/ipv4/af_inet.c').get('prot-sendmsg')!);
    assert.equal(prot.symbol, sym('proto#sendmsg.'));
  });

  test('each function stored into a field implements it, with where it was stored', () => {
    const inet = doc('net/ipv4/af_inet.c').symbols.find((s) => s.symbol === sym('inet_sendmsg().'))!;
    assert.deepEqual(inet.relationships, [
      { symbol: sym('proto_ops#sendmsg.'), isImplementation: true, isReference: false, isTypeDefinition: false, isDefinition: false },
    ]);
    const init = markers(LSP, 'net/ipv4/af_inet.c').get('init-inet_sendmsg')!;
    assert.ok(
      inet.documentation[0].includes(`\`proto_ops.sendmsg\`: init at net/ipv4/af_inet.c:${init.line + 1}:${init.character + 1}`),
      inet.documentation[0],
    );
    const tcp = doc('net/ipv4/tcp.c').symbols.find((s) => s.symbol === sym('tcp_sendmsg().'))!;
    assert.deepEqual(
      tcp.relationships.map((r) => [r.symbol, r.isImplementation]),
      [[sym('proto#sendmsg.'), true]],
    );
    const room = doc('include/net/sock.h').symbols.find((s) => s.displayName === 'sk_has_room')!;
    assert.deepEqual(room.relationships, []);
    assert.equal(
      e.report.relationships,
      [...e.scip.documents()].reduce((n, d) => n + d.symbols.reduce((k, s) => k + s.relationships.length, 0), 0),
    );
  });

  test('every symbol follows the SCIP grammar and every reference has a definition', () => {
    const name = '(?:[A-Za-z0-9_+$-]+|`(?:[^`]|``)+`)';
    const grammar = new RegExp(`^kpath \\. \\. \\. (?:${name}/)*(?:${name}#)*(?:${name}\\(\\)\\.|${name}\\.)?$`);
    const defined = new Set<string>();
    const referenced = new Set<string>();
    for (const d of e.scip.documents()) {
      for (const o of d.occurrences) (o.symbolRoles & DEFINITION ? defined : referenced).add(o.symbol);
      for (const s of d.symbols) for (const r of s.relationships) referenced.add(r.symbol);
    }
    for (const s of [...defined, ...referenced]) assert.match(s, grammar);
    for (const s of referenced) assert.ok(defined.has(s), `${s} is referenced but never defined`);
  });
});

describe('SCIP export: calls through parameters, globals and copied fields', () => {
  let e: Exported;
  before(async () => {
    e = await exported(MINI);
  });
  const file = 'net/sched/sch_generic.c';
  const lineOf = (needle: string): number =>
    readFileSync(path.join(MINI, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(needle));
  const doc = (): Document => e.scip.document(file)!;

  test('a call through a parameter or a global refers to each target', () => {
    for (const needle of ['return okfn(skb)', 'return handlers[i](skb)']) {
      const refs = doc()
        .occurrences.filter((o) => o.range[0] === lineOf(needle) && o.symbolRoles === 0)
        .map((o) => o.symbol)
        .sort();
      assert.deepEqual(
        refs,
        [sym('net/sched/`sch_generic.c`/arp_finish().'), sym('net/sched/`sch_generic.c`/ip_finish_output().')],
        needle,
      );
    }
  });

  test('a function copied from one field into another implements both', () => {
    const pfifo = doc().symbols.find((s) => s.displayName === 'pfifo_enqueue')!;
    assert.deepEqual(
      pfifo.relationships
        .filter((r) => r.isImplementation)
        .map((r) => r.symbol)
        .sort(),
      [sym('Qdisc#enqueue.'), sym('Qdisc_ops#enqueue.')],
    );
    const [call] = doc().occurrences.filter((o) => o.range[0] === lineOf('return q->enqueue(skb, q)'));
    assert.equal(call.symbol, sym('Qdisc#enqueue.'));
  });
});
