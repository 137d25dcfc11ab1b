// A SCIP reader for the tests, written from scip.proto and the protobuf wire format, apart from
// the writer under test (server/scip/proto.ts): generic fields first, then the messages kpath
// writes, by field number. Documents are decoded one at a time, on demand, so that a test can
// look into a net-scope index (hundreds of MB) without holding it all as objects.

type Value = number | Buffer;

/** Every field of one message: field number → values in order (varints as numbers, length-delimited as bytes). */
export function fieldsOf(buf: Buffer): Map<number, Value[]> {
  const out = new Map<number, Value[]>();
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: Value;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      if (pos + n > buf.length) throw new Error(`field ${field}: length ${n} past the end`);
      value = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wire === 1) {
      value = buf.readDoubleLE(pos);
      pos += 8;
    } else if (wire === 5) {
      value = buf.readFloatLE(pos);
      pos += 4;
    } else throw new Error(`wire type ${wire}`);
    const list = out.get(field);
    if (list) list.push(value);
    else out.set(field, [value]);
  }
  return out;
}

const str = (f: Map<number, Value[]>, n: number): string => (f.get(n)?.[0] as Buffer | undefined)?.toString('utf8') ?? '';
const strs = (f: Map<number, Value[]>, n: number): string[] => (f.get(n) ?? []).map((v) => (v as Buffer).toString('utf8'));
const num = (f: Map<number, Value[]>, n: number): number => (f.get(n)?.[0] as number | undefined) ?? 0;
const msgs = (f: Map<number, Value[]>, n: number): Map<number, Value[]>[] => (f.get(n) ?? []).map((v) => fieldsOf(v as Buffer));

/** A packed (or, as parsers must also accept, unpacked) repeated int32. */
function ints(f: Map<number, Value[]>, n: number): number[] {
  const out: number[] = [];
  for (const v of f.get(n) ?? []) {
    if (typeof v === 'number') {
      out.push(v);
      continue;
    }
    let pos = 0;
    while (pos < v.length) {
      let x = 0;
      let mul = 1;
      for (;;) {
        const b = v[pos++];
        x += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
      out.push(x);
    }
  }
  return out;
}

export interface Metadata {
  version: number;
  tool: { name: string; version: string; arguments: string[] };
  projectRoot: string;
  textDocumentEncoding: number;
}
export interface Occurrence {
  range: number[];
  symbol: string;
  symbolRoles: number;
  overrideDocumentation: string[];
  enclosingRange: number[];
}
export interface Relationship {
  symbol: string;
  isReference: boolean;
  isImplementation: boolean;
  isTypeDefinition: boolean;
  isDefinition: boolean;
}
export interface SymbolInformation {
  symbol: string;
  documentation: string[];
  relationships: Relationship[];
  kind: number;
  displayName: string;
  signature?: { language: string; text: string };
}
export interface Document {
  relativePath: string;
  language: string;
  positionEncoding: number;
  occurrences: Occurrence[];
  symbols: SymbolInformation[];
}

export function decodeDocument(buf: Buffer): Document {
  const f = fieldsOf(buf);
  return {
    relativePath: str(f, 1),
    language: str(f, 4),
    positionEncoding: num(f, 6),
    occurrences: msgs(f, 2).map((o) => ({
      range: ints(o, 1),
      symbol: str(o, 2),
      symbolRoles: num(o, 3),
      overrideDocumentation: strs(o, 4),
      enclosingRange: ints(o, 7),
    })),
    symbols: msgs(f, 3).map((s) => {
      const sig = msgs(s, 7)[0];
      return {
        symbol: str(s, 1),
        documentation: strs(s, 3),
        kind: num(s, 5),
        displayName: str(s, 6),
        relationships: msgs(s, 4).map((r) => ({
          symbol: str(r, 1),
          isReference: num(r, 2) === 1,
          isImplementation: num(r, 3) === 1,
          isTypeDefinition: num(r, 4) === 1,
          isDefinition: num(r, 5) === 1,
        })),
        ...(sig ? { signature: { language: str(sig, 4), text: str(sig, 5) } } : {}),
      };
    }),
  };
}

/** An Index: its metadata, and its documents by path, each decoded when asked. */
export function readIndex(buf: Buffer): {
  metadata: Metadata;
  paths: string[];
  document(path: string): Document | undefined;
  documents(): Iterable<Document>;
} {
  const top = fieldsOf(buf);
  const m = msgs(top, 1);
  if (m.length !== 1) throw new Error(`${m.length} metadata fields (must be exactly one)`);
  const tool = msgs(m[0], 2)[0] ?? new Map();
  const metadata = {
    version: num(m[0], 1),
    tool: { name: str(tool, 1), version: str(tool, 2), arguments: strs(tool, 3) },
    projectRoot: str(m[0], 3),
    textDocumentEncoding: num(m[0], 4),
  };
  const raw = (top.get(2) ?? []) as Buffer[];
  const paths = raw.map((d) => str(fieldsOf(d), 1));
  const at = new Map(paths.map((p, i) => [p, i]));
  return {
    metadata,
    paths,
    document: (p) => {
      const i = at.get(p);
      return i === undefined ? undefined : decodeDocument(raw[i]);
    },
    *documents() {
      for (const d of raw) yield decodeDocument(d);
    },
  };
}

/** The first top-level field number of an index file (SCIP streams: metadata must come first). */
export function firstField(buf: Buffer): number {
  return Math.floor(buf[0] / 8);
}
