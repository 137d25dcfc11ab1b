// Reading files, the one way kpath does it. A name in the tree, the cache folder or a setting can be
// anything: a FIFO (opening it for reading waits for a writer, forever), a device, a file far larger
// than a string can hold, or a regular file swapped for one of these between a scan and a read. So
// every read opens without blocking, looks at what it opened (fstat on the descriptor, not on the
// name), and refuses what is not a regular file or is over the caller's size cap, before reading.
//
// Text kept on disk instead of in memory is a byte range of such an open file (a FileSlice). The
// unread parts of a file's facts (its calls, signatures and plain #defines: 517 MB of strings over
// the whole tree) stay in the cache file and are read when a query first needs them. The file is
// held open, so a newer cache renamed over it later does not change what these ranges read; the
// descriptor is closed once no slice refers to it any more.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
});

export class OpenFile {
  private closed = false;

  constructor(readonly fd: number) {
    closer.register(this, fd, this);
  }

  /** `length` bytes from `offset`; throws if the file ends first. */
  bytes(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, offset + got);
      if (n === 0) throw new Error(`the index cache ended before byte ${offset + length} (was it truncated while in use?)`);
      got += n;
    }
    return buf;
  }

  /** Up to `length` bytes from the start: fewer if the file is shorter now than when it was measured. */
  head(length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    for (let n = 1; got < length && n > 0; got += n) n = readSync(this.fd, buf, got, length - got, got);
    return buf.subarray(0, got);
  }

  read(offset: number, length: number): string {
    return this.bytes(offset, length).toString('utf8');
  }

  /** Close now rather than when collected (a file read whole, not sliced). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closer.unregister(this);
    closeSync(this.fd);
  }
}

export interface FileSlice {
  file: OpenFile;
  offset: number;
  length: number;
}

/** Text in memory, or where it is on disk. */
export type LazyText = string | FileSlice;

export function textOf(t: LazyText): string {
  return typeof t === 'string' ? t : t.file.read(t.offset, t.length);
}

/** A file kpath would not read: not a regular file, or over a size cap. The message is one line for the user. */
export class FileRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

export function megabytes(bytes: number): string {
  const mb = bytes / 1048576;
  return `${Number.isInteger(mb) || mb >= 10 ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a folder';
  return 'something else';
}

export interface RegularFile {
  file: OpenFile;
  size: number;
  mtimeMs: number;
}

/**
 * Open a regular file for reading, or throw: FileRefused for anything else (a FIFO or device is
 * opened without blocking, looked at and closed unread), the system's error when it cannot be opened.
 * `maxBytes` refuses a larger file before any of it is read. The caller reads, then closes (or keeps
 * the file open for slices).
 */
export function openRegular(file: string, maxBytes = Infinity): RegularFile {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let st: Stats;
  try {
    st = fstatSync(fd);
    if (!st.isFile()) throw new FileRefused(file, `${kindOf(st)}, not a regular file`);
    if (st.size > maxBytes) throw new FileRefused(file, `${megabytes(st.size)}, over the ${megabytes(maxBytes)} limit`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { file: new OpenFile(fd), size: st.size, mtimeMs: st.mtimeMs };
}

/** The whole of a regular file of at most `maxBytes` (see openRegular), with its size and mtime as opened. */
export function readRegular(file: string, maxBytes: number): { bytes: Buffer; mtimeMs: number } {
  const open = openRegular(file, maxBytes);
  try {
    return { bytes: open.file.head(open.size), mtimeMs: open.mtimeMs };
  } finally {
    open.file.close();
  }
}
