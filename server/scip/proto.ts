// The few protobuf encodings a SCIP index needs, written by hand: varints, strings, packed
// non-negative int32 lists and nested messages, into one growing buffer that is reused from one
// document to the next. proto3 leaves out fields at their default (0, false, ''), and so do we.
// A nested message is written in place and its length put in front afterwards (the body is moved
// by the few bytes the length takes), so no message is built twice.

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Bytes a varint of `v` takes. */
function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export class ProtoWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** A non-negative integer below 2^53. */
  private varint(v: number): void {
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An enum, int32 or uint32 field (non-negative). */
  uint(field: number, v: number): void {
    if (!v) return;
    this.tag(field, VARINT);
    this.varint(v);
  }

  bool(field: number, v: boolean): void {
    if (!v) return;
    this.tag(field, VARINT);
    this.varint(1);
  }

  /** A string field; for a repeated one, call once per element (`always`: an empty element is kept). */
  string(field: number, s: string, always = false): void {
    if (!s && !always) return;
    const n = Buffer.byteLength(s, 'utf8');
    this.tag(field, LENGTH_DELIMITED);
    this.varint(n);
    this.ensure(n);
    this.len += this.buf.write(s, this.len, n, 'utf8');
  }

  /** A packed `repeated int32` of non-negative values (SCIP's ranges). */
  packed(field: number, values: readonly number[]): void {
    if (!values.length) return;
    let size = 0;
    for (const v of values) size += varintSize(v);
    this.tag(field, LENGTH_DELIMITED);
    this.varint(size);
    for (const v of values) this.varint(v);
  }

  /** A nested message, written by `body` into this writer. */
  message(field: number, body: (w: this) => void): void {
    this.tag(field, LENGTH_DELIMITED);
    const start = this.len;
    body(this);
    const size = this.len - start;
    const prefix = varintSize(size);
    this.ensure(prefix);
    this.buf.copyWithin(start + prefix, start, this.len);
    const end = this.len + prefix;
    this.len = start;
    this.varint(size);
    this.len = end;
  }

  /** What was written since the last reset (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  reset(): void {
    this.len = 0;
  }
}
